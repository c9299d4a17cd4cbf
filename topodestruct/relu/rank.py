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
  accidental drop mod p unlikely), chosen where the unit rows of ``E[a_1]``
  vanish; the chain ``Z_K = A_K Z_{K-1}`` is computed per point from gathered
  blocks, in lockstep groups of points, and the rank tests run batched;
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
  all ranks).

On CPUs the per-item loops that array libraries handle poorly (elimination of
many small matrices, reductions mod p, the codeword pass's flags, residues)
are compiled with numba (:mod:`topodestruct.algebra._kernels`; compiled once per
installation, cached), and with more than one torch thread the per-point
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

__all__ = ["RankDecomposition", "rank_decomposition", "layer_ranks", "DEFAULT_PRIME"]

DEFAULT_PRIME = 1048573          # largest prime below 2**20
_SECOND_PRIME = 1048571          # used to re-check points whose first test failed
_FAST_PRIME = 251                # int8 / float32 tier (see _Tier)
_MODES = ("certified", "exact", "numerical")
_FALLBACKS = ("exact", "numerical")
_LU_BATCH = 32
_LU_ENTRIES = 2 ** 20
_CHUNK_BUDGET = 2 ** 25
_LOCKSTEP = 32                   # points whose chains advance together
_SMALL_RANK_TEST = 128           # up to this many columns, compiled per-item eliminations


# ----------------------------------------------------------------------------
# network and input validation
# ----------------------------------------------------------------------------
@dataclass
class _Layer:
    W: object          # torch tensor (n_out, n_in)
    b: object          # torch tensor (n_out,)
    relu: bool
    name: str


def _layers_from_sequential(net):
    from torch import nn

    flat = []

    def walk(mod, prefix):
        for name, child in mod.named_children():
            full = f"{prefix}{name}"
            if isinstance(child, nn.Sequential):
                walk(child, full + ".")
            else:
                flat.append((full, child))

    walk(net, "")
    layers, input_flatten = [], False
    for pos, (name, mod) in enumerate(flat):
        if isinstance(mod, nn.Linear):
            b = mod.bias if mod.bias is not None else mod.weight.new_zeros(mod.out_features)
            layers.append(_Layer(mod.weight.detach(), b.detach(), False, f"{name} ({mod})"))
        elif isinstance(mod, nn.ReLU):
            if not layers:
                raise ValueError(f"layer {name} ({mod}): a ReLU before the first Linear is "
                                 "not supported")
            layers[-1].relu = True
        elif isinstance(mod, nn.Flatten):
            if layers:
                continue  # no-op on (N, n) activations
            input_flatten = True
        elif isinstance(mod, nn.Identity):
            continue
        else:
            raise ValueError(
                f"layer {name} ({mod.__class__.__name__}) is not supported: rank decompositions "
                "need a Sequential of Linear and ReLU (plus Flatten/Identity) modules")
    if not layers:
        raise ValueError("the network has no Linear layer")
    return layers, input_flatten


def _layers_from_weights(weights):
    import torch

    layers = []
    for k, pair in enumerate(weights, start=1):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"layer {k}: expected a (W, b) pair")
        W = torch.as_tensor(np.asarray(pair[0]) if not torch.is_tensor(pair[0]) else pair[0])
        if not W.is_floating_point():
            W = W.to(torch.float64)
        b = (torch.zeros(W.shape[0], dtype=W.dtype) if pair[1] is None
             else torch.as_tensor(pair[1]).to(W.dtype))
        if W.ndim != 2 or 0 in W.shape:
            raise ValueError(f"layer {k}: W must be a non-empty 2-D array, got shape "
                             f"{tuple(W.shape)}")
        if tuple(b.shape) != (W.shape[0],):
            raise ValueError(f"layer {k}: bias shape {tuple(b.shape)} does not match W shape "
                             f"{tuple(W.shape)}")
        layers.append(_Layer(W.detach(), b.detach().to(W.device), True, f"layer {k}"))
    return layers


def _parse_network(net):
    from torch import nn

    if isinstance(net, nn.Module):
        if not isinstance(net, nn.Sequential):
            if isinstance(net, nn.Linear):
                net = nn.Sequential(net)
            else:
                raise ValueError(f"{net.__class__.__name__} is not supported: pass an "
                                 "nn.Sequential of Linear/ReLU modules or a list of (W, b)")
        layers, flatten = _layers_from_sequential(net)
    elif isinstance(net, (list, tuple)):
        if not net:
            raise ValueError("the list of (W, b) pairs is empty")
        layers, flatten = _layers_from_weights(net), False
    else:
        raise TypeError(f"net must be a torch nn.Sequential or a list of (W, b) pairs, got "
                        f"{type(net).__name__}")
    dtype, device = layers[0].W.dtype, layers[0].W.device
    for k, lay in enumerate(layers, start=1):
        if lay.W.dtype != dtype or lay.b.dtype != dtype or lay.W.device != device:
            raise ValueError(f"{lay.name}: all weights must share one dtype and device")
        if k > 1 and lay.W.shape[1] != layers[k - 2].W.shape[0]:
            raise ValueError(f"{lay.name}: expects {lay.W.shape[1]} inputs but the previous "
                             f"layer has {layers[k - 2].W.shape[0]} outputs")
        if not (lay.W.isfinite().all() and lay.b.isfinite().all()):
            raise ValueError(f"{lay.name}: weights contain NaN or inf")
    return layers, flatten


