r"""Certified ranks of many one-layer ReLU networks at once (Figure 2 workloads).

:func:`one_layer_ranks` gives, for ``T`` networks ``x -> relu(W_t x + b_t)``
sharing their shapes, the layer-1 ranks, certificates and uncertain-pattern
flags that :func:`topodestruct.rank_decomposition` gives for each network on
its own (certified mode, exact fallback) -- the same numbers, without the
per-network setup of that route.  The method is the one of
:mod:`topodestruct.relu.rank` ("Ranks one can trust"), batched over networks:

* **codewords** -- one float64 product per network and the compiled sign pass
  of :func:`topodestruct.relu.forward.activation_patterns`, with its rounding
  bound taken **four times** as large.  A point this wider test does not flag
  has, in any evaluation order, a pre-activation at least ``2.9`` bounds from
  0: the codeword of :func:`~topodestruct.relu.forward.activation_patterns` is
  the same and not uncertain there.  A network with a flagged point is
  handed to :func:`~topodestruct.rank_decomposition` whole (rare: about
  ``1e-13`` per pre-activation for generic weights).
* **one reduction per network, all networks in one compiled call** -- the
  reduced row echelon form mod ``p`` of ``W_t^T`` (units ordered by how often
  they are active, most often first) gives ``r_t = rank_p(W_t)``, basis
  units ``B`` and ``F`` with ``W_t[i] = sum_j F[i, j] W_t[B_j] (mod p)``, so
  ``rank_p(W_t[a]) = |a & B| + rank_p(F[a \ B, B \ a])``.  When ``W_t`` has
  full row rank mod ``p`` (``n1 <= m``, generic) every codeword is certified
  with no further work.  Where blocks are large, a second basis is chosen by
  the codewords the first serves worst, and each codeword takes the smaller of
  its two blocks (2-4x less elimination work on the structured Figure 2C
  networks, whose codewords form two clusters).
* **deduplicated codewords, batched block tests** -- each distinct codeword of
  each network is one item; the upper bound is ``min(m, |a|)``, and the
  block ``F[a \ B, B \ a]`` is tested for full rank
  ``c = min(|a \ B|, |B \ a|)`` mod ``p`` by
  :func:`topodestruct.algebra._kernels.full_column_rank` over all items of a
  batch: first its leading ``c x c`` minor, then the whole block for the
  items whose minor is singular.  A full-rank block proves
  ``rank(W_t[a]) >= min(|a|, r_t)``, which certifies ``min(m, |a|)``
  whenever ``r_t >= min(m, |a|)``.
* **exact fallback** -- an item not certified that way gets the exact rank
  over Q of the integer matrix of ``W_t[a]``
  (:func:`topodestruct.algebra.modular.exact_rank_int`), as
  ``fallback="exact"`` does; structured weights (repeated or zero rows)
  end up there.

Every rank is therefore the exact rank of ``W_t[a]`` as stored, certified,
exactly as :func:`~topodestruct.rank_decomposition` reports it.

Examples
--------
>>> import numpy as np
>>> W = np.array([[[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]]])     # rows 0, 1 parallel
>>> X = np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
>>> ranks, certified, uncertain = one_layer_ranks(W, X)
>>> ranks.tolist(), bool(certified.all()), bool(uncertain.any())
([[1, 2, 1]], True, False)
"""
import numpy as np

from ..algebra.linalg import check_prime
from ..algebra.modular import exact_rank_int, integer_matrix
from ..algebra.rows import unique_rows
from ..tolerances import CODEWORD_BOUND_FACTOR
from .rank import DEFAULT_PRIME, rank_decomposition

__all__ = ["one_layer_ranks"]

_MARGIN = CODEWORD_BOUND_FACTOR  # the codeword test's bound, times this (see the notes)
_CHUNK = 2 ** 22                 # pre-activations per forward chunk
_TEST_BUDGET = 2 ** 21           # float64 entries per batched rank test
_MAX_BLOCK = 1000                # full_column_rank is exact below 2**10 columns
_SECOND_BASIS = 8                # blocks this large make a second basis pay off


