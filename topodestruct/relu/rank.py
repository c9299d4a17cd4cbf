r"""Codewords and the rank decomposition of ReLU networks (paper §2.1, eq. 2-4).

For a network ``T_L o ... o T_1`` with ``T_k(x) = max(0, W_k x + b_k)`` and a
point ``x``, the codeword at layer ``K`` is ``S(Phi^K(x))`` (eq. 2), the set
``a_K`` of active units, and the rank at layer ``K`` is

.. math:: \operatorname{rank}\Big(\prod_{k=1}^K Q_{J_k} W_k\Big)
          = \operatorname{rank}(A_K A_{K-1} \cdots A_1),\qquad
          A_k = W_k[a_k, a_{k-1}],\ A_1 = W_1[a_1, :].

Ranks one can trust
-------------------
Float32/float64 weights are exact dyadic rationals, so every ``W_k`` is a
power of two times an integer matrix; the scale never changes a rank.
Reducing the integers modulo a prime ``p`` gives

    rank mod p  <=  exact rank over Q  <=  upper = min(m, |a_1|, ..., |a_K|)

(for a layer without ReLU all its units count as active).  When the two
bounds meet, the rank is *certified*.  The modular tests run in tiers, the
fastest first, each on the points the previous one could not certify:

1. for layers ``K >= 2``: ``p = 251``, whose signed residues fit int8, with
   exact int32 GEMMs (``torch._int_mm``; float32 where that is unavailable);
2. ``p = 1048573`` (the ``p`` argument) in float64, exact while
   ``inner_dim * p**2 < 2**53`` (longer products are chunked).

Each tier makes the lower bound cheap by

* reducing the first layer once per network: ``W_1 = E W_1[B]`` with ``B`` a
  set of ``r`` independent rows and ``E[B] = I`` (from one pivoted LU), so
  ``rank(M_K) = rank(A_K ... A_2 E[a_1])`` and at layer 1
  ``rank(E[a_1]) = |a_1 & B| + rank(F[a_1 \ B, B \ a_1])`` (a much smaller block);
* sketching by columns: ``rank(Z[:, J]) <= rank(Z)`` for a random column
  subset ``J`` of ``upper + 2`` columns (the two extra columns make an
  accidental drop mod p unlikely), chosen first among the active units of
  ``B`` (each a pivot of its unit row of ``E[a_1]``, so the sketch keeps the
  rank of ``E[a_1]`` up to ``|J|``); the chain ``Z_K = A_K Z_{K-1}`` is
  computed per point from gathered blocks, in lockstep groups of points, and
  the rank tests run batched;
* splitting a mask against a fixed reference: the units of a layer active
  more than half the time on the given points enter through a product of
  weights computed once per network, and per point only the units that differ
  from that reference remain (``|a xor Hi|``, the sum of
  ``min(f, 1 - f)`` over the units' activity frequencies ``f``, instead of
  ``|a|``).  This is done for the first product ``W_2 E`` (the basis ``B`` is
  then chosen among the units active closest to half the time, which keeps
  the rest near always or never active) and for the last two factors
  ``A_K A_{K-1}`` of a chain whose layer ``K - 1`` is not wanted itself (see
  :class:`_Tier`);
* deduplicating codewords (points sharing all activation patterns share
  all ranks; only the patterns up to the last layer wanted count, unless
  margins are asked for).

For inputs of dimension ``m <= 3`` (surfaces and solids in R^2, R^3) a dense
chain goes first: the whole ``n_K x m`` Jacobian mod ``p`` of every codeword,
one product per layer for a block of codewords, then one small elimination
each (route ``"dense chain"``); the tiers take what it leaves.  On the
torus 20 x 40 refined by a 3-25x9 network (31 570 codewords at layer 6) that
is 0.5 s instead of 4 s.

On CPUs the per-item loops that array libraries handle poorly (elimination of
many small matrices, reductions mod p, the codeword pass's flags, residues)
are compiled with numba (:mod:`topodestruct.algebra._kernels`; compiled once per
installation, cached), and with ``n_jobs > 1`` (never by default) the per-point
chains are sharded over forked processes on Linux (threads elsewhere).

Where the bounds do not meet, the rank mod ``p`` (then mod a second prime)
of the full, unsketched matrix is computed with :func:`topodestruct.linalg.rank`,
and if it is still below ``upper`` the exact rank over Q of the integer
matrix (``fallback="exact"``, also :func:`topodestruct.linalg.rank`) or the
numerical rank (``fallback="numerical"``, not certified) is reported.  Note
that exact ranks are ranks of the float weights *as stored*: a product like
``u @ v.T`` rounded to float32 generically has full exact rank; only exactly
representable dependencies (e.g. small dyadic integers) lower it.

For the layer-1 test the basis rows ``B`` are chosen among the most often
active units of the given points (greedy pivoting in that order), which keeps
the blocks ``a_1 \ B`` and ``B \ a_1`` small for real data.

Numerical mode and margins
--------------------------
Tolerance convention (one, everywhere): for the *unpadded* active matrix
``M`` of shape ``(|a_K|, m)`` in float64,
``tol = sigma_max(M) * max(|a_K|, m) * eps(float64)`` (numpy's
``matrix_rank`` default).  The paper's code evaluates masked, zero-padded
``(n_K, m)`` matrices, whose default tolerance scales with the layer width
``n_K`` instead of ``|a_K|``.  ``margins[..., 0]`` is the smallest kept
singular value over ``tol`` (``inf`` for rank 0) and ``margins[..., 1]``
the largest dropped one over ``tol`` (``0`` at full rank); a numerical rank
is *ambiguous* if either is within a factor ``ambiguity`` (default 100) of 1.

Uncertain activation patterns
-----------------------------
The forward pass carries the a-priori rounding bound
``|fl(W h + b) - (W h + b)| <= gamma_{n+1} (|W||h| + |b|)`` (Higham, Thm 3.5;
``gamma_n = n u / (1 - n u)``) plus the propagated bound ``|W| |err|`` of
earlier layers (ReLU is 1-Lipschitz), inflated by 1 %.  To save a second
matrix product it is first relaxed by Hoelder (``|W_i| |v| <= max_j |W_ij|
||v||_1``: one l1 norm per point is carried); only points where that flags
a unit are redone with the tight bound.  A unit whose computed
pre-activation is within its bound of 0 (and the bound is positive) makes
the codeword at that layer *uncertain*: the certified rank is the exact
rank of the computed pattern, which might not be the exact pattern.

Where the code lives
--------------------
This module holds the results and the public entry points; the work is done in
:mod:`.parse` (networks to layers), :mod:`.forward` (codewords and uncertain
patterns), :mod:`topodestruct.algebra.modular` (exact arithmetic mod p),
:mod:`.tiers` (first-layer reductions, sketched chains), :mod:`.certify`
(tiers, second prime, exact/numerical fallbacks) and :mod:`.numerical`
(SVD ranks and margins).

Examples
--------
>>> import numpy as np, topodestruct as td
>>> net = td.networks.mlp([2, 3, 2], random_state=0)
>>> rd = td.rank_decomposition(net, np.array([[1.0, 0.5], [-2.0, 1.0]]))
>>> rd.ranks.shape, bool(rd.certified.all())
((2, 2), True)
"""
from dataclasses import dataclass, field

