"""Sizes of homology classes against hand-computed radii (issue 23: a size for every class)."""
import numpy as np
import pytest

import topodestruct as td
from topodestruct.geometry.sizes import class_sizes, mesh_resolution


def loop(points):
    n = len(points)
    return np.asarray(points, dtype=float), np.array([(i, (i + 1) % n) for i in range(n)])


def _within(size, truth, S, below=1.0, above=1.0):
    """The module's bound: a class of size s shows dying in
    [(s - delta) / below, above (s + delta)]."""
    return (truth - S.delta) / below - 1e-9 <= size <= above * (truth + S.delta) + 1e-9


def test_thin_slit_dies_at_half_its_width():
    w = 0.2                                                    # a 4 x 0.2 rectangle loop
    X, E = loop([(0, 0), (4, 0), (4, w), (0, w)])
    S = class_sizes(X, E, [1, 1], max_points=800)
    assert S.method == "alpha" and S.delta < 0.05
    assert _within(S.sizes[1][0], w / 2, S)
    assert S.stable(0.5) == [1, 0] and S.stable(0.05) == [1, 1]


def test_two_components_die_at_half_their_gap():
    X = np.array([[0.0, 0], [1, 0], [3, 0], [4, 0]])           # gap 2
    S = class_sizes(X, np.array([(0, 1), (2, 3)]), [2, 0])
    assert S.sizes[0][0] == np.inf and _within(S.sizes[0][1], 1.0, S)


def test_sphere_void_dies_at_its_radius():
    K = td.complexes.cube_sphere(6)
    X = K.coordinates / np.linalg.norm(K.coordinates, axis=1, keepdims=True) * 2.0
    S = class_sizes(X, np.searchsorted(K.vertices, K.simplices(2)), [1, 0, 1])
    # the polyhedron is inscribed in the radius-2 sphere: its void dies a little before 2
    assert 1.8 - S.delta <= S.sizes[2][0] <= 2.0 + S.delta


def _circle_in(n, points=90):
    t = np.linspace(0, 2 * np.pi, points, endpoint=False)
    Q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(n, n)))
    return loop(np.c_[np.cos(t), np.sin(t), np.zeros((points, n - 2))] @ Q.T)


def test_alpha_route_in_five_dimensions_reads_the_cech_radius():
    """A circle of radius 1 embedded in R^5 by a random rotation: the alpha (Cech)
    filtration, computed in the sample's affine hull, kills the loop at radius 1."""
    X, E = _circle_in(5)
    S = class_sizes(X, E, [1, 1])
    assert S.method == "alpha"
    assert _within(S.sizes[1][0], 1.0, S)


def test_rips_route_above_five_dimensions():
    """The same circle in R^7: Rips at half the edge length dies between
    1 / (sqrt(2) (1 + SPARSE_RIPS)) and (1 + SPARSE_RIPS) (Cech: 1)."""
    from topodestruct.geometry.sizes import SPARSE_RIPS

    X, E = _circle_in(7)
    S = class_sizes(X, E, [1, 1])
    assert S.method == "rips"
    assert _within(S.sizes[1][0], 1.0, S, below=np.sqrt(2) * (1 + SPARSE_RIPS),
                   above=1 + SPARSE_RIPS)


def test_found_factor_holds_for_a_slit_at_the_threshold():
    """Every class of size > found_factor * delta is found (module notes): slits of
    half-width just above that bound, sampled as coarsely as the bound allows."""
    from topodestruct.geometry.sizes import _sample, found_factor

    for n, method in ((2, "alpha"), (5, "alpha"), (7, "rips")):
        Q, _ = np.linalg.qr(np.random.default_rng(n).normal(size=(n, n)))
        for w in (0.3, 0.6):                                    # half-widths of the slit
            pts = np.array([(0, -w), (6, -w), (6, w), (0, w)])
            X, E = loop(np.c_[pts, np.zeros((4, n - 2))] @ Q.T)
            P, delta = _sample(X, E, 500, delta_target=w / found_factor(method) * 0.99)
            assert found_factor(method) * delta < w
            S = class_sizes(X, E, [1, 1], sample=(P, delta))
            assert S.method == method and S.sizes[1][0] > 0, (n, w, delta)


def test_a_class_below_the_resolution_is_unresolved():
    w = 1e-4
    X, E = loop([(0, 0), (4, 0), (4, w), (0, w)])
    S = class_sizes(X, E, [1, 1], max_points=200)
    assert S.sizes[1][0] == 0 and S.delta > w


