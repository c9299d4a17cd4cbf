"""Modular tiers of the certified ranks: first-layer reductions and sketched chain products.

One :class:`Tier` per prime; :func:`chain_lower` proves lower bounds on the
ranks at layers ``K >= 2`` (see :mod:`topodestruct.relu.rank`, "Ranks one can
trust", for the method and :mod:`topodestruct.relu.certify` for the caller).
"""
import numpy as np

from ..algebra.modular import (elimination_fits, lu_mod, matmul_mod_many, np_matmul_mod,
                               padded_full_rank, residues, signed_residues,
                               unit_lower_inverse)
from .._parallel import map_jobs
from .numerical import CHUNK_BUDGET, Padded

__all__ = ["Reduction", "Tier", "chain_lower"]

_LOCKSTEP = 32                   # points whose chains advance together
_SMALL_RANK_TEST = 128           # up to this many columns, compiled per-item eliminations


class Reduction:
    """First-layer reduction ``W_1 = E W_1[B] (mod p)`` with ``E[B] = I``.

    ``order`` lists the rows of ``W_1`` by preference for ``B``.  ``B``
    (``rows``, in the column order of ``E``) is a set of ``r = rank_p(W_1)``
    independent rows and ``F = E[non_B]`` (signed residues) the rest of ``E``.
    For the usual full-column-rank ``W_1`` one pivoted LU ``P W_1 = L U`` gives
    both: ``B`` = the pivot rows and ``E = L L_11^-1``; otherwise flint's ``rref``.
    """

    def __init__(self, W1p, p, order=None):
        import flint
        import torch

        n1, m = W1p.shape
        order = np.arange(n1) if order is None else np.asarray(order)
        self.r = 0
        if n1 >= m:
            # pivoting takes the first usable row, so rows listed first are preferred
            ok, perm, LU = lu_mod(W1p[order], p)
            if ok:
                L = torch.from_numpy(np.tril(LU, -1))
                self.r, self.rows, self.non_B = m, order[perm[:m]], order[perm[m:]]
                Linv = unit_lower_inverse(L[:m], p)
                self.F = np_matmul_mod(L[m:].numpy(), Linv.numpy(), p)
        if not self.r:
            rref, r = flint.nmod_mat(W1p.T.tolist(), p).rref()
            self.r = r = int(r)
            rows = _pivots(rref, r)                 # independent rows of W1 (mod p)
            self.rows = rows
            self.non_B = np.setdiff1d(np.arange(n1), rows)
            self.F = np.zeros((len(self.non_B), r))
            if r:
                rref2, _ = flint.nmod_mat(W1p[rows].tolist(), p).rref()
                cols = _pivots(rref2, r)            # columns making W1[B] invertible
                invB = flint.nmod_mat(W1p[np.ix_(rows, cols)].tolist(), p).inv()
                invB = np.array(invB.tolist(), dtype=object).astype(np.int64)
                self.F = np_matmul_mod(W1p[np.ix_(self.non_B, cols)].astype(np.float64),
                                        invB.astype(np.float64), p)
        in_B = np.zeros(n1, dtype=bool)
        in_B[self.rows] = True
        self.in_B = in_B
        self._F_pad = {}

    def F_pad(self, device):
        """``F = E[non_B]`` ready for sentinel gathers."""
        key = str(device)
        if key not in self._F_pad:
            self._F_pad[key] = Padded(self.F, device)
        return self._F_pad[key]


def _pivots(rref, r):
    rows = rref.tolist()
    out = []
    for i in range(r):
        out.append(next(j for j, v in enumerate(rows[i]) if int(v) != 0))
    return np.array(out, dtype=np.int64)


