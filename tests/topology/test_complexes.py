"""SimplicialComplex structure, builders, conversions and input validation."""
from collections import Counter
from math import comb

import gudhi
import numpy as np
import pytest

import topodestruct as td
from topodestruct import complexes as cx


def edge_triangle_counts(K):
    counts = Counter()
    for t in K.simplices(2).tolist():
        for e in ((t[0], t[1]), (t[0], t[2]), (t[1], t[2])):
            counts[e] += 1
    return counts


def is_closed_surface(K):
    """Every edge in exactly 2 triangles and every vertex link a single cycle (pure Python)."""
    if K.dimension != 2 or set(edge_triangle_counts(K).values()) != {2}:
        return False
    if len(edge_triangle_counts(K)) != len(K.simplices(1)):
        return False
    for v in K.vertices.tolist():
        link = [tuple(x for x in t if x != v) for t in K.simplices(2).tolist() if v in t]
        adj = {}
        for a, b in link:
            adj.setdefault(a, []).append(b)
            adj.setdefault(b, []).append(a)
        if any(len(n) != 2 for n in adj.values()):
            return False
        start = next(iter(adj))
        seen, prev, cur = {start}, None, start
        while True:  # walk the cycle
            nxt = adj[cur][0] if adj[cur][0] != prev else adj[cur][1]
            if nxt == start:
                break
            seen.add(nxt)
            prev, cur = cur, nxt
        if len(seen) != len(adj):
            return False
    return True


# ----------------------------------------------------------------------------- structure
def test_closure_and_sorting():
    K = td.SimplicialComplex([(2, 1, 0), (3, 2)])
    assert K.dimension == 2
    assert K.simplices(0).tolist() == [[0], [1], [2], [3]]
    assert K.simplices(1).tolist() == [[0, 1], [0, 2], [1, 2], [2, 3]]
    assert K.simplices(2).tolist() == [[0, 1, 2]]
    assert K.simplices(3).shape == (0, 4)
    assert not K.simplices(1).flags.writeable
    arr = td.SimplicialComplex(np.array([[0, 1, 2], [1, 2, 3]]))
    assert arr.f_vector == (4, 5, 2)
    assert (0, 2) in K and (0, 3) not in K


@pytest.mark.parametrize("n,m", [(3, 3), (3, 5), (6, 6), (7, 4)])
def test_torus_and_klein_are_closed_surfaces(n, m):
    for K in (cx.torus(n, m), cx.klein_bottle(n, m)):
        assert K.f_vector == (n * m, 3 * n * m, 2 * n * m)
        assert is_closed_surface(K)
        assert K.euler_characteristic == 0
        assert K.coordinates.shape == (n * m, 3)


def test_projective_plane_and_sphere_are_closed_surfaces():
    assert is_closed_surface(cx.projective_plane())
    assert cx.projective_plane().euler_characteristic == 1
    assert is_closed_surface(cx.projective_plane(1))
    assert is_closed_surface(cx.sphere(2))


@pytest.mark.parametrize("d", [0, 1, 2, 3, 5])
def test_sphere_f_vector(d):
    S = cx.sphere(d)
    assert S.f_vector == tuple(comb(d + 2, k + 1) for k in range(d + 1))
    assert np.allclose(np.linalg.norm(S.coordinates, axis=1), 1)
    assert S.coordinates.shape == (d + 2, d + 1)


def test_circle_convention():
    C = cx.circle(8)
    assert C.simplices(1).tolist() == sorted(sorted([i, (i + 1) % 8]) for i in range(8))
    angles = np.arctan2(C.coordinates[:, 1], C.coordinates[:, 0]) % (2 * np.pi)
    assert np.allclose(angles, 2 * np.pi * np.arange(8) / 8)


def test_torus_grid_convention():
    n, m = 6, 6
    T = cx.torus(n, m)
    # grid vertex (i, j) = i * m + j; j is the angle around the z axis, i around the tube
    phi = np.arctan2(T.coordinates[:, 1], T.coordinates[:, 0]) % (2 * np.pi)
    assert np.allclose(phi.reshape(n, m), (2 * np.pi * np.arange(m) / m)[None, :])
    assert np.allclose(np.arcsin(T.coordinates[:, 2]).reshape(n, m)[:, 0],
                       np.arcsin(np.sin(2 * np.pi * np.arange(n) / n)))
    for verts in ([6 * i for i in range(6)], range(6)):
        loop = T.full_subcomplex(verts)
        assert loop.f_vector == (6, 6)
        assert [len(c.vertices) for c in loop.connected_components()] == [6]


