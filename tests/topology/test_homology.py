"""Homology against analytic answers (the expected groups are textbook facts)."""
import numpy as np
import pytest

import topodestruct as td
from topodestruct import complexes as cx


def groups(H):
    return H.betti, H.torsion


@pytest.mark.parametrize("d", [0, 1, 2, 3, 4])
def test_spheres(d):
    # H(S^d) = Z in degrees 0 and d (S^0: Z^2 in degree 0)
    H = td.homology(cx.sphere(d))
    expected = [2] if d == 0 else [1] + [0] * (d - 1) + [1]
    assert groups(H) == (expected, [[] for _ in expected])


@pytest.mark.parametrize("n", [3, 4, 8, 50])
def test_circle(n):
    assert groups(td.homology(cx.circle(n))) == ([1, 1], [[], []])


@pytest.mark.parametrize("n,m", [(3, 3), (4, 4), (3, 7), (6, 6), (10, 5)])
def test_torus(n, m):
    assert groups(td.homology(cx.torus(n, m))) == ([1, 2, 1], [[], [], []])


@pytest.mark.parametrize("n,m", [(3, 3), (4, 5), (6, 6), (7, 4)])
def test_klein_bottle(n, m):
    assert groups(td.homology(cx.klein_bottle(n, m))) == ([1, 1, 0], [[], [2], []])


@pytest.mark.parametrize("k", [0, 1])
def test_projective_plane(k):
    assert groups(td.homology(cx.projective_plane(subdivisions=k))) == ([1, 0, 0], [[], [2], []])


@pytest.mark.parametrize("n", [3, 5, 9])
def test_mobius_band(n):
    M = cx.mobius_band(n)
    assert groups(td.homology(M)) == ([1, 1, 0], [[], [], []])
    # M / ∂M = RP^2, so H(M, ∂M) = reduced H(RP^2) = (0, Z/2, 0)
    assert groups(td.relative_homology(M, M.boundary())) == ([0, 0, 0], [[], [2], []])


@pytest.mark.parametrize("n", [3, 6, 11])
def test_disk_relative_boundary_is_reduced_sphere(n):
    D = cx.disk(n)
    assert groups(td.homology(D)) == ([1, 0, 0], [[], [], []])
    assert groups(td.relative_homology(D, D.boundary())) == ([0, 0, 1], [[], [], []])
    assert str(td.homology(cx.sphere(2), reduced=True)) == "H0 = 0, H1 = 0, H2 = Z"
    assert repr(td.homology(cx.sphere(2), reduced=True)) == \
        "<reduced homology over Z: H0 = 0, H1 = 0, H2 = Z>"


def test_readme_examples():
    K = cx.klein_bottle(6, 6)
    H = td.homology(K)
    assert str(H) == "H0 = Z, H1 = Z ⊕ Z/2, H2 = 0"
    assert (H.betti, H.torsion) == ([1, 1, 0], [[], [2], []])
    assert td.homology(K, coefficients=2).betti == [1, 2, 1]
    T = cx.torus(6, 6)
    meridian = T.full_subcomplex([6 * i for i in range(6)])
    assert str(td.quotient_homology(T, [meridian])) == "H0 = Z, H1 = Z, H2 = Z"
    assert str(td.homology(cx.torus(4, 4))) == "H0 = Z, H1 = Z^2, H2 = Z"


def test_torus_loops_and_quotients():
    T = cx.torus(6, 6)
    a = T.full_subcomplex([6 * i for i in range(6)])   # loop {(i, 0)}
    b = T.full_subcomplex(range(6))                    # loop {(0, j)}
    for loop in (a, b):
        assert groups(td.homology(loop)) == ([1, 1], [[], []])
        # T / loop ≃ S^2 ∨ S^1: (Z, Z, Z);  H(T, loop) = reduced of that
        assert groups(td.quotient_homology(T, [loop])) == ([1, 1, 1], [[], [], []])
        assert groups(td.relative_homology(T, loop)) == ([0, 1, 1], [[], [], []])
    # T / (a ∪ b) = T / (S^1 ∨ S^1) = S^2
    assert groups(td.quotient_homology(T, [a, b], separate=False)) == ([1, 0, 1], [[], [], []])
    # a and b share vertex 0: sequential quotients put them in the same point
    assert groups(td.quotient_homology(T, [a, b], separate=True)) == ([1, 0, 1], [[], [], []])


