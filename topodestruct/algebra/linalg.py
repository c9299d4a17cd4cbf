"""Exact integer linear algebra: rank, Smith normal form, sparse unit-pivot elimination.

Everything here is exact: integer matrices are handled as Python/flint
integers (no floating point), so results are proofs, not estimates.

The homology engine (:mod:`topodestruct.topology.homology`) reduces each sparse
boundary matrix with :func:`reduce_unit_pivots` (elimination on pivots that
are units, which preserves the Smith normal form; compiled in
:mod:`._elimination`) and finishes the small residual with
:func:`smith_normal_form`. :func:`rank` is the project's one
exact dense rank routine.
"""
import heapq

import numpy as np
import scipy.sparse as sp

from .._validation import check_integer, is_integer

__all__ = ["is_prime", "check_prime", "rank", "smith_normal_form", "reduce_unit_pivots",
           "matrix_invariants"]


def _flint():
    import flint  # python-flint; imported lazily to keep `import topodestruct` cheap
    return flint




def is_prime(p):
    """Whether the integer ``p`` is a prime number.

    Parameters
    ----------
    p : int

    Returns
    -------
    bool

    Examples
    --------
    >>> is_prime(7), is_prime(1), is_prime(91)
    (True, False, False)
    """
    p = check_integer(p, "p")
    return p >= 2 and bool(_flint().fmpz(p).is_prime())


def check_prime(p, name="p"):
    """Return ``int(p)`` if it is a prime, else raise ValueError/TypeError naming it."""
    p = check_integer(p, name)
    if not is_prime(p):
        raise ValueError(f"{name} must be a prime number, got {p}")
    return p


def _as_int_rows(M, name="M"):
    """Validate an integer matrix (array-like or scipy sparse) -> (n_rows, n_cols, list of rows)."""
    if sp.issparse(M):
        if M.ndim != 2:
            raise ValueError(f"{name} must be 2-dimensional")
        if not np.issubdtype(M.dtype, np.integer):
            raise TypeError(f"{name} must have an integer dtype, got {M.dtype}")
        M = M.toarray()
    if isinstance(M, np.ndarray) and M.dtype != object:
        arr = M
    else:
        try:
            arr = np.array(M, dtype=object)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"{name} must be a rectangular 2D integer matrix: {exc}") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2D matrix, got an array with {arr.ndim} dimension(s)")
    if arr.dtype == object:
        for x in arr.flat:
            if not is_integer(x):
                raise TypeError(f"{name} must contain integers only, "
                                f"found {type(x).__name__}: {x!r}")
        rows = [[int(x) for x in row] for row in arr]
    elif np.issubdtype(arr.dtype, np.integer):
        rows = arr.tolist()
    else:
        raise TypeError(f"{name} must have an integer dtype, got {arr.dtype}")
    return arr.shape[0], arr.shape[1], rows


def rank(M, p=None):
    """Exact rank of an integer matrix over Q (``p=None``) or over the field Z/p.

    Parameters
    ----------
    M : array-like of int, shape (n, m), or scipy sparse integer matrix
        Integer entries (numpy integer dtype, or Python ints of any size).
        Floats are rejected: this routine is exact.
    p : int or None
        ``None`` for the rank over the rationals (equal to the rank over Z),
        or a prime for the rank over Z/p.

    Returns
    -------
    int

    Examples
    --------
    >>> rank([[2, 0], [0, 2]]), rank([[2, 0], [0, 2]], p=2)
    (2, 0)
    """
    n, m, rows = _as_int_rows(M)
    if p is not None:
        p = check_prime(p)
    if n == 0 or m == 0:
        return 0
    flint = _flint()
    flat = [x for row in rows for x in row]
    if p is None:
        return int(flint.fmpz_mat(n, m, flat).rank())
    return int(flint.nmod_mat(n, m, [x % p for x in flat], p).rank())


