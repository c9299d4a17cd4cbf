"""Exact image homology and the overlap source on folds with hand-computed answers."""
import numpy as np
import pytest

import topodestruct as td
from topodestruct.geometry.image_complex import image_complex, image_homology, refine_image


def betti(H, length=None):
    """Betti numbers, padded with zeros to ``length``; torsion must vanish."""
    assert not any(H.torsion)
    b = list(H.betti)
    return b + [0] * ((length or len(b)) - len(b))


# ----------------------------------------------------------------------------- constructions
def symmetric_circle(k=4):
    """A circle polygon mirror-symmetric under x -> -x bit for bit, with vertices at
    (0, -1) and (0, 1); vertex order: bottom, right arc upwards, top, left arc downwards."""
    theta = np.pi / 2 * np.arange(-k + 1, k) / k
    right = np.stack([np.cos(theta), np.sin(theta)], 1)
    left = right[::-1] * [-1, 1]
    pts = np.concatenate([[[0.0, -1.0]], right, [[0.0, 1.0]], left])
    n = len(pts)
    return td.SimplicialComplex([(i, (i + 1) % n) for i in range(n)], coordinates=pts)


def fold(X):
    """(x, ...) -> (|x|, ...)."""
    Y = np.array(X, dtype=float)
    Y[:, 0] = np.abs(Y[:, 0])
    return Y


