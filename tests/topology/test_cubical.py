"""Cubical complexes: analytic voxel sets and gudhi's CubicalComplex as an independent oracle."""
import gudhi
import numpy as np
import pytest

import topodestruct as td
from topodestruct.topology.cubical import CubicalComplex


def gudhi_betti(mask):
    """Z/2 Betti numbers of the union of the true voxels (sublevel set at 0)."""
    cc = gudhi.CubicalComplex(top_dimensional_cells=np.where(mask, 0.0, 1.0))
    cc.compute_persistence(homology_coeff_field=2, min_persistence=-1)
    b = list(cc.persistent_betti_numbers(0.0, 0.0))
    return (b + [0] * (mask.ndim + 1))[:mask.ndim + 1]


def solid_torus(n=24, R=0.6, r=0.25):
    x, y, z = np.meshgrid(*[np.linspace(-1, 1, n)] * 3, indexing="ij")
    return (np.sqrt(x ** 2 + y ** 2) - R) ** 2 + z ** 2 < r ** 2


def shell(n=5):
    m = np.ones((n, n, n), dtype=bool)
    m[1:-1, 1:-1, 1:-1] = False
    return m


def groups(H):
    return H.betti, H.torsion


def test_solid_torus():
    mask = solid_torus()
    assert groups(td.homology(CubicalComplex(mask))) == ([1, 1, 0, 0], [[]] * 4)
    assert gudhi_betti(mask) == [1, 1, 0, 0]


def test_hollow_cube_is_a_sphere():
    assert groups(td.homology(CubicalComplex(shell()))) == ([1, 0, 1, 0], [[]] * 4)


def test_2d_annulus_and_two_holes():
    ring = np.ones((5, 5), dtype=bool)
    ring[2, 2] = False
    assert td.homology(CubicalComplex(ring)).betti == [1, 1, 0]
    two = np.ones((3, 5), dtype=bool)
    two[1, 1] = two[1, 3] = False
    assert td.homology(CubicalComplex(two)).betti == [1, 2, 0]
    # diagonal voxels touch at a vertex: connected, no loop
    diag = np.eye(3, dtype=bool)
    assert td.homology(CubicalComplex(diag)).betti == [1, 0, 0]


def test_f_vector_of_a_single_cube():
    K = CubicalComplex(np.ones((1, 1, 1), dtype=bool))
    assert K.f_vector == (8, 12, 6, 1)
    assert K.euler_characteristic == 1


@pytest.mark.parametrize("seed", range(6))
def test_random_voxel_sets_vs_gudhi(seed):
    rng = np.random.default_rng(seed)
    shape = (12, 12) if seed % 2 else (7, 7, 7)
    mask = rng.random(shape) < (0.55 if seed % 2 else 0.5)
    K = CubicalComplex(mask)
    H = td.homology(K)
    assert H.betti == gudhi_betti(mask)
    assert all(not t for t in H.torsion)  # subsets of R^3 have torsion-free homology
    assert H.euler_characteristic == K.euler_characteristic


@pytest.mark.parametrize("seed", range(4))
def test_relative_and_quotient_in_a_contractible_box(seed):
    # K a solid box (contractible): H_d(K, A) = reduced H_{d-1}(A) by the long exact sequence,
    # and K/A ≃ suspension of A; reduced Betti numbers of A from gudhi
    rng = np.random.default_rng(seed)
    shape = (9, 9) if seed % 2 else (6, 6, 6)
    K = CubicalComplex(np.ones(shape, dtype=bool))
    sub = rng.random(shape) < 0.4
    A = K.subcomplex(sub)
    reduced_A = gudhi_betti(sub)
    reduced_A[0] -= 1
    expected = [0] + reduced_A[:len(shape)]
    assert td.relative_homology(K, A).betti == expected
    quotient = td.quotient_homology(K, [A])
    assert quotient.betti == [1] + expected[1:]


def test_quotient_of_annulus_by_its_inner_ring():
    # the inner sub-annulus A is a deformation retract of the annulus K
    ring = np.ones((5, 5), dtype=bool)
    ring[2, 2] = False
    K = CubicalComplex(ring)
    inner = np.zeros_like(ring)
    inner[1:4, 1:4] = True
    inner[2, 2] = False
    A = K.subcomplex(inner)
    assert td.homology(A).betti == [1, 1, 0]
    # A ↪ K is a homotopy equivalence, so H(K, A) = 0 and K/A is contractible
    assert td.relative_homology(K, A).betti == [0, 0, 0]
    assert td.quotient_homology(K, [A]).betti == [1, 0, 0]
    assert td.homology(K, coefficients=3).betti == [1, 1, 0]


def test_from_cells_lower_dimensional():
    cells = np.ones((5, 5), dtype=bool)
    cells[1:4, 1:4] = False          # the boundary of a 2x2 square: a loop of 8 edges
    L = CubicalComplex.from_cells(cells)
    assert L.dimension == 1 and L.f_vector == (8, 8)
    assert td.homology(L).betti == [1, 1]
    # as a subcomplex of the filled square: H(square, loop) = reduced H(S^2)
    K = CubicalComplex(np.ones((2, 2), dtype=bool))
    assert td.relative_homology(K, L).betti == [0, 0, 1]


@pytest.mark.parametrize("bad,exc", [
    (np.ones((2, 2, 2, 2), dtype=bool), ValueError),    # 4D
    (np.full((3, 3), 0.5), TypeError),                  # floats
    (np.array([[0, 2]]), TypeError),                    # not 0/1
    (np.ones((0, 3), dtype=bool), ValueError),
])
def test_bad_masks(bad, exc):
    with pytest.raises(exc):
        CubicalComplex(bad)


def test_bad_subcomplexes():
    K = CubicalComplex(np.eye(3, dtype=bool))
    with pytest.raises(ValueError, match="not in the complex"):
        K.subcomplex(np.ones((3, 3), dtype=bool))
    with pytest.raises(ValueError, match="shape"):
        K.subcomplex(np.ones((2, 2), dtype=bool))
    other = CubicalComplex(np.ones((3, 3), dtype=bool))
    with pytest.raises(ValueError, match="not contained"):
        td.relative_homology(K, other)
    with pytest.raises(TypeError):
        td.relative_homology(K, td.complexes.circle(3))