import numpy as np

from .._parallel import check_n_jobs
from ..algebra.linalg import check_prime
from ..tolerances import RANK_AMBIGUITY
from .certify import ROUTES, certified_ranks
from .forward import activation_patterns, unique_rows
from .network import as_network
from .numerical import numerical_ranks
from .parse import AS_BUILT, check_inputs, check_layers

__all__ = ["RankDecomposition", "rank_decomposition", "layer_ranks", "DEFAULT_PRIME"]

DEFAULT_PRIME = 1048573          # largest prime below 2**20
_MODES = ("certified", "exact", "numerical")
_FALLBACKS = ("exact", "numerical")


@dataclass(repr=False)
class RankDecomposition:
    """Codewords and ranks of a ReLU network at a batch of points.

    Attributes
    ----------
    codewords : list of (N, n_K) bool arrays
        ``S(Phi^K(x))`` (eq. 2) for each layer ``K = 1..L``.
    codeword_sizes : (N, L) int array
        ``||J||_0`` per layer.
    global_codewords : (N, sum n_K) bool array
        The codewords of all layers side by side (global polytope decomposition).
    ranks : (N, L) int array
        ``rank(Q_K W_K ... Q_1 W_1)`` at each point and layer.
    certified : (N, L) bool array
        Rank proven exact for the computed activation pattern.
    upper : (N, L) int array
        Combinatorial upper bound ``min(m, |a_1|, ..., |a_K|)``.
    uncertain_codewords : (N, L) bool array
        Some pre-activation of layer K lies within its rounding bound of 0.
    margins : (N, L, 2) float array or None
        Numerical margins (kept, dropped singular value over tolerance).
    mode : str
    routes : (N, L) int8 array or None
        Which test settled each rank: an index into ``ROUTES`` (fast tier,
        float64 tier, per-point modular, exact, numerical, dense chain); ``-1``
        for layers not computed.  :attr:`settled` counts them.
    """

    codewords: list
    ranks: np.ndarray
    certified: np.ndarray
    upper: np.ndarray
    uncertain_codewords: np.ndarray
    margins: np.ndarray = None
    mode: str = "certified"
    input_dim: int = 0
    ambiguity: float = 100.0
    routes: np.ndarray = None
    _cache: dict = field(default_factory=dict)

    @property
    def n_points(self):
        return self.ranks.shape[0]

    @property
    def n_layers(self):
        return self.ranks.shape[1]

    @property
    def widths(self):
        return [c.shape[1] for c in self.codewords]

    @property
    def codeword_sizes(self):
        return np.stack([c.sum(1) for c in self.codewords], 1)

    @property
    def global_codewords(self):
        return np.concatenate(self.codewords, 1)

    @property
    def settled(self):
        """``{route: number of (point, layer) pairs it settled}`` for the routes used
        (see ``routes``; empty if not recorded).

        >>> import numpy as np, topodestruct as td
        >>> net = td.networks.mlp([2, 3, 2], random_state=0)     # inputs in R^2
        >>> td.rank_decomposition(net, np.ones((4, 2))).settled
        {'dense chain': 8}
        >>> net = td.networks.mlp([5, 3, 2], random_state=0)
        >>> td.rank_decomposition(net, np.ones((4, 5))).settled
        {'fast tier': 8}
        """
        if self.routes is None:
            return {}
        codes, counts = np.unique(self.routes[self.routes >= 0], return_counts=True)
        return {ROUTES[c]: int(n) for c, n in zip(codes, counts)}

    @property
    def ambiguous(self):
        """(N, L) bool: rank not proven, or (numerical) margin within ``ambiguity``
        of the tolerance, or an activation pattern at a layer <= K uncertain."""
        amb = ~self.certified | np.logical_or.accumulate(self.uncertain_codewords, axis=1)
        if self.margins is not None and self.mode == "numerical":
            amb |= (self.margins[..., 0] < self.ambiguity) | \
                   (self.margins[..., 1] > 1.0 / self.ambiguity)
        return amb

    def _check_layer(self, K):
        if isinstance(K, bool) or not isinstance(K, (int, np.integer)):
            raise TypeError(f"layer index K must be an int, got {type(K).__name__}")
        if not 1 <= K <= self.n_layers:
            raise ValueError(f"layer index K is 1-based (Omega_n^K of the paper): expected "
                             f"1 <= K <= {self.n_layers}, got {K}")
        return int(K) - 1

    def regions(self, K):
        """Rank decomposition at layer ``K`` (1-based, as ``Omega_n^K``).

        Returns
        -------
        dict
            ``rank n -> sorted indices of the points in Omega_n^K``
            (only ranks that occur), in increasing rank.
        """
        col = self.ranks[:, self._check_layer(K)]
        if (col < 0).any():
            raise ValueError(f"ranks at layer {K} were not computed (see `layers=`)")
        return {int(n): np.flatnonzero(col == n) for n in np.unique(col)}

    def summary(self):
        lines = [repr(self)]
        for K in range(self.n_layers):
            vals, cnt = np.unique(self.ranks[:, K], return_counts=True)
            hist = ", ".join(f"{v}: {c}" for v, c in zip(vals, cnt))
            lines.append(f"  layer {K + 1} (n={self.widths[K]}): ranks {{{hist}}}; "
                         f"certified {int(self.certified[:, K].sum())}/{self.n_points}, "
                         f"uncertain codewords {int(self.uncertain_codewords[:, K].sum())}")
        return "\n".join(lines)

    def __repr__(self):
        arch = "-".join(str(w) for w in [self.input_dim] + self.widths)
        return (f"RankDecomposition(network {arch}, {self.n_points} points, mode={self.mode!r}, "
                f"certified {int(self.certified.sum())}/{self.certified.size}, "
                f"min rank {int(self.ranks.min())})")

    __str__ = summary