class Tier:
    r"""One modular test: a prime, the dtype its exact GEMMs run in, the signed
    residues of the weights and the first-layer reductions.

    The fast tier works modulo a small prime (``p = 251``): signed residues fit
    int8, whose GEMMs are exact in int32 and several times faster than float32
    ones on CPUs with VNNI (float32 elsewhere: exact for inner dimensions up to
    1040 before chunking).  A small prime gives more accidental rank drops,
    which the next tier (float64, ``p ~ 2**20``) catches.

    ``freqs[0]`` (how often each first-layer unit is active on the given points)
    chooses the basis rows ``B`` of the two reductions, each built when first
    used:

    * ``red1`` (layer-1 test): the most often active units, so that the block
      ``F[a1 \ B, B \ a1]`` is small;
    * ``red`` (chains, layers >= 2): the units active closest to half the time.
      The first product ``W_2[a2, a1 \ B] F[a1 \ B, J]`` then runs over the units
      ``S = (a1 & Lo) | (Hi \ a1)`` only, where ``Hi`` are the units outside ``B``
      active more than half the time and ``Lo`` the rest: with
      ``P = W_2[:, Hi] F[Hi]`` computed once per network,
      ``W_2[a2, a1 \ B] F[a1 \ B, J] = P[a2, J] + W_2[a2, S] F'[S, J]``, ``F'`` being
      ``F`` with the rows of ``Hi`` negated.  ``|S|`` sums ``min(f, 1 - f)`` over
      the units outside ``B``, which the choice of ``B`` keeps small.
    """

    def __init__(self, Ws, p, dtype, freqs, device):
        import torch

        self.p, self.dtype, self.device, self.freqs = p, dtype, device, freqs
        self.npd = {torch.int8: np.int8, torch.float32: np.float32}.get(dtype, np.float64)
        self.res = [residues(W, p, signed=True) for W in Ws]       # signed residues
        self.bound = p // 2 + 2
        self._red = self._red1 = None
        self._top = {}

    def _store(self, M):
        """Signed residues with one extra zero row and column: the sentinel that
        pads index lists."""
        import torch

        ext = np.zeros((M.shape[0] + 1, M.shape[1] + 1), dtype=self.npd)
        ext[:-1, :-1] = signed_residues(M, self.p)
        return _Gather(ext, self.dtype == torch.int8).to(self.device)

    @property
    def red1(self):
        if self._red1 is None:
            self._red1 = Reduction(self.res[0], self.p, np.argsort(-self.freqs[0], kind="stable"))
        return self._red1

    @property
    def red(self):
        if self._red is None:
            self._build_chain()
        return self._red

    def _build_chain(self):
        p, res = self.p, self.res
        self._red = red = Reduction(res[0], p, np.argsort(np.abs(self.freqs[0] - 0.5),
                                                            kind="stable"))
        F = red.F if red.r else np.zeros((len(red.non_B), 0))      # signed residues
        self.hi = hi = self.freqs[0][red.non_B] > 0.5
        # F' transposed (the sketch selects few of its columns, so select those as rows)
        self.FT = self._store(np.where(hi[:, None], -F, F).T)
        if len(res) > 1:
            W2 = res[1]
            P = np_matmul_mod(W2[:, red.non_B[hi]], F[hi], p)
            # [P | P + W_2[:, B]]: the columns for sketch positions whose unit row is active
            PB = P + W2[:, red.rows]
            self.P = self._store(np.hstack([P, PB - p * np.rint(PB / p)]))
        self.W = [None] + [self._store(res[k] if k > 1 else res[1][:, red.non_B])
                           for k in range(1, len(res))]

    def top(self, K):
        r"""The last two factors ``A_K A_{K-1}`` of a chain (0-based ``K >= 3``), by the
        same device as the first product: with ``Hi`` the units of layer ``K - 1``
        active more than half the time and ``Q = W_K[:, Hi] W_{K-1}[Hi]``,
        ``A_K A_{K-1} = Q[a_K, a_{K-2}] + W_K'[a_K, S] W_{K-1}[S, a_{K-2}]`` with
        ``S = a_{K-1} xor Hi`` and ``W_K'`` the columns of ``Hi`` negated.
        Returns ``(hi, Q, W_K')``."""
        if K not in self._top:
            WK, WK1 = self.res[K], self.res[K - 1]
            hi = self.freqs[K - 1] > 0.5
            Q = np_matmul_mod(WK[:, hi], WK1[hi], self.p)
            self._top[K] = hi, self._store(Q), self._store(np.where(hi[None, :], -WK, WK))
        return self._top[K]


class _Gather:
    """A stored matrix from which blocks ``M[rows][:, cols]`` are gathered.

    int8 matrices are numpy arrays kept in both orientations: a block is a row
    copy followed by a column selection of the small copy (~2x faster than one
    flat gather; torch's column selection is only vectorised for floats), taken
    from whichever orientation copies fewer bytes in the first step (the result
    is then column-major, which the GEMMs accept).  Other matrices are torch
    tensors (any device) gathered with ``index_select``.
    """

    def __init__(self, M, as_numpy):
        import torch

        self.shape = M.shape
        self.M = M if as_numpy else torch.from_numpy(M)
        self.MT = np.ascontiguousarray(M.T) if as_numpy else None

    def to(self, device):
        if self.MT is None:
            self.M = self.M.to(device)
        return self

    def __call__(self, rows, cols):
        import torch

        if self.MT is None:
            return self.M.index_select(0, torch.from_numpy(rows).to(self.M.device)).index_select(
                1, torch.from_numpy(cols).to(self.M.device))
        if len(rows) * self.shape[1] <= len(cols) * self.shape[0]:
            return torch.from_numpy(self.M[rows][:, cols])
        return torch.from_numpy(self.MT[cols][:, rows]).T


