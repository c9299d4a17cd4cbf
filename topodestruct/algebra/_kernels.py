"""Compiled loops (numba) for the CPU hot paths of the modular rank tests.

Batches of small matrices are where array libraries spend their time on
per-call overhead and memory passes; these kernels run one scalar-vectorised
loop per item instead.  All arithmetic is exact: integers in float64 stay below
``2**53`` (see each kernel), residues are reduced by a float reciprocal with a
correction, as :func:`topodestruct.algebra.modular.mod` does.
"""
import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _mod(x, p, invp):
    """``x mod p`` in ``[0, p)`` for integer-valued float64 ``|x| < 2**53 - p``."""
    r = x - np.floor(x * invp) * p
    if r < 0:
        r += p
    elif r >= p:
        r -= p
    return r


@njit(cache=True, nogil=True, inline="always")
def _inverse(d, p):
    """``d**-1 mod p`` (``p < 2**26`` prime, ``0 < d < p``) by Fermat; products of
    residues stay below ``2**52``, so float64 reductions (no integer division) are exact."""
    invp = 1.0 / p
    out, base, e = 1.0, float(d), p - 2
    while e:
        if e & 1:
            out = _mod(out * base, p, invp)
        base = _mod(base * base, p, invp)
        e >>= 1
    return int(out)


@njit(cache=True, nogil=True)
def full_column_rank(T, nrows, ncols, p):
    """Whether each ``T[b, :nrows[b], :ncols[b]]`` has rank ``ncols[b]`` mod ``p``.

    ``T`` (float64, integer-valued, ``|x| <= p``) is overwritten.  Gaussian
    elimination with row pivoting; entries are reduced when read as pivot row or
    column, so an entry is its input plus at most ``C`` products of residues in
    ``[0, p)``: below ``p + C p**2 < 2**53`` for ``p < 2**21`` and ``C < 2**10``.
    """
    nb = T.shape[0]
    out = np.ones(nb, dtype=np.bool_)
    invp = 1.0 / p
    row = np.empty(T.shape[2])
    for b in range(nb):
        A = T[b]
        nr, nc = nrows[b], ncols[b]
        for c in range(nc):
            piv = -1
            for i in range(c, nr):
                v = _mod(A[i, c], p, invp)
                A[i, c] = v
                if piv < 0 and v != 0:
                    piv = i
            if piv < 0:
                out[b] = False
                break
            if piv != c:
                for k in range(c, nc):
                    A[c, k], A[piv, k] = A[piv, k], A[c, k]
            inv = _inverse(int(A[c, c]), p)
            w = nc - c - 1
            for k in range(w):                  # the pivot row, reduced, apart (no aliasing)
                row[k] = _mod(A[c, c + 1 + k], p, invp)
            for i in range(c + 1, nr):
                if A[i, c] != 0:
                    f = _mod(A[i, c] * inv, p, invp)
                    Ai = A[i, c + 1:nc]
                    for k in range(w):
                        Ai[k] -= f * row[k]
    return out


@njit(cache=True, nogil=True)
def reduce_mod(x, add, out, p):
    """``out = x + add mod p`` as representatives ``|r| <= p / 2`` (one pass; int32
    and int8 in, int8 out for ``p <= 255``; ``add`` may be empty); exact for
    integers ``|x + add| < 2**52``."""
    invp = 1.0 / p
    if add.shape[0]:
        for i in range(x.shape[0]):
            v = np.float64(x[i]) + np.float64(add[i])
            out[i] = v - np.rint(v * invp) * p
    else:
        for i in range(x.shape[0]):
            v = np.float64(x[i])
            out[i] = v - np.rint(v * invp) * p