def symmetric_torus(n=6, m=8):
    """A grid torus in R^3 mirror-symmetric under x -> -x, triangulation included: the
    square diagonals are mirrored on the left half, and x = 0 lies on grid lines."""
    assert m % 4 == 0
    ids = lambda i, j: (i % n) * m + (j % m)  # noqa: E731
    tris = []
    for i in range(n):
        for j in range(m):  # square between u_j and u_{j+1}; right half: j in [-m/4, m/4)
            a, b, c, e = ids(i, j), ids(i + 1, j), ids(i + 1, j + 1), ids(i, j + 1)
            if (j + m // 4) % m < m // 2:
                tris += [(a, b, c), (a, e, c)]
            else:
                tris += [(a, b, e), (b, c, e)]
    v = 2 * np.pi * np.arange(n) / n
    coords = np.zeros((n * m, 3))
    for j in range(-m // 4, m // 4 + 1):  # right half, then mirror to u = pi - u
        u = 2 * np.pi * j / m
        x = 0.0 if abs(j) == m // 4 else np.cos(u)
        y = float(np.sign(j)) if abs(j) == m // 4 else np.sin(u)
        for i in range(n):
            r = 2 + np.cos(v[i])
            p = np.array([r * x, r * y, np.sin(v[i])])
            coords[ids(i, j)] = p
            coords[ids(i, m // 2 - j)] = p * [-1, 1, 1]
    return td.SimplicialComplex(tris, coordinates=coords)


# ----------------------------------------------------------------------------- curves
def test_circle_folded_onto_itself_is_an_interval():
    C = symmetric_circle(4)
    assert np.array_equal(fold(C.coordinates)[1:8], fold(C.coordinates)[9:][::-1])
    R = refine_image(C, fold(C.coordinates))
    L = R.complex
    assert L.f_vector == (9, 8)           # the right arc: 9 vertices, 8 edges
    assert np.array_equal(R.vertex_map[1:8], R.vertex_map[9:][::-1])   # mirrors identified
    assert np.array_equal(L.coordinates[R.vertex_map], fold(C.coordinates))
    assert betti(td.homology(L)) == [1, 0]


def test_fold_of_an_unsymmetric_triangulation_has_thin_pockets():
    # right arc: vertices at multiples of pi/8; left arc (mirrored): odd multiples of pi/16.
    # Inscribed chords [2k, 2k+2] and [2j+1, 2j+3] (in sixteenths) cross iff j in {k-1, k}:
    # 14 crossings, a graph with 16 vertices and 30 edges: H1 = Z^(30-16+1) = Z^15.
    a = np.pi / 16 * np.arange(-8, 9, 2)
    b = np.pi / 16 * np.arange(7, -8, -2)
    right = np.stack([np.cos(a), np.sin(a)], 1)
    right[[0, -1]] = [[0, -1], [0, 1]]
    left = np.stack([-np.cos(b), np.sin(b)], 1)
    pts = np.concatenate([right, left])
    n = len(pts)
    C = td.SimplicialComplex([(i, (i + 1) % n) for i in range(n)], coordinates=pts)
    assert betti(td.homology(C)) == [1, 1]
    assert betti(image_homology(C, fold(pts))) == [1, 15]


def test_figure_eight_crossing():
    t = 2 * np.pi * (np.arange(40) + 0.5) / 40      # the crossing is inside two edges
    X = np.stack([np.sin(2 * t), np.sin(t)], 1)
    C = td.SimplicialComplex([(i, (i + 1) % 40) for i in range(40)], coordinates=X)
    R = refine_image(C, X)
    assert betti(td.homology(R.complex)) == [1, 2]
    assert R.complex.f_vector == (41, 42)         # one new vertex splits two edges
    assert len(R.interactions) == 1


def test_fold_that_keeps_the_topology():
    # circle of radius 1 centred at (1/2, 0), folded by |x|: a lens, still a circle
    t = np.linspace(-np.pi, np.pi, 41)[:-1]
    X = np.stack([0.5 + np.cos(t), np.sin(t)], 1)
    cut = np.sqrt(0.75)
    X = np.concatenate([X[X[:, 0] > 0], [[0.0, cut]], X[(X[:, 0] < 0) & (X[:, 1] > 0)],
                        X[(X[:, 0] < 0) & (X[:, 1] <= 0)], [[0.0, -cut]]])
    ang = np.arctan2(X[:, 1], X[:, 0] - 0.5)
    X = X[np.argsort(ang)]
    n = len(X)
    C = td.SimplicialComplex([(i, (i + 1) % n) for i in range(n)], coordinates=X)
    assert betti(image_homology(C, fold(X))) == [1, 1]


def test_circle_projected_onto_a_line_and_collinear_overlaps():
    C = td.complexes.circle(12)
    X = np.round(C.coordinates, 6)
    assert betti(image_homology(C, X[:, :1])) == [1, 0]
    assert betti(image_homology(C, np.stack([X[:, 0], 2 * X[:, 0]], 1))) == [1, 0]


# ----------------------------------------------------------------------------- surfaces
def test_embeddings_keep_the_homology():
    T = td.complexes.torus(6, 6)
    assert betti(image_homology(T, T.coordinates)) == [1, 2, 1]
    S = td.complexes.sphere(2)
    assert betti(image_homology(S, S.coordinates)) == [1, 0, 1]
    R = refine_image(T, T.coordinates)
    assert R.interactions == [] and R.complex.f_vector == T.f_vector


def test_torus_folded_by_a_reflection_is_a_cylinder():
    T = symmetric_torus(6, 8)
    assert betti(td.homology(T)) == [1, 2, 1]
    assert betti(image_homology(T, T.coordinates)) == [1, 2, 1]
    R = refine_image(T, fold(T.coordinates))
    assert betti(td.homology(R.complex)) == [1, 1, 0]
    assert R.complex.f_vector[2] == T.f_vector[2] // 2   # each image triangle covered twice


def test_torus_shadow_is_an_annulus_and_sphere_shadow_a_disk():
    T = td.complexes.torus(3, 4)                         # every point covered twice or more
    assert betti(image_homology(T, T.coordinates[:, :2])) == [1, 1, 0]
    S = td.complexes.sphere(2)
    assert betti(image_homology(S, S.coordinates[:, :2])) == [1, 0, 0]
    assert betti(image_homology(S, S.coordinates[:, :1]), 3) == [1, 0, 0]


def test_coplanar_overlapping_triangles():
    # a hexagram (two triangles) in a tilted plane of R^3: contractible
    K = td.SimplicialComplex([(0, 1, 2), (3, 4, 5)])
    P = np.array([[0, 0], [6, 0], [3, 6], [0, 4], [6, 4], [3, -2]], dtype=float)
    X = np.stack([P[:, 0], P[:, 1], 0.5 * P[:, 0] - 0.25 * P[:, 1]], 1)
    R = refine_image(K, X)
    assert betti(td.homology(R.complex)) == [1, 0, 0]
    assert td.homology(R.complex).euler_characteristic == 1
    # four overlapping bars (two triangles each) forming a square frame: an annulus
    bars = [(0, 0, 4, 1), (3, 0, 4, 4), (0, 3, 4, 4), (0, 0, 1, 4)]
    tris, pts = [], []
    for x0, y0, x1, y1 in bars:
        b = len(pts)
        pts += [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        tris += [(b, b + 1, b + 2), (b, b + 2, b + 3)]
    F = td.SimplicialComplex(tris)
    assert betti(td.homology(F)) == [4, 0, 0]
    assert betti(image_homology(F, np.array(pts, dtype=float))) == [1, 1, 0]


def test_degenerate_triangles():
    K = td.SimplicialComplex([(0, 1, 2)])
    assert image_complex(K, [[0.0, 0], [1, 1], [2, 2]]).f_vector == (3, 2)   # onto a segment
    assert image_complex(K, [[1.0, 1], [1, 1], [1, 1]]).f_vector == (1,)     # onto a point
    S = td.complexes.sphere(2)
    line = S.coordinates[:, :1] * [[1.0, -2.0, 3.0]]                        # into a line
    assert betti(image_homology(S, line), 3) == [1, 0, 0]


def test_points_and_segments_on_a_triangle():
    # a vertex inside, a vertex on an edge, a segment crossing an edge: one contractible piece
    K = td.SimplicialComplex([(0, 1, 2), (3,), (4,), (5, 6)])
    X = np.array([[0, 0], [4, 0], [0, 4], [1, 1], [2, 0], [1, -1], [1, 3]], dtype=float)
    assert betti(image_homology(K, X)) == [1, 0, 0]
    X[3] = [5, 5]                                 # the first vertex moved outside
    assert betti(image_homology(K, X)) == [2, 0, 0]
    X[5] = [1, 0.5]                               # the segment now starts inside
    assert betti(image_homology(K, X)) == [2, 0, 0]


def test_exact_input_points_and_the_empty_complex():
    from fractions import Fraction as Fr
    K = td.SimplicialComplex([(0, 1), (1, 2)])
    Y = np.array([[Fr(0), Fr(1, 3)], [Fr(1), Fr(2, 3)], [Fr(2), Fr(1)]], dtype=object)
    R = refine_image(K, Y)                      # collinear thirds, exactly: a path
    assert R.complex.f_vector == (3, 2) and [str(x) for x in R.exact[0]] == ["0", "1/3"]
    P = td.SimplicialComplex([(0,), (1,), (2,)])
    assert image_complex(P, np.array([[0.0], [1.0], [0.0]])).f_vector == (2,)
    E = td.SimplicialComplex([])
    assert image_complex(E, np.zeros((0, 2))).f_vector == ()
    assert image_homology(E, np.zeros((0, 2))).betti == td.homology(E).betti


def test_bad_input():
    C = td.complexes.circle(5)
    with pytest.raises(ValueError, match="shape"):
        image_complex(C, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        image_complex(C, np.full((5, 2), np.nan))
    with pytest.raises(TypeError, match="SimplicialComplex"):
        image_complex([(0, 1)], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="dimension"):
        image_complex(td.complexes.simplex(3), np.zeros((4, 3)))


# ----------------------------------------------------------------------------- overlap source
def test_overlaps_of_a_folded_circle_are_counted_and_pulled_back():
    from topodestruct.geometry.overlap import overlap_pairs
    C = symmetric_circle(4)               # 8 edges on each side of x = 0
    ov = overlap_pairs(C, fold(C.coordinates), layer=1)
    # each left edge lands on its mirror (8 segments); it also touches the two right edges
    # next to its mirror at a folded vertex (2 * 7 points, ends at x = 0 excluded)
    assert sorted(o.dimension for o in ov) == [0] * 14 + [1] * 8
    for o in ov:
        assert o.layer == 1 and o.regions == (None, None)
        pa, pb = o.preimage_centroids
        assert np.allclose(fold(pa[None])[0], o.centroid) and np.allclose(fold(pb[None])[0],
                                                                           o.centroid)
        if o.dimension == 1:                 # the two pieces are mirror images
            assert np.allclose(pa * [-1, 1], pb)


def test_overlaps_in_area_of_a_folded_square_have_their_corners():
    """(x, y) -> (|x|, y) on [-1, 1] x [0, 1] (four triangles, symmetric): each left triangle
    lands on its mirror (an overlap in area whose corners are that triangle's, computed only
    when read) and touches the other right triangle along the diagonal."""
    from topodestruct.geometry.overlap import overlap_pairs
    X = np.array([[-1.0, 0], [0, 0], [1, 0], [-1, 1], [0, 1], [1, 1]])
    K = td.SimplicialComplex([(0, 1, 4), (0, 3, 4), (1, 2, 4), (2, 4, 5)], coordinates=X)
    ov = overlap_pairs(K, np.abs(X))
    assert sorted(o.dimension for o in ov) == [1, 1, 2, 2]
    area = {o.simplices: sorted(map(tuple, o.image.tolist())) for o in ov if o.dimension == 2}
    assert area == {((0, 1, 4), (1, 2, 4)): [(0, 0), (0, 1), (1, 0)],
                    ((0, 3, 4), (2, 4, 5)): [(0, 1), (1, 0), (1, 1)]}
    for o in ov:
        assert np.allclose(o.centroid, o.image.mean(0)) and o.to_dict()["dimension"] == o.dimension


def test_quotient_by_both_sources_fold_with_a_dead_region():
    from topodestruct.geometry.overlap import folding
    C = symmetric_circle(6)
    X = C.coordinates
    dead = X[:, 1] < -0.6                                  # an arc around the bottom
    Y = fold(X)
    Y[dead] = [0.0, -2.0]                                  # collapsed to one point
    arc = C.full_subcomplex(C.vertices[dead])
    assert betti(td.homology(arc)) == [1, 0]
    assert betti(td.quotient_homology(C, [arc])) == [1, 1]  # the rank source alone: a circle
    F = folding(C, Y, collapse=[arc], regions=np.where(X[C.simplices(1)[:, 0], 0] < 0, 1, 0))
    assert betti(F.image_homology) == [1, 0] and betti(F.quotient) == [1, 0] and F.agrees
    assert any(o.regions == (1, 0) or o.regions == (0, 1) for o in F.overlaps)
    import json
    assert json.loads(json.dumps(F.to_dict()))["image_homology"] == [1, 0]


def test_quotient_differs_from_the_image_when_a_collapsed_image_is_a_loop():
    from topodestruct.geometry.overlap import folding
    C = td.complexes.circle(6)
    F = folding(C, C.coordinates, collapse=[C])
    assert betti(F.image_homology) == [1, 1] and betti(F.quotient) == [1, 0]
    assert not F.agrees and "differ" in str(F)


def test_collapsed_image_is_the_image_of_the_piece_not_its_vertex_span():
    # collapsing the boundary circle of a triangle (not the triangle) gives the sphere
    from topodestruct.geometry.overlap import folding
    K = td.SimplicialComplex([(0, 1, 2)], coordinates=[[0.0, 0], [1, 0], [0, 1]])
    F = folding(K, K.coordinates, collapse=[K.boundary()])
    assert betti(F.quotient) == [1, 0, 1] and betti(F.image_homology) == [1, 0, 0]
    assert F.collapsed[0].f_vector == (3, 3)


def test_torus_fold_overlaps_are_the_mirrored_triangles():
    from topodestruct.geometry.overlap import overlap_pairs
    T = symmetric_torus(6, 8)
    ov = overlap_pairs(T, fold(T.coordinates))
    two = [o for o in ov if o.dimension == 2]
    assert len(two) == T.f_vector[2] // 2
    for o in two:
        pa, pb = o.preimages
        assert np.allclose(pa * [-1, 1, 1], pb)


# ----------------------------------------------------------------------------- random networks
def _relu_net(rng, widths):
    layers = [(rng.normal(size=(b, a)) * np.sqrt(2 / a), rng.normal(size=b) * 0.1)
              for a, b in zip(widths[:-1], widths[1:])]

    def f(X):
        for k, (W, b) in enumerate(layers):
            X = X @ W.T + b
            if k < len(layers) - 1:
                X = np.maximum(X, 0)
        return X
    return f, layers


def test_exact_forward_reads_a_torch_sequential():
    torch = pytest.importorskip("torch")
    from topodestruct.relu.network import exact_forward
    net = td.networks.mlp([2, 4, 3], random_state=0)
    X = np.random.default_rng(0).normal(size=(6, 2))
    Y = exact_forward(net, X)
    with torch.no_grad():
        ref = net(torch.as_tensor(X, dtype=torch.float64).to(torch.float32)).double().numpy()
    assert np.allclose(Y.astype(float), ref, atol=1e-5)
    W = td.networks.to_weights(net)
    assert np.array_equal(Y, exact_forward(W, X))       # the same rationals from the weights


def test_exact_forward_matches_float_forward():
    from topodestruct.relu.network import exact_forward
    f, layers = _relu_net(np.random.default_rng(0), [2, 5, 4, 3])
    X = np.random.default_rng(1).normal(size=(20, 2))
    Y = exact_forward(layers, X, final_activation=None)
    assert Y.shape == (20, 3) and np.allclose(Y.astype(float), f(X), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="layer"):
        exact_forward(layers, X, layer=4)
    with pytest.raises(ValueError, match="final_activation"):
        exact_forward(layers, X, final_activation="tanh")
    Z = exact_forward(layers, X, layer=2)          # hidden layer 2, after its ReLU
    (W1, b1), (W2, b2) = layers[:2]
    assert np.allclose(Z.astype(float), np.maximum(np.maximum(X @ W1.T + b1, 0) @ W2.T + b2, 0))


def _long_bars(points):
    """Betti numbers of a dense closed-curve sample read from alpha persistence (squared
    radii) at the scale of the sample spacing h: classes born by (3 h)^2 (present as soon as
    the sample is connected into the curve, unlike the loops that a narrow gap between two
    parts of the curve creates later) and alive at (10 h)^2. Also whether the reading is
    clear: no class born by (3 h)^2 dies between (3 h)^2 and (10 h)^2."""
    gudhi = pytest.importorskip("gudhi")
    h = np.linalg.norm(np.diff(points, axis=0, append=points[:1]), axis=1).max()
    st = gudhi.AlphaComplex(points=points).create_simplex_tree()
    st.compute_persistence()
    out, clear = [], True
    for d in (0, 1):
        birth, death = st.persistence_intervals_in_dimension(d).T
        early = birth <= (3 * h) ** 2
        out.append(int((early & (death > (10 * h) ** 2)).sum()))
        clear &= not (early & (death >= (3 * h) ** 2) & (death <= (10 * h) ** 2)).any()
    return out, clear


def test_random_narrow_networks_exact_image_matches_persistence():
    # circles under random 2-3-2 ReLU networks: the exact image of the polygon with exact
    # vertex images against alpha persistence of a dense sample of the network's image, read
    # at the sample's own scale where that reading is clear. A single scale cannot tell a
    # crossing from a near-touch closer than the sample spacing, so a few disagreements are
    # expected (seed 2 below); most clear readings must agree.
    from topodestruct.relu.network import exact_forward
    agree, clear_seeds = 0, 0
    n = 400
    C = td.SimplicialComplex([(i, (i + 1) % n) for i in range(n)])
    t = 2 * np.pi * np.arange(n) / n
    s = 2 * np.pi * np.arange(4000) / 4000
    for seed in range(8):
        f, layers = _relu_net(np.random.default_rng(seed), [2, 3, 2])
        Y = exact_forward(layers, np.stack([np.cos(t), np.sin(t)], 1), final_activation=None)
        exact = betti(image_homology(C, Y), 2)
        long_bars, clear = _long_bars(f(np.stack([np.cos(s), np.sin(s)], 1)))
        clear_seeds += clear
        agree += clear and exact == long_bars
    assert clear_seeds >= 5 and agree >= 0.8 * clear_seeds, (agree, clear_seeds)


def test_near_touch_is_not_a_crossing():
    # seed 2: a full-rank branch passes ~1e-3 from the point onto which a dead arc is
    # collapsed, without crossing the image there; the image is one loop (exact), while
    # persistence at the spacing of a 6000-point sample (~3e-3) sees two.
    from topodestruct.relu.network import exact_forward
    f, layers = _relu_net(np.random.default_rng(2), [2, 3, 2])
    n = 600
    t = 2 * np.pi * np.arange(n) / n
    X = np.stack([np.cos(t), np.sin(t)], 1)
    C = td.SimplicialComplex([(i, (i + 1) % n) for i in range(n)])
    assert betti(image_homology(C, exact_forward(layers, X, final_activation=None)), 2) == [1, 1]
    s = 2 * np.pi * np.arange(60000) / 60000
    Z = f(np.stack([np.cos(s), np.sin(s)], 1))
    hidden = np.maximum(np.stack([np.cos(s), np.sin(s)], 1) @ layers[0][0].T + layers[0][1], 0)
    dead = (hidden > 0).sum(1) == 0
    full = (hidden > 0).sum(1) == 3
    gap = np.linalg.norm(Z[full] - Z[dead][0], axis=1).min()
    assert 3e-4 < gap < 3e-3
    assert _long_bars(f(np.stack([np.cos(s[::10]), np.sin(s[::10])], 1)))[0][1] == 2


def test_octahedron_folded_onto_a_hemisphere():
    pts = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], float)
    S = td.SimplicialComplex([(a, b, c) for a in (0, 1) for b in (2, 3) for c in (4, 5)],
                             coordinates=pts)
    assert betti(td.homology(S)) == [1, 0, 1]
    L = image_complex(S, fold(pts))
    assert L.f_vector == (5, 8, 4) and betti(td.homology(L)) == [1, 0, 0]


def test_torus_squashed_onto_a_plane_encloses_a_void():
    # (x, y, z) -> (x, y, max(z, 0)): the lower half torus lands on the flat annulus z = 0,
    # which closes the upper half into a torus again (a void inside): H = Z, Z^2, Z
    n, m = 8, 12
    T = td.complexes.torus(n, m)
    X = np.array(T.coordinates)
    i = np.repeat(np.arange(n), m)
    X[(i == 0) | (i == n // 2), 2] = 0.0                # the crease circles z = 0 exactly
    Y = X.copy()
    Y[:, 2] = np.maximum(Y[:, 2], 0.0)
    R = refine_image(T, Y)
    assert betti(td.homology(R.complex)) == [1, 2, 1]


# ----------------------------------------------------------------------------- nerve check
def _on_line(p, a, b):
    k = max(range(len(a)), key=lambda r: abs(float(b[r]) - float(a[r])))
    t = (p[k] - a[k]) / (b[k] - a[k])
    return all(p[r] == a[r] + t * (b[r] - a[r]) for r in range(len(a)))


def _hull_pieces(points):
    """Simplices (lists of affinely independent exact points) covering the convex hull of
    coplanar exact points: the point, the segment between the extreme points, or a fan."""
    from topodestruct.geometry import exact as _exact
    pts = list(dict.fromkeys(points))
    if len(pts) == 1:
        return [pts]
    a = pts[0]
    b = max(pts[1:], key=lambda p: sum(abs(float(x) - float(y)) for x, y in zip(p, a)))
    off = [p for p in pts if not _on_line(p, a, b)]
    if not off:
        k = max(range(len(a)), key=lambda r: abs(float(b[r]) - float(a[r])))
        return [[min(pts, key=lambda p: p[k]), max(pts, key=lambda p: p[k])]]
    i, j, _ = _exact.chart(a, b, off[0])
    back = {(p[i], p[j]): p for p in pts}
    flat = sorted(back)

    def cross(o, u, v):
        return (u[0] - o[0]) * (v[1] - o[1]) - (u[1] - o[1]) * (v[0] - o[0])
    hull = []
    for seq in (flat, flat[::-1]):  # monotone chain, strict turns only
        part = []
        for p in seq:
            while len(part) >= 2 and cross(part[-2], part[-1], p) <= 0:
                part.pop()
            part.append(p)
        hull += part[:-1]
    hull = [back[p] for p in hull]
    return [[hull[0], hull[s], hull[s + 1]] for s in range(1, len(hull) - 1)]


def _meet(pieces, others):
    """Corners of (union of pieces) ∩ (union of others), pieces covering convex sets."""
    from topodestruct.geometry import exact as _exact
    return [p for P in pieces for Q in others for p in _exact.intersect(P, Q)]


def nerve_homology(K, images):
    """H_0..H_2 of the nerve of the cover of the image by the images of K's maximal simplices
    (closed convex sets, so the nerve is homotopy equivalent to their union), from its
    3-skeleton. Independent of the image complex's assembly (clusters, cuts, splitting,
    cones); shares only the exact pairwise intersection primitive."""
    from topodestruct.geometry import exact as _exact
    ex = _exact.to_exact(np.asarray(images, dtype=float))
    pos = {int(v): i for i, v in enumerate(K.vertices.tolist())}
    cover = [_hull_pieces([ex[pos[v]] for v in s]) for s in K.maximal_simplices()]
    m = len(cover)
    level = {}
    for i in range(m):
        for j in range(i + 1, m):
            c = _meet(cover[i], cover[j])
            if c:
                level[(i, j)] = c
    pairs = set(level)
    simplices = [(i,) for i in range(m)] + list(pairs)
    for _ in (3, 4):
        nxt = {}
        for key, corners in level.items():
            pieces = _hull_pieces(corners)
            for k in range(key[-1] + 1, m):
                if all((x, k) in pairs for x in key):
                    c = _meet(pieces, cover[k])
                    if c:
                        nxt[key + (k,)] = c
        level = nxt
        simplices += list(level)
    return betti(td.homology(td.SimplicialComplex(simplices)), 4)[:3]


@pytest.mark.parametrize("case", ["hexagram", "frame", "shadow", "octahedron", "squash",
                                  "random3d", "random2d", "crowd2d", "network"])
def test_image_homology_agrees_with_the_nerve_of_the_image_simplices(case):
    rng = np.random.default_rng(7)
    if case == "hexagram":
        K = td.SimplicialComplex([(0, 1, 2), (3, 4, 5)])
        X = np.array([[0, 0], [6, 0], [3, 6], [0, 4], [6, 4], [3, -2]], dtype=float)
    elif case == "frame":
        tris, X = [], []
        for x0, y0, x1, y1 in [(0, 0, 4, 1), (3, 0, 4, 4), (0, 3, 4, 4), (0, 0, 1, 4)]:
            b = len(X)
            X += [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            tris += [(b, b + 1, b + 2), (b, b + 2, b + 3)]
        K, X = td.SimplicialComplex(tris), np.array(X, dtype=float)
    elif case == "shadow":
        K = td.complexes.torus(3, 4)
        X = K.coordinates[:, :2]
    elif case == "octahedron":
        K = td.complexes.sphere(2)
        X = K.coordinates[:, :2]
    elif case == "squash":
        K = td.complexes.torus(4, 6)
        X = np.array(K.coordinates)
        X[:, 2] = np.maximum(X[:, 2], 0.0)
    elif case == "random3d":   # random triangles in R^3 crossing each other
        K = td.SimplicialComplex([(3 * i, 3 * i + 1, 3 * i + 2) for i in range(8)])
        X = np.round(rng.normal(size=(24, 3)), 3)
    elif case == "network":    # a torus through a 3-3 ReLU layer (H = Z, Z, Z^5: pockets)
        K = td.complexes.torus(4, 6)
        from topodestruct.relu.network import exact_forward
        X = exact_forward(_relu_net(rng, [3, 3])[1], K.coordinates).astype(float)
    elif case == "crowd2d":    # many overlapping plane triangles on a coarse grid: shared
        # edges, collinear overlaps and crossings in one cluster (the vertical decomposition)
        K = td.SimplicialComplex([(3 * i, 3 * i + 1, 3 * i + 2) for i in range(12)]
                                 + [(36 + 2 * i, 37 + 2 * i) for i in range(3)])
        X = rng.integers(-3, 4, size=(42, 2)).astype(float)
    else:                      # random triangles and segments in the plane
        K = td.SimplicialComplex([(3 * i, 3 * i + 1, 3 * i + 2) for i in range(5)]
                                 + [(15 + 2 * i, 16 + 2 * i) for i in range(5)])
        X = np.round(rng.normal(size=(25, 2)), 2)
    exact = betti(image_homology(K, X), 3)
    assert exact == nerve_homology(K, X)
    if case == "network":      # the comparison sees closed pockets, not only components
        assert exact[2] > 0


@pytest.mark.parametrize("seed,rank", [(0, 2), (1, 2), (2, 2), (3, 1), (4, 1)])
def test_image_of_subcomplex_equals_the_exact_test_of_every_vertex(seed, rank):
    """Φ(C) inside the image complex: the float pre-filter (a certificate that a vertex lies
    off Φ(σ)) keeps exactly the simplices that the exact test of every vertex against every
    Φ(σ) keeps."""
    from topodestruct.geometry import exact as E
    from topodestruct.geometry.overlap import _independent_corners, image_of_subcomplex

    rng = np.random.default_rng(seed)
    K = td.complexes.disk(6)
    W = rng.normal(size=(2, 2))
    Y = np.abs(K.coordinates @ W + rng.normal(scale=0.3, size=2))   # a fold of the disk
    if rank == 1:   # the disk onto a segment (exactly: (t, 2t)), triangles onto segments
        t = K.coordinates @ W[0] + 0.3
        Y = np.c_[t, 2 * t]
    R = refine_image(K, Y)
    C = td.SimplicialComplex([tuple(s) for s in K.simplices(2)[: len(K.simplices(2)) // 2]])
    got = image_of_subcomplex(R, K, C)
    ex = R.vertex_exact
    kpos = {int(v): i for i, v in enumerate(K.vertices.tolist())}
    hulls = [_independent_corners([ex[kpos[v]] for v in s]) for s in C.maximal_simplices()]
    L = R.complex
    owners = [{k for k, h in enumerate(hulls) if E.intersect([R.exact[w]], h)}
              for w in range(L.n_vertices)]
    want = sorted(tuple(row) for d in range(L.dimension + 1) for row in L.simplices(d).tolist()
                  if set.intersection(*(owners[i] for i in np.searchsorted(L.vertices, row))))
    have = sorted(tuple(row) for d in range(got.dimension + 1)
                  for row in got.simplices(d).tolist())
    assert have == want and len(want) > 0


# ------------------------------------------------- segments of one line, settled by their ranks
@pytest.mark.parametrize("seed", range(6))
def test_segments_of_one_line_meet_as_pair_by_pair(seed):
    """A path folded onto one line many times (vertex images repeat, edges overlap, touch
    and nest): the interactions and overlaps of refine_image, computed for all collinear
    pairs at once from ranks along the line, equal the pair-by-pair answer from exact
    interval ends (every pair of edges, no broad phase, no certificates)."""
    from fractions import Fraction
    rng = np.random.default_rng(seed)
    n = 40
    t = rng.integers(0, 12, n).astype(float)        # positions on the line, repeats
    t[1:][t[1:] == t[:-1]] += 1                     # no edge of K collapses to a point
    K = td.SimplicialComplex([(i, i + 1) for i in range(n - 1)])
    images = np.stack([1 + 2 * t, 3 - t, 0.5 * t], 1)  # the line (1, 3, 0) + t (2, -1, 1/2)
    R = refine_image(K, images)
    pos = {v: Fraction(x) for v, x in enumerate(t.tolist())}
    expect_i, expect_o = set(), set()
    pieces = R.input_simplices
    for a in range(len(pieces)):
        for b in range(a + 1, len(pieces)):
            A, B = sorted(pos[v] for v in pieces[a]), sorted(pos[v] for v in pieces[b])
            lo, hi = max(A[0], B[0]), min(A[1], B[1])
            meet = set() if lo > hi else {lo, hi}
            if meet != set(A) & set(B):
                expect_i.add((a, b, tuple(sorted(meet))))
            common_k = {pos[v] for v in set(pieces[a]) & set(pieces[b])}
            if meet and meet != common_k:
                expect_o.add((a, b, tuple(sorted(meet))))
    along = lambda p: Fraction(int(p[2].p), int(p[2].q)) * 2      # noqa: E731  (z = t / 2)
    got = lambda L: {(min(a, b), max(a, b), tuple(sorted(along(p) for p in I)))  # noqa: E731
                     for a, b, I in L}
    assert len(expect_o) > 10
    assert got(R.interactions) == expect_i
    assert got(R.overlaps) == expect_o



def test_overlap_records_are_made_once_when_read():
    """overlap_pairs returns a sequence whose records are made on access, once: equal to the
    list of them, sliceable, the same record at each index (its corners computed once)."""
    C = td.SimplicialComplex([(0, 1), (1, 2), (2, 3), (0, 3)],
                             coordinates=[[0.0, -1], [1, 0], [0, 1], [-1, 0]])
    from topodestruct.geometry.overlap import overlap_pairs
    O = overlap_pairs(C, np.abs(C.coordinates))
    assert len(O) == 6 and O == list(O) and O[:2] == [O[0], O[1]]
    assert O[0] is O[0] and O[-1] is O[len(O) - 1]
    assert O[0].image is O[0].image
    with pytest.raises(IndexError):
        O[len(O)]


@pytest.mark.parametrize("length", [1.0, 1e-3, 1e-15])
def test_near_line_keeps_every_point_of_a_segment_and_drops_points_off_it(length):
    """The float filter before the exact on-segment test of collapsed segments: points of
    the exact segment (rational, rounded to floats like the corners) are never dropped,
    however short the segment; points a millionth of the size off it are."""
    from fractions import Fraction

    from topodestruct.geometry.overlap import _near_line
    rng = np.random.default_rng(7)
    a = rng.normal(size=15) * 1e3
    b = a + rng.normal(size=15) * length
    fa, fb = ([Fraction(x) for x in v] for v in (a, b))
    ts = [Fraction(int(k), 97) for k in range(98)]
    on = np.array([[float(x + t * (y - x)) for x, y in zip(fa, fb)] for t in ts])
    corners = np.array([a, b, on[40]])           # collinear corners, one inside
    assert _near_line(on, corners).all()
    normal = rng.normal(size=15)
    normal -= (normal @ (b - a)) / max((b - a) @ (b - a), 1e-300) * (b - a)
    normal /= np.linalg.norm(normal)
    off = on + 1e-6 * (1 + np.abs(on).max()) * normal
    assert not _near_line(off, corners).any()