def test_nine_squares_row_zero_has_the_hand_computed_gaps():
    """Outer ring of eight squares 2.5 apart, the centre 2.5 sqrt(2) from its nearest:
    H0 dies at 7 x 1.25 and 1.25 sqrt(2) (single linkage, half the gaps)."""
    from test_exact_invariance import nine_squares

    K = nine_squares(4, "A")
    net = td.networks.mlp([2, 3], init="kaiming", random_state=0)
    prof = td.profile(net, K, exact=True, n_neighbors=3, sizes=True)
    row = prof.rows[0]
    sizes = row["image_sizes"][0]
    assert sizes[0] == np.inf
    assert abs(sizes[1] - 1.25 * np.sqrt(2)) <= row["size_delta"]
    assert all(abs(s - 1.25) <= row["size_delta"] for s in sizes[2:])
    assert row["resolution"] == pytest.approx(2.5 / 4 * np.sqrt(2))
    assert row["image_stable"] == [9, 0, 0]
    assert all("image_stable" in r for r in prof.rows)


def test_mesh_resolution_is_the_largest_image_of_a_simplex():
    X = np.array([[0.0, 0], [1, 0], [0, 1], [3, 3]])
    T = np.array([(0, 1, 2), (1, 2, 3)])
    assert mesh_resolution(X, T) == pytest.approx(np.hypot(2, 3))
    # two pieces of one parent: the union's diameter
    assert mesh_resolution(X, T, parent=[0, 0]) == pytest.approx(np.hypot(3, 3))


def test_fold_makes_two_thin_pockets_of_known_size():
    """(x, y) -> (|x|, y) on the loop (-1, 0), (0, 1), (1, w), (0, -1): the image is the
    polygon (1, 0), (0, 1), (1, w), (0, -1) whose edges (1, 0)-(0, 1) and (1, w)-(0, -1)
    cross at P = (2 / (2 + w), w / (2 + w)); its two holes are the triangles
    (P, (0, 1), (1, w)) and ((1, 0), P, (0, -1)), and a hole of the thickened boundary
    fills at its inradius 2 area / perimeter."""
    w = 0.1
    loop_ = td.SimplicialComplex([(0, 1), (1, 2), (2, 3), (0, 3)],
                                 coordinates=[[-1.0, 0], [0, 1], [1, w], [0, -1]])
    fold = [(np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]]), np.zeros(4)),
            (np.array([[1.0, 1, 0, 0], [0, 0, 1, -1]]), np.zeros(2))]
    from topodestruct.analysis.depth_routes import image_size_row

    net = td.as_network(fold, final_activation=None)           # layer 2 is (|x|, y)
    rep = td.analyze(net, loop_, layer=2, estimate=None, exact=True)
    assert rep.image_homology.betti == [1, 2]
    R = rep.refinement
    row = image_size_row(R.values(2), R.simplices, R.parent, rep.image_homology.betti)

    P = np.array([2 / (2 + w), w / (2 + w)])

    def inradius(a, b, c):
        a, b, c = map(np.asarray, (a, b, c))
        (u1, u2), (v1, v2) = b - a, c - a
        area = abs(u1 * v2 - u2 * v1) / 2
        return 2 * area / (np.linalg.norm(b - a) + np.linalg.norm(c - b) + np.linalg.norm(a - c))

    truth = sorted([inradius(P, (0, 1), (1, w)), inradius((1, 0), P, (0, -1))], reverse=True)
    assert all(abs(s - t) <= row["size_delta"] + 1e-9 for s, t in zip(row["image_sizes"][1], truth))
    assert max(truth) < 0.05 and row["size_delta"] < min(truth) / 2


def test_sample_of_a_point_sized_image_warns_nothing():
    # a layer that maps a whole triangle to one point: the sample is that point, exactly
    # (the step search once underflowed to 0 and divided by it)
    import warnings

    from topodestruct.geometry.sizes import _sample

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pts, delta = _sample(np.zeros((3, 2)), np.array([[0, 1, 2]]), 100)[:2]
    assert delta == 0.0 and np.all(np.asarray(pts) == 0.0)


# --- solids: tetrahedra (issue 25: sizes and stability in 3-D) --------------------------
def _tets(K):
    return K.coordinates, np.searchsorted(K.vertices, K.simplices(3))


