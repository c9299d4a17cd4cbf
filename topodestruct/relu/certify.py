"""Certified ranks: modular lower bounds against the combinatorial upper bound, with fallbacks.

:func:`certified_ranks` is the relu-internal entry point behind
:func:`topodestruct.rank_decomposition` (certified and exact modes) and
:func:`topodestruct.polytopes.polytope_decomposition`; the method is described
in :mod:`topodestruct.relu.rank`.
"""
import numpy as np

from ..algebra.modular import (FAST_PRIME, exact_rank_int, fast_dtype, integer_matrix,
                               np_matmul_mod, padded_full_rank, rank_mod_p, residues)
from .numerical import chunk_slices, numerical_ranks, padded_index
from .tiers import Tier, chain_lower

__all__ = ["ROUTES", "certified_ranks"]

_SECOND_PRIME = 1048571          # used to re-check points whose first test failed
# how a (codeword, layer) pair was settled, by code (``RankDecomposition.routes``)
ROUTES = ("fast tier", "float64 tier", "per-point modular", "exact", "numerical", "dense chain")
#: Inputs of at most this dimension take :func:`_dense_lower` first: the whole Jacobian mod p
#: of every codeword, layer by layer in one product per layer (``m`` columns), is cheaper
#: than the sketched per-point chains of the tiers, which are built for wide inputs.
_DENSE_MAX_INPUT = 3
#: Rows of codewords per block of :func:`_dense_lower` (memory: rows x width x m floats).
_DENSE_BLOCK = 1 << 14


def _layer1_lower(red, act1, p, device):
    """Certified test of rank(E[a1]) = min(r, |a1|)... via the small block F[a1\\B, B\\a1]."""
    import torch

    inB = act1 & red.in_B[None, :]
    base = inB.sum(1)
    rows_mask = act1[:, red.non_B]                      # a1 \ B, as rows of F
    cols_mask = ~act1[:, red.rows]                      # B \ a1, as columns of F (by position)
    ridx, rval, rcnt = padded_index(rows_mask)
    cidx, cval, ccnt = padded_index(cols_mask)
    target = np.minimum(rcnt, ccnt)
    ok = target == 0
    todo = np.flatnonzero(~ok)
    if todo.size:
        G = red.F_pad(device).take(ridx[todo], cidx[todo])
        # orient every block tall (rows >= cols) so the test is full column rank
        wide = torch.from_numpy(rcnt[todo] < ccnt[todo]).to(device)
        D = max(G.shape[1], G.shape[2])
        Gp = torch.zeros(len(todo), D, D, dtype=G.dtype, device=device)
        Gp[:, :G.shape[1], :G.shape[2]] = G
        Gp = torch.where(wide[:, None, None], Gp.transpose(1, 2), Gp)
        Gp = Gp[:, :, :int(target[todo].max())]
        ok[todo] = padded_full_rank(Gp, target[todo], p,
                                     np.maximum(rcnt[todo], ccnt[todo]))
    return np.where(ok, base + target, -1)


def _dense_lower(Ws, actives, upper, want, p, random_state):
    """Modular lower bounds for inputs of small dimension ``m``: per codeword the Jacobian
    ``D_K W_K ... D_1 W_1 (mod p)`` (``n_K x m``), all codewords of a block in one product
    per layer (signed residues in float64: a sum of ``n`` products stays below
    ``n p^2 / 4 < 2^53``).  ``rank_p <= rank``, so where ``rank_p`` reaches the bound
    ``upper`` the rank is proven; a bound below ``m`` is tested on ``J S`` for a random
    ``m x upper`` matrix ``S`` (any ``S`` gives a valid bound).  Returns ``(U, L)`` with
    ``upper`` where proven and ``-1`` elsewhere."""
    import torch

    from ..algebra import _kernels
    from ..algebra.modular import smod as _smod

    def smod(x):                # |result| <= p/2 + 2
        return _smod(torch.from_numpy(x), p).numpy()

    U, L = upper.shape
    lower = np.full((U, L), -1)
    m, last = Ws[0].shape[1], max(want) + 1
    if any(W.shape[1] * (p / 2 + 2) ** 2 >= 2.0 ** 52 for W in Ws[:last]):
        return lower
    res = [residues(W, p, signed=True).astype(np.float64) for W in Ws[:last]]
    S = np.random.default_rng(random_state).integers(0, p, (m, m)).astype(np.float64)
    for s in range(0, U, _DENSE_BLOCK):
        rows = slice(s, min(U, s + _DENSE_BLOCK))
        J = None
        for K in range(last):
            if J is None:
                J = np.broadcast_to(res[0], (rows.stop - s, *res[0].shape))
            else:               # one product for the block: (n_K, n_{K-1}) @ (n_{K-1}, B m)
                B, n, _ = J.shape
                J = (res[K] @ J.transpose(1, 0, 2).reshape(n, B * m)).reshape(
                    -1, B, m).transpose(1, 0, 2)
            J = smod(J * actives[K][rows, :, None])
            if K not in want:
                continue
            u = upper[rows, K]
            T = np.where((u < m)[:, None, None], smod(J @ S), J)
            ok = _kernels.full_column_rank(np.ascontiguousarray(T), np.full(len(T), T.shape[1]),
                                           u.astype(np.int64), p)
            lower[rows, K] = np.where(ok, u, -1)
    return lower


