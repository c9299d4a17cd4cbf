"""ReLU network builders used in the paper (Beshkov & Einevoll, §3).

Every builder returns a ``torch.nn.Sequential`` of ``Linear`` and ``ReLU``
modules in float32, with every ``Linear`` followed by a ``ReLU`` (the paper's
layer map is ``T_i(x) = max(0, W_i x + b_i)``), the last one included unless
``final_activation=None`` (an affine last layer, as in most classifiers).  The
same convention, with the same default, holds for the ``(W, b)`` lists that
:func:`topodestruct.rank_decomposition` accepts, so ``rank_decomposition(w, X,
final_activation=f)`` and ``rank_decomposition(from_weights(w,
final_activation=f), X)`` agree.  All randomness comes from
``random_state`` (``None``, an int or a ``numpy.random.Generator``) through
numpy, so results are reproducible independently of torch's global seed.

Examples
--------
>>> import topodestruct as td
>>> net = td.networks.mlp([2, 3, 2], random_state=0)
>>> net
Sequential(
  (0): Linear(in_features=2, out_features=3, bias=True)
  (1): ReLU()
  (2): Linear(in_features=3, out_features=2, bias=True)
  (3): ReLU()
)
>>> td.networks.rank_selection_matrix(2, 4)
array([[ 1.,  0.,  0.,  0.],
       [ 0.,  1.,  0.,  0.],
       [ 0.,  0., -1.,  0.],
       [ 0.,  0.,  0., -1.]])
"""
import numpy as np

from .._validation import check_random_state, is_integer

__all__ = ["mlp", "rank_selection_matrix", "rank_selection_layer", "dale_layer",
           "from_weights", "to_weights"]

_INITS = ("kaiming", "normal", "uniform_negative")