@pytest.mark.parametrize("n", [3, 5, 8])
def test_mobius_band_and_disk(n):
    M = cx.mobius_band(n)
    assert M.f_vector == (2 * n, 4 * n, 2 * n)
    counts = Counter(edge_triangle_counts(M).values())
    assert counts == {1: 2 * n, 2: 2 * n}          # boundary edges, interior edges
    boundary = M.boundary()
    assert boundary.f_vector == (2 * n, 2 * n)      # a single circle of length 2n
    assert len(boundary.connected_components()) == 1
    D = cx.disk(n)
    assert D.f_vector == (n + 1, 2 * n, n)
    assert D.boundary().f_vector == (n, n)


def test_boundary_rejects_low_dimension():
    with pytest.raises(ValueError):
        td.SimplicialComplex([(0,)]).boundary()


def test_full_subcomplex_and_masks():
    K = cx.sphere(2)                                   # boundary of the tetrahedron
    A = K.full_subcomplex([0, 1, 2])
    assert A.f_vector == (3, 3, 1)
    B = K.full_subcomplex(np.array([True, True, True, False]))
    assert A == B
    assert A.is_subcomplex_of(K) and not K.is_subcomplex_of(A)
    assert K.full_subcomplex([]).is_empty()
    assert A.coordinates.shape == (3, 3)


def test_connected_components_and_unions():
    U = cx.disjoint_union(cx.circle(3), cx.sphere(2), cx.torus(3, 3))
    comps = U.connected_components()
    assert [C.f_vector for C in comps] == [(3, 3), (4, 6, 4), (9, 27, 18)]
    assert cx.union(*comps) == U
    assert all(C == U.full_subcomplex(C.vertices) for C in comps)
    V = cx.disjoint_union(cx.torus(3, 3), cx.klein_bottle(3, 4))
    parts = V.connected_components()
    assert np.array_equal(parts[0].coordinates, cx.torus(3, 3).coordinates)
    assert np.array_equal(parts[1].coordinates, cx.klein_bottle(3, 4).coordinates)
    W = cx.wedge(cx.circle(4), cx.torus(3, 3))
    assert W.f_vector == (4 + 9 - 1, 4 + 27, 18)
    assert len(W.connected_components()) == 1


def test_maximal_simplices_and_cone():
    K = td.SimplicialComplex([(0, 1, 2), (2, 3), (4,)])
    assert sorted(K.maximal_simplices()) == [(0, 1, 2), (2, 3), (4,)]
    C = cx.cone(K)
    assert sorted(C.maximal_simplices()) == [(0, 1, 2, 5), (2, 3, 5), (4, 5)]


def test_barycentric_subdivision():
    sd = cx.barycentric_subdivision(cx.simplex(2))
    assert sd.f_vector == (7, 12, 6)
    sd3 = cx.barycentric_subdivision(cx.simplex(3))
    assert sd3.f_vector[-1] == 24                        # 4! flags
    assert sd.coordinates.shape == (7, 3)


def test_gudhi_round_trip():
    for K in (cx.torus(3, 4), cx.projective_plane(), td.SimplicialComplex([(0, 1, 2), (2, 5)])):
        st = cx.to_simplex_tree(K)
        assert st.num_simplices() == len(K)
        assert cx.from_simplex_tree(st) == K
        independent = gudhi.SimplexTree()
        for s in K.maximal_simplices():
            independent.insert(list(s))
        assert td.SimplicialComplex.from_simplex_tree(independent) == K


def test_repr():
    assert repr(cx.torus(3, 3)) == "SimplicialComplex(dimension=2, f_vector=(9, 27, 18))"


