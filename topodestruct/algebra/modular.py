"""Exact linear algebra modulo a prime on float and int8 arrays: residues, products, rank tests.

The building blocks of the certified rank tests of :mod:`topodestruct.relu`:

* :func:`residues` -- the exact image in ``Z/p`` of the integer matrix behind a
  float matrix (float weights are dyadic rationals: a power of two times an
  integer matrix, and the scale never changes a rank);
* :func:`mod`, :func:`smod`, :func:`matmul_mod`, :func:`matmul_mod_many`,
  :func:`np_matmul_mod` -- reductions and products of integer-valued float
  (or int8) tensors that stay exact by bounding every partial sum below the
  dtype's exact-integer limit (chunking long inner dimensions);
* :func:`full_column_rank`, :func:`padded_full_rank` (batched), :func:`lu_mod`
  (one matrix), :func:`unit_lower_inverse` -- eliminations mod ``p``;
* :func:`rank_mod_p`, :func:`exact_rank_int` -- single matrices through the
  project's one rank routine, :func:`topodestruct.algebra.linalg.rank`.

Compiled loops live in :mod:`topodestruct.algebra._kernels` (numba).

Examples
--------
>>> import numpy as np
>>> from topodestruct.algebra.modular import residues
>>> residues(np.array([[0.5, -1.5]]), 7).tolist()   # 2**52 * [1, -3] = W * 2**53
[[2, 1]]
"""
import numpy as np

__all__ = ["FAST_PRIME", "to_integer_parts", "integer_matrix", "residues", "signed_residues",
           "mod", "smod", "matmul_mod", "matmul_mod_many", "np_matmul_mod", "inner_chunk",
           "full_column_rank", "padded_full_rank", "lu_mod", "unit_lower_inverse",
           "elimination_fits", "fast_dtype", "rank_mod_p", "exact_rank_int"]

FAST_PRIME = 251                 # largest prime whose signed residues fit int8
_LU_BATCH = 32
_LU_ENTRIES = 2 ** 20


def _kernels():
    from . import _kernels

    return _kernels


def to_integer_parts(W):
    """``W == mant * 2**(shift + e0)`` exactly, with int64 mant and shift >= 0."""
    W = np.asarray(W, dtype=np.float64)
    frac, exp = np.frexp(W)
    mant = np.ldexp(frac, 53).astype(np.int64)
    exp = exp.astype(np.int64) - 53
    nz = mant != 0
    e0 = int(exp[nz].min()) if nz.any() else 0
    shift = np.where(nz, exp - e0, 0)
    return mant, shift


def residues(W, p, signed=False):
    """Exact image in Z/p, in [0, p) (``signed``: in (-p/2, p/2)), of the integer
    matrix of float array ``W`` (that of :func:`to_integer_parts`, i.e. ``W`` over
    its smallest power of two)."""
    return _kernels().residues(np.ascontiguousarray(W, dtype=np.float64), int(p), signed)


