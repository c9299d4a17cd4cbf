"""Compiled sparse elimination on unit pivots (numba), the engine of :func:`linalg.reduce_unit_pivots`.

Column-by-column reduction with a sparse accumulator: each column is reduced
against the pivot columns found so far (in the order they were found, through a
binary heap), then takes a unit entry (``+-1`` over Z, any nonzero entry over
Z/p) in a row without a pivot as its own pivot. Pivot column ``k`` is zero on
the rows of pivots ``0..k-1`` and a unit on its own row, so the pivot columns
restricted to their pivot rows form a unimodular lower-triangular matrix: the
row operations that clear the rest of those rows do not touch the other
columns, and ``snf(M) = [1] * n_pivots + snf(residual)``.

Only unimodular operations are used; integers stay in int64 with an explicit
bound (``limit``): a kernel that would exceed it stops and says so, and the
caller finishes with Python integers.
"""
import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _push(heap, size, x):
    i = size
    heap[i] = x
    while i > 0:
        parent = (i - 1) >> 1
        if heap[parent] <= x:
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = x
    return size + 1


@njit(cache=True, nogil=True, inline="always")
def _pop(heap, size):
    top = heap[0]
    size -= 1
    x = heap[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and heap[c + 1] < heap[c]:
            c += 1
        if heap[c] >= x:
            break
        heap[i] = heap[c]
        i = c
    if size > 0:
        heap[i] = x
    return top, size


@njit(cache=True, nogil=True)
def _grow(a, need):
    if need <= len(a):
        return a
    b = np.empty(max(need, 2 * len(a)), dtype=a.dtype)
    b[:len(a)] = a
    return b


@njit(cache=True, nogil=True)
def _inverse(d, p):
    out, base, e = 1, d % p, p - 2
    while e:
        if e & 1:
            out = out * base % p
        base = base * base % p
        e >>= 1
    return out


@njit(cache=True, nogil=True)
def _choose_pivot(nt, touched, spa, row_count, p):
    """The nonzeros left in the accumulator, and the unit among them in the sparsest row (or -1)."""
    best = -1
    nnz = 0
    for i in range(nt):
        r = touched[i]
        v = spa[r]
        if v != 0:
            nnz += 1
            if (p or v == 1 or v == -1) and (best < 0 or row_count[r] < row_count[best]):
                best = r
    return best, nnz


@njit(cache=True, nogil=True)
def _store(nt, touched, spa, rows, vals, w):
    """Copy the accumulator's nonzeros into ``rows``, ``vals`` from position ``w``; the end."""
    for i in range(nt):
        r = touched[i]
        if spa[r] != 0:
            rows[w] = r
            vals[w] = spa[r]
            w += 1
    return w


@njit(cache=True, nogil=True)
def _workspace(indices, n_rows, n_cols):
    """Row counts, pivot tables, the pivot columns' buffers and the accumulator's arrays."""
    row_count = np.zeros(n_rows, np.int64)
    for e in range(len(indices)):
        row_count[indices[e]] += 1
    piv_of_row = np.full(n_rows, -1, np.int64)
    piv_row = np.empty(n_cols, np.int64)
    piv_val = np.empty(n_cols, np.int64)
    piv_ptr = np.zeros(n_cols + 1, np.int64)
    buf_r = np.empty(max(16, 2 * len(indices)), np.int64)
    buf_v = np.empty(max(16, 2 * len(indices)), np.int64)
    spa = np.zeros(n_rows, np.int64)
    stamp = np.full(n_rows, -1, np.int64)
    touched = np.empty(n_rows, np.int64)
    heap = np.empty(max(16, n_rows), np.int64)
    return row_count, piv_of_row, piv_row, piv_val, piv_ptr, buf_r, buf_v, spa, stamp, touched, heap


@njit(cache=True, nogil=True)
def eliminate(indptr, indices, data, n_rows, order, p, limit):
    """Unit-pivot elimination of the CSC matrix ``(indptr, indices, data)``.

    Parameters
    ----------
    indptr, indices, data : int64 arrays
        CSC structure (no duplicate entries; values reduced mod ``p`` if ``p``).
    n_rows : int
    order : int64 array
        Columns in the order to process them (e.g. sparsest first).
    p : int
        0 for the integers, else a prime below ``2**31``.
    limit : int
        Largest absolute value allowed over Z (at most ``2**31``).

    Returns
    -------
    status : int
        0 on success, 1 if an entry would exceed ``limit`` (nothing else is valid).
    n_pivots : int
    res_cols, res_rows, res_vals : int64 arrays
        The residual (columns without a unit pivot, reduced against all pivots)
        as COO triplets; its rows have no pivot.
    """
    # Scatter and reduce stay in this loop: as helpers returning the grown heap they cost
    # a third more time on a torus's boundary matrices (pivot choice and copies: ~5%).
    row_count, piv_of_row, piv_row, piv_val, piv_ptr, buf_r, buf_v, spa, stamp, touched, heap = \
        _workspace(indices, n_rows, len(indptr) - 1)
    pending = order.copy()
    n_pending = len(pending)
    n_piv = 0
    tick = 0
    while True:  # passes: a residual column may find a unit after later pivots
        new_pivots = 0
        n_left = 0
        res_c = np.empty(16, np.int64)
        res_r = np.empty(16, np.int64)
        res_v = np.empty(16, np.int64)
        n_res = 0
        for t in range(n_pending):
            j = pending[t]
            tick += 1
            nt = 0
            hs = 0
            for e in range(indptr[j], indptr[j + 1]):       # scatter column j
                r = indices[e]
                stamp[r] = tick
                touched[nt] = r
                nt += 1
                spa[r] = data[e]
                if piv_of_row[r] >= 0:
                    heap = _grow(heap, hs + 1)
                    hs = _push(heap, hs, piv_of_row[r])
            while hs > 0:                                   # reduce, pivots in the order found
                k, hs = _pop(heap, hs)
                r = piv_row[k]
                v = spa[r]
                if v == 0:
                    continue
                if p:
                    f = v * _inverse(piv_val[k], p) % p
                else:
                    f = v * piv_val[k]  # piv_val is +-1, its own inverse
                for e in range(piv_ptr[k], piv_ptr[k + 1]):
                    r2 = buf_r[e]
                    if stamp[r2] != tick:
                        stamp[r2] = tick
                        touched[nt] = r2
                        nt += 1
                        spa[r2] = 0
                    old = spa[r2]
                    new = old - f * buf_v[e]
                    if p:
                        new %= p
                    elif new > limit or new < -limit:
                        return 1, n_piv, res_c[:0], res_r[:0], res_v[:0]
                    spa[r2] = new
                    if old == 0 and new != 0 and piv_of_row[r2] >= 0:
                        heap = _grow(heap, hs + 1)
                        hs = _push(heap, hs, piv_of_row[r2])
            best, nnz = _choose_pivot(nt, touched, spa, row_count, p)
            if nnz == 0:
                continue
            if best >= 0:                                   # a new pivot column
                start = piv_ptr[n_piv]
                buf_r = _grow(buf_r, start + nnz)
                buf_v = _grow(buf_v, start + nnz)
                piv_ptr[n_piv + 1] = _store(nt, touched, spa, buf_r, buf_v, start)
                piv_of_row[best] = n_piv
                piv_row[n_piv] = best
                piv_val[n_piv] = spa[best]
                n_piv += 1
                new_pivots += 1
            else:                                           # residual, tried again next pass
                pending[n_left] = j
                n_left += 1
                res_c = _grow(res_c, n_res + nnz)
                res_r = _grow(res_r, n_res + nnz)
                res_v = _grow(res_v, n_res + nnz)
                res_c[n_res:n_res + nnz] = j
                n_res = _store(nt, touched, spa, res_r, res_v, n_res)
        n_pending = n_left
        if new_pivots == 0 or n_pending == 0:
            return 0, n_piv, res_c[:n_res], res_r[:n_res], res_v[:n_res]
