"""Load saved ReLU networks (state_dicts or pickled Sequentials) and say what was inferred.

A trained classifier is often saved as a bare ``state_dict``: a mapping of
``"<prefix>.<i>.weight"`` / ``"<prefix>.<i>.bias"`` tensors with no record of
the activations.  :func:`load_network` rebuilds it as
``nn.Sequential(Linear, ReLU, ..., Linear, ReLU, Linear)`` (a ReLU after every
``Linear`` but the last, which gives the logits) and returns, with the
network, a plain description of what it inferred, so that a report can say it.

Examples
--------
>>> import torch
>>> from torch import nn
>>> sd = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)).state_dict()
>>> net, info = infer_network(sd)
>>> info["widths"], info["hidden_activation"], info["final_activation"]
([2, 3, 2], 'relu', None)
>>> net
Sequential(
  (0): Linear(in_features=2, out_features=3, bias=True)
  (1): ReLU()
  (2): Linear(in_features=3, out_features=2, bias=True)
)
"""
import os
import re
from collections.abc import Mapping

__all__ = ["load_network", "infer_network", "describe_network", "format_description"]


def _natural_key(name):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _is_tensor(value):
    import torch
    return torch.is_tensor(value)


def describe_network(net):
    """Widths and activations of an ``nn.Sequential`` of Linear/ReLU modules.

    Parameters
    ----------
    net : torch.nn.Sequential

    Returns
    -------
    dict
        ``widths`` (input, then each Linear's outputs), ``n_hidden`` (Linear
        layers followed by a ReLU), ``hidden_activation`` (``"relu"``) and
        ``final_activation`` (``"relu"`` or ``None``).

    Examples
    --------
    >>> import topodestruct as td
    >>> describe_network(td.networks.mlp([2, 4, 3]))["final_activation"]
    'relu'
    """
    from .parse import parse_network

    layers, _ = parse_network(net)
    widths = [int(layers[0].W.shape[1])] + [int(lay.W.shape[0]) for lay in layers]
    relus = [lay.relu for lay in layers]
    if not all(relus[:-1]):
        raise ValueError("only networks with a ReLU after every Linear but possibly the last "
                         "are supported")
    return {"widths": widths, "n_hidden": int(sum(relus)),
            "hidden_activation": "relu",
            "final_activation": "relu" if relus[-1] else None}


def infer_network(state_dict, final_relu=False):
    """Rebuild ``Linear, ReLU, ..., Linear`` from a ``state_dict``.

    Parameters
    ----------
    state_dict : mapping of str to tensor
        Keys ``"<module path>.weight"`` (2-D) and ``"<module path>.bias"`` (1-D,
        optional); any prefix (``layers.0``, ``net.fc1``, ``0``, ...).  The
        Linear layers are ordered by their module paths, digits compared as
        numbers, and must chain (outputs of one = inputs of the next).
    final_relu : bool
        Put a ReLU after the last Linear too (default: no, it gives logits).
        A state_dict holds no activations: a ReLU after every other Linear is
        an assumption, stated in the description.

    Returns
    -------
    net : torch.nn.Sequential
    info : dict
        ``format`` ("state_dict"), ``widths``, ``n_hidden``,
        ``hidden_activation``, ``final_activation``, ``keys`` (module path of
        each Linear, in order) and ``assumed`` (what a state_dict cannot tell).
    """
    import torch
    from torch import nn

    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict must be a mapping of names to tensors, got "
                        f"{type(state_dict).__name__}")
    weights, biases = {}, {}
    for key, value in state_dict.items():
        if not isinstance(key, str) or not _is_tensor(value):
            raise ValueError(f"state_dict entry {key!r} is not a named tensor")
        stem, _, leaf = key.rpartition(".")
        if leaf == "weight":
            if value.ndim != 2:
                raise ValueError(f"{key}: expected a 2-D Linear weight, got shape "
                                 f"{tuple(value.shape)} (only Linear layers are supported)")
            weights[stem] = value
        elif leaf == "bias":
            biases[stem] = value
        else:
            raise ValueError(f"state_dict entry {key!r} is neither a weight nor a bias; only "
                             "Linear layers are supported")
    if not weights:
        raise ValueError("state_dict holds no 2-D '*.weight' tensor: not a Linear network")
    extra = sorted(set(biases) - set(weights))
    if extra:
        raise ValueError(f"bias without a weight for module(s) {extra}")
    order = sorted(weights, key=_natural_key)
    modules = []
    for i, stem in enumerate(order):
        W = weights[stem]
        b = biases.get(stem)
        if i and W.shape[1] != weights[order[i - 1]].shape[0]:
            raise ValueError(f"{stem}.weight expects {W.shape[1]} inputs but {order[i - 1]} has "
                             f"{weights[order[i - 1]].shape[0]} outputs: the Linear layers do "
                             "not chain in key order")
        if b is not None and tuple(b.shape) != (W.shape[0],):
            raise ValueError(f"{stem}.bias has shape {tuple(b.shape)}, expected ({W.shape[0]},)")
        lin = nn.Linear(W.shape[1], W.shape[0], bias=b is not None, dtype=W.dtype)
        with torch.no_grad():
            lin.weight.copy_(W)
            if b is not None:
                lin.bias.copy_(b)
        modules.append(lin)
        if i < len(order) - 1 or final_relu:
            modules.append(nn.ReLU())
    net = nn.Sequential(*modules).eval()
    info = {"format": "state_dict", **describe_network(net), "keys": order,
            "assumed": "a state_dict stores no activations: ReLU after every Linear"
                       + ("" if final_relu else " but the last (logits)")}
    return net, info


