"""Network parsing for the rank routines: ``nn.Sequential`` or ``(W, b)`` lists to layers.

A relu-internal API: :func:`parse_network` turns a module or a ``(W, b)``
list into a list of :class:`Layer` (weights as torch tensors, whether a ReLU
follows); :func:`check_inputs` and :func:`check_layers` validate the points and
the wanted layers.  Its one caller for users' networks is
:func:`topodestruct.as_network` (:mod:`.network`), which every entry point
calls once; :func:`topodestruct.rank_decomposition` calls the checks.

Conventions (one for every form of network):

* **final activation** -- a ``(W, b)`` list has no modules, so its last layer
  is ``relu(W_L h + b_L)`` (``final_activation="relu"``, the paper's
  ``T_L``; the default, as in :func:`topodestruct.networks.from_weights` and
  :func:`topodestruct.networks.mlp`) or affine (``final_activation=None``).
  A ``Sequential`` says it itself: a last ``Linear`` not followed by a
  ``ReLU`` is affine; an explicit ``final_activation`` that contradicts the
  modules is an error.
* **Dropout** is the identity and **BatchNorm1d** (directly after a
  ``Linear``, with running statistics) is folded into that ``Linear``:
  ``W' = diag(s) W``, ``b' = s (b - mean) + beta`` with
  ``s = gamma / sqrt(var + eps)`` rounded to float32, so that ``W'`` is exact in
  float64 and its ranks are exactly those of ``diag(s) W``.  These are the
  modules' **eval-mode** maps, used whatever their ``training`` flag (a
  training-mode Dropout is random and a training-mode BatchNorm normalises by
  the batch: neither is a function of one point).  The network is not
  modified; with a BatchNorm the layers are promoted to float64 (exact).
"""
from dataclasses import dataclass

import numpy as np

__all__ = ["Layer", "parse_network", "check_inputs", "check_layers", "FINAL_ACTIVATIONS", "AS_BUILT"]

FINAL_ACTIVATIONS = ("relu", None)
AS_BUILT = "as built"      # final_activation not given: "relu" for lists, the modules' own


@dataclass
class Layer:
    """One affine layer ``W h + b``, followed by a ReLU if ``relu``."""

    W: object          # torch tensor (n_out, n_in)
    b: object          # torch tensor (n_out,)
    relu: bool
    name: str


def _layers_from_sequential(net):
    import torch
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
    layers, input_flatten, last, folded = [], False, None, False
    for pos, (name, mod) in enumerate(flat):
        if isinstance(mod, nn.Linear):
            b = mod.bias if mod.bias is not None else mod.weight.new_zeros(mod.out_features)
            layers.append(Layer(mod.weight.detach(), b.detach(), False, f"{name} ({mod})"))
            last = "linear"
        elif isinstance(mod, nn.ReLU):
            if not layers:
                raise ValueError(f"layer {name} ({mod}): a ReLU before the first Linear is "
                                 "not supported")
            layers[-1].relu = True
            last = "relu"
        elif isinstance(mod, nn.BatchNorm1d):
            if last != "linear":
                raise ValueError(f"layer {name} ({mod}): a BatchNorm1d is supported directly "
                                 "after a Linear only (it is folded into that Linear)")
            _fold_batchnorm(layers[-1], mod, name)
            layers[-1].name += f" + {name} ({mod})"
            last, folded = "batchnorm", True
        elif isinstance(mod, nn.Dropout):
            continue  # the identity in eval mode (see the module docstring)
        elif isinstance(mod, nn.Flatten):
            if layers:
                continue  # no-op on (N, n) activations
            input_flatten = True
        elif isinstance(mod, nn.Identity):
            continue
        else:
            raise ValueError(
                f"layer {name} ({mod.__class__.__name__}) is not supported: rank decompositions "
                "need a Sequential of Linear and ReLU modules (plus Flatten, Identity, "
                "Dropout and BatchNorm1d after a Linear)")
    if not layers:
        raise ValueError("the network has no Linear layer")
    if folded:      # float32 -> float64 is exact; one dtype for all layers
        for lay in layers:
            lay.W, lay.b = lay.W.to(torch.float64), lay.b.to(torch.float64)
    return layers, input_flatten