def _chain_matrices(Ws, actives_row, upto):
    """The active submatrices A_1..A_upto (numpy float) for one codeword row."""
    mats, prev = [], None
    for K in range(upto):
        a = np.flatnonzero(actives_row[K])
        W = Ws[K][a] if prev is None else Ws[K][np.ix_(a, prev)]
        mats.append(W)
        prev = a
    return mats


def _rank_mod_p_chain(Wps, actives_row, K, p):
    mats = _chain_matrices(Wps, actives_row, K)
    Z = mats[0].astype(np.float64)
    for A in mats[1:]:
        if A.shape[0] == 0 or Z.shape[1] == 0:
            return 0
        Z = np.fmod(np_matmul_mod(A.astype(np.float64), Z, p), p)
    return rank_mod_p(Z, p)


def _exact_rank_chain(Ws, actives_row, K):
    import flint

    mats = _chain_matrices(Ws, actives_row, K)
    if any(0 in M.shape for M in mats):
        return 0
    prod = flint.fmpz_mat(integer_matrix(mats[0]))
    for M in mats[1:]:
        prod = flint.fmpz_mat(integer_matrix(M)) * prod
    return exact_rank_int([[int(x) for x in row] for row in prod.tolist()])


def _tiers(p, want, device):
    """(prime, dtype) of the modular tests, fastest first: the small-prime tier pays
    off for the GEMM chains of layers >= 2; a single layer goes straight to float64."""
    import torch

    tiers = [(p, torch.float64)]
    if any(K >= 1 for K in want):
        tiers.insert(0, (FAST_PRIME, fast_dtype(device)))
    return tiers


def certified_ranks(layers, actives, m, p, fallback, exact_all, random_state, want, n_jobs=1):
    """Ranks and certification for unique codeword rows at the layers in ``want``.

    Returns ``(ranks, certified, upper, routes)``; ``routes`` (int8, ``-1`` outside
    ``want``) indexes :data:`ROUTES`: which test settled each rank."""
    import torch

    device = layers[0].W.device
    U, L = actives[0].shape[0], len(layers)
    Ws = [lay.W.detach().cpu().numpy().astype(np.float64) for lay in layers]
    counts = np.stack([a.sum(1) for a in actives], 1)
    upper = np.minimum.accumulate(np.concatenate([np.full((U, 1), m), counts], 1), axis=1)[:, 1:]
    lower = np.full((U, L), -1)
    routes = np.full((U, L), -1, dtype=np.int8)
    wanted = np.zeros(L, dtype=bool)
    wanted[sorted(want)] = True
    last = max(want) + 1
    if not exact_all and m <= _DENSE_MAX_INPUT:
        lower = _dense_lower(Ws, actives, upper, want, p, random_state)
        routes[(lower == upper) & wanted] = ROUTES.index("dense chain")
    if not exact_all:
        freqs = [a.mean(0) for a in actives]     # choose the reductions (see Tier)
        for q, dtype in _tiers(p, want, device):
            pending = np.flatnonzero((lower < upper)[:, sorted(want)].any(1))
            if not pending.size:
                break
            tier = Tier(Ws[:last], q, dtype, freqs, device)
            act = [a[pending] for a in actives[:last]]
            if 0 in want:
                for sl in chunk_slices(act[:1], m):
                    rows = pending[sl]
                    lower[rows, 0] = np.maximum(lower[rows, 0],
                                                _layer1_lower(tier.red1, act[0][sl], q, device))
            if any(K >= 1 for K in want):
                prio = np.random.default_rng(random_state).permutation(tier.red.r)
                lower[pending] = np.maximum(
                    lower[pending], chain_lower(tier, act, upper[pending], want, prio,
                                                  n_jobs=n_jobs))
            routes[(lower == upper) & (routes < 0) & wanted] = 1 if dtype == torch.float64 else 0
    certified = lower == upper
    ranks = np.where(certified, upper, -1)
    todo = [(i, K) for i, K in zip(*np.nonzero(~certified)) if K in want]
    by_prime, numerical = {}, None
    for i, K in todo:
        row = [a[i] for a in actives]
        if not exact_all:
            for q in (p, _SECOND_PRIME):
                if q not in by_prime:
                    by_prime[q] = [residues(W, q) for W in Ws[:last]]
                rp = _rank_mod_p_chain(by_prime[q], row, K + 1, q)
                if rp == upper[i, K]:
                    ranks[i, K], certified[i, K], routes[i, K] = rp, True, 2
                    break
            if certified[i, K]:
                continue
        if fallback == "exact" or exact_all:
            ranks[i, K], certified[i, K] = _exact_rank_chain(Ws, row, K + 1), True
            routes[i, K] = 3
        else:
            if numerical is None:
                numerical = numerical_ranks([torch.from_numpy(W).to(device) for W in Ws],
                                       actives, m, device)[0]
            ranks[i, K], routes[i, K] = numerical[i, K], 4
    return ranks, certified, upper, routes


def __dir__():  # dir() shows the public names only
    return __all__
