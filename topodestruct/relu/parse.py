"""Network parsing for the rank routines: ``nn.Sequential`` or ``(W, b)`` lists to layers.

A relu-internal API: :func:`parse_network` turns what users pass as ``net``
into a list of :class:`Layer` (weights as torch tensors, whether a ReLU
follows); :func:`check_inputs` and :func:`check_layers` validate the points and
the wanted layers.  :func:`topodestruct.rank_decomposition` and
:func:`topodestruct.polytopes.polytope_decomposition` call them.
"""
from dataclasses import dataclass

import numpy as np

__all__ = ["Layer", "parse_network", "check_inputs", "check_layers"]


@dataclass
class Layer:
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
            layers.append(Layer(mod.weight.detach(), b.detach(), False, f"{name} ({mod})"))
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
        layers.append(Layer(W.detach(), b.detach().to(W.device), True, f"layer {k}"))
    return layers


def parse_network(net):
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