def load_network(source, final_relu=False):
    """Load a saved ReLU network and describe what was inferred.

    Parameters
    ----------
    source : str, os.PathLike, mapping or torch.nn.Module
        A file written by ``torch.save`` (a ``state_dict``, or a pickled
        ``nn.Sequential`` of Linear/ReLU modules: only these classes are
        unpickled, nothing else runs), a ``state_dict`` or a module.
    final_relu : bool
        For a ``state_dict``: put a ReLU after the last Linear as well.

    Returns
    -------
    net : torch.nn.Sequential
    info : dict
        See :func:`infer_network`; ``source`` holds the path when given one.
    """
    import torch
    from torch import nn

    info_source = None
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"model file {path!r} does not exist")
        safe = [nn.Sequential, nn.Linear, nn.ReLU, nn.Identity, nn.Flatten]
        try:
            with torch.serialization.safe_globals(safe):
                obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - torch raises several kinds
            raise ValueError(f"{path}: not a torch-saved state_dict or Sequential of "
                             f"Linear/ReLU modules ({str(exc).splitlines()[0]})") from None
        info_source, source = path, obj
    if isinstance(source, nn.Module):
        if not isinstance(source, nn.Sequential):
            raise ValueError(f"{source.__class__.__name__} is not supported: save an "
                             "nn.Sequential of Linear/ReLU modules or its state_dict")
        info = {"format": "module", **describe_network(source), "keys": None,
                "assumed": "nothing: activations read from the saved module"}
        net = source.eval()
    elif isinstance(source, Mapping):
        net, info = infer_network(source, final_relu=final_relu)
    else:
        raise TypeError(f"cannot load a network from {type(source).__name__}")
    info["source"] = info_source
    return net, info


def format_description(info):
    """One line saying what was inferred, e.g. for the command line.

    Examples
    --------
    >>> format_description({"widths": [2, 15, 2], "n_hidden": 1, "format": "state_dict",
    ...                     "final_activation": None, "assumed": "x"})
    'architecture 2-15-2 (1 hidden ReLU layer(s), no activation after the last Linear; from a state_dict; assumed: x)'
    """
    arch = "-".join(str(w) for w in info["widths"])
    final = ("ReLU after the last Linear" if info["final_activation"]
             else "no activation after the last Linear")
    text = (f"architecture {arch} ({info['n_hidden']} hidden ReLU layer(s), {final}; "
            f"from a {info['format']}")
    if info["format"] == "module":
        return text + ")"
    return text + f"; assumed: {info['assumed']})"