def _signed(R, p):
    """Residues in [0, p) to their representatives in (-p/2, p/2)."""
    return np.where(R > p // 2, R - p, R)


def signed_residues(M, p):
    """Small representatives (``|r| <= p // 2 + 2``, as :func:`smod` gives) of an
    integer-valued array; arrays already in that range are returned as they are."""
    M = np.asarray(M)
    if M.size == 0 or np.abs(M).max() <= p // 2 + 2:
        return M
    return _signed(M.astype(np.int64) % p, p)


def _exact_limit(dtype):
    """``2**24`` (float32) or ``2**53`` (float64): all integers up to it are exact."""
    import torch

    return 2.0 / torch.finfo(dtype).eps


def integer_matrix(W):
    """Exact integer matrix (Python ints) with ``W = 2**e0 * result``."""
    mant, shift = to_integer_parts(W)
    return [[int(a) << int(s) for a, s in zip(r1, r2)] for r1, r2 in zip(mant, shift)]


_INV_CACHE = {}


def _inverse_table(p, device):
    """``table[x] = x**-1 mod p`` (``table[0] = 0``) as an int64 device tensor."""
    import torch

    key = (p, str(device))
    if key not in _INV_CACHE:
        x = np.arange(p, dtype=np.int64)
        res, base, e = np.ones(p, dtype=np.int64), x.copy(), p - 2
        while e:
            if e & 1:
                res = res * base % p
            base = base * base % p
            e >>= 1
        res[0] = 0
        _INV_CACHE[key] = torch.from_numpy(res).to(device)
    return _INV_CACHE[key]


def mod(x, p):
    """Residues of integer-valued float64 ``|x| <= 2**53 - p`` in [0, p).

    ``floor(x / p)`` is off by at most one (relative rounding 2**-52), and
    ``x - q p`` is exact, so one correction on each side makes it exact.
    (``torch.fmod`` is exact too but an order of magnitude slower on CPU.)
    """
    import torch

    r = torch.floor(x * (1.0 / p)).mul_(-p).add_(x)      # in [-p, 2p)
    return torch.remainder(r, p)                          # cheap for small quotients


def smod(x, p):
    """A representative ``r = x (mod p)`` with ``|r| <= p/2 + 2``, for integer-valued
    float ``|x| <= L - p`` (``L = 2**53`` for float64, ``2**24`` for float32);
    ``r == 0`` exactly when ``p`` divides ``x``.

    ``round(x * fl(1/p))`` is within ``(L / p) eps = 2 / p`` of ``x / p``
    (two relative roundings of ``eps / 2``, ``eps = 2 / L``), hence off by at most one near
    half-integers, where ``|x - q p| <= p/2 + 2``; and ``x - q p`` is exact.  Signed residues halve the size of products, and
    skip ``torch.remainder`` (an order of magnitude slower than ``round`` on CPU).
    """
    import torch

    return torch.round(x * (1.0 / p)).mul_(-p).add_(x)


def matmul_mod(A, B, p, bound=None):
    """``A @ B mod p`` (signed residues, see :func:`smod`) for integer-valued float
    tensors with entries ``|x| <= bound`` (default ``p - 1``), exact by chunking the
    inner dimension so that partial sums stay below the dtype's exact limit.

    For int8 matrices (signed residues, ``p <= 251``) the products are exact int32
    GEMMs (``torch._int_mm``), reduced in float32 (exact below ``2**24``), and the
    result is int8 again.
    """
    import torch

    int8 = A.dtype == torch.int8
    chunk = inner_chunk(A.dtype, p, bound)

    def mm(a, b):
        return torch._int_mm(_dense(a), _dense(b)).float() if int8 else a @ b

    k, out = A.shape[-1], None
    for s in range(0, max(k, 1), chunk):
        part = smod(mm(A[..., s:s + chunk], B[..., s:s + chunk, :]), p)
        out = part if out is None else smod(out + part, p)
    return out.to(torch.int8) if int8 else out


def inner_chunk(dtype, p, bound=None):
    """Longest inner dimension whose products of entries ``|x| <= bound`` (default
    ``p - 1``; 127 for int8, reduced in float32) sum exactly in ``dtype``."""
    import torch

    int8 = dtype == torch.int8
    bound = 127.0 if int8 else float(p - 1 if bound is None else bound)
    limit = 2.0 ** 24 if int8 else _exact_limit(dtype)
    return max(1, int((limit - 2.0 * p) // bound ** 2) - 1)


def matmul_mod_many(As, Bs, p, bound=None, add=None):
    """``[A @ B (+ C) mod p for A, B(, C) in zip(As, Bs(, add))]``; int8 products (the
    fast tier) are reduced together, which saves the per-call overhead of many
    small reductions.  Addends ``C`` are residues of the dtype of ``A``."""
    import torch

    if not As:
        return []
    if As[0].dtype != torch.int8 or max(A.shape[1] for A in As) > inner_chunk(torch.int8, p):
        out = [matmul_mod(A, B, p, bound) for A, B in zip(As, Bs)]
        return out if add is None else [smod(Z + C, p) for Z, C in zip(out, add)]
    shapes = [(A.shape[0], B.shape[1]) for A, B in zip(As, Bs)]
    ends = np.cumsum([m * n for m, n in shapes])
    flat = torch.empty(int(ends[-1]), dtype=torch.int32)      # the products side by side
    Cs = [flat[e - m * n:e].view(m, n) for e, (m, n) in zip(ends, shapes)]
    for A, B, C in zip(As, Bs, Cs):
        torch._int_mm(_dense(A), _dense(B), out=C)
    # int8 products run on CPUs only (fast_dtype); addends are added in the reduction
    out = torch.empty(len(flat), dtype=torch.int8)
    plus = (np.concatenate([D.numpy().reshape(-1) for D in add]) if add is not None
            else np.empty(0, dtype=np.int8))
    _kernels().reduce_mod(flat.numpy(), plus, out.numpy(), p)
    return [out[e - m * n:e].view(m, n) for e, (m, n) in zip(ends, shapes)]


def _dense(a):
    """``a`` with plain row- or column-major strides, else a row-major copy.

    oneDNN (``torch._int_mm``) reads strides literally, and torch calls e.g. a
    (1, 3) view with strides (1, 1) contiguous: such inputs gave garbage.
    """
    import torch

    r, c = a.shape
    if a.stride() == (c, 1) or (min(r, c) > 1 and a.stride() == (1, r)):
        return a
    return torch.empty((r, c), dtype=a.dtype, device=a.device).copy_(a)


def full_column_rank(A, p, block=32):
    """Whether each ``A[i]`` (R x C, R >= C, float residues) has rank C mod p.

    Batched right-looking blocked LU with row pivoting.  Entries are reduced
    only when read (pivot column, pivot row): every elimination step adds one
    product of two signed residues (:func:`smod`, ``|r| <= h = p // 2 + 2``) to
    an entry, so unreduced entries stay below ``h + C h**2 <= L - p`` (see
    :func:`elimination_fits`; e.g. ``C < 32768`` for ``p < 2**20`` in float64,
    ``C <= 1032`` for ``p = 251`` in float32) and all updates, including the
    trailing GEMMs, are exact.
    """
    import torch

    nb, R, C = A.shape
    group = max(_LU_BATCH, _LU_ENTRIES // max(R * C, 1))      # cache-sized groups on CPU
    if nb > group and A.device.type == "cpu":
        return torch.cat([full_column_rank(A[s:s + group], p, block)
                          for s in range(0, nb, group)])
    ok = torch.ones(nb, dtype=torch.bool, device=A.device)
    if C == 0 or nb == 0:
        return ok
    if not elimination_fits(C, p, A.dtype):
        raise ValueError(f"matrix too wide ({C} columns) for exact {A.dtype} elimination mod {p}")
    A = A.clone()
    inv = _inverse_table(p, A.device)
    ar = torch.arange(nb, device=A.device)
    for s in range(0, C, block):
        e = min(s + block, C)
        # the panel transposed and contiguous, P[:, c, i] = A[:, s + i, s + c]:
        # its columns of A are then read and written as contiguous rows
        P = A[:, s:, s:e].transpose(1, 2).contiguous()
        for c in range(e - s):
            col = smod(P[:, c, c:], p)
            if not bool((col[:, 0] != 0).all()):    # some item needs a row swap
                P[:, c, c:] = col
                nz = col != 0
                ok &= nz.any(1)
                piv = c + nz.to(torch.uint8).argmax(1)
                prow = A[ar, s + piv].clone()
                A[ar, s + piv] = A[:, s + c].clone()
                A[:, s + c] = prow
                pcol = P[ar, :, piv].clone()
                P[ar, :, piv] = P[:, :, c].clone()
                P[:, :, c] = pcol
                col = P[:, c, c:]
            dinv = inv[mod(col[:, 0], p).long()].to(A.dtype)
            lcol = smod(col[:, 1:] * dinv[:, None], p)
            P[:, c, c + 1:] = lcol
            if c + 1 < e - s:
                urow = smod(P[:, c + 1:, c], p)     # row s + c of U, inside the panel
                P[:, c + 1:, c] = urow
                P[:, c + 1:, c + 1:].addcmul_(urow[:, :, None], lcol[:, None, :], value=-1)
        A[:, s:, s:e] = P.transpose(1, 2)
        if e < C:
            # Schur complement A22 - L21 (L11^-1 A12), every factor reduced
            U12 = matmul_mod(unit_lower_inverse(A[:, s:e, s:e], p), smod(A[:, s:e, e:], p), p)
            A[:, e:, e:].baddbmm_(A[:, e:, s:e], U12, alpha=-1)
    return ok


def lu_mod(A, p, block=32):
    """Row-pivoted LU of one integer matrix mod ``p`` (numpy; ``A`` is ``n x m`` with
    ``n >= m``), the pivot of each column being the first usable row.

    Returns ``(ok, perm, LU)``: whether the rank is ``m``; the original row of each
    position; ``A[perm] = L U`` with ``L`` (reduced, unit diagonal) in the strictly
    lower part of ``LU``.  The same blocked elimination with reduction on read as
    :func:`full_column_rank`, for a single matrix, where numpy's per-call cost is
    a fraction of torch's.
    """
    import torch

    n, m = A.shape
    dt = np.float32 if elimination_fits(m, p, torch.float32) else np.float64
    A = signed_residues(A, p).astype(dt)
    perm = np.arange(n)

    def smod(x):
        return x - dt(p) * np.rint(x * dt(1.0 / p))

    for s in range(0, m, block):
        e = min(s + block, m)
        PT = np.ascontiguousarray(A[s:, s:e].T)     # the panel's columns as rows
        for c in range(e - s):
            col = smod(PT[c, c:])
            nz = np.flatnonzero(col)
            if not nz.size:
                return False, perm, A
            k = c + int(nz[0])
            if k != c:
                col[[0, k - c]] = col[[k - c, 0]]
                PT[:, [c, k]] = PT[:, [k, c]]
                A[[s + c, s + k]] = A[[s + k, s + c]]
                perm[[s + c, s + k]] = perm[[s + k, s + c]]
            PT[c, c] = col[0]
            PT[c, c + 1:] = lcol = smod(col[1:] * dt(pow(int(col[0]) % p, p - 2, p)))
            if c + 1 < e - s:
                PT[c + 1:, c] = urow = smod(PT[c + 1:, c])
                PT[c + 1:, c + 1:] -= urow[:, None] * lcol[None, :]
        A[s:, s:e] = PT.T
        if e < m:
            L11, U12 = A[s:e, s:e], smod(A[s:e, e:])
            for i in range(1, e - s):                # U12 = L11^-1 A12
                U12[i] = smod(U12[i] - L11[i, :i] @ U12[:i])
            A[s:e, e:] = U12
            A[e:, e:] -= A[e:, s:e] @ U12            # reduced when read as a panel
    return True, perm, A


def elimination_fits(C, p, dtype):
    """Whether :func:`full_column_rank` on ``C`` columns is exact in ``dtype``."""
    h = float(p // 2 + 2)
    return h + C * h * h + p <= _exact_limit(dtype)


def unit_lower_inverse(T, p):
    """``L^-1 mod p`` for the unit lower triangle ``L`` of ``T`` (entries below the
    diagonal reduced).  Blocks: ``[[A, 0], [C, D]]^-1 = [[A^-1, 0], [-D^-1 C A^-1, D^-1]]``;
    small ones by ``(I + N)^-1 = (I - N)(I + N^2)(I + N^4)...`` with ``N`` nilpotent."""
    import torch

    w = T.shape[-1]
    if w > 64:
        h = w // 2
        Ai = unit_lower_inverse(T[..., :h, :h], p)
        Di = unit_lower_inverse(T[..., h:, h:], p)
        out = torch.zeros_like(T)
        out[..., :h, :h] = Ai
        out[..., h:, h:] = Di
        out[..., h:, :h] = -matmul_mod(Di, matmul_mod(smod(T[..., h:, :h], p), Ai, p), p)
        return out
    eye = torch.eye(w, dtype=T.dtype, device=T.device)
    N = torch.tril(T, -1)
    out = smod(eye - N, p)
    k = 2
    while k < w:
        N = matmul_mod(N, N, p)
        out = matmul_mod(out, eye + N, p)
        k *= 2
    return out


def padded_full_rank(T, ncols, p, nrows=None):
    """Full column rank of ``T[i][:nrows[i], :ncols[i]]`` for a batch (rows past
    ``nrows[i]`` zero; ``nrows`` defaults to all rows).

    Each item is first tested on its top ``ncols[i]`` rows only (a square
    minor: full rank there proves full column rank); items failing that get
    the full test.  Items are sorted by size and padded per cache-sized group
    to ``diag(T_i, I)``, which has full column rank iff ``T_i`` has.
    """
    import torch

    nb, R, C = T.shape
    ncols = np.asarray(ncols, dtype=np.int64)
    nrows = np.full(nb, R, dtype=np.int64) if nrows is None else np.asarray(nrows, dtype=np.int64)
    ok = np.ones(nb, dtype=bool)
    if nb == 0:
        return ok
    square = np.minimum(ncols, nrows)
    ok = _grouped_full_rank(T, ncols, square, p)
    tall = np.flatnonzero(~ok & (nrows > ncols))
    if tall.size:
        ok[tall] = _grouped_full_rank(T[torch.from_numpy(tall).to(T.device)], ncols[tall],
                                      nrows[tall], p)
    return ok


def _grouped_full_rank(T, ncols, nrows, p):
    """:func:`padded_full_rank` without the square-minor pass (numpy in, numpy out)."""
    import torch

    nb, R, C = T.shape
    ok = np.ones(nb, dtype=bool)
    order = np.lexsort((nrows, ncols))
    order = order[ncols[order] > 0]
    step = max(_LU_BATCH, _LU_ENTRIES // max(int(nrows.max()) * int(ncols.max()), 1))
    for s in range(0, len(order), step):
        g = order[s:s + step]
        nc, nr = ncols[g], nrows[g]
        Cg = int(nc.max())
        Rg = int((nr + Cg - nc).max())
        R0 = min(Rg, R)
        gt = torch.from_numpy(g).to(T.device)
        M = torch.zeros(len(g), Rg, Cg, dtype=T.dtype, device=T.device)
        M[:, :R0] = T[gt, :R0, :Cg]
        rk = torch.from_numpy(np.arange(Rg)[None, :] < nr[:, None]).to(T.device)
        ck = torch.from_numpy(np.arange(Cg)[None, :] < nc[:, None]).to(T.device)
        M *= rk[:, :, None] & ck[:, None, :]
        # unit entries (nr + k, nc + k) stand in for the columns past nc
        extra = Cg - nc
        if extra.any():
            b = np.repeat(np.arange(len(g)), extra)
            k = np.arange(int(extra.sum())) - np.repeat(np.cumsum(extra) - extra, extra)
            M[torch.from_numpy(b), torch.from_numpy(nr[b] + k), torch.from_numpy(nc[b] + k)] = 1.0
        ok[g] = full_column_rank(M, p).cpu().numpy()
    return ok


def rank_mod_p(M, p):
    """Rank mod p of one integer-valued matrix (the project's :func:`linalg.rank`)."""
    from .linalg import rank

    return rank(np.asarray(M, dtype=np.int64) % p, p=p)


def exact_rank_int(M):
    """Exact rank over Q of an integer matrix (list of lists of Python ints)."""
    from .linalg import rank

    return rank(M) if M and M[0] else 0


def np_matmul_mod(A, B, p):
    """``A @ B mod p`` for integer-valued numpy arrays (any residues), as float64
    signed residues; exact int8 GEMMs where ``p`` is small enough."""
    import torch

    A, B = (signed_residues(M, p) for M in (A, B))
    if p <= FAST_PRIME and fast_dtype("cpu") == torch.int8:
        A, B = (torch.from_numpy(M.astype(np.int8)) for M in (A, B))
        return matmul_mod(A, B, p).numpy().astype(np.float64)
    A, B = (torch.from_numpy(M.astype(np.float64)) for M in (A, B))
    return matmul_mod(A, B, p, bound=p // 2 + 2).numpy()


_FAST_DTYPE = {}


def fast_dtype(device):
    """int8 where ``torch._int_mm`` works (CPU), else float32."""
    import torch

    key = str(device)
    if key not in _FAST_DTYPE:
        _FAST_DTYPE[key] = torch.float32
        if key == "cpu" and hasattr(torch, "_int_mm"):
            try:
                a = torch.full((2, 3), 100, dtype=torch.int8)
                if int(torch._int_mm(a, a.T.contiguous())[0, 0]) == 30000:
                    _FAST_DTYPE[key] = torch.int8
            except RuntimeError:
                pass
    return _FAST_DTYPE[key]


def __dir__():  # dir() shows the public names only
    return __all__