def smith_normal_form(M):
    """Nonzero diagonal of the Smith normal form of an integer matrix.

    Parameters
    ----------
    M : array-like of int, shape (n, m), or scipy sparse integer matrix

    Returns
    -------
    list of int
        The invariant factors ``d_1 | d_2 | ... | d_r`` (positive; ``r`` is the
        rank). Torsion of the cokernel is the entries greater than 1.

    Examples
    --------
    >>> smith_normal_form([[2, 4, 4], [-6, 6, 12]])
    [2, 6]
    """
    n, m, rows = _as_int_rows(M)
    if n == 0 or m == 0:
        return []
    S = _flint().fmpz_mat(n, m, [x for row in rows for x in row]).snf()
    diag = (int(S[i, i]) for i in range(min(n, m)))
    return [abs(d) for d in diag if d != 0]


def reduce_unit_pivots(M, p=None):
    """Sparse Gaussian elimination on unit pivots, exact over Z or Z/p.

    Pivots are entries equal to +-1 (over Z) or any nonzero entry (over Z/p).
    Unimodular row and column operations do not change the Smith normal form,
    so ``snf(M) = [1] * n_pivots + snf(residual)`` (the residual may be that
    of ``M.T``, which has the same Smith normal form). The compiled kernel
    (:mod:`._elimination`) works along the shorter side of ``M``, sparsest
    vectors first, pivoting on the unit in the sparsest line; entries or
    moduli beyond ``2**31`` go to an exact Python-integer elimination.

    Parameters
    ----------
    M : scipy sparse matrix or array-like of int, shape (n, m)
    p : int or None
        Prime modulus, or ``None`` for the integers.

    Returns
    -------
    n_pivots : int
    residual : list of list of int
        Dense rows of what is left (no unit entries over Z; empty over Z/p).

    Examples
    --------
    >>> reduce_unit_pivots([[1, 1, 0], [0, 2, 2], [1, 3, 2]])
    (1, [[2, 2], [2, 2]])
    """
    if p is not None:
        p = check_prime(p)
    if not sp.issparse(M):
        n, m, dense = _as_int_rows(M)
        big = any(abs(v) >= _LIMIT for row in dense for v in row)
        if big or p is not None and p >= _LIMIT:
            return _eliminate(_dict_rows(dense, p), p)
        M = sp.csc_matrix(np.array(dense, dtype=np.int64).reshape(n, m))
    elif not np.issubdtype(M.dtype, np.integer):
        raise TypeError(f"M must have an integer dtype, got {M.dtype}")
    if p is not None and p >= _LIMIT:
        return _eliminate(_sparse_rows(M, p), p)
    return _reduce_sparse(M, p)


_LIMIT = 2 ** 31  # int64 kernel bound on |entries| and on p


def _dict_rows(dense, p):
    rows = {}
    for r, row in enumerate(dense):
        entries = {c: (v % p if p else v) for c, v in enumerate(row)}
        entries = {c: v for c, v in entries.items() if v}
        if entries:
            rows[r] = entries
    return rows


def _sparse_rows(M, p):
    C = sp.coo_matrix(M)
    C.sum_duplicates()
    rows = {}
    data = C.data % p if p else C.data
    for r, c, v in zip(C.row.tolist(), C.col.tolist(), data.tolist()):
        if v:
            rows.setdefault(r, {})[c] = v
    return rows