def test_tetrahedron_grid_covers_within_the_longest_edge_over_s():
    # the bound of the module notes, checked by brute force: random (also flat) tetrahedra,
    # random points inside, nearest grid point at most (longest edge) / s away
    from topodestruct.geometry.sizes import _grid

    rng = np.random.default_rng(0)
    worst = 0.0
    for trial in range(200):
        V = rng.normal(size=(4, 3)) * rng.uniform(0.1, 3, size=3)
        D = max(np.linalg.norm(V[a] - V[b]) for a in range(4) for b in range(a))
        s = int(rng.integers(1, 5))
        G = _grid(s, 3) @ V
        lam = rng.dirichlet(np.ones(4) * rng.uniform(0.2, 3), size=300)
        X = lam @ V
        d = np.linalg.norm(X[:, None] - G[None], axis=2).min(1)
        worst = max(worst, float((d * s / D).max()))
    assert worst <= 1.0
    assert len(_grid(3, 3)) == 20                       # (s+1)(s+2)(s+3)/6 points


def test_solid_sample_is_within_its_delta():
    # _sample's delta for tetrahedra (its grid constant) against brute force
    from topodestruct.geometry.sizes import _sample

    rng = np.random.default_rng(1)
    for trial in range(50):
        V = rng.normal(size=(8, 3)) * rng.uniform(0.1, 3, size=3)
        T = np.array([[0, 1, 2, 3], [4, 5, 6, 7]])
        P, delta = _sample(V, T, int(rng.integers(10, 400)))
        X = np.concatenate([rng.dirichlet(np.ones(4), size=300) @ V[t] for t in T])
        assert np.linalg.norm(X[:, None] - P[None], axis=2).min(1).max() <= delta + 1e-12


@pytest.mark.parametrize("n", [5, 7])
def test_solid_square_ring_loop_dies_when_its_hole_fills(n):
    from solid_builders import ring

    from topodestruct.geometry.sizes import found_factor

    X, T = _tets(ring(n))         # cubes around an (n-2) x (n-2) hole, one layer thick
    S = class_sizes(X, T, [1, 1, 0])
    # the hole's axis is (n-2)/2 from the inner faces: a spanning disc is covered then
    truth = (n - 2) / 2
    assert S.method == "alpha" and found_factor("alpha") * S.delta < truth   # must be found
    assert S.sizes[0][0] == np.inf and _within(S.sizes[1][0], truth, S)


def test_thick_cube_shell_void_dies_at_its_inradius():
    from solid_builders import cube_shell

    from topodestruct.geometry.sizes import found_factor

    X, T = _tets(cube_shell(5))   # the cube [1, 4]^3 is the cavity: its centre 1.5 away
    S = class_sizes(X, T, [1, 0, 1], max_points=40000)
    assert found_factor("alpha") * S.delta < 1.5
    assert _within(S.sizes[2][0], 1.5, S)
    assert S.stable(1.0) == [1, 0, 1] and S.stable(2.0) == [1, 0, 0]


def test_rips_too_large_bounds_the_complex_that_would_be_built():
    """The bound counts at least the simplices gudhi builds (dense Rips, same threshold and
    top dimension), and refuses a complete complex of tetrahedra on 500 points."""
    import gudhi
    from scipy.spatial import cKDTree
    from scipy.special import comb

    from topodestruct.geometry import sizes as S

    rng = np.random.default_rng(3)
    P = rng.normal(size=(60, 6))
    for betti, top in (([1], 1), ([1, 2], 2), ([1, 0, 1], 3)):
        st = gudhi.RipsComplex(points=P, max_edge_length=2.0).create_simplex_tree(
            max_dimension=top)
        built = sum(1 for s, _ in st.get_simplices() if len(s) == top + 1)
        pairs = cKDTree(P).query_pairs(2.0, output_type="ndarray")
        bound = comb(np.bincount(pairs.ravel(), minlength=len(P)), top).sum() / (top + 1)
        assert built <= bound
        old, S.RIPS_MAX_SIMPLICES = S.RIPS_MAX_SIMPLICES, built - 1
        try:
            assert S.rips_too_large(P, 2.0, betti)      # past a limit below what is built
        finally:
            S.RIPS_MAX_SIMPLICES = old
    Q = rng.normal(size=(500, 15)) * 1e-3
    assert S.rips_too_large(Q, 1.0, [1, 0, 1]) and not S.rips_too_large(Q, 1.0, [1])