def _check_inputs(X, m, flatten, dtype, device):
    import torch

    if torch.is_tensor(X):
        X = X.detach()
        if X.device != device:
            raise ValueError(f"X is on {X.device} but the network is on {device}")
    else:
        try:
            X = torch.as_tensor(np.array(X, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"X must be a numeric array or tensor: {exc}") from None
        X = X.to(device)
    if flatten and X.ndim > 2:
        X = X.reshape(X.shape[0], -1)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, {m}), got shape {tuple(X.shape)}")
    if X.shape[1] != m:
        raise ValueError(f"X has {X.shape[1]} features but the network expects {m}")
    if X.shape[0] == 0:
        raise ValueError("X contains no points")
    if not X.is_floating_point():
        X = X.to(torch.float64)
    if not X.isfinite().all():
        raise ValueError("X contains NaN or inf")
    return X


# ----------------------------------------------------------------------------
# codeword pass with a rigorous rounding bound
# ----------------------------------------------------------------------------
def _forward(layers, X, tight=False):
    """Codewords, rank-active masks and uncertainty flags, one float pass.

    The rounding bound is first relaxed by Hoelder (cheap); points where it flags
    a unit are redone with the tight bound, which is never larger, so the flags
    are those of the tight bound throughout.
    """
    import torch

    # float64 holds float32/float64 weights and inputs exactly; wider dtypes are rare
    dtype = torch.promote_types(torch.promote_types(layers[0].W.dtype, X.dtype), torch.float64)
    u = torch.finfo(dtype).eps / 2
    h = X.to(dtype)
    err = torch.zeros(len(h), *([h.shape[1]] if tight else []), dtype=dtype, device=h.device)
    fused = not tight and h.device.type == "cpu" and dtype == torch.float64
    l1 = h.abs().sum(1)
    codewords, active, uncertain = [], [], []
    for k, lay in enumerate(layers):
        W, b = lay.W.to(dtype), lay.b.to(dtype)
        n_in = W.shape[1]
        gamma = (n_in + 1) * u / (1 - (n_in + 1) * u)
        used = (h != 0).any(0) if k == 0 and not tight else None
        if used is not None and 8 * int(used.sum()) < 7 * n_in:
            # input coordinates that are 0 at every point (image borders) add nothing;
            # the bound below holds for any order and number (<= n_in) of summands
            z = torch.addmm(b, h[:, used], W[:, used].T)
        else:
            z = torch.addmm(b, h, W.T)
        # |fl(W h + b) - (W h_true + b)| <= gamma (|W| |h| + |b|) + |W| |h - h_true|
        if tight:       # err: bound on |h - h_true| per unit
            err = 1.01 * torch.addmm(gamma * b.abs(), gamma * h.abs() + err, W.abs().T)
            unc = ((z.abs() <= err) & (err > 0)).any(1).cpu().numpy()
        else:           # err: bound on ||h - h_true||_1; |W_i| |v| <= max_j |W_ij| ||v||_1
            wmax, scale, cb = torch.maximum(W.amax(1), -W.amin(1)), gamma * l1 + err, gamma * b.abs()
            err = 1.02 * (scale * wmax.sum() + cb.sum())
        if fused:       # flags, codeword, ReLU and the next l1 norms in one pass
            cw = np.empty(z.shape, dtype=bool)
            unc, l1 = _kernels().sign_pass(z.numpy(), scale.numpy(), wmax.numpy(), cb.numpy(),
                                           lay.relu, cw)
            l1 = torch.from_numpy(l1)
        else:
            if not tight:
                bound = torch.addr(cb, scale, wmax).mul_(1.02)
                unc = ((z.abs() <= bound) & (bound > 0)).any(1).cpu().numpy()
            cw = (z > 0).cpu().numpy()
        uncertain.append(unc)
        codewords.append(cw)
        if lay.relu:
            h = z.relu_()
            active.append(codewords[-1])
        else:
            h = z
            active.append(np.ones_like(codewords[-1]))
        if not fused:
            l1 = h.abs().sum(1)
    uncertain = np.stack(uncertain, 1)
    redo = np.flatnonzero(uncertain.any(1))
    if not tight and redo.size:
        sub = _forward(layers, X[torch.from_numpy(redo).to(X.device)], tight=True)
        for full, part in zip((codewords, active), sub[:2]):
            for K in range(len(full)):
                full[K][redo] = part[K]
        uncertain[redo] = sub[2]
    return codewords, active, uncertain


def _kernels():
    from ..algebra import _kernels

    return _kernels


# ----------------------------------------------------------------------------
# exact modular arithmetic in float64 (device tensors)
# ----------------------------------------------------------------------------
def _to_integer_parts(W):
    """``W == mant * 2**(shift + e0)`` exactly, with int64 mant and shift >= 0."""
    W = np.asarray(W, dtype=np.float64)
    frac, exp = np.frexp(W)
    mant = np.ldexp(frac, 53).astype(np.int64)
    exp = exp.astype(np.int64) - 53
    nz = mant != 0
    e0 = int(exp[nz].min()) if nz.any() else 0
    shift = np.where(nz, exp - e0, 0)
    return mant, shift