def chain_lower(tier, actives, upper, want, prio, oversample=2, budget=None, n_jobs=1):
    r"""Modular lower bounds at the layers ``K >= 2`` in ``want`` (0-based ``K >= 1``).

    Per point, ``Z_K = A_K \cdots A_2 E[a_1][:, J] (mod p)`` with a sketch ``J``
    of ``min(u + oversample, r)`` columns (``u = min(upper, r)``): ``J`` lists
    the positions of ``a_1 & B`` first (each is a pivot of its unit row of
    ``E``, so ``rank(E[a_1][:, J]) = min(|J|, rank(E[a_1]))`` for generic ``F``),
    then those of ``B \ a_1``, each in the fixed random order ``prio``.
    ``rank(Z_K) >= u`` proves ``rank >= u``; the extra columns make an
    accidental drop mod p unlikely (about ``p**-(oversample + 1)``).  Each
    point's blocks are gathered at their exact sizes (no padding); chains of
    ``_LOCKSTEP`` points advance together and the rank tests run batched.
    Returns ``(U, L)`` with ``upper`` where proven and ``-1`` elsewhere.
    """
    red, p = tier.red, tier.p
    U, L = upper.shape
    lower = np.full((U, L), -1)
    ks = sorted(K for K in want if K >= 1)
    if not ks or red.r == 0 or U == 0:
        return lower
    u = np.minimum(upper, red.r)
    need = np.minimum(u + oversample, red.r)
    nact = np.stack([a.sum(1) for a in actives], 1)
    # sketch columns still needed from layer K on (per point)
    carry = np.zeros((U, L), dtype=np.int64)
    for K in range(ks[-1], 0, -1):
        carry[:, K] = np.maximum(carry[:, K + 1] if K + 1 < L else 0,
                                 need[:, K] if K in ks else 0)
    if _top_layer(ks) is not None:
        tier.top(ks[-1])        # built before any worker starts
    # point batches of similar sizes (sorted), small enough for memory and to share
    # among workers
    order = np.argsort(u[:, ks[-1]], kind="stable")
    cost = np.cumsum(np.take(upper[:, ks].sum(1) * need[:, ks].sum(1), order))
    budget = budget or CHUNK_BUDGET // 4
    workers = max(1, min(n_jobs, U // 64))      # per-point ops are too small to share
    step = min(budget, max(1, int(cost[-1]) // (4 * workers) + 1))
    batches = np.split(order, np.searchsorted(cost, np.arange(step, int(cost[-1]), step)))

    def run(batch):
        tests = {K: ([], [], []) for K in ks}
        for sub in np.array_split(batch, -(-len(batch) // _LOCKSTEP)):   # cache-sized
            for K, Zs in _chain_batch(tier, [a[sub] for a in actives], carry[sub], ks, prio):
                for i, Z in zip(sub, Zs):
                    Z = Z[:nact[i, K], :need[i, K]]   # padding off
                    for lst, v in zip(tests[K], (i, Z, u[i, K])):
                        lst.append(v)
        out = []
        for K, (idx, mats, us) in tests.items():
            if idx:
                idx, us = np.array(idx), np.array(us)
                ok = _rank_at_least(mats, us, p) & (us == upper[idx, K])
                out.append((K, idx[ok]))
        return out

    # forked workers on CPUs (the per-point gathers hold the GIL: threads scale poorly)
    backend = "fork" if str(tier.device) == "cpu" else "threads"
    for results in map_jobs(run, [b for b in batches if len(b)], workers, backend):
        for K, good in results:
            lower[good, K] = upper[good, K]
    return lower


def _bucket(n):
    """``n`` rounded up to a multiple of 16 (GEMM shapes from a few buckets let
    oneDNN reuse its kernels; the padding is zero rows/columns, rank-neutral)."""
    return -(-n // 16) * 16


def _padded_rows(mask, sentinel):
    """Per row of ``mask``, the indices of its True entries padded with ``sentinel``
    to a multiple of 16."""
    counts = mask.sum(1)
    widths = _bucket(counts)
    rows, cols = np.nonzero(mask)
    out = np.full((len(mask), int(widths.max(initial=0))), sentinel, dtype=np.int64)
    out[rows, np.arange(len(cols)) - np.repeat(np.cumsum(counts) - counts, counts)] = cols
    return [out[g, :w] for g, w in enumerate(widths)]


def _chain_batch(tier, act, carry, ks, prio):
    """Yield ``(K, [Z_K of each point])`` for a batch of points (see :func:`chain_lower`
    and, for the first product, :class:`Tier`).

    Active index lists are padded with the zero sentinel row/column of the stored
    matrices to multiples of 16, so every block and product has a bucketed shape;
    the padded rows of ``Z_K`` are zero and the caller slices them off."""
    red, p, bound = tier.red, tier.p, tier.bound
    G, r = len(carry), red.r
    actB = act[0][:, red.rows]
    width = np.minimum(_bucket(carry), _bucket(r))         # sketch columns per point and layer
    # positions of a1 & B, then of B \ a1, each in the order prio.  Active positions
    # first: rank(E[a1][:, J]) = |J & a1| + rank(F[a1 \ B, J \ a1]), so each of them adds
    # one while those of B \ a1 add rank only through the |a1 \ B| rows of F.  Taken the
    # other way round (as before), a W_1 of full row rank (n1 <= m: B = all units, F
    # empty) gave E[a1][:, J] = 0, and every point fell through to the per-point path.
    J = prio[np.argsort(~actB[:, prio], axis=1, kind="stable")][:, :int(width[:, 1].max())]
    J = np.concatenate([J, np.full((G, max(0, int(width[:, 1].max()) - r)), r)], 1)
    # J as columns of [P | P + W_2[:, B]] (sentinel 2r)
    Jc = np.where(J < r, J + r * np.take_along_axis(actB, np.minimum(J, r - 1), 1), 2 * r)
    # S = (a1 & Lo) | (Hi \ a1), as rows of F'
    prev = _padded_rows(act[0][:, red.non_B] != tier.hi[None, :], len(red.non_B))
    Z = [tier.FT(J[g, :width[g, 1]], prev[g]).T for g in range(G)]
    top = ks[-1]
    left = _top_layer(ks) is not None             # last two factors by Tier.top
    for K in range(1, top - 1 if left else top + 1):
        rows = _padded_rows(act[K], act[K].shape[1])
        add = None
        if K == 1:     # P[a2, J], plus W_2[a2, B[j]] for the positions j in J active in a1
            add = [tier.P(rows[g], Jc[g, :width[g, 1]]) for g in range(G)]
        Z = matmul_mod_many([tier.W[K](rows[g], prev[g]) for g in range(G)],
                             [Z[g][:, :width[g, K]] for g in range(G)], p, bound, add)
        prev = rows
        if K in ks:
            yield K, Z
    if left:
        hi, Q, Wn = tier.top(top)
        rows = _padded_rows(act[top], act[top].shape[1])
        S = _padded_rows(act[top - 1] != hi[None, :], len(hi))
        Y = matmul_mod_many([Wn(rows[g], S[g]) for g in range(G)],
                             [tier.W[top - 1](S[g], prev[g]) for g in range(G)], p, bound,
                             [Q(rows[g], prev[g]) for g in range(G)])
        yield top, matmul_mod_many(Y, [Z[g][:, :width[g, top]] for g in range(G)], p, bound)


def _top_layer(ks):
    """The top layer of chains ending with :meth:`Tier.top` (it needs ``K >= 3``, the
    first product being the second layer's, and ``K - 1`` not wanted), else None."""
    return ks[-1] if ks and ks[-1] >= 3 and ks[-1] - 1 not in ks else None


def _rank_at_least(mats, us, p):
    """Whether ``rank(M_i) >= u_i`` mod p, for float residue matrices with
    ``min(shape) >= u_i``: each is oriented tall and its first ``u_i`` columns
    are tested for full column rank (rows beyond ``u_i`` are the oversampling)."""
    import torch

    from ..algebra import _kernels

    mats = [M if M.shape[0] >= M.shape[1] else M.T for M in mats]
    nrows = np.array([M.shape[0] for M in mats])
    R, C = int(nrows.max()), int(us.max())
    if mats[0].device.type == "cpu" and C <= _SMALL_RANK_TEST:
        T = np.zeros((len(mats), R, max(C, 1)))
        for t, (M, c) in enumerate(zip(mats, us)):
            T[t, :M.shape[0], :c] = M[:, :c].numpy()
        return _kernels.full_column_rank(T, nrows, np.asarray(us, dtype=np.int64), p)
    # float32 when its elimination is exact (see full_column_rank): half the traffic
    fits = elimination_fits(C, p, torch.float32)
    T = torch.zeros(len(mats), R, max(C, 1), dtype=torch.float32 if fits else torch.float64,
                    device=mats[0].device)
    for t, (M, c) in enumerate(zip(mats, us)):
        T[t, :M.shape[0], :c] = M[:, :c]
    return padded_full_rank(T, us, p, nrows)


def __dir__():  # dir() shows the public names only
    return __all__