def one_layer_ranks(weights, X, biases=None, p=DEFAULT_PRIME):
    """Layer-1 ranks of ``T`` one-layer ReLU networks, as ``rank_decomposition`` gives them.

    Parameters
    ----------
    weights : (T, n1, m) array_like
        Float weights of the networks ``x -> relu(W_t x + b_t)`` (float32
        weights, as :func:`topodestruct.networks.from_weights` stores them, are
        taken as they are: their ranks are those of the stored values).
    X : (N, m) or (T, N, m) array_like
        Points, shared or one set per network (float64).
    biases : (T, n1) array_like, optional
        Zero if omitted.
    p : int
        Prime of the modular tests, ``3 <= p < 2**21`` (any gives the same
        ranks; it only decides how often the exact fallback runs).

    Returns
    -------
    ranks : (T, N) int array
        Exact rank of ``W_t[a]`` at each point, ``a`` its computed codeword.
    certified : (T, N) bool array
        All True (the fallback is exact), as ``rank_decomposition`` reports.
    uncertain : (T, N) bool array
        ``rank_decomposition``'s ``uncertain_codewords[:, 0]``.

    Examples
    --------
    >>> import numpy as np, topodestruct as td
    >>> W = np.random.default_rng(0).normal(size=(3, 20, 4))
    >>> X = np.random.default_rng(1).uniform(-5, 5, size=(3, 50, 4))
    >>> ranks = one_layer_ranks(W, X)[0]
    >>> ranks.shape, bool((ranks == [td.rank_decomposition([(w, None)], x).ranks[:, 0]
    ...                              for w, x in zip(W, X)]).all())
    ((3, 50), True)
    """
    W, B, X = _check(weights, X, biases)
    p = check_prime(p, "p")
    if not 3 <= p < 2 ** 21:
        raise ValueError(f"p must be a prime in [3, 2**21), got {p}")
    T, n1, m = W.shape
    N = X.shape[1]
    ranks = np.zeros((T, N), dtype=np.int64)
    certified = np.ones((T, N), dtype=bool)
    uncertain = np.zeros((T, N), dtype=bool)
    if T == 0 or N == 0:
        return ranks, certified, uncertain
    step = max(1, _CHUNK // (N * n1))
    for s in range(0, T, step):
        sl = slice(s, min(s + step, T))
        cw, flagged = _codewords(W[sl], B[sl], X[sl])
        good = np.flatnonzero(~flagged)
        if good.size:
            ranks[s + good] = _ranks(W[sl][good], cw[good], int(p))
        for t in np.flatnonzero(flagged):       # the per-network route, whole
            ranks[s + t], certified[s + t], uncertain[s + t] = _one_network(
                W[s + t], B[s + t], X[s + t], int(p))
    return ranks, certified, uncertain


def _check(weights, X, biases):
    W = np.asarray(weights)
    if W.ndim != 3 or not np.issubdtype(W.dtype, np.floating):
        raise ValueError(f"weights must be a float array of shape (T, n1, m), got "
                         f"{W.dtype} {W.shape}")
    T, n1, m = W.shape
    if n1 == 0 or m == 0:
        raise ValueError(f"weights must have n1, m >= 1, got shape {W.shape}")
    B = np.zeros((T, n1)) if biases is None else np.asarray(biases, dtype=np.float64)
    if B.shape != (T, n1):
        raise ValueError(f"biases must have shape {(T, n1)}, got {B.shape}")
    B = B.astype(W.dtype).astype(np.float64)     # as rank_decomposition stores them
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 2:
        X = np.broadcast_to(X, (T,) + X.shape)
    if X.ndim != 3 or X.shape[0] != T or X.shape[2] != m:
        raise ValueError(f"X must have shape (N, {m}) or ({T}, N, {m}), got {X.shape}")
    for name, A in (("weights", W), ("biases", B), ("X", X)):
        if not np.isfinite(A).all():
            raise ValueError(f"{name} contain NaN or inf")
    if min(n1, m) > _MAX_BLOCK:
        raise ValueError(f"min(n1, m) = {min(n1, m)} is too large for the batched tests "
                         f"(at most {_MAX_BLOCK}); use rank_decomposition")
    return W, B, X


def _one_network(W, b, X, p):
    rd = rank_decomposition([(W, b.astype(W.dtype))], X, p=p)
    return rd.ranks[:, 0], rd.certified[:, 0], rd.uncertain_codewords[:, 0]


def _codewords(W, B, X):
    """Codewords (T, N, n1) and whether each network has a point the widened
    rounding test flags (see the module notes)."""
    from ..algebra import _kernels

    T, n1, m = W.shape
    W64 = W.astype(np.float64)
    Z = np.matmul(X, W64.transpose(0, 2, 1))
    if B.any():
        Z += B[:, None, :]
    u = np.finfo(np.float64).eps / 2
    gamma = (m + 1) * u / (1 - (m + 1) * u)
    scale = _MARGIN * gamma * np.abs(X).sum(2)                  # (T, N)
    wmax = np.abs(W64).max(2)                                   # (T, n1)
    cb = _MARGIN * gamma * np.abs(B)
    cw = np.empty(Z.shape, dtype=bool)
    flagged = np.zeros(T, dtype=bool)
    for t in range(T):
        unc, _ = _kernels.sign_pass(Z[t], np.ascontiguousarray(scale[t]), wmax[t], cb[t],
                                    False, cw[t])
        flagged[t] = unc.any()
    return cw, flagged


def _unique(cw):
    """Distinct codewords per network: (network, first point) of each and the
    item of every point, (T, N)."""
    T, N, n1 = cw.shape
    net = np.repeat(np.arange(T), N)[:, None]
    G = np.concatenate([net, np.packbits(cw.reshape(T * N, n1), axis=1)], 1)
    _, first, item = unique_rows(G, return_index=True, return_inverse=True)
    return first // N, first % N, item.reshape(T, N)


def _reductions(W, freq, p):
    """Per network: rank mod p, basis units (T, rmax) and F as (T, n1, rmax) residues
    (rows of the basis units: unit vectors), after :func:`_kernels.rref_mod`."""
    from ..algebra import _kernels
    from ..algebra.modular import residues

    T, n1, m = W.shape
    order = np.argsort(-freq, axis=1, kind="stable")            # most often active first
    A = np.empty((T, m, n1))
    for t in range(T):
        A[t] = residues(W[t], p)[order[t]].T
    pivots = np.zeros((T, min(m, n1)), dtype=np.int64)
    r = _kernels.rref_mod(A, p, pivots)
    rmax = int(r.max())
    rows = np.arange(T)[:, None]
    basis = np.take_along_axis(order, pivots[:, :rmax], 1)      # units of B, in pivot order
    # F[t, unit, j] = A[t, j, position of unit]
    pos = np.argsort(order, axis=1)
    F = np.take_along_axis(A[:, :rmax, :], np.broadcast_to(pos[:, None, :], (T, rmax, n1)),
                           2).transpose(0, 2, 1)
    valid = np.arange(rmax)[None, :] < r[:, None]
    F = F * valid[:, None, :]
    basis = np.where(valid, basis, n1)                          # sentinel unit n1
    in_B = np.zeros((T, n1 + 1), dtype=bool)
    in_B[rows, basis] = True
    return r, basis, np.ascontiguousarray(F), in_B[:, :n1]


def _ranks(W, cw, p):
    """Exact ranks (T, N) of W_t[codeword] for networks none of whose points is flagged."""
    T, N, n1 = cw.shape
    red = _reductions(W, cw.mean(1), p)
    out = cw.sum(2)                             # full row rank mod p: rank = |a|, proven
    rest = np.flatnonzero(red[0] < n1)
    if rest.size:
        out[rest] = _deficient_ranks(W[rest], cw[rest], [a[rest] for a in red], p)
    return out


def _deficient_ranks(W, cw, red, p):
    """:func:`_ranks` for networks whose weights have rank ``r < n1`` mod p."""
    T, N, n1 = cw.shape
    m = W.shape[2]
    r, basis, F, in_B = red
    net, point, item = _unique(cw)
    act = cw[net, point]                                        # (U, n1)
    size = act.sum(1)
    upper = np.minimum(size, m)
    rank = np.full(len(act), -1, dtype=np.int64)
    reach = np.minimum(size, r[net])            # what a full-rank block proves
    rows, cols, c = _blocks(act, net, basis, in_B)
    if c.max(initial=0) >= _SECOND_BASIS:
        # a second basis, chosen by the codewords the first serves worst (those with a
        # block at least the network's median); each item takes the smaller block
        freq = np.zeros((T, n1))
        for t in range(T):
            mine = net == t
            worst = mine & (c >= np.median(c[mine])) if mine.any() else mine
            freq[t] = act[worst].mean(0) if worst.any() else 0.0
        _, basis2, F2, in_B2 = _reductions(W, freq, p)
        rows2, cols2, c2 = _blocks(act, net, basis2, in_B2)
        second = c2 < c
        rows[second], cols[second], c[second] = rows2[second], cols2[second], c2[second]
        net = np.where(second, net + T, net)                    # rows of [F; F2]
        F = np.concatenate([F, F2])
    todo = np.flatnonzero((reach == upper) & (c > 0))
    rank[(reach == upper) & (c == 0)] = upper[(reach == upper) & (c == 0)]
    if todo.size:
        ok = _block_tests(F, net[todo], rows[todo], cols[todo], c[todo], p)
        rank[todo[ok]] = upper[todo[ok]]
    for i in np.flatnonzero(rank < 0):                          # exact fallback
        rank[i] = exact_rank_int(integer_matrix(W[net[i] % T][act[i]]))
    return rank[item]


def _blocks(act, net, basis, in_B):
    r"""Row masks ``a \ B`` (units), column masks ``B \ a`` (basis positions) and the
    block sizes ``min(|a \ B|, |B \ a|)`` of the items."""
    n1 = act.shape[1]
    rows = act & ~in_B[net]
    act_ext = np.concatenate([act, np.zeros((len(act), 1), dtype=bool)], 1)
    cols = ~np.take_along_axis(act_ext, basis[net], 1) & (basis[net] < n1)
    return rows, cols, np.minimum(rows.sum(1), cols.sum(1))


def _block_tests(F, net, rows, cols, c, p):
    """Whether each block F[net][rows, cols] has full rank c mod p: the leading
    c x c minor first, the whole block (oriented tall) where that is singular."""
    from ..algebra import _kernels

    ok = np.zeros(len(c), dtype=bool)
    order = np.argsort(c, kind="stable")
    for same in np.split(order, np.flatnonzero(np.diff(c[order])) + 1):   # one size per call
        C = int(c[same[0]])
        step = max(1, _TEST_BUDGET // (C * C))
        for s in range(0, len(same), step):
            g = same[s:s + step]
            T = np.empty((len(g), C, C))
            _kernels.gather_minors(F, net, rows, cols, g, C, T)
            ok[g] = _kernels.full_column_rank(T, c[g], c[g], p)
    for i in np.flatnonzero(~ok & (rows.sum(1) != cols.sum(1))):  # the whole block, tall
        M = F[net[i]][np.ix_(np.flatnonzero(rows[i]), np.flatnonzero(cols[i]))]
        M = np.ascontiguousarray(M if M.shape[0] >= M.shape[1] else M.T)
        ok[i] = _kernels.full_column_rank(M[None], np.array([M.shape[0]]),
                                          np.array([M.shape[1]]), p)[0]
    return ok


def __dir__():  # dir() shows the public names only
    return __all__
