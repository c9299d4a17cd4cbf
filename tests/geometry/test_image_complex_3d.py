"""The exact image of a 3-complex (issue 25, part 2): clean solid pieces coned over the exact
image of the 2-skeleton, or a refusal.

Expected values are worked out by hand: the solids' homology (a square ring of cubes is a
solid torus, a cube of cubes minus its middle a thick sphere), what a fold or a collapse
leaves (half a ring is a ball; a ring pinched to a point at one cross-section is still a
circle up to homotopy, while its boundary torus pinched along a meridian is S^2 ∨ S^1).
"""
from fractions import Fraction

import numpy as np
import pytest

import topodestruct as td
from topodestruct.geometry.exact_lp import feasible
from topodestruct.geometry.image_complex import image_homology
from topodestruct.geometry.image_complex_3d import (ImageNotSupported, image_homology_3d,
                                                    refine_image_3d)

from solid_builders import cube_shell, ring, solid_torus


def betti(K, images):
    return image_homology_3d(K, images).betti


def test_identity_gives_the_solids_homology():
    assert betti(solid_torus(), solid_torus().coordinates) == [1, 1, 0, 0]
    assert betti(cube_shell(), cube_shell().coordinates) == [1, 0, 1, 0]


def test_injective_affine_map_into_r5_keeps_it():
    rng = np.random.default_rng(3)
    A = rng.integers(-5, 6, size=(5, 3))
    assert np.linalg.matrix_rank(A) == 3
    for K, expected in ((solid_torus(), [1, 1, 0, 0]), (cube_shell(), [1, 0, 1, 0])):
        X = K.coordinates.astype(int)
        Y = np.array([[Fraction(int(v)) + Fraction(1, 3) for v in A @ x] for x in X],
                     dtype=object)                      # exact rationals, not dyadic
        R = refine_image_3d(K, Y, verify_carving=True)
        assert td.homology(R.complex).betti == expected
        assert R.stats["solids"] == len(K.simplices(3))   # none flat, none folded
        assert R.complex.coordinates.shape[1] == 5


def fold(K):
    """(x, y, z) -> (|x|, y, z): the reflection fold through the plane x = 0."""
    return np.abs(K.coordinates) * [1, 0, 0] + K.coordinates * [0, 1, 1]


def test_symmetric_fold_of_the_solid_torus_is_half_of_it():
    K = ring(4, lo=-2, mirrored=True)                  # axis x = y = 0, symmetric in x = 0
    assert td.homology(K).betti == [1, 1, 0, 0]
    R = refine_image_3d(K, fold(K))
    assert td.homology(R.complex).betti == [1, 0, 0, 0]   # half a ring: a ball
    n = len(K.simplices(3))
    assert R.stats["solids"] == n // 2 and len(R.overlaps) == n // 2   # mirror pairs, one image
    assert all(len(t) == 2 for t in R.tetrahedra)


def test_symmetric_fold_of_the_shell_is_contractible():
    K = cube_shell(4, lo=-2, mirrored=True)
    assert td.homology(K).betti == [1, 0, 1, 0]
    assert betti(K, fold(K)) == [1, 0, 0, 0]           # half a thick sphere: a ball


def test_a_fold_that_is_not_clean_is_carved():
    K = ring(4, lo=-2)                                 # Kuhn on both sides: not symmetric
    with pytest.raises(ImageNotSupported, match="3-D overlap not supported") as err:
        refine_image_3d(K, fold(K), carve=False)
    assert err.value.n_solid > 0 and err.value.n_overlaps >= err.value.n_solid
    assert isinstance(err.value, ValueError)
    # carved: the mirror halves triangulated differently are cut alike; half a ring, a ball
    # verify_carving: every pair tested again after carving (clean by construction)
    R = refine_image_3d(K, fold(K), verify_carving=True)
    assert td.homology(R.complex).betti == [1, 0, 0, 0]
    assert R.stats["carved_solids"] > 0 and R.stats["interior_overlaps"] == 0
    assert td.homology(refine_image_3d(K, fold(K)).complex).betti == [1, 0, 0, 0]
    n = len(K.simplices(3))
    assert sorted({t for m in R.tetrahedra for t in m}) == sorted(map(tuple, K.simplices(3)
                                                                     .tolist()))
    assert len(R.tetrahedra) >= n // 2


def off_centre_ring(a):
    """The square ring [0, 4]^2 minus (1, 3)^2, height 1, as boxes whose x-breakpoints
    include ``a`` (1 < a < 2): 0, 1, a, 2, 3, 4 (Kuhn cubes stretched along x)."""
    K = ring(5)
    keep = [s for s in K.simplices(3).tolist()
            if K.coordinates[s][:, 1].max() <= 1 or K.coordinates[s][:, 1].min() >= 3
            or K.coordinates[s][:, 0].max() <= 1 or K.coordinates[s][:, 0].min() >= 4]
    X = K.coordinates.copy()
    X[:, 0] = np.interp(X[:, 0], [0, 1, 2, 3, 4, 5], [0, 1, a, 2, 3, 4])
    X[:, 1] = np.interp(X[:, 1], [0, 1, 4, 5], [0, 1, 3, 4])
    pos = np.searchsorted(K.vertices, np.unique(keep))
    C = td.SimplicialComplex(keep)
    return C, X[pos]