def test_quotient_separate_vs_one_point():
    T = cx.torus(6, 6)
    a = T.full_subcomplex([6 * i for i in range(6)])
    # two parallel meridians {(i, 0)} and {(i, 3)}: disjoint
    c = T.full_subcomplex([6 * i + 3 for i in range(6)])
    # T minus (a ∪ c) is two open annuli; collapsing a to p and c to q turns each annulus
    # into a sphere with poles p, q: two spheres sharing two points = S^2 ∨ S^2 ∨ S^1
    assert groups(td.quotient_homology(T, [a, c])) == ([1, 1, 2], [[], [], []])
    # one point: both spheres get their poles identified: S^2 ∨ S^2 ∨ S^1 ∨ S^1
    assert groups(td.quotient_homology(T, [a, c], separate=False)) == ([1, 2, 2], [[], [], []])
    # empty list and empty subcomplexes change nothing
    assert td.quotient_homology(T, []) == td.homology(T)
    assert td.quotient_homology(T, [T.full_subcomplex([])]) == td.homology(T)


def test_wedges_and_disjoint_unions():
    W = cx.wedge(cx.circle(4), cx.circle(5))
    assert groups(td.homology(W)) == ([1, 2], [[], []])
    W2 = cx.wedge(cx.sphere(2), cx.torus(3, 3))
    assert groups(td.homology(W2)) == ([1, 2, 2], [[], [], []])
    W3 = cx.wedge(cx.projective_plane(), cx.circle(3))
    assert groups(td.homology(W3)) == ([1, 1, 0], [[], [2], []])
    U = cx.disjoint_union(cx.circle(3), cx.sphere(2), cx.klein_bottle(3, 3))
    assert groups(td.homology(U)) == ([3, 2, 1], [[], [2], []])
    assert len(U.connected_components()) == 3


def test_sphere3_relative_equator():
    # S^3 = boundary of the 4-simplex; A = a 2-sphere (boundary of a 3-face) in it.
    # H(S^3, S^2) = reduced H(S^3 / S^2) = reduced H(S^3 ∨ S^3) = (0, 0, 0, Z^2)
    S3 = cx.sphere(3)
    A = S3.full_subcomplex([0, 1, 2, 3]).skeleton(2)
    assert groups(td.relative_homology(S3, A)) == ([0, 0, 0, 2], [[]] * 4)


def test_coefficients_rational_and_mod_p():
    K = cx.projective_plane()
    assert td.homology(K, coefficients=0).betti == [1, 0, 0]
    assert td.homology(K, coefficients=2).betti == [1, 1, 1]
    assert td.homology(K, coefficients=3).betti == [1, 0, 0]
    assert str(td.homology(K, coefficients=0)) == "H0 = Q, H1 = 0, H2 = 0"
    assert str(td.homology(cx.torus(3, 3), coefficients=5)) == "H0 = Z/5, H1 = (Z/5)^2, H2 = Z/5"


def test_cubical_basic():
    ring = np.ones((3, 3), dtype=bool)
    ring[1, 1] = False
    assert groups(td.homology(td.CubicalComplex(ring))) == ([1, 1, 0], [[], [], []])


# ----------------------------------------------------------------------------- bad input
def test_bad_subcomplexes_rejected():
    K = cx.torus(3, 3)
    with pytest.raises(ValueError, match="not contained"):
        td.relative_homology(K, cx.sphere(3))                    # dimension too high
    with pytest.raises(ValueError, match="not contained"):
        td.relative_homology(K, td.SimplicialComplex([(0, 1, 5)]))  # not a triangle of K
    with pytest.raises(ValueError, match="not closed"):
        td.relative_homology(K, [(0, 1, 4)])                     # faces missing
    assert td.relative_homology(K, [(0,), (1,), (0, 1)]).betti == [0, 2, 1]
    with pytest.raises(ValueError, match="not contained"):
        td.quotient_homology(K, [cx.circle(12)])
    with pytest.raises(TypeError, match="list"):
        td.quotient_homology(K, K)


@pytest.mark.parametrize("coefficients,exc", [
    (4, ValueError), (1, ValueError), (-3, ValueError),
    (2.0, TypeError), (True, TypeError), ("2", TypeError)])
def test_bad_coefficients(coefficients, exc):
    with pytest.raises(exc, match="prime|coefficients"):
        td.homology(cx.circle(3), coefficients=coefficients)


def test_bad_complex_arguments():
    with pytest.raises(TypeError, match="SimplicialComplex or CubicalComplex"):
        td.homology([(0, 1)])
    with pytest.raises(TypeError, match="reduced"):
        td.homology(cx.circle(3), reduced="yes")


def test_empty_complex_homology():
    E = cx.circle(4).full_subcomplex([])
    assert td.homology(E).betti == [0]
    assert td.relative_homology(cx.circle(4), E) == td.homology(cx.circle(4))