@njit(cache=True, nogil=True)
def residues(W, p, signed):
    """Residues in ``[0, p)`` (``signed``: in ``(-p/2, p/2)``) of the integer matrix
    ``W / 2**e0`` (``e0`` the smallest exponent of the nonzero float64 entries
    written ``mant * 2**e`` with 53-bit integer mantissas, as ``numpy.frexp``
    gives them)."""
    flat = W.ravel()
    bits = flat.view(np.int64)
    n = flat.shape[0]
    e0 = 1 << 30
    for i in range(n):                 # normal numbers: (2**52 + fraction) 2**(e - 1075)
        e = (bits[i] >> 52) & 0x7FF
        if e:
            e0 = min(e0, e - 1075)
        elif flat[i] != 0:             # subnormal: frexp's normalised form
            e0 = min(e0, math.frexp(flat[i])[1] - 53)
    out = np.zeros(n, dtype=np.int64)
    if e0 == 1 << 30:
        return out.reshape(W.shape)
    pow2 = np.ones(2200, dtype=np.float64)           # 2**s mod p; s < 2**11 + 53
    for s in range(1, 2200):
        pow2[s] = pow2[s - 1] * 2 % p
    invp = 1.0 / p
    for i in range(n):
        b = bits[i]
        e = (b >> 52) & 0x7FF
        if e:
            m, shift = np.float64((b & 0xFFFFFFFFFFFFF) | (1 << 52)), e - 1075 - e0
        elif flat[i] != 0:
            f, e = math.frexp(abs(flat[i]))
            m, shift = math.ldexp(f, 53), e - 53 - e0
        else:
            continue
        r = _mod(_mod(m, p, invp) * pow2[shift], p, invp)     # < 2**53 throughout
        if b < 0 and r != 0:
            r = p - r
        out[i] = np.int64(r - p if signed and r > p // 2 else r)
    return out.reshape(W.shape)


@njit(cache=True, nogil=True)
def sign_pass(z, scale, wmax, cb, relu, codeword):
    """One pass over pre-activations ``z`` (N x n) with the relaxed rounding bound
    ``bound[i, j] = 1.02 (cb[j] + scale[i] wmax[j])`` of :func:`topodestruct.relu.forward.activation_patterns`:
    ``codeword = z > 0``; returns per row whether some ``|z| <= bound`` (with
    ``bound > 0``) and the l1 norm of the layer's output (after the ReLU, applied
    to ``z`` in place when ``relu``)."""
    N, n = z.shape
    uncertain = np.zeros(N, dtype=np.bool_)
    l1 = np.zeros(N)
    for i in range(N):
        s = scale[i]
        flag = False
        tot = 0.0
        for j in range(n):
            v = z[i, j]
            bound = 1.02 * (cb[j] + s * wmax[j])
            if abs(v) <= bound and bound > 0:
                flag = True
            codeword[i, j] = v > 0
            if relu and v < 0:
                v = 0.0
                z[i, j] = 0.0
            tot += abs(v)
        uncertain[i] = flag
        l1[i] = tot
    return uncertain, l1


@njit(cache=True, nogil=True)
def rref_mod(A, p, pivots):
    """Reduced row echelon form mod ``p`` of each ``A[b]`` (float64 residues in
    ``[0, p)``, ``m x n``), in place; ``pivots[b, :rank]`` receives the pivot
    columns.  Returns the ranks.  Every entry is reduced after each update, so
    intermediate values stay below ``p**2 + p < 2**53`` for ``p < 2**26``.
    """
    nb, m, n = A.shape
    ranks = np.zeros(nb, dtype=np.int64)
    invp = 1.0 / p
    for b in range(nb):
        M = A[b]
        r = 0
        for c in range(n):
            if r == m:
                break
            piv = -1
            for i in range(r, m):
                if M[i, c] != 0:
                    piv = i
                    break
            if piv < 0:
                continue
            if piv != r:
                for k in range(c, n):
                    M[r, k], M[piv, k] = M[piv, k], M[r, k]
            inv = _inverse(int(M[r, c]), p)
            for k in range(c, n):
                M[r, k] = _mod(M[r, k] * inv, p, invp)
            for i in range(m):
                f = M[i, c]
                if i != r and f != 0:
                    for k in range(c, n):
                        M[i, k] = _mod(M[i, k] - f * M[r, k], p, invp)
            pivots[b, r] = c
            r += 1
        ranks[b] = r
    return ranks


@njit(cache=True, nogil=True)
def gather_minors(F, net, rows, cols, items, C, out):
    """``out[b] = F[net[i]][R, S]`` for ``i = items[b]``, ``R`` the first ``C`` indices
    where ``rows[i]`` is True and ``S`` the first ``C`` where ``cols[i]`` is (each row
    of ``rows`` and ``cols`` must have at least ``C`` of them): the leading ``C x C``
    minors of blocks given by masks, for a batched rank test."""
    R = np.empty(C, dtype=np.int64)
    S = np.empty(C, dtype=np.int64)
    for b in range(items.shape[0]):
        i = items[b]
        k = 0
        for j in range(rows.shape[1]):
            if k < C and rows[i, j]:
                R[k] = j
                k += 1
        k = 0
        for j in range(cols.shape[1]):
            if k < C and cols[i, j]:
                S[k] = j
                k += 1
        M = F[net[i]]
        for x in range(C):
            for y in range(C):
                out[b, x, y] = M[R[x], S[y]]