@pytest.mark.parametrize("a, expected", [(1.25, [1, 1, 0, 0]), (1.75, [1, 0, 0, 0])])
def test_off_centre_fold_of_a_ring(a, expected):
    # (x, y, z) -> (a + |x - a|, y, z) with the plane x = a through the hole: the image is
    # A1 ∪ A2, A1 the ring's part x >= a and A2 the mirror of its part x <= a, both balls.
    # A1 ∩ A2: the bars (y in [0, 1] or [3, 4]) for x in [a, 2a], and in the middle rows
    # x in [3, 4] ∩ [2a - 1, 2a]: empty for a = 1.25 (two pieces: Mayer-Vietoris gives one
    # loop, around the strip (2a, 3) x (1, 3)), a box for a = 1.75 (connected: a ball)
    K, X = off_centre_ring(a)
    assert td.homology(K).betti == [1, 1, 0, 0]
    Y = X.copy()
    Y[:, 0] = a + np.abs(X[:, 0] - a)
    with pytest.raises(ImageNotSupported):
        refine_image_3d(K, Y, carve=False)
    R = refine_image_3d(K, Y, verify_carving=True)
    assert td.homology(R.complex).betti == expected
    assert R.stats["carved_solids"] > 0


def test_solids_crossing_in_r4_are_carved():
    # two tetrahedra in transverse 3-flats of R^4 (w = 0 and z = 1) crossing through each
    # other's interiors in a convex polygon around (1, 1, 1, 0): their union is two balls
    # glued along a contractible set, a ball; an edge path from a vertex of one to a vertex
    # of the other through a far point closes one loop
    T1 = [[0, 0, 0, 0], [4, 0, 0, 0], [0, 4, 0, 0], [0, 0, 4, 0]]
    T2 = [[1, 1, 1, -2], [1, 1, 1, 2], [1, -3, 1, 0], [-3, 1, 1, 0]]
    X = np.array(T1 + T2 + [[9, 9, 9, 9]], dtype=float)
    K = td.SimplicialComplex([(0, 1, 2, 3), (4, 5, 6, 7), (3, 8), (8, 5)], coordinates=X)
    with pytest.raises(ImageNotSupported):
        refine_image_3d(K, X, carve=False)
    R = refine_image_3d(K, X, verify_carving=True)
    assert td.homology(R.complex).betti == [1, 1, 0, 0]


def test_a_collapsed_slab_keeps_the_solid_torus_but_not_its_surface():
    K = ring(5)                                        # 16 cubes; the arm x in [0, 1]
    X = K.coordinates
    slab = (X[:, 0] <= 1) & (X[:, 1] >= 2) & (X[:, 1] <= 3)     # the cube (0, 2, 0)
    Y = X.copy()
    Y[slab] = [0.5, 2.5, 0.5]
    # the slab is a ball: collapsing it leaves a circle up to homotopy
    assert betti(K, Y) == [1, 1, 0, 0]
    # on the boundary torus the slab is an annulus around the arm: pinching a meridian
    # circle to a point gives S^2 ∨ S^1
    S = K.boundary()
    assert td.homology(S).betti == [1, 2, 1]
    rows = np.searchsorted(K.vertices, S.vertices)
    assert image_homology(S, Y[rows]).betti == [1, 1, 1]


def tetrahedron_and_edge(a, b):
    X = np.array([[0, 0, 0], [4, 0, 0], [0, 4, 0], [0, 0, 4], a, b], dtype=float)
    return td.SimplicialComplex([(0, 1, 2, 3), (4, 5)], coordinates=X)


@pytest.mark.parametrize("a, b, expected", [
    ([5, 5, 5], [6, 5, 5], [2, 0, 0, 0]),         # apart
    ([1, 1, 0], [2, 1, 0], [1, 0, 0, 0]),         # inside a facet: on the boundary
    ([-1, 1, 0], [3, 1, 0], [1, 0, 0, 0]),        # across a facet, in its plane
    ([4, 0, 0], [6, 0, 0], [1, 0, 0, 0]),         # from a corner outwards
])
def test_pieces_on_the_boundary_are_clean(a, b, expected):
    K = tetrahedron_and_edge(a, b)
    assert betti(K, K.coordinates) == expected


