"""Load saved ReLU networks (state_dicts or pickled Sequentials) and say what was inferred.

A trained classifier is often saved as a bare ``state_dict``: a mapping of
``"<prefix>.<i>.weight"`` / ``"<prefix>.<i>.bias"`` tensors with no record of
the activations.  :func:`load_network` rebuilds it as
``nn.Sequential(Linear, ReLU, ..., Linear, ReLU, Linear)`` (a ReLU after every
``Linear`` but the last, which gives the logits; a ``BatchNorm1d``, recognised
by its running statistics, after its ``Linear``) and returns, with the
network, a plain description of what it inferred, so that a report can say it.
These are the internals of :func:`topodestruct.load_network`, which returns the
same as one :class:`~topodestruct.relu.network.Network`.

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

__all__ = ["load_network", "infer_network", "describe_network", "format_description", "read_saved",
           "SavedModelError"]

_NORM_KEYS = ("running_mean", "running_var", "num_batches_tracked")


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


def _split_keys(state_dict):
    """Linear weights (2-D), biases and BatchNorm1d parameters (stems with running statistics)."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict must be a mapping of names to tensors, got "
                        f"{type(state_dict).__name__}")
    weights, biases, norms = {}, {}, {}
    for key, value in state_dict.items():
        if not isinstance(key, str) or not _is_tensor(value):
            raise ValueError(f"state_dict entry {key!r} is not a named tensor")
        stem, _, leaf = key.rpartition(".")
        if leaf in _NORM_KEYS:
            norms.setdefault(stem, {})[leaf] = value
        elif leaf == "weight" and value.ndim == 1:
            norms.setdefault(stem, {})[leaf] = value      # a BatchNorm1d's gamma, checked below
        elif leaf == "weight":
            if value.ndim != 2:
                raise ValueError(f"{key}: expected a 2-D Linear weight, got shape "
                                 f"{tuple(value.shape)} (only Linear layers are supported)")
            weights[stem] = value
        elif leaf == "bias":
            biases[stem] = value
        else:
            raise ValueError(f"state_dict entry {key!r} is neither a weight nor a bias; only "
                             "Linear layers (and BatchNorm1d with running statistics) are "
                             "supported")
    for stem, entries in norms.items():
        missing = [k for k in ("running_mean", "running_var") if k not in entries]
        if missing:
            key = f"{stem}.{next(iter(entries))}"
            raise ValueError(f"{key}: a 1-D weight without running statistics ({stem}."
                             f"{missing[0]}): neither a Linear nor a BatchNorm1d layer")
        if stem in biases:
            entries["bias"] = biases.pop(stem)
    if not weights:
        raise ValueError("state_dict holds no 2-D '*.weight' tensor: not a Linear network")
    extra = sorted(set(biases) - set(weights))
    if extra:
        raise ValueError(f"bias without a weight for module(s) {extra}")
    return weights, biases, norms


def _batchnorm(stem, entries, n, dtype):
    """A BatchNorm1d (eval mode) holding a state_dict's statistics for ``n`` features."""
    import torch
    from torch import nn

    for leaf, value in entries.items():
        if leaf != "num_batches_tracked" and tuple(value.shape) != (n,):
            raise ValueError(f"{stem}.{leaf} has shape {tuple(value.shape)}, expected ({n},): "
                             f"the BatchNorm1d must follow a Linear with {n} outputs")
    bn = nn.BatchNorm1d(n, affine="weight" in entries or "bias" in entries, dtype=dtype)
    with torch.no_grad():
        for leaf in ("running_mean", "running_var", "weight", "bias"):
            if leaf in entries:
                getattr(bn, leaf).copy_(entries[leaf])
    if bn.affine and "weight" not in entries:
        raise ValueError(f"{stem}.bias without {stem}.weight: not a BatchNorm1d")
    if bn.affine and "bias" not in entries:
        with torch.no_grad():
            bn.bias.zero_()
    return bn.eval()