def rank_decomposition(net, X, mode="certified", layers=None, fallback="exact", margins=None,
                       p=DEFAULT_PRIME, ambiguity=RANK_AMBIGUITY, random_state=0, n_jobs=1,
                       final_activation=AS_BUILT):
    """Codewords and rank decomposition of a ReLU network at points ``X``.

    Parameters
    ----------
    net : Network, torch.nn.Sequential, list of (W, b), state_dict or path
        Anything :func:`topodestruct.as_network` reads (converted once here; a
        :class:`~topodestruct.relu.network.Network` is used as it is).  A
        Sequential of ``Linear``/``ReLU`` (and ``Flatten``/``Identity``) modules.  A ``Linear``
        not followed by a ``ReLU`` is an affine layer: all its units count as
        active for the rank (its codeword is still ``S(W h + b)``).
        ``Dropout`` (the identity) and ``BatchNorm1d`` directly after a
        ``Linear`` (folded into it) are evaluated as in eval mode, whatever
        their ``training`` flag (see :mod:`topodestruct.relu.parse`).  In a
        list of ``(W, b)`` every layer but the last is followed by a ReLU; the
        last one as ``final_activation`` says.
    X : (N, m) array_like or torch.Tensor
        Points; a tensor must be on the network's device.
    mode : {"certified", "exact", "numerical"}
        ``"certified"`` (default): modular lower bound vs combinatorial upper
        bound, with ``fallback`` where they differ.  ``"exact"``: exact rank over
        Q for every distinct codeword (slow for wide layers).  ``"numerical"``:
        SVD ranks with the tolerance convention of the module docstring (not
        certified).
    layers : iterable of int, optional
        1-based layers whose ranks are wanted (default: all).  Other layers get
        rank -1 and ``certified`` False; codewords are always complete.
    fallback : {"exact", "numerical"}
        Route for ranks the modular test does not certify.
    margins : bool, optional
        Also compute numerical margins (default: only in numerical mode).
    p : int
        Prime of the float64 modular tier, ``3 <= p < 2**21`` (see the module
        notes); anything else is rejected before any work.
    ambiguity : float
        Margin factor below which a numerical rank is flagged ambiguous.
    random_state : None, int or numpy.random.Generator
        Seeds the column sketch (any choice gives valid lower bounds).
    n_jobs : int
        Workers for the per-point chains of layers >= 2 (default 1: this
        process, torch's thread settings untouched).  With ``n_jobs > 1`` they
        run in forked processes on Linux CPUs (threads elsewhere, in daemonic
        processes such as pool workers, or with ``TOPODESTRUCT_FORK=0``), each
        on one torch thread; see :mod:`topodestruct._parallel`.  The call never
        starts processes unless asked to.
    final_activation : {"relu", None}, optional
        For a list of ``(W, b)``: ``"relu"`` (the default, the paper's
        ``T_L(x) = max(0, W_L x + b_L)``, as :func:`topodestruct.networks.mlp`
        and :func:`~topodestruct.networks.from_weights` build by default) or
        ``None`` (affine last layer, like most classifiers).  A ``Sequential``
        carries its own: if given, the value must agree with its last modules.
        The same weights therefore give the same ranks in either form.

    Returns
    -------
    RankDecomposition

    Examples
    --------
    >>> import numpy as np, topodestruct as td
    >>> net = td.networks.mlp([3, 4], init="uniform_negative", random_state=0)
    >>> rd = td.rank_decomposition(net, np.ones((2, 3)))
    >>> rd.ranks.ravel().tolist(), rd.regions(1)
    ([0, 0], {0: array([0, 1])})
    """
    import torch

    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if fallback not in _FALLBACKS:
        raise ValueError(f"fallback must be one of {_FALLBACKS}, got {fallback!r}")
    p = check_prime(p, "p")                 # before any work
    if not 3 <= p < 2 ** 21:
        raise ValueError(f"p must be a prime in [3, 2**21), got {p}")
    n_jobs = check_n_jobs(n_jobs)
    network = as_network(net, final_activation)     # once, at the boundary
    net_layers, flatten = network.torch_layers(), network.flatten
    L, m = len(net_layers), net_layers[0].W.shape[1]
    want = check_layers(layers, L)
    X = check_inputs(X, m, flatten, net_layers[0].W.dtype, net_layers[0].W.device)
    device = net_layers[0].W.device
    with torch.no_grad():
        codewords, actives, uncertain = activation_patterns(net_layers, X)
        want_margins = mode == "numerical" if margins is None else bool(margins)
        # ranks at the layers wanted depend on the codeword up to the last of them only;
        # margins are read at every layer
        first, inverse = unique_rows(actives if want_margins else actives[:max(want) + 1])
        uact = [a[first] for a in actives]
        marg = None
        if want_margins:
            Ws64 = [lay.W.to(torch.float64) for lay in net_layers]
            nranks, marg = numerical_ranks(Ws64, uact, m, device)
        if mode == "numerical":
            ranks, cert = nranks, np.zeros_like(nranks, dtype=bool)
            routes = np.full(ranks.shape, ROUTES.index("numerical"), dtype=np.int8)
        else:
            ranks, cert, _, routes = certified_ranks(net_layers, uact, m, int(p), fallback,
                                                     mode == "exact", random_state, want,
                                                     n_jobs)
    skip = [K for K in range(L) if K not in want]
    ranks[:, skip], cert[:, skip], routes[:, skip] = -1, False, -1
    counts = np.stack([a.sum(1) for a in actives], 1)
    upper = np.minimum.accumulate(np.concatenate([np.full((len(X), 1), m), counts], 1),
                                  axis=1)[:, 1:]
    return RankDecomposition(
        codewords=codewords, ranks=ranks[inverse], certified=cert[inverse], upper=upper,
        uncertain_codewords=uncertain, margins=None if marg is None else marg[inverse],
        mode=mode, input_dim=m, ambiguity=float(ambiguity), routes=routes[inverse])