def _reduce_sparse(M, p):
    """Compiled elimination (:mod:`._elimination`) along the shorter side of ``M``.

    The transpose has the same Smith normal form, so the kernel runs over the
    side with fewer vectors (fewer pivots to try); vectors are taken sparsest
    first. Entries beyond ``_LIMIT`` send the matrix to the Python-integer path.
    """
    from ._elimination import eliminate
    n, m = M.shape
    if n == 0 or m == 0:
        return 0, []
    A = sp.csc_matrix(M if m <= n else M.T, dtype=np.int64, copy=True)
    A.sum_duplicates()
    data = A.data.astype(np.int64) % p if p else A.data.astype(np.int64)
    if not p and np.abs(data).max(initial=0) >= _LIMIT:
        return _eliminate(_sparse_rows(M, p), p)
    A = sp.csc_matrix((data, A.indices, A.indptr), shape=A.shape)
    A.eliminate_zeros()
    counts = np.diff(A.indptr)
    order = np.argsort(counts, kind="stable").astype(np.int64)
    status, n_piv, rc, rr, rv = eliminate(A.indptr.astype(np.int64), A.indices.astype(np.int64),
                                          A.data, A.shape[0], order, int(p or 0), _LIMIT)
    if status:
        return _eliminate(_sparse_rows(M, p), p)
    if len(rc) == 0 or p:
        return n_piv, []
    cols, ci = np.unique(rc, return_inverse=True)
    rows, ri = np.unique(rr, return_inverse=True)
    R = np.zeros((len(rows), len(cols)), dtype=np.int64)
    R[ri, ci] = rv
    return n_piv, R.tolist()


def _eliminate(rows, p):
    """Core of :func:`reduce_unit_pivots` on a dict-of-rows matrix (modified in place)."""
    cols = {}
    for r, row in rows.items():
        for c in row:
            cols.setdefault(c, set()).add(r)
    heap = [(len(rs), c) for c, rs in cols.items()]
    heapq.heapify(heap)
    n_pivots = 0
    while heap:
        count, c = heapq.heappop(heap)
        rs = cols.get(c)
        if rs is None or len(rs) != count:
            continue  # stale heap entry
        best = None
        for r in rs:
            v = rows[r][c]
            if (p or v in (1, -1)) and (best is None or len(rows[r]) < len(rows[best])):
                best = r
        if best is None:
            continue  # no unit in this column (yet); re-pushed if it changes
        prow = rows.pop(best)
        for c2 in prow:
            cols[c2].discard(best)
        inv = pow(prow[c], -1, p) if p else prow[c]  # +-1 is its own inverse
        changed = set()
        for r2 in list(cols[c]):
            row2 = rows[r2]
            f = row2[c] * inv
            for c2, v in prow.items():
                nv = row2.get(c2, 0) - f * v
                if p:
                    nv %= p
                if nv:
                    if c2 not in row2:
                        cols[c2].add(r2)
                    row2[c2] = nv
                elif c2 in row2:
                    del row2[c2]
                    cols[c2].discard(r2)
            if not row2:
                del rows[r2]
            changed.update(prow)
        for c2 in prow:
            changed.add(c2)
        del cols[c]
        changed.discard(c)
        for c2 in changed:
            k = len(cols[c2])
            if k:
                heapq.heappush(heap, (k, c2))
            else:
                del cols[c2]
        n_pivots += 1
    live_cols = sorted(c for c, rs in cols.items() if rs)
    index = {c: i for i, c in enumerate(live_cols)}
    residual = []
    for row in rows.values():
        dense = [0] * len(live_cols)
        for c, v in row.items():
            dense[index[c]] = v
        residual.append(dense)
    return n_pivots, residual


def matrix_invariants(M, p=None):
    """Rank and torsion coefficients of a sparse integer matrix, exactly.

    Parameters
    ----------
    M : scipy sparse matrix or array-like of int
    p : int or None
        ``None``: over Z, returns the rank and the invariant factors > 1 of
        the Smith normal form. A prime: rank over Z/p and no torsion.

    Returns
    -------
    rank : int
    torsion : list of int

    Examples
    --------
    >>> matrix_invariants([[1, 1], [1, -1]])
    (2, [2])
    >>> matrix_invariants([[1, 1], [1, -1]], p=2)
    (1, [])
    """
    n_pivots, residual = reduce_unit_pivots(M, p)
    if not residual or not residual[0]:
        return n_pivots, []
    if p is not None:
        return n_pivots + rank(residual, p), []
    snf = smith_normal_form(residual)
    return n_pivots + len(snf), [d for d in snf if d > 1]


def __dir__():  # dir() shows the public names only
    return __all__