def infer_network(state_dict, final_relu=False):
    """Rebuild ``Linear, ReLU, ..., Linear`` from a ``state_dict``.

    Parameters
    ----------
    state_dict : mapping of str to tensor
        Keys ``"<module path>.weight"`` (2-D) and ``"<module path>.bias"`` (1-D,
        optional); any prefix (``layers.0``, ``net.fc1``, ``0``, ...).  The
        Linear layers are ordered by their module paths, digits compared as
        numbers, and must chain (outputs of one = inputs of the next).  A
        module path with ``running_mean`` and ``running_var`` is a
        ``BatchNorm1d``; it must come directly after a Linear (in key order)
        and is placed before that Linear's ReLU.
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
        each Linear, in order), ``batchnorm`` (module paths of the
        BatchNorm1d layers) and ``assumed`` (what a state_dict cannot tell).
    """
    import torch
    from torch import nn

    weights, biases, norms = _split_keys(state_dict)
    stems = sorted(set(weights) | set(norms), key=_natural_key)
    if stems[0] in norms:
        raise ValueError(f"{stems[0]}.running_mean: a BatchNorm1d before the first Linear is "
                         "not supported")
    order = [s for s in stems if s in weights]
    modules = []
    for i, stem in enumerate(stems):
        if stem in norms:
            if stems[i - 1] not in weights:
                raise ValueError(f"{stem}.running_mean: a BatchNorm1d directly after another "
                                 f"BatchNorm1d ({stems[i - 1]}) is not supported")
            relu = modules.pop() if isinstance(modules[-1], nn.ReLU) else None
            modules.append(_batchnorm(stem, norms[stem], modules[-1].out_features,
                                      modules[-1].weight.dtype))
            modules += [relu] if relu is not None else []
            continue
        j = order.index(stem)
        W = weights[stem]
        b = biases.get(stem)
        if j and W.shape[1] != weights[order[j - 1]].shape[0]:
            raise ValueError(f"{stem}.weight expects {W.shape[1]} inputs but {order[j - 1]} has "
                             f"{weights[order[j - 1]].shape[0]} outputs: the Linear layers do "
                             "not chain in key order")
        if b is not None and tuple(b.shape) != (W.shape[0],):
            raise ValueError(f"{stem}.bias has shape {tuple(b.shape)}, expected ({W.shape[0]},)")
        lin = nn.Linear(W.shape[1], W.shape[0], bias=b is not None, dtype=W.dtype)
        with torch.no_grad():
            lin.weight.copy_(W)
            if b is not None:
                lin.bias.copy_(b)
        modules.append(lin)
        if j < len(order) - 1 or final_relu:
            modules.append(nn.ReLU())
    net = nn.Sequential(*modules).eval()
    widths = [int(weights[order[0]].shape[1])] + [int(weights[s].shape[0]) for s in order]
    n_hidden = len(order) - 1 + bool(final_relu)
    bns = [s for s in stems if s in norms]
    info = {"format": "state_dict", "widths": widths, "n_hidden": n_hidden,
            "hidden_activation": "relu", "final_activation": "relu" if final_relu else None,
            "keys": order, "batchnorm": bns,
            "assumed": "a state_dict stores no activations: ReLU after every Linear"
                       + ("" if final_relu else " but the last (logits)")
                       + (f"; BatchNorm1d {', '.join(bns)} (eps 1e-05) directly after its "
                          "Linear, before the ReLU, folded in (eval mode)" if bns else "")}
    return net, info


class SavedModelError(ValueError):
    """A file that :func:`read_saved` cannot read as a supported model.

    Attributes
    ----------
    path : str
        The file.
    refused : str or None
        The class name of the module it holds that is not supported (e.g.
        ``"Sigmoid"``), or None where the file is not a ``torch.save`` of a
        model at all.
    """

    def __init__(self, message, path, refused=None):
        super().__init__(message)
        self.path = path
        self.refused = refused


def read_saved(path):
    """What ``torch.save`` wrote to ``path``: a state_dict or a Sequential of supported modules.

    Only the supported module classes are unpickled (``weights_only``), nothing else runs.
    A file that holds anything else raises :class:`SavedModelError` (a ``ValueError``).
    """
    import torch
    from torch import nn

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file {path!r} does not exist")
    safe = [nn.Sequential, nn.Linear, nn.ReLU, nn.Identity, nn.Flatten, nn.Dropout,
            nn.BatchNorm1d]
    try:
        with torch.serialization.safe_globals(safe):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises several kinds
        refused = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
        if refused:
            name = refused.group(1).rsplit(".", 1)[-1]
            raise SavedModelError(f"{path}: unsupported module {name} ({refused.group(1)}): a "
                                  "saved model must be an nn.Sequential of Linear, ReLU, "
                                  "Dropout, BatchNorm1d, Flatten and Identity modules, or a "
                                  "state_dict", path, name) from None
        raise SavedModelError(f"{path}: not a torch-saved state_dict or Sequential of "
                              f"Linear/ReLU modules ({str(exc).splitlines()[0]})", path) from None


def load_network(source, final_relu=False):
    """Load a saved ReLU network and describe what was inferred.

    Parameters
    ----------
    source : str, os.PathLike, mapping or torch.nn.Module
        A file written by ``torch.save`` (a ``state_dict``, or a pickled
        ``nn.Sequential`` of Linear, ReLU, Dropout, BatchNorm1d, Flatten and
        Identity modules: only these classes are unpickled, nothing else
        runs; see :func:`read_saved`), a ``state_dict`` or a module.
        :func:`topodestruct.load_network` returns the same as a
        :class:`~topodestruct.relu.network.Network`.
    final_relu : bool
        For a ``state_dict``: put a ReLU after the last Linear as well.

    Returns
    -------
    net : torch.nn.Sequential
    info : dict
        See :func:`infer_network`; ``source`` holds the path when given one.
    """
    from torch import nn

    info_source = None
    if isinstance(source, (str, os.PathLike)):
        info_source, source = os.fspath(source), read_saved(source)
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
    what = {"weights": "list of (W, b)"}.get(info["format"], info["format"])
    text = (f"architecture {arch} ({info['n_hidden']} hidden ReLU layer(s), {final}; "
            f"from a {what}")
    if info["format"] == "module":
        return text + (f"; {info['eval_mode']}" if info.get("eval_mode") else "") + ")"
    return text + f"; assumed: {info['assumed']})"