def _fold_batchnorm(lay, bn, name):
    """``lay`` followed by ``bn`` (eval mode) as one affine layer, see the module docstring."""
    import torch

    if bn.running_mean is None or bn.running_var is None:
        raise ValueError(f"layer {name} ({bn}): a BatchNorm1d without running statistics "
                         "(track_running_stats=False) normalises by the batch, not a "
                         "function of one point; it cannot be folded")
    n = lay.W.shape[0]
    if bn.num_features != n:
        raise ValueError(f"layer {name} ({bn}): {bn.num_features} features after a Linear "
                         f"with {n} outputs")
    f64 = dict(dtype=torch.float64, device=lay.W.device)
    mean, var = bn.running_mean.detach().to(**f64), bn.running_var.detach().to(**f64)
    gamma = bn.weight.detach().to(**f64) if bn.weight is not None else torch.ones(n, **f64)
    beta = bn.bias.detach().to(**f64) if bn.bias is not None else torch.zeros(n, **f64)
    # s in float32: then s * W (float32 W) is exact in float64
    s = (gamma / torch.sqrt(var + bn.eps)).to(torch.float32).to(torch.float64)
    lay.W = s[:, None] * lay.W.to(torch.float64)
    lay.b = s * (lay.b.to(torch.float64) - mean) + beta


def _layers_from_weights(weights, final_relu):
    import torch

    layers = []
    for k, pair in enumerate(weights, start=1):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"layer {k}: expected a (W, b) pair")
        W = torch.as_tensor(np.array(pair[0]) if not torch.is_tensor(pair[0]) else pair[0])
        if not W.is_floating_point():
            W = W.to(torch.float64)
        b = (torch.zeros(W.shape[0], dtype=W.dtype) if pair[1] is None
             else torch.as_tensor(np.array(pair[1]) if isinstance(pair[1], np.ndarray)
                                  else pair[1]).to(W.dtype))
        if W.ndim != 2 or 0 in W.shape:
            raise ValueError(f"layer {k}: W must be a non-empty 2-D array, got shape "
                             f"{tuple(W.shape)}")
        if tuple(b.shape) != (W.shape[0],):
            raise ValueError(f"layer {k}: bias shape {tuple(b.shape)} does not match W shape "
                             f"{tuple(W.shape)}")
        layers.append(Layer(W.detach(), b.detach().to(W.device), True, f"layer {k}"))
    layers[-1].relu = final_relu
    return layers


def parse_network(net, final_activation=AS_BUILT):
    """Layers of a network given as a ``Sequential`` or a list of ``(W, b)``.

    Parameters
    ----------
    net : torch.nn.Sequential, torch.nn.Linear or list of (W, b)
    final_activation : {"relu", None}, optional
        See the module docstring: for a list, the activation after its last
        layer (default ``"relu"``); for a module, if given, it must agree
        with the modules.

    Returns
    -------
    layers : list of Layer
    flatten : bool
        Whether the network starts with ``Flatten`` (inputs are then flattened).

    Examples
    --------
    >>> import numpy as np
    >>> pairs = [(np.eye(2), None), (np.ones((1, 2)), None)]
    >>> [lay.relu for lay in parse_network(pairs)[0]]
    [True, True]
    >>> [lay.relu for lay in parse_network(pairs, final_activation=None)[0]]
    [True, False]
    """
    from torch import nn

    if final_activation != AS_BUILT and final_activation not in FINAL_ACTIVATIONS:
        raise ValueError(f"final_activation must be 'relu' or None, got {final_activation!r}")

    if isinstance(net, nn.Module):
        if not isinstance(net, nn.Sequential):
            if isinstance(net, nn.Linear):
                net = nn.Sequential(net)
            else:
                raise ValueError(f"{net.__class__.__name__} is not supported: pass an "
                                 "nn.Sequential of Linear/ReLU modules or a list of (W, b)")
        layers, flatten = _layers_from_sequential(net)
        built = "relu" if layers[-1].relu else None
        if final_activation != AS_BUILT and final_activation != built:
            raise ValueError(f"final_activation={final_activation!r} contradicts the network, "
                             f"whose last layer is {'followed by a ReLU' if built else 'affine'}"
                             f" ({layers[-1].name}); leave final_activation unset for a module")
    elif isinstance(net, (list, tuple)):
        if not net:
            raise ValueError("the list of (W, b) pairs is empty")
        final = "relu" if final_activation == AS_BUILT else final_activation
        layers, flatten = _layers_from_weights(net, final == "relu"), False
    else:
        raise TypeError(f"net must be a torch nn.Sequential or a list of (W, b) pairs (or a "
                        f"Network, a state_dict, a path to a torch.save file), got "
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


def check_inputs(X, m, flatten, dtype, device):
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


def check_layers(layers, L):
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


def __dir__():  # dir() shows the public names only
    return __all__