def layer_ranks(weights, X, biases=None, p=DEFAULT_PRIME, n_jobs=1):
    """Certified single-layer ranks for a batch of networks (Figure 2 workloads).

    One certified :func:`rank_decomposition` per network on the single layer
    ``relu(W_t x + b_t)``; duplicate codewords are evaluated once.  Figure 2A
    (36 (m, n1) pairs in {2, 5, 10, 25, 50, 100}^2, 100 Kaiming networks each,
    1000 points in [-5, 5]^m) takes about 3 minutes on one core.  For
    min-rank curves use ``ranks.min(axis=1)``.

    Parameters
    ----------
    weights : (T, n1, m) array_like
        ``T`` single-layer networks ``x -> relu(W_t x + b_t)``.
    X : (N, m) or (T, N, m) array_like
        Points, shared or per network.
    biases : (T, n1) array_like, optional
        Zero if omitted.
    p, n_jobs
        As for :func:`rank_decomposition`.

    Returns
    -------
    ranks : (T, N) int array
    certified : (T, N) bool array

    Examples
    --------
    >>> import numpy as np
    >>> W = -np.ones((2, 3, 2))
    >>> layer_ranks(W, np.ones((4, 2)))[0].tolist()
    [[0, 0, 0, 0], [0, 0, 0, 0]]
    """
    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 3:
        raise ValueError(f"weights must have shape (T, n1, m), got {W.shape}")
    T, n1, m = W.shape
    B = np.zeros((T, n1)) if biases is None else np.asarray(biases, dtype=np.float64)
    if B.shape != (T, n1):
        raise ValueError(f"biases must have shape {(T, n1)}, got {B.shape}")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 2:
        X = np.broadcast_to(X, (T,) + X.shape)
    if X.ndim != 3 or X.shape[0] != T or X.shape[2] != m:
        raise ValueError(f"X must have shape (N, {m}) or ({T}, N, {m}), got {X.shape}")
    ranks = np.zeros(X.shape[:2], dtype=np.int64)
    cert = np.zeros(X.shape[:2], dtype=bool)
    for t in range(T):
        rd = rank_decomposition([(W[t], B[t])], X[t], p=p, n_jobs=n_jobs)
        ranks[t], cert[t] = rd.ranks[:, 0], rd.certified[:, 0]
    return ranks, cert


def __dir__():  # dir() shows the public names only
    return __all__