def _check_width(value, name):
    if not is_integer(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def from_weights(weights, final_activation="relu"):
    """Build ``Linear, ReLU, ...`` from a list of ``(W, b)`` pairs.

    Parameters
    ----------
    weights : list of (array_like, array_like or None)
        ``W`` of shape ``(n_k, n_{k-1})`` and bias ``b`` of shape ``(n_k,)``
        (``None`` means zero bias).  Values are stored as float32.
    final_activation : {"relu", None}
        Whether the last ``Linear`` is followed by a ``ReLU`` (default, the
        paper's convention) or not (affine last layer).

    Returns
    -------
    torch.nn.Sequential

    Examples
    --------
    >>> import numpy as np
    >>> net = from_weights([(np.eye(2), np.zeros(2))])
    >>> net[0].weight.detach().numpy()
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    import torch
    from torch import nn

    if isinstance(weights, (str, bytes)) or not hasattr(weights, "__iter__"):
        raise TypeError("weights must be a list of (W, b) pairs")
    _check_final_activation(final_activation)
    weights = list(weights)
    if not weights:
        raise ValueError("weights must contain at least one (W, b) pair")
    modules, prev = [], None
    for k, pair in enumerate(weights, start=1):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"layer {k}: expected a (W, b) pair, got {type(pair).__name__}")
        W = np.asarray(pair[0], dtype=np.float64)
        if W.ndim != 2 or 0 in W.shape:
            raise ValueError(f"layer {k}: W must be a non-empty 2-D array, got shape {W.shape}")
        b = np.zeros(W.shape[0]) if pair[1] is None else np.asarray(pair[1], dtype=np.float64)
        if b.shape != (W.shape[0],):
            raise ValueError(f"layer {k}: bias shape {b.shape} does not match W shape {W.shape}")
        if prev is not None and W.shape[1] != prev:
            raise ValueError(f"layer {k}: W has {W.shape[1]} columns but layer {k - 1} "
                             f"has {prev} outputs")
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError(f"layer {k}: weights contain NaN or inf")
        lin = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.astype(np.float32)))
            lin.bias.copy_(torch.from_numpy(b.astype(np.float32)))
        modules += [lin, nn.ReLU()]
        prev = W.shape[0]
    if final_activation is None:
        modules.pop()
    return nn.Sequential(*modules)


def _check_final_activation(value):
    if value not in ("relu", None):
        raise ValueError(f"final_activation must be 'relu' or None, got {value!r}")


def to_weights(net):
    """List of ``(W, b)`` numpy arrays of every ``Linear`` in ``net``.

    Examples
    --------
    >>> [W.shape for W, b in to_weights(mlp([3, 4, 2], random_state=0))]
    [(4, 3), (2, 4)]
    """
    from torch import nn

    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch nn.Module, got {type(net).__name__}")
    out = []
    for mod in net.modules():
        if isinstance(mod, nn.Linear):
            W = mod.weight.detach().cpu().numpy().copy()
            b = (mod.bias.detach().cpu().numpy().copy() if mod.bias is not None
                 else np.zeros(W.shape[0], dtype=W.dtype))
            out.append((W, b))
    return out


def mlp(widths, init="kaiming", mean=0.0, std=None, bias=True, random_state=None,
        final_activation="relu", as_weights=False):
    """Random ReLU network ``R^m -> R^{n_1} -> ... -> R^{n_L}``.

    Parameters
    ----------
    widths : sequence of int
        ``[m, n_1, ..., n_L]`` (at least two entries).
    init : {"kaiming", "normal", "uniform_negative"}
        * ``"kaiming"``: weights N(0, 2 / fan_in) (Kaiming-normal for ReLU, the
          paper's §3.1 networks); bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as in
          ``torch.nn.Linear``'s default.
        * ``"normal"``: weights and bias N(mean, std) (Figure 2B's mean-shift
          experiment uses std = 0.1); ``std`` defaults to 0.1.
        * ``"uniform_negative"``: weights U[-1, 0] and zero bias (§3.2): every
          point of the open positive orthant has rank 0 at layer 1.
    mean, std : float
        Parameters of ``"normal"``; ignored (must be default) otherwise.
    bias : bool
        If False every bias is zero.
    random_state : None, int or numpy.random.Generator
    final_activation : {"relu", None}
        ``"relu"`` (default): every ``Linear`` is followed by a ``ReLU``, the
        last one included (the paper's networks); ``None``: the last layer is
        affine.
    as_weights : bool
        Return the network's ``(W, b)`` pairs instead (see :func:`to_weights`),
        without building it (no torch: fast for many small networks).

    Returns
    -------
    torch.nn.Sequential
        ``Linear, ReLU, Linear, ReLU, ...`` in float32.

    Examples
    --------
    >>> net = mlp([2, 5, 5], init="uniform_negative", random_state=1)
    >>> bool((net[0].weight <= 0).all()), float(net[0].bias.detach().abs().max())
    (True, 0.0)
    """
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise TypeError("widths must be a sequence of positive integers [m, n1, ..., nL]")
    widths = [_check_width(w, f"widths[{i}]") for i, w in enumerate(widths)]
    if len(widths) < 2:
        raise ValueError("widths needs at least an input and one layer width, e.g. [2, 3]")
    if init not in _INITS:
        raise ValueError(f"init must be one of {_INITS}, got {init!r}")
    _check_final_activation(final_activation)
    if init != "normal" and (mean != 0.0 or std is not None):
        raise ValueError("mean and std only apply to init='normal'")
    if init == "normal":
        std = 0.1 if std is None else float(std)
        if not std > 0:
            raise ValueError(f"std must be positive, got {std}")
    rng = check_random_state(random_state)
    weights = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        if init == "kaiming":
            W = rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_out, fan_in))
            bound = 1.0 / np.sqrt(fan_in)
            b = rng.uniform(-bound, bound, fan_out)
        elif init == "normal":
            W = rng.normal(mean, std, (fan_out, fan_in))
            b = rng.normal(mean, std, fan_out)
        else:
            W = -rng.uniform(0.0, 1.0, (fan_out, fan_in))
            b = np.zeros(fan_out)
        weights.append((W, b if bias else np.zeros(fan_out)))
    return _stored(weights) if as_weights else from_weights(weights, final_activation)


def _stored(weights):
    """The ``(W, b)`` pairs as :func:`from_weights` stores them (float32), as
    :func:`to_weights` would return them."""
    return [(np.asarray(W, dtype=np.float64).astype(np.float32),
             np.asarray(b, dtype=np.float64).astype(np.float32)) for W, b in weights]


def rank_selection_matrix(k, n):
    """The rank-selection matrix R(k, n) of eq. 10.

    ``diag(1, ..., 1, -1, ..., -1)`` with ``k`` leading ``+1``; ``0 <= k <= n``.

    Examples
    --------
    >>> rank_selection_matrix(1, 2)
    array([[ 1.,  0.],
           [ 0., -1.]])
    """
    n = _check_width(n, "n")
    if not is_integer(k) or not 0 <= k <= n:
        raise ValueError(f"k must be an integer in [0, n={n}], got {k!r}")
    return np.diag(np.where(np.arange(n) < k, 1.0, -1.0))


def _positive_weights(rng, n1, m):
    # half-normal with Kaiming scale: strictly positive almost surely; exact zeros
    # (probability ~0) are nudged so "strictly positive" holds literally.
    W = np.abs(rng.normal(0.0, np.sqrt(2.0 / m), (n1, m)))
    return np.maximum(W, np.finfo(np.float32).tiny)


def rank_selection_layer(m, n1, k, random_state=None, as_weights=False):
    """Single layer with weights ``R(k, n1) @ W``, ``W`` strictly positive (§3.2, Fig. 2C).

    ``W`` has half-normal entries ``|N(0, 2/m)|``; the bias is zero.  At any
    strictly positive input exactly the first ``k`` units are active (rank
    ``min(k, m)``), at any strictly negative input exactly the last ``n1 - k``
    (rank ``min(n1 - k, m)``), so the minimal rank is at most
    ``min(k, n1 - k, m)``.  ``as_weights=True`` returns ``[(W, b)]`` as
    :func:`to_weights` would, without building the network.

    Examples
    --------
    >>> net = rank_selection_layer(3, 4, 1, random_state=0)
    >>> (net[0].weight > 0).sum(dim=1).tolist()
    [3, 0, 0, 0]
    """
    m, n1 = _check_width(m, "m"), _check_width(n1, "n1")
    R = rank_selection_matrix(k, n1)
    W = R @ _positive_weights(check_random_state(random_state), n1, m)
    return (_stored if as_weights else from_weights)([(W, np.zeros(n1))])


def dale_layer(m, n1, k, inhibition_ratio=4.0, random_state=None, as_weights=False):
    """Single layer obeying Dale's principle, ``W @ R(k, m)`` (§3.2, Fig. 2D).

    Interpretation: input unit ``j`` is a presynaptic neuron; the first ``k``
    inputs are excitatory (all their outgoing weights positive), the other
    ``m - k`` inhibitory (all negative), i.e. the columns of a strictly
    positive ``W`` (entries ``|N(0, 2/m)|``) are multiplied by ``R(k, m)`` from
    the right.  "Inhibitory connections are 4 times as strong as excitatory
    ones" (Fig. 2D caption) is read as: the inhibitory columns are
    additionally scaled by ``inhibition_ratio``.  Bias is zero.  Sweeping
    ``k`` from ``m`` down to 0 goes from purely excitatory to purely
    inhibitory; with ratio 4 the balanced regime is near ``k = 4 m / 5``.
    ``as_weights=True`` returns ``[(W, b)]`` as :func:`to_weights` would,
    without building the network.

    Examples
    --------
    >>> net = dale_layer(4, 3, 1, inhibition_ratio=4.0, random_state=0)
    >>> (net[0].weight > 0).sum(dim=0).tolist()
    [3, 0, 0, 0]
    """
    m, n1 = _check_width(m, "m"), _check_width(n1, "n1")
    ratio = float(inhibition_ratio)
    if not (np.isfinite(ratio) and ratio > 0):
        raise ValueError(f"inhibition_ratio must be positive, got {inhibition_ratio!r}")
    R = rank_selection_matrix(k, m)
    scale = np.where(np.arange(m) < k, 1.0, ratio)
    W = _positive_weights(check_random_state(random_state), n1, m) * scale @ R
    return (_stored if as_weights else from_weights)([(W, np.zeros(n1))])


def __dir__():  # dir() shows the public names only
    return __all__