def _residues(W, p, signed=False):
    """Exact image in Z/p, in [0, p) (``signed``: in (-p/2, p/2)), of the integer
    matrix of float array ``W`` (that of :func:`_to_integer_parts`, i.e. ``W`` over
    its smallest power of two)."""
    return _kernels().residues(np.ascontiguousarray(W, dtype=np.float64), int(p), signed)


def _signed(R, p):
    """Residues in [0, p) to their representatives in (-p/2, p/2)."""
    return np.where(R > p // 2, R - p, R)


def _signed_residues(M, p):
    """Small representatives (``|r| <= p // 2 + 2``, as :func:`_smod` gives) of an
    integer-valued array; arrays already in that range are returned as they are."""
    M = np.asarray(M)
    if M.size == 0 or np.abs(M).max() <= p // 2 + 2:
        return M
    return _signed(M.astype(np.int64) % p, p)


def _exact_limit(dtype):
    """``2**24`` (float32) or ``2**53`` (float64): all integers up to it are exact."""
    import torch

    return 2.0 / torch.finfo(dtype).eps


def _integer_matrix(W):
    """Exact integer matrix (Python ints) with ``W = 2**e0 * result``."""
    mant, shift = _to_integer_parts(W)
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


def _mod(x, p):
    """Residues of integer-valued float64 ``|x| <= 2**53 - p`` in [0, p).

    ``floor(x / p)`` is off by at most one (relative rounding 2**-52), and
    ``x - q p`` is exact, so one correction on each side makes it exact.
    (``torch.fmod`` is exact too but an order of magnitude slower on CPU.)
    """
    import torch

    r = torch.floor(x * (1.0 / p)).mul_(-p).add_(x)      # in [-p, 2p)
    return torch.remainder(r, p)                          # cheap for small quotients


def _smod(x, p):
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


def _matmul_mod(A, B, p, bound=None):
    """``A @ B mod p`` (signed residues, see :func:`_smod`) for integer-valued float
    tensors with entries ``|x| <= bound`` (default ``p - 1``), exact by chunking the
    inner dimension so that partial sums stay below the dtype's exact limit.

    For int8 matrices (signed residues, ``p <= 251``) the products are exact int32
    GEMMs (``torch._int_mm``), reduced in float32 (exact below ``2**24``), and the
    result is int8 again.
    """
    import torch

    int8 = A.dtype == torch.int8
    chunk = _inner_chunk(A.dtype, p, bound)

    def mm(a, b):
        return torch._int_mm(_dense(a), _dense(b)).float() if int8 else a @ b

    k, out = A.shape[-1], None
    for s in range(0, max(k, 1), chunk):
        part = _smod(mm(A[..., s:s + chunk], B[..., s:s + chunk, :]), p)
        out = part if out is None else _smod(out + part, p)
    return out.to(torch.int8) if int8 else out


def _inner_chunk(dtype, p, bound=None):
    """Longest inner dimension whose products of entries ``|x| <= bound`` (default
    ``p - 1``; 127 for int8, reduced in float32) sum exactly in ``dtype``."""
    import torch

    int8 = dtype == torch.int8
    bound = 127.0 if int8 else float(p - 1 if bound is None else bound)
    limit = 2.0 ** 24 if int8 else _exact_limit(dtype)
    return max(1, int((limit - 2.0 * p) // bound ** 2) - 1)


def _matmul_mod_many(As, Bs, p, bound=None, add=None):
    """``[A @ B (+ C) mod p for A, B(, C) in zip(As, Bs(, add))]``; int8 products (the
    fast tier) are reduced together, which saves the per-call overhead of many
    small reductions.  Addends ``C`` are residues of the dtype of ``A``."""
    import torch

    if not As:
        return []
    if As[0].dtype != torch.int8 or max(A.shape[1] for A in As) > _inner_chunk(torch.int8, p):
        out = [_matmul_mod(A, B, p, bound) for A, B in zip(As, Bs)]
        return out if add is None else [_smod(Z + C, p) for Z, C in zip(out, add)]
    shapes = [(A.shape[0], B.shape[1]) for A, B in zip(As, Bs)]
    ends = np.cumsum([m * n for m, n in shapes])
    flat = torch.empty(int(ends[-1]), dtype=torch.int32)      # the products side by side
    Cs = [flat[e - m * n:e].view(m, n) for e, (m, n) in zip(ends, shapes)]
    for A, B, C in zip(As, Bs, Cs):
        torch._int_mm(_dense(A), _dense(B), out=C)
    # int8 products run on CPUs only (_fast_dtype); addends are added in the reduction
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


def _full_column_rank(A, p, block=32):
    """Whether each ``A[i]`` (R x C, R >= C, float residues) has rank C mod p.

    Batched right-looking blocked LU with row pivoting.  Entries are reduced
    only when read (pivot column, pivot row): every elimination step adds one
    product of two signed residues (:func:`_smod`, ``|r| <= h = p // 2 + 2``) to
    an entry, so unreduced entries stay below ``h + C h**2 <= L - p`` (see
    :func:`_elimination_fits`; e.g. ``C < 32768`` for ``p < 2**20`` in float64,
    ``C <= 1032`` for ``p = 251`` in float32) and all updates, including the
    trailing GEMMs, are exact.
    """
    import torch

    nb, R, C = A.shape
    group = max(_LU_BATCH, _LU_ENTRIES // max(R * C, 1))      # cache-sized groups on CPU
    if nb > group and A.device.type == "cpu":
        return torch.cat([_full_column_rank(A[s:s + group], p, block)
                          for s in range(0, nb, group)])
    ok = torch.ones(nb, dtype=torch.bool, device=A.device)
    if C == 0 or nb == 0:
        return ok
    if not _elimination_fits(C, p, A.dtype):
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
            col = _smod(P[:, c, c:], p)
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
            dinv = inv[_mod(col[:, 0], p).long()].to(A.dtype)
            lcol = _smod(col[:, 1:] * dinv[:, None], p)
            P[:, c, c + 1:] = lcol
            if c + 1 < e - s:
                urow = _smod(P[:, c + 1:, c], p)     # row s + c of U, inside the panel
                P[:, c + 1:, c] = urow
                P[:, c + 1:, c + 1:].addcmul_(urow[:, :, None], lcol[:, None, :], value=-1)
        A[:, s:, s:e] = P.transpose(1, 2)
        if e < C:
            # Schur complement A22 - L21 (L11^-1 A12), every factor reduced
            U12 = _matmul_mod(_unit_lower_inverse(A[:, s:e, s:e], p), _smod(A[:, s:e, e:], p), p)
            A[:, e:, e:].baddbmm_(A[:, e:, s:e], U12, alpha=-1)
    return ok


def _lu_mod(A, p, block=32):
    """Row-pivoted LU of one integer matrix mod ``p`` (numpy; ``A`` is ``n x m`` with
    ``n >= m``), the pivot of each column being the first usable row.

    Returns ``(ok, perm, LU)``: whether the rank is ``m``; the original row of each
    position; ``A[perm] = L U`` with ``L`` (reduced, unit diagonal) in the strictly
    lower part of ``LU``.  The same blocked elimination with reduction on read as
    :func:`_full_column_rank`, for a single matrix, where numpy's per-call cost is
    a fraction of torch's.
    """
    import torch

    n, m = A.shape
    dt = np.float32 if _elimination_fits(m, p, torch.float32) else np.float64
    A = _signed_residues(A, p).astype(dt)
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


def _elimination_fits(C, p, dtype):
    """Whether :func:`_full_column_rank` on ``C`` columns is exact in ``dtype``."""
    h = float(p // 2 + 2)
    return h + C * h * h + p <= _exact_limit(dtype)


def _unit_lower_inverse(T, p):
    """``L^-1 mod p`` for the unit lower triangle ``L`` of ``T`` (entries below the
    diagonal reduced).  Blocks: ``[[A, 0], [C, D]]^-1 = [[A^-1, 0], [-D^-1 C A^-1, D^-1]]``;
    small ones by ``(I + N)^-1 = (I - N)(I + N^2)(I + N^4)...`` with ``N`` nilpotent."""
    import torch

    w = T.shape[-1]
    if w > 64:
        h = w // 2
        Ai = _unit_lower_inverse(T[..., :h, :h], p)
        Di = _unit_lower_inverse(T[..., h:, h:], p)
        out = torch.zeros_like(T)
        out[..., :h, :h] = Ai
        out[..., h:, h:] = Di
        out[..., h:, :h] = -_matmul_mod(Di, _matmul_mod(_smod(T[..., h:, :h], p), Ai, p), p)
        return out
    eye = torch.eye(w, dtype=T.dtype, device=T.device)
    N = torch.tril(T, -1)
    out = _smod(eye - N, p)
    k = 2
    while k < w:
        N = _matmul_mod(N, N, p)
        out = _matmul_mod(out, eye + N, p)
        k *= 2
    return out


def _padded_full_rank(T, ncols, p, nrows=None):
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
    """:func:`_padded_full_rank` without the square-minor pass (numpy in, numpy out)."""
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
        ok[g] = _full_column_rank(M, p).cpu().numpy()
    return ok


def _rank_mod_p_dense(M, p):
    """Rank mod p of one integer-valued matrix (the project's :func:`linalg.rank`)."""
    from ..algebra.linalg import rank

    return rank(np.asarray(M, dtype=np.int64) % p, p=p)


def _exact_rank_int(M):
    """Exact rank over Q of an integer matrix (list of lists of Python ints)."""
    from ..algebra.linalg import rank

    return rank(M) if M and M[0] else 0


# ----------------------------------------------------------------------------
# certified ranks
# ----------------------------------------------------------------------------
class _Reduction:
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
            ok, perm, LU = _lu_mod(W1p[order], p)
            if ok:
                L = torch.from_numpy(np.tril(LU, -1))
                self.r, self.rows, self.non_B = m, order[perm[:m]], order[perm[m:]]
                Linv = _unit_lower_inverse(L[:m], p)
                self.F = _np_matmul_mod(L[m:].numpy(), Linv.numpy(), p)
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
                self.F = _np_matmul_mod(W1p[np.ix_(self.non_B, cols)].astype(np.float64),
                                        invB.astype(np.float64), p)
        in_B = np.zeros(n1, dtype=bool)
        in_B[self.rows] = True
        self.in_B = in_B
        self._F_pad = {}

    def F_pad(self, device):
        """``F = E[non_B]`` ready for sentinel gathers."""
        key = str(device)
        if key not in self._F_pad:
            self._F_pad[key] = _Padded(self.F, device)
        return self._F_pad[key]


def _pivots(rref, r):
    rows = rref.tolist()
    out = []
    for i in range(r):
        out.append(next(j for j, v in enumerate(rows[i]) if int(v) != 0))
    return np.array(out, dtype=np.int64)


def _padded_index(mask):
    """Per-row sorted indices of True entries, padded with the sentinel ``n``; plus counts."""
    counts = mask.sum(1)
    width = int(counts.max()) if counts.size else 0
    order = np.argsort(~mask, axis=1, kind="stable")[:, :width]
    valid = np.arange(width)[None, :] < counts[:, None]
    return np.where(valid, order, mask.shape[1]), valid, counts


class _Padded:
    """A matrix with an extra zero row and column, for gathers with sentinel padding."""

    def __init__(self, M, device):
        import torch

        M = np.asarray(M, dtype=np.float64)
        ext = np.zeros((M.shape[0] + 1, M.shape[1] + 1))
        ext[:-1, :-1] = M
        self.ncols = ext.shape[1]
        self.device = device
        self.flat = ext.ravel()
        self.t = torch.from_numpy(ext).to(device) if str(device) != "cpu" else None

    def take(self, rows, cols):
        """``M[rows[b, i], cols[b, j]]`` as a (B, R, C) float64 tensor (0 at sentinels)."""
        import torch

        if self.t is None:   # numpy's flat take is ~2x faster than torch indexing on CPU
            return torch.from_numpy(self.flat.take(rows[:, :, None] * self.ncols
                                                   + cols[:, None, :]))
        r = torch.from_numpy(rows).to(self.device)
        c = torch.from_numpy(cols).to(self.device)
        return self.t[r[:, :, None], c[:, None, :]]


def _layer1_lower(red, act1, p, device):
    """Certified test of rank(E[a1]) = min(r, |a1|)... via the small block F[a1\\B, B\\a1]."""
    import torch

    inB = act1 & red.in_B[None, :]
    base = inB.sum(1)
    rows_mask = act1[:, red.non_B]                      # a1 \ B, as rows of F
    cols_mask = ~act1[:, red.rows]                      # B \ a1, as columns of F (by position)
    ridx, rval, rcnt = _padded_index(rows_mask)
    cidx, cval, ccnt = _padded_index(cols_mask)
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
        ok[todo] = _padded_full_rank(Gp, target[todo], p,
                                     np.maximum(rcnt[todo], ccnt[todo]))
    return np.where(ok, base + target, -1)


class _Tier:
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
        self.res = [_residues(W, p, signed=True) for W in Ws]       # signed residues
        self.bound = p // 2 + 2
        self._red = self._red1 = None
        self._top = {}

    def _store(self, M):
        """Signed residues with one extra zero row and column: the sentinel that
        pads index lists."""
        import torch

        ext = np.zeros((M.shape[0] + 1, M.shape[1] + 1), dtype=self.npd)
        ext[:-1, :-1] = _signed_residues(M, self.p)
        return _Gather(ext, self.dtype == torch.int8).to(self.device)

    @property
    def red1(self):
        if self._red1 is None:
            self._red1 = _Reduction(self.res[0], self.p, np.argsort(-self.freqs[0], kind="stable"))
        return self._red1

    @property
    def red(self):
        if self._red is None:
            self._build_chain()
        return self._red

    def _build_chain(self):
        p, res = self.p, self.res
        self._red = red = _Reduction(res[0], p, np.argsort(np.abs(self.freqs[0] - 0.5),
                                                            kind="stable"))
        F = red.F if red.r else np.zeros((len(red.non_B), 0))      # signed residues
        self.hi = hi = self.freqs[0][red.non_B] > 0.5
        # F' transposed (the sketch selects few of its columns, so select those as rows)
        self.FT = self._store(np.where(hi[:, None], -F, F).T)
        if len(res) > 1:
            W2 = res[1]
            P = _np_matmul_mod(W2[:, red.non_B[hi]], F[hi], p)
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
            Q = _np_matmul_mod(WK[:, hi], WK1[hi], self.p)
            self._top[K] = hi, self._store(Q), self._store(np.where(hi[None, :], -WK, WK))
        return self._top[K]


_FAST_DTYPE = {}


def _fast_dtype(device):
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


def _chain_lower(tier, actives, upper, want, prio, oversample=2, budget=None):
    r"""Modular lower bounds at the layers ``K >= 2`` in ``want`` (0-based ``K >= 1``).

    Per point, ``Z_K = A_K \cdots A_2 E[a_1][:, J] (mod p)`` with a sketch ``J``
    of ``min(u + oversample, r)`` columns (``u = min(upper, r)``): ``J`` lists
    the positions of ``B \ a_1`` first (there the unit rows ``a_1 & B`` of
    ``E`` vanish), then those of ``a_1 & B``, each in the fixed random order
    ``prio``.  ``rank(Z_K) >= u`` proves ``rank >= u``; the extra columns make
    an accidental drop mod p unlikely (about ``p**-(oversample + 1)``).  Each
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
    budget = budget or _CHUNK_BUDGET // 4
    workers = _workers(U)
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

    for results in _map_workers(run, [b for b in batches if len(b)], workers, tier.device):
        for K, good in results:
            lower[good, K] = upper[good, K]
    return lower


def _workers(n_items):
    """Workers for per-point loops: torch's intra-op thread count (the per-point
    ops are too small to use it), one for small inputs."""
    import torch

    return max(1, min(torch.get_num_threads(), n_items // 64))


def _map_workers(fn, items, workers, device):
    """``map(fn, items)`` (results in any order) on ``workers`` cores, torch's own
    threads set to 1 meanwhile (2 x 2 threads on 2 cores oversubscribe).

    On Linux CPUs the items are sharded over forked processes (the per-point
    gathers hold the GIL, so threads scale poorly); a shard whose process fails
    is computed here instead.  Elsewhere, or with ``TOPODESTRUCT_FORK=0``, threads.
    """
    import torch

    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    shards = [items[j::workers] for j in range(workers)]
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        if _can_fork(device):
            return _map_forked(fn, shards)
        from concurrent.futures import ThreadPoolExecutor

        # the setting is per OpenMP thread and global for MKL: set it in each thread
        with ThreadPoolExecutor(workers, initializer=torch.set_num_threads,
                                initargs=(1,)) as pool:
            return [r for part in pool.map(lambda sh: [fn(x) for x in sh], shards)
                    for r in part]
    finally:
        torch.set_num_threads(before)


def _can_fork(device):
    import multiprocessing
    import os
    import sys

    return (str(device) == "cpu" and sys.platform.startswith("linux")
            and os.environ.get("TOPODESTRUCT_FORK", "1") != "0"
            and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)     # daemons have no children


def _map_forked(fn, shards):
    """Shard 0 here, the others in forked processes (results sent back by pipe)."""
    import multiprocessing
    import warnings

    ctx = multiprocessing.get_context("fork")
    children = []
    for shard in shards[1:]:
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_forked_worker, args=(fn, shard, send), daemon=True)
        with warnings.catch_warnings():
            # Python >= 3.12 warns on fork with threads alive (torch's pool): the child
            # only sets torch to one thread and runs compiled loops and torch GEMMs
            warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
            proc.start()
        send.close()
        children.append((proc, recv, shard))
    out = [fn(x) for x in shards[0]]
    for proc, recv, shard in children:
        try:
            ok, part = recv.recv()
        except (EOFError, OSError):
            ok = False
        proc.join()
        out += part if ok else [fn(x) for x in shard]
    return out


def _forked_worker(fn, shard, conn):
    try:
        import torch

        torch.set_num_threads(1)
        conn.send((True, [fn(x) for x in shard]))
    except BaseException:       # the parent computes the shard itself
        conn.send((False, None))
    finally:
        conn.close()


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
    """Yield ``(K, [Z_K of each point])`` for a batch of points (see :func:`_chain_lower`
    and, for the first product, :class:`_Tier`).

    Active index lists are padded with the zero sentinel row/column of the stored
    matrices to multiples of 16, so every block and product has a bucketed shape;
    the padded rows of ``Z_K`` are zero and the caller slices them off."""
    red, p, bound = tier.red, tier.p, tier.bound
    G, r = len(carry), red.r
    actB = act[0][:, red.rows]
    width = np.minimum(_bucket(carry), _bucket(r))         # sketch columns per point and layer
    # positions of B \ a1, then of a1 & B, each in the order prio
    J = prio[np.argsort(actB[:, prio], axis=1, kind="stable")][:, :int(width[:, 1].max())]
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
        Z = _matmul_mod_many([tier.W[K](rows[g], prev[g]) for g in range(G)],
                             [Z[g][:, :width[g, K]] for g in range(G)], p, bound, add)
        prev = rows
        if K in ks:
            yield K, Z
    if left:
        hi, Q, Wn = tier.top(top)
        rows = _padded_rows(act[top], act[top].shape[1])
        S = _padded_rows(act[top - 1] != hi[None, :], len(hi))
        Y = _matmul_mod_many([Wn(rows[g], S[g]) for g in range(G)],
                             [tier.W[top - 1](S[g], prev[g]) for g in range(G)], p, bound,
                             [Q(rows[g], prev[g]) for g in range(G)])
        yield top, _matmul_mod_many(Y, [Z[g][:, :width[g, top]] for g in range(G)], p, bound)


def _top_layer(ks):
    """The top layer of chains ending with :meth:`_Tier.top` (it needs ``K >= 3``, the
    first product being the second layer's, and ``K - 1`` not wanted), else None."""
    return ks[-1] if ks and ks[-1] >= 3 and ks[-1] - 1 not in ks else None


def _rank_at_least(mats, us, p):
    """Whether ``rank(M_i) >= u_i`` mod p, for float residue matrices with
    ``min(shape) >= u_i``: each is oriented tall and its first ``u_i`` columns
    are tested for full column rank (rows beyond ``u_i`` are the oversampling)."""
    import torch

    mats = [M if M.shape[0] >= M.shape[1] else M.T for M in mats]
    nrows = np.array([M.shape[0] for M in mats])
    R, C = int(nrows.max()), int(us.max())
    if mats[0].device.type == "cpu" and C <= _SMALL_RANK_TEST:
        T = np.zeros((len(mats), R, max(C, 1)))
        for t, (M, c) in enumerate(zip(mats, us)):
            T[t, :M.shape[0], :c] = M[:, :c].numpy()
        return _kernels().full_column_rank(T, nrows, np.asarray(us, dtype=np.int64), p)
    # float32 when its elimination is exact (see _full_column_rank): half the traffic
    fits = _elimination_fits(C, p, torch.float32)
    T = torch.zeros(len(mats), R, max(C, 1), dtype=torch.float32 if fits else torch.float64,
                    device=mats[0].device)
    for t, (M, c) in enumerate(zip(mats, us)):
        T[t, :M.shape[0], :c] = M[:, :c]
    return _padded_full_rank(T, us, p, nrows)


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
        Z = np.fmod(_np_matmul_mod(A.astype(np.float64), Z, p), p)
    return _rank_mod_p_dense(Z, p)


def _np_matmul_mod(A, B, p):
    """``A @ B mod p`` for integer-valued numpy arrays (any residues), as float64
    signed residues; exact int8 GEMMs where ``p`` is small enough."""
    import torch

    A, B = (_signed_residues(M, p) for M in (A, B))
    if p <= _FAST_PRIME and _fast_dtype("cpu") == torch.int8:
        A, B = (torch.from_numpy(M.astype(np.int8)) for M in (A, B))
        return _matmul_mod(A, B, p).numpy().astype(np.float64)
    A, B = (torch.from_numpy(M.astype(np.float64)) for M in (A, B))
    return _matmul_mod(A, B, p, bound=p // 2 + 2).numpy()


def _exact_rank_chain(Ws, actives_row, K):
    import flint

    mats = _chain_matrices(Ws, actives_row, K)
    if any(0 in M.shape for M in mats):
        return 0
    prod = flint.fmpz_mat(_integer_matrix(mats[0]))
    for M in mats[1:]:
        prod = flint.fmpz_mat(_integer_matrix(M)) * prod
    return _exact_rank_int([[int(x) for x in row] for row in prod.tolist()])


def _numerical(Ws64, actives, m, device):
    """Numerical ranks and margins (n_unique, L), tolerance as in the module doc."""
    Ws64 = [_Padded(W.detach().cpu().numpy() if hasattr(W, "detach") else W, device)
            for W in Ws64]
    U, L = actives[0].shape[0], len(Ws64)
    ranks = np.zeros((U, L), dtype=np.int64)
    margins = np.zeros((U, L, 2))
    for sl in _chunks(actives, m):
        ranks[sl], margins[sl] = _numerical_chunk(Ws64, [a[sl] for a in actives], device)
    return ranks, margins


def _numerical_chunk(Ws64, actives, device):
    import torch

    U, L = actives[0].shape[0], len(Ws64)
    ranks = np.zeros((U, L), dtype=np.int64)
    margins = np.zeros((U, L, 2))
    eps = np.finfo(np.float64).eps
    m = Ws64[0].ncols - 1
    idx, _, cnt = _padded_index(actives[0])
    Z = Ws64[0].take(idx, np.broadcast_to(np.arange(m), (U, m)))
    rows = np.arange(U)
    for K in range(L):
        if K:
            nidx, _, cnt = _padded_index(actives[K])
            Z = Ws64[K].take(nidx, idx) @ Z
            idx = nidx
        S = (torch.linalg.svdvals(Z).cpu().numpy() if min(Z.shape[1:]) > 0
             else np.zeros((U, 0)))
        smax = S[:, 0] if S.shape[1] else np.zeros(U)
        tol = np.maximum(smax * np.maximum(cnt, m) * eps, np.finfo(np.float64).tiny)
        r = (S > tol[:, None]).sum(1)
        ranks[:, K] = r
        Sx = np.concatenate([np.full((U, 1), np.inf), S, np.zeros((U, 1))], 1)
        margins[:, K, 0] = Sx[rows, r] / tol
        margins[:, K, 1] = Sx[rows, r + 1] / tol
    return ranks, margins


def _chunks(actives, m, budget=None):
    """Slices of unique codewords whose gathered blocks fit ``budget`` float64 entries."""
    budget = budget or _CHUNK_BUDGET
    U = actives[0].shape[0]
    sizes = [m] + [int(a.sum(1).max()) if U else 0 for a in actives]
    per_item = max(1, max(sizes[i] * sizes[i + 1] for i in range(len(actives))))
    step = max(1, min(U, budget // per_item))
    return [slice(s, min(s + step, U)) for s in range(0, U, step)]


def _tiers(p, want, device):
    """(prime, dtype) of the modular tests, fastest first: the small-prime tier pays
    off for the GEMM chains of layers >= 2; a single layer goes straight to float64."""
    import torch

    tiers = [(p, torch.float64)]
    if any(K >= 1 for K in want):
        tiers.insert(0, (_FAST_PRIME, _fast_dtype(device)))
    return tiers


def _certified_ranks(layers, actives, m, p, fallback, exact_all, random_state, want):
    """Ranks and certification for unique codeword rows at the layers in ``want``."""
    import torch

    device = layers[0].W.device
    U, L = actives[0].shape[0], len(layers)
    Ws = [lay.W.detach().cpu().numpy().astype(np.float64) for lay in layers]
    counts = np.stack([a.sum(1) for a in actives], 1)
    upper = np.minimum.accumulate(np.concatenate([np.full((U, 1), m), counts], 1), axis=1)[:, 1:]
    lower = np.full((U, L), -1)
    last = max(want) + 1
    if not exact_all:
        freqs = [a.mean(0) for a in actives]     # choose the reductions (see _Tier)
        for q, dtype in _tiers(p, want, device):
            pending = np.flatnonzero((lower < upper)[:, sorted(want)].any(1))
            if not pending.size:
                break
            tier = _Tier(Ws[:last], q, dtype, freqs, device)
            act = [a[pending] for a in actives[:last]]
            if 0 in want:
                for sl in _chunks(act[:1], m):
                    rows = pending[sl]
                    lower[rows, 0] = np.maximum(lower[rows, 0],
                                                _layer1_lower(tier.red1, act[0][sl], q, device))
            if any(K >= 1 for K in want):
                prio = np.random.default_rng(random_state).permutation(tier.red.r)
                lower[pending] = np.maximum(
                    lower[pending], _chain_lower(tier, act, upper[pending], want, prio))
    certified = lower == upper
    ranks = np.where(certified, upper, -1)
    todo = [(i, K) for i, K in zip(*np.nonzero(~certified)) if K in want]
    residues, numerical = {}, None
    for i, K in todo:
        row = [a[i] for a in actives]
        if not exact_all:
            for q in (p, _SECOND_PRIME):
                if q not in residues:
                    residues[q] = [_residues(W, q) for W in Ws[:last]]
                rp = _rank_mod_p_chain(residues[q], row, K + 1, q)
                if rp == upper[i, K]:
                    ranks[i, K], certified[i, K] = rp, True
                    break
            if certified[i, K]:
                continue
        if fallback == "exact" or exact_all:
            ranks[i, K], certified[i, K] = _exact_rank_chain(Ws, row, K + 1), True
        else:
            if numerical is None:
                numerical = _numerical([torch.from_numpy(W).to(device) for W in Ws],
                                       actives, m, device)[0]
            ranks[i, K] = numerical[i, K]
    return ranks, certified, upper


# ----------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------
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


def _unique_rows(actives):
    G = np.packbits(np.concatenate(actives, 1), axis=1)
    _, first, inverse = np.unique(G, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def rank_decomposition(net, X, mode="certified", layers=None, fallback="exact", margins=None,
                       p=DEFAULT_PRIME, ambiguity=100.0, random_state=0):
    """Codewords and rank decomposition of a ReLU network at points ``X``.

    Parameters
    ----------
    net : torch.nn.Sequential or list of (W, b)
        ``Linear``/``ReLU`` (and ``Flatten``/``Identity``) modules.  A ``Linear``
        not followed by a ``ReLU`` is an affine layer: all its units count as
        active for the rank (its codeword is still ``S(W h + b)``).
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
        Prime of the float64 modular tier (``p < 2**21``; see the module notes).
    ambiguity : float
        Margin factor below which a numerical rank is flagged ambiguous.
    random_state : None, int or numpy.random.Generator
        Seeds the column sketch (any choice gives valid lower bounds).

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
    if not (isinstance(p, (int, np.integer)) and 3 <= p < 2 ** 21):
        raise ValueError(f"p must be a prime below 2**21, got {p!r}")
    net_layers, flatten = _parse_network(net)
    L, m = len(net_layers), net_layers[0].W.shape[1]
    want = _check_wanted(layers, L)
    X = _check_inputs(X, m, flatten, net_layers[0].W.dtype, net_layers[0].W.device)
    device = net_layers[0].W.device
    with torch.no_grad():
        codewords, actives, uncertain = _forward(net_layers, X)
        first, inverse = _unique_rows(actives)
        uact = [a[first] for a in actives]
        want_margins = mode == "numerical" if margins is None else bool(margins)
        marg = None
        if want_margins:
            Ws64 = [lay.W.to(torch.float64) for lay in net_layers]
            nranks, marg = _numerical(Ws64, uact, m, device)
        if mode == "numerical":
            ranks, cert = nranks, np.zeros_like(nranks, dtype=bool)
        else:
            ranks, cert, _ = _certified_ranks(net_layers, uact, m, int(p), fallback,
                                              mode == "exact", random_state, want)
    skip = [K for K in range(L) if K not in want]
    ranks[:, skip], cert[:, skip] = -1, False
    counts = np.stack([a.sum(1) for a in actives], 1)
    upper = np.minimum.accumulate(np.concatenate([np.full((len(X), 1), m), counts], 1),
                                  axis=1)[:, 1:]
    return RankDecomposition(
        codewords=codewords, ranks=ranks[inverse], certified=cert[inverse], upper=upper,
        uncertain_codewords=uncertain, margins=None if marg is None else marg[inverse],
        mode=mode, input_dim=m, ambiguity=float(ambiguity))


def _check_wanted(layers, L):
    if layers is None:
        return set(range(L))
    if isinstance(layers, (int, np.integer)):
        layers = [layers]
    out = set()
    for K in layers:
        if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or not 1 <= K <= L:
            raise ValueError(f"layers must be 1-based layer indices in 1..{L}, got {K!r}")
        out.add(int(K) - 1)
    if not out:
        raise ValueError("layers is empty")
    return out


def layer_ranks(weights, X, biases=None, p=DEFAULT_PRIME):
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
        rd = rank_decomposition([(W[t], B[t])], X[t], p=p)
        ranks[t], cert[t] = rd.ranks[:, 0], rd.certified[:, 0]
    return ranks, cert