def test_cli_argument_forms():
    # topodestruct/cli.py calls these exact forms
    for K in (cx.circle(8), cx.sphere(2), cx.torus(6, 6), cx.klein_bottle(6, 6),
              cx.projective_plane(), cx.mobius_band()):
        assert K.coordinates is not None and K.coordinates.shape[0] == K.n_vertices


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad,exc,match", [
    ([(0, -1)], ValueError, "non-negative"),
    ([(0, 1.5)], TypeError, "integers"),
    (np.array([[0.0, 1.0]]), TypeError, "integers"),
    ([(0, (1, 2))], TypeError, "integers"),
    ([(0, 1), 2], TypeError, "sequence"),
    ([(0, 0, 1)], ValueError, "repeated vertex"),
    ([()], ValueError, "empty simplex"),
    (np.array([0, 1, 2]), ValueError, "shape"),
    ("abc", TypeError, "iterable"),
    ([(True, False)], TypeError, "integers"),
])
def test_bad_simplices(bad, exc, match):
    with pytest.raises(exc, match=match):
        td.SimplicialComplex(bad)


def test_bad_builders_and_subcomplexes():
    with pytest.raises(ValueError, match=">= 3"):
        cx.torus(2, 5)
    with pytest.raises(TypeError):
        cx.klein_bottle(3.5)
    with pytest.raises(ValueError, match="not a vertex"):
        cx.circle(4).full_subcomplex([0, 7])
    with pytest.raises(ValueError, match="mask"):
        cx.circle(4).full_subcomplex(np.array([True, False]))
    with pytest.raises(ValueError, match="coordinates"):
        td.SimplicialComplex([(0, 1)], coordinates=np.zeros((3, 2)))


# ---- issue 15 (1): one rule for empty complexes: a valid object with zero homology
@pytest.mark.parametrize("make", [
    lambda: td.SimplicialComplex([]),
    lambda: td.SimplicialComplex(np.zeros((0, 3), dtype=int)),
    lambda: cx.torus(4, 4).full_subcomplex([]),
    lambda: cx.from_simplex_tree(__import__("gudhi").SimplexTree()),
    lambda: cx.barycentric_subdivision(td.SimplicialComplex([])),
    lambda: cx.union(td.SimplicialComplex([]), td.SimplicialComplex([])),
], ids=["list", "array", "full_subcomplex", "simplex_tree", "subdivision", "union"])
def test_empty_complexes_are_valid_with_zero_homology(make):
    E = make()
    assert E.is_empty() and E.dimension == -1 and E.f_vector == () and len(E) == 0
    assert E == td.SimplicialComplex([])
    assert E.connected_components() == [] and E.maximal_simplices() == []
    assert td.homology(E) == td.Homology([0]) and str(td.homology(E)) == "H0 = 0"
    assert td.relative_homology(E, E) == td.Homology([0])
    assert td.quotient_homology(E, [E]) == td.Homology([0])
    assert E.is_subcomplex_of(cx.circle(3))


def test_empty_pieces_change_nothing():
    T = cx.torus(4, 4)
    E = T.full_subcomplex([])
    assert td.relative_homology(T, E) == td.homology(T)
    assert td.relative_homology(T, []) == td.homology(T)
    assert td.quotient_homology(T, [E, E]) == td.homology(T)
    # the cone on the empty complex is a point (one vertex, H0 = Z)
    assert cx.cone(E).f_vector == (1,) and td.homology(cx.cone(E)) == td.Homology([1])
    with pytest.raises(ValueError, match="empty"):
        cx.wedge(E, cx.circle(3))


def test_empty_cubical_complex():
    CubicalComplex = td.CubicalComplex
    E = CubicalComplex(np.zeros((3, 3), dtype=bool))
    assert E.is_empty() and td.homology(E) == td.Homology([0])
    assert td.relative_homology(E, E) == td.Homology([0])
    K = CubicalComplex(np.ones((3, 3), dtype=bool))
    assert td.relative_homology(K, K.subcomplex(np.zeros((3, 3), dtype=bool))) == td.homology(K)


# ---- issue 15 (3): NaN / infinite coordinates are rejected, naming the problem
@pytest.mark.parametrize("bad,what", [(np.nan, "NaN"), (np.inf, "infinite"), (-np.inf, "infinite")])
def test_non_finite_coordinates_rejected(bad, what):
    coords = np.zeros((3, 2))
    coords[1, 0] = bad
    with pytest.raises(ValueError, match=f"coordinates must be finite.*{what} row 1"):
        td.SimplicialComplex([(0, 1, 2)], coordinates=coords)
    assert np.isfinite(coords[0]).all()  # the caller's array is left alone


def test_coordinates_not_numbers_rejected():
    with pytest.raises(TypeError, match="coordinates must be an array of real numbers"):
        td.SimplicialComplex([(0, 1)], coordinates=[["a", "b"], ["c", "d"]])