def test_a_piece_through_the_interior_is_carved():
    K = tetrahedron_and_edge([4, 4, 4], [0, 0, 0])   # through (1, 1, 1), inside
    with pytest.raises(ImageNotSupported) as err:
        refine_image_3d(K, K.coordinates, carve=False)
    assert err.value.n_overlaps == 1 and err.value.n_solid == 0
    R = refine_image_3d(K, K.coordinates, verify_carving=True)   # a ball with a whisker
    assert td.homology(R.complex).betti == [1, 0, 0, 0] and R.stats["carved_solids"] == 1


def test_low_dimensional_complexes_go_to_the_2d_route():
    S = td.complexes.sphere(2)
    assert betti(S, S.coordinates[:, :2]) == image_homology(S, S.coordinates[:, :2]).betti


def test_bad_input_is_one_clear_error():
    K = solid_torus()
    with pytest.raises(ValueError, match="images must have shape"):
        refine_image_3d(K, K.coordinates[:-1])
    with pytest.raises(TypeError, match="SimplicialComplex"):
        refine_image_3d(K.simplices(3), K.coordinates)
    with pytest.raises(ValueError, match="dimension <= 3"):
        refine_image_3d(td.SimplicialComplex([(0, 1, 2, 3, 4)], np.eye(5)), np.eye(5))
    with pytest.raises(ValueError, match="injective"):
        refine_image_3d(K, K.coordinates, injective=np.zeros(3, dtype=int))


def test_exact_feasibility():
    assert feasible([[1, 1]], [1])
    assert not feasible([[1, 1]], [-1])                       # x + y = -1, x, y >= 0
    assert feasible([[1, -1]], [-1])                          # x = 0, y = 1
    assert not feasible([[1, 1], [1, -1]], [1, 2])            # x = 3/2, y = -1/2
    assert feasible([[1, 1], [2, 2]], [1, 2])                 # a redundant row
    assert not feasible([[3, 0], [0, 3]], [1, Fraction(-1, 3)])
    assert feasible([[Fraction(1, 3), 1, 0], [0, 1, 1]], [Fraction(1, 9), Fraction(1, 3)])


# --- the quotient by both sources in 3-D (folding on a 3-complex) -------------------------
def _sub(K, keep):
    """The subcomplex of K spanned by its simplices whose vertices all satisfy ``keep``."""
    X = dict(zip(K.vertices.tolist(), K.coordinates.tolist()))
    tops = [s for d in range(K.dimension + 1) for s in K.simplices(d).tolist()
            if all(keep(*X[v]) for v in s)]
    return td.SimplicialComplex(tops)


def _loop(K, corners):
    """The closed edge path of K through the integer points along the axis-parallel sides
    between consecutive ``corners``."""
    ids = {tuple(map(int, x)): v for v, x in zip(K.vertices.tolist(), K.coordinates)}
    pts = []
    for a, b in zip(corners, corners[1:] + corners[:1]):
        step = np.sign(np.subtract(b, a)).astype(int)
        p = np.array(a)
        while tuple(p) != tuple(b):
            pts.append(ids[tuple(p)])
            p = p + step
    return td.SimplicialComplex([tuple(sorted((pts[i], pts[(i + 1) % len(pts)])))
                                 for i in range(len(pts))])


@pytest.mark.parametrize("collapsed, expected", [
    # by hand, from the long exact sequence of (X, A) with X the solid torus:
    ("longitude", [1, 0, 0, 0]),      # A ~ the core: H1(A) -> H1(X) onto, nothing left
    ("meridian", [1, 1, 1, 0]),       # A bounds a disc in X: H2(X, A) = H1(A) = Z
    ("meridian disc", [1, 1, 0, 0]),  # contractible: nothing changes
    ("one cube", [1, 1, 0, 0]),       # a ball of six solid tetrahedra (their cones)
    ("everything", [1, 0, 0, 0]),     # X / X is a point
])
def test_quotient_of_a_solid_ring_by_a_collapsed_piece(collapsed, expected):
    from topodestruct.geometry.overlap import folding

    K = ring(5)                       # unit cubes around the 3 x 3 hole [1, 4]^2, z in [0, 1]
    A = {"longitude": lambda: _loop(K, [(0, 0, 0), (5, 0, 0), (5, 5, 0), (0, 5, 0)]),
         "meridian": lambda: _loop(K, [(0, 2, 0), (1, 2, 0), (1, 2, 1), (0, 2, 1)]),
         "meridian disc": lambda: _sub(K, lambda x, y, z: y == 2 and x <= 1),
         "one cube": lambda: _sub(K, lambda x, y, z: x <= 1 and 2 <= y <= 3),
         "everything": lambda: K}[collapsed]()
    F = folding(K, K.coordinates, collapse=[A])
    assert F.image_homology.betti == [1, 1, 0, 0]          # the identity: the solid torus
    assert F.quotient.betti == expected
    assert F.agrees == (expected == [1, 1, 0, 0])
