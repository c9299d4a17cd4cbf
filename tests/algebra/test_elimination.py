"""The compiled unit-pivot elimination and the homology engine on it, against dense oracles.

Oracles: python-flint's dense Smith normal form and rank mod p (independent of
the sparse code), sympy's SNF of dense boundary matrices (``oracle_homology`` of
test_homology_properties), analytic homology of standard spaces.
"""
import flint
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import topodestruct as td
from topodestruct import complexes as cx
from topodestruct.algebra import linalg

from test_homology_properties import oracle_homology

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def flint_snf(M):
    M = np.asarray(M, dtype=np.int64)
    if 0 in M.shape:
        return []
    S = flint.fmpz_mat(M.tolist()).snf()
    return sorted(abs(int(S[i, i])) for i in range(min(M.shape)) if S[i, i] != 0)


@st.composite
def sparse_matrices(draw):
    n, m = draw(st.integers(1, 14)), draw(st.integers(1, 14))
    density = draw(st.sampled_from([0.15, 0.3, 0.6]))
    big = draw(st.sampled_from([3, 7, 1000]))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    return (rng.integers(-big, big + 1, (n, m)) * (rng.random((n, m)) < density)).astype(np.int64)


def snf_via_kernel(M):
    n_piv, residual = linalg.reduce_unit_pivots(sp.csc_matrix(M))
    rest = linalg.smith_normal_form(residual) if residual and residual[0] else []
    return sorted([1] * n_piv + rest)


@SETTINGS
@given(sparse_matrices())
def test_kernel_preserves_snf(M):
    assert snf_via_kernel(M) == flint_snf(M)
    assert snf_via_kernel(M.T) == flint_snf(M)


@SETTINGS
@given(sparse_matrices(), st.sampled_from([2, 3, 5, 65521]))
def test_kernel_rank_mod_p(M, p):
    expected = int(flint.nmod_mat(M.shape[0], M.shape[1], [int(x) % p for x in M.ravel()], p).rank())
    assert linalg.matrix_invariants(sp.csc_matrix(M), p) == (expected, [])


def test_kernel_does_not_modify_its_input():
    M = sp.csc_matrix(np.array([[-2, 1], [0, 3]]))
    before = (M.indptr.copy(), M.indices.copy(), M.data.copy())
    linalg.matrix_invariants(M, 2)
    assert all(np.array_equal(a, b) for a, b in zip(before, (M.indptr, M.indices, M.data)))


@settings(max_examples=25, deadline=None)
@given(sparse_matrices())
def test_overflow_falls_back_to_python_integers(M):
    old = linalg._LIMIT
    linalg._LIMIT = 4  # every growing entry overflows the kernel: Python integers finish
    try:
        assert snf_via_kernel(M) == flint_snf(M)
    finally:
        linalg._LIMIT = old


def test_entries_beyond_int64_bound_exact():
    M = np.array([[2 ** 40, 1], [1, 0]], dtype=np.int64)
    assert linalg.matrix_invariants(sp.csc_matrix(M)) == (2, [])
    assert linalg.matrix_invariants([[3 * 2 ** 70, 0], [0, 2]]) == (2, [2, 3 * 2 ** 70])


# ----------------------------------------------------------------------------- complexes
def linial_meshulam(n, c, rng):
    tri = [t for t in __import__("itertools").combinations(range(n), 3) if rng.random() < c / n]
    edges = [(i, j) for i in range(n) for j in range(i + 1, n)]
    return sorted(set(edges + tri))


@settings(max_examples=15, deadline=None)
@given(st.integers(6, 9), st.floats(1.5, 4.0), st.integers(0, 2 ** 32 - 1))
def test_linial_meshulam_vs_dense_snf(n, c, seed):
    tops = linial_meshulam(n, c, np.random.default_rng(seed))
    H = td.homology(td.SimplicialComplex(tops))
    assert (H.betti, H.torsion) == oracle_homology(tops)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["mobius", "rp2"]), st.integers(0, 2 ** 32 - 1))
def test_random_quotients_of_mobius_bands_and_projective_planes(space, seed):
    rng = np.random.default_rng(seed)
    K = cx.mobius_band(int(rng.integers(3, 7))) if space == "mobius" else cx.projective_plane(1)
    verts = K.vertices[rng.random(K.n_vertices) < 0.35]
    A = K.full_subcomplex(verts.tolist())
    if A.dimension < 0:
        A = K.full_subcomplex(K.vertices[:1].tolist())
    tops = [tuple(s) for s in K.maximal_simplices()]
    sub = [tuple(s) for d in range(A.dimension + 1) for s in A.simplices(d).tolist()]
    H = td.relative_homology(K, A)
    assert (H.betti, H.torsion) == oracle_homology(tops, sub)
    Q = td.quotient_homology(K, [A])  # K/A: reduced homology equals H(K, A)
    assert (Q.betti[1:], Q.torsion) == (H.betti[1:], H.torsion) and Q.betti[0] == 1


@pytest.mark.parametrize("K, betti, torsion", [
    (cx.projective_plane(2), [1, 0, 0], [[], [2], []]),
    (cx.klein_bottle(30, 30), [1, 1, 0], [[], [2], []]),
    (cx.torus(40, 40), [1, 2, 1], [[], [], []]),
    (cx.barycentric_subdivision(cx.sphere(3)), [1, 0, 0, 1], [[], [], [], []]),
])
def test_standard_spaces_analytic(K, betti, torsion):
    H = td.homology(K)
    assert (H.betti, H.torsion) == (betti, torsion)


def test_non_collapsible_core_matches_previous_engine():
    """A Rips core (no free faces left after reductions): kernel vs Python elimination."""
    gudhi = pytest.importorskip("gudhi")
    rng = np.random.default_rng(3)
    a, b = rng.random((2, 250)) * 2 * np.pi
    pts = np.c_[np.cos(a), np.sin(a), np.cos(b), np.sin(b)]
    K = cx.from_simplex_tree(gudhi.RipsComplex(points=pts, max_edge_length=0.8)
                             .create_simplex_tree(max_dimension=3))
    H = td.homology(K)
    kernel = linalg._reduce_sparse
    linalg._reduce_sparse = lambda M, p: linalg._eliminate(linalg._sparse_rows(M, p), p)
    try:
        ref = td.homology(K)
    finally:
        linalg._reduce_sparse = kernel
    assert H == ref
    st_ = K.to_simplex_tree()
    st_.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    assert (st_.betti_numbers() + [0] * 4)[:4] == H.betti  # no 2-torsion here: Z/2 = Z ranks
