"""Exact linear algebra against sympy (independent implementation)."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import GF, Matrix, ZZ
from sympy.matrices.normalforms import smith_normal_form as sympy_snf

from topodestruct import linalg

matrices = st.integers(1, 6).flatmap(lambda n: st.integers(1, 6).flatmap(
    lambda m: st.lists(st.lists(st.integers(-4, 4), min_size=m, max_size=m),
                       min_size=n, max_size=n)))


def sympy_invariants(M):
    S = sympy_snf(Matrix(M), domain=ZZ)
    return [abs(int(S[i, i])) for i in range(min(S.shape)) if S[i, i] != 0]


@settings(max_examples=60, deadline=None)
@given(matrices)
def test_snf_and_rank_match_sympy(M):
    inv = sympy_invariants(M)
    assert linalg.smith_normal_form(M) == inv
    assert linalg.rank(M) == len(inv) == Matrix(M).rank()
    assert linalg.matrix_invariants(sp.csr_matrix(np.array(M, dtype=np.int64))) == \
        (len(inv), [d for d in inv if d > 1])


@settings(max_examples=40, deadline=None)
@given(matrices, st.sampled_from([2, 3, 5, 7]))
def test_rank_mod_p_matches_sympy(M, p):
    expected = _sympy_rank_mod_p(M, p)
    assert linalg.rank(M, p=p) == expected
    assert linalg.matrix_invariants(M, p=p) == (expected, [])


def _sympy_rank_mod_p(M, p):
    from sympy.polys.matrices import DomainMatrix
    return DomainMatrix([[GF(p)(x) for x in row] for row in M], (len(M), len(M[0])), GF(p)).rank()


def test_unit_pivot_elimination_preserves_snf():
    rng = np.random.default_rng(1)
    for _ in range(20):
        M = rng.integers(-2, 3, size=(8, 9)) * (rng.random((8, 9)) < 0.4)
        n_piv, residual = linalg.reduce_unit_pivots(M)
        inv = sympy_invariants(M.tolist())
        rest = sympy_invariants(residual) if residual and residual[0] else []
        assert [1] * n_piv + rest == inv
        assert all(abs(x) != 1 for row in residual for x in row)


def test_large_entries_exact():
    big = 10 ** 30
    M = [[big, 0], [0, 2 * big]]
    assert linalg.smith_normal_form(M) == [big, 2 * big]
    assert linalg.rank(M) == 2
    assert linalg.rank(M, p=2) == 0


def test_is_prime():
    assert [n for n in range(30) if linalg.is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    assert linalg.is_prime(2 ** 61 - 1)
    with pytest.raises(TypeError):
        linalg.is_prime(2.0)


@pytest.mark.parametrize("bad,exc", [
    ([[1.0, 2.0]], TypeError), (np.array([[0.5]]), TypeError), ([[1, 2], [3]], ValueError),
    ([1, 2, 3], ValueError), ([[True, False]], TypeError), ("ab", ValueError),
])
def test_rank_rejects_bad_matrices(bad, exc):
    with pytest.raises(exc):
        linalg.rank(bad)


@pytest.mark.parametrize("p,exc", [(4, ValueError), (1, ValueError), (-3, ValueError),
                                   (2.0, TypeError), (True, TypeError)])
def test_rank_rejects_bad_primes(p, exc):
    with pytest.raises(exc, match="prime|integer"):
        linalg.rank([[1]], p=p)


def test_empty_shapes():
    assert linalg.rank(np.zeros((0, 3), dtype=int)) == 0
    assert linalg.smith_normal_form(np.zeros((3, 0), dtype=int)) == []
