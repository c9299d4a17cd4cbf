"""One network object: the ReLU network every routine reads, converted once from what users pass.

:func:`as_network` turns a network in any supported form into an immutable
:class:`Network` (float64 weights, exact copies of float32/float64 ones):

* an ``nn.Sequential`` of ``Linear`` and ``ReLU`` modules (``Dropout`` is the
  identity, a ``BatchNorm1d`` directly after a ``Linear`` is folded into it
  exactly, eval-mode semantics; :mod:`.parse`);
* a list of ``(W, b)`` pairs, with the package's convention for the last
  layer (``final_activation="relu"`` by default, ``None`` for an affine
  read-out; :mod:`.parse`);
* a ``state_dict`` (a ReLU after every ``Linear`` but the last, a
  ``BatchNorm1d`` recognised by its running statistics; :mod:`.load`);
* a path to a ``torch.save`` of either (:func:`load_network`, which also
  says what it inferred: :attr:`Network.info`, :attr:`Network.description`);
* a :class:`Network`, returned as it is.

The public entry points (:func:`topodestruct.rank_decomposition`,
:func:`topodestruct.analyze`, :func:`topodestruct.profile`,
:func:`topodestruct.polytopes.polytope_decomposition`, the command line)
convert once, at the boundary, and pass the object down; every routine
below accepts it and does not convert it again.

Examples
--------
>>> import numpy as np
>>> import topodestruct as td
>>> net = td.as_network(td.networks.mlp([2, 15, 15, 2], random_state=0, final_activation=None))
>>> net
Network(2-15-15-2, relu after layers 1-2)
>>> net.widths, net.n_hidden, net.check_layer(None)
([2, 15, 15, 2], 2, 2)
>>> net.forward(np.zeros((1, 2)), layer=1).shape
(1, 15)
>>> td.as_network(net) is net
True
"""
import copy
import os
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .parse import AS_BUILT, FINAL_ACTIVATIONS

__all__ = ["Network", "AffineLayer", "as_network", "load_network", "exact_forward", "check_layer",
           "default_layer", "activations", "jacobian"]


class AffineLayer(NamedTuple):
    """One layer ``W h + b`` (float64, read-only), followed by a ReLU if ``relu``."""

    W: np.ndarray
    b: np.ndarray
    relu: bool


def _frozen(A, name, shape=None):
    """A read-only float64 copy (exact for float32/float64 input)."""
    if hasattr(A, "detach"):            # a torch tensor: no import of torch needed
        A = A.detach().cpu().double().numpy()
    A = np.array(A, dtype=np.float64)
    if shape is not None and A.shape != shape:
        raise ValueError(f"{name}: shape {A.shape}, expected {shape}")
    if not np.isfinite(A).all():
        raise ValueError(f"{name}: weights contain NaN or inf")
    A.flags.writeable = False
    return A


class Network:
    """An immutable ReLU network: float64 layers ``(W, b, relu)``, read by every routine.

    Build it with :func:`as_network` (or :func:`load_network` for a file);
    ``Network([(W1, b1, True), (W2, b2, False)])`` builds one from float
    layers directly.  Weight arrays are read-only copies; the object cannot be
    changed (build a new one instead).

    Attributes
    ----------
    layers : tuple of AffineLayer
        ``(W, b, relu)`` per affine layer, ``W`` of shape ``(n_k, n_{k-1})``.
    widths : list of int
        Input dimension, then each layer's width.
    n_layers, n_hidden : int
        Affine layers; those followed by a ReLU.
    flatten : bool
        The network starts with ``Flatten`` (inputs are flattened).
    device : str
        Where the original weights lived (torch routines compute there).
    names : tuple of str
        Each layer's origin (module name, ``layer k``, state_dict key).
    info : dict
        What the conversion read and assumed (``format``, ``widths``,
        ``n_hidden``, ``hidden_activation``, ``final_activation``, ``keys``,
        ``assumed``, ``source``); a copy.
    description : str
        ``info`` in one line.
    """

    __slots__ = ("_layers", "_flatten", "_device", "_names", "_info")

    def __init__(self, layers, flatten=False, device="cpu", names=None, info=None):
        out = []
        for k, lay in enumerate(layers, start=1):
            if len(lay) != 3:
                raise ValueError(f"layer {k}: expected (W, b, relu)")
            W = _frozen(lay[0], f"layer {k}")
            if W.ndim != 2 or 0 in W.shape:
                raise ValueError(f"layer {k}: W must be a non-empty 2-D array, got shape {W.shape}")
            b = _frozen(np.zeros(W.shape[0]) if lay[1] is None else lay[1], f"layer {k} bias",
                        (W.shape[0],))
            if out and W.shape[1] != out[-1].W.shape[0]:
                raise ValueError(f"layer {k}: expects {W.shape[1]} inputs but the previous "
                                 f"layer has {out[-1].W.shape[0]} outputs")
            out.append(AffineLayer(W, b, bool(lay[2])))
        if not out:
            raise ValueError("the network has no layer")
        names = tuple(f"layer {k}" for k in range(1, len(out) + 1)) if names is None \
            else tuple(str(n) for n in names)
        if len(names) != len(out):
            raise ValueError(f"{len(names)} names for {len(out)} layers")
        for slot, value in zip(self.__slots__, (tuple(out), bool(flatten), str(device), names,
                                                None)):
            object.__setattr__(self, slot, value)
        object.__setattr__(self, "_info", copy.deepcopy(dict(info or {})) | self._shape_info())

    def __setattr__(self, name, value):
        raise AttributeError("a Network is immutable: build a new one with td.as_network")

    def __delattr__(self, name):
        raise AttributeError("a Network is immutable: build a new one with td.as_network")

    def __reduce__(self):
        return (Network, (self._layers, self._flatten, self._device, self._names, self._info))

    # -- what it is -----------------------------------------------------------------------
    layers = property(lambda self: self._layers, doc="tuple of AffineLayer ``(W, b, relu)``")
    flatten = property(lambda self: self._flatten, doc="inputs are flattened first")
    device = property(lambda self: self._device, doc="device of the original weights")
    names = property(lambda self: self._names, doc="each layer's origin")

    @property
    def widths(self):
        return [int(self._layers[0].W.shape[1])] + [int(lay.W.shape[0]) for lay in self._layers]

    @property
    def n_layers(self):
        return len(self._layers)

    @property
    def n_hidden(self):
        return int(sum(lay.relu for lay in self._layers))

    @property
    def relus(self):
        """Whether a ReLU follows each layer."""
        return [lay.relu for lay in self._layers]

    @property
    def input_dim(self):
        return int(self._layers[0].W.shape[1])

    @property
    def info(self):
        return copy.deepcopy(self._info)

    @property
    def description(self):
        from .load import format_description

        return format_description(self._info)

    def _shape_info(self):
        relus = self.relus
        return {"widths": self.widths, "n_hidden": self.n_hidden, "hidden_activation": "relu",
                "final_activation": "relu" if relus[-1] else None}

    def __repr__(self):
        on = [k for k, r in enumerate(self.relus, start=1) if r]
        runs = []
        for k in on:
            if runs and runs[-1][1] == k - 1:
                runs[-1][1] = k
            else:
                runs.append([k, k])
        text = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)
        relu = (f"relu after layer{'s' if len(on) > 1 else ''} {text}" if on else "no relu")
        return f"Network({'-'.join(map(str, self.widths))}, {relu})"

    def __eq__(self, other):
        if not isinstance(other, Network):
            return NotImplemented
        return self._flatten == other._flatten and len(self._layers) == len(other._layers) \
            and all(a.relu == b.relu and np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
                    for a, b in zip(self._layers, other._layers))

    def __hash__(self):
        return hash((self._flatten,) + tuple((lay.W.tobytes(), lay.W.shape, lay.b.tobytes(),
                                              lay.relu) for lay in self._layers))

    # -- computing with it ----------------------------------------------------------------
    def check_layer(self, layer):
        """1-based layer index in ``1..n_layers`` (``None``: the last hidden layer)."""
        return check_layer(layer, self._layers)

    def _points(self, X):
        X = np.asarray(X, dtype=np.float64)
        if self._flatten and X.ndim > 2:
            X = X.reshape(X.shape[0], -1)
        if X.ndim != 2 or X.shape[1] != self.input_dim:
            raise ValueError(f"X must have shape (N, {self.input_dim}), got {X.shape}")
        return X

    def forward(self, X, layer=None):
        """Float64 post-activations ``Phi^layer(X)`` (default: the whole network), (N, n_layer)."""
        layer = self.n_layers if layer is None else self.check_layer(layer)
        return activations(self._layers, self._points(X), layer)[-1]

    def exact_forward(self, X, layer=None):
        """``Phi^layer(X)`` in exact rationals (object array of ``flint.fmpq``), see
        :func:`topodestruct.relu.exact.exact_forward`."""
        from .exact import exact_forward

        return exact_forward(self._layers, X, layer)

    def jacobian(self, codewords, layer):
        """Float64 Jacobian ``D_K W_K ... D_1 W_1`` of ``Phi^layer`` for one list of codewords."""
        return jacobian(self._layers, codewords, self.check_layer(layer))

    def torch_layers(self):
        """The layers as :class:`~.parse.Layer` (float64 torch tensors on :attr:`device`)."""
        import torch

        from .parse import Layer

        return [Layer(torch.from_numpy(np.array(lay.W)).to(self._device),
                      torch.from_numpy(np.array(lay.b)).to(self._device), lay.relu, name)
                for lay, name in zip(self._layers, self._names)]


def default_layer(layers):
    """The last hidden layer: the last layer followed by a ReLU (1-based), else the last."""
    relu = [k for k, (_, _, r) in enumerate(layers, start=1) if r]
    return relu[-1] if relu else len(layers)


def check_layer(layer, layers):
    """1-based layer index in ``1..len(layers)`` (``None``: :func:`default_layer`)."""
    from .._validation import is_integer

    L = len(layers)
    if layer is None:
        return default_layer(layers)
    if not is_integer(layer):
        raise TypeError(f"layer must be an int (1-based), got {type(layer).__name__}")
    if not 1 <= int(layer) <= L:
        raise ValueError(f"layer is 1-based (Omega_n^K of the paper): expected 1 <= layer <= "
                         f"{L} for this {L}-layer network, got {layer}")
    return int(layer)


def activations(layers, X, upto):
    """Post-activations ``Phi^k(X)`` for k = 1..upto, float64."""
    h = np.asarray(X, dtype=np.float64)
    out = []
    for W, b, relu in layers[:upto]:
        z = h @ W.T + b
        h = np.maximum(z, 0.0) if relu else z
        out.append(h)
    return out


def jacobian(layers, codes, upto):
    """Float64 Jacobian ``D_K W_K ... D_1 W_1`` of ``Phi^upto`` for one list of codewords."""
    J = None
    for k in range(upto):
        W, _, relu = layers[k]
        M = W if J is None else W @ J
        if relu:
            M = M * codes[k][:, None]
        J = M
    return J


# -- conversion -----------------------------------------------------------------------------
def _check_final(final_activation):
    if final_activation != AS_BUILT and final_activation not in FINAL_ACTIVATIONS:
        raise ValueError(f"final_activation must be 'relu' or None, got {final_activation!r}")


def _eval_notes(module):
    """What eval-mode semantics changed in a module (Dropout, BatchNorm1d), or None."""
    from torch import nn

    kinds = {type(m).__name__ for m in module.modules()
             if isinstance(m, (nn.Dropout, nn.BatchNorm1d))}
    notes = (["Dropout taken as the identity"] if "Dropout" in kinds else []) + \
        (["BatchNorm1d folded into the Linear before it"] if "BatchNorm1d" in kinds else [])
    return "; ".join(notes) + " (eval mode)" if notes else None


def _convert(obj, final_activation=AS_BUILT, info=None):
    """A Sequential (or Linear) or a list of (W, b), parsed once (:func:`.parse.parse_network`)."""
    from .parse import parse_network

    layers, flatten = parse_network(obj, final_activation)
    if isinstance(obj, (list, tuple)):
        final = "relu" if final_activation == AS_BUILT else final_activation
        base = {"format": "weights", "keys": None,
                "assumed": "a list of (W, b) stores no activations: ReLU after every layer"
                           + (", the last too (final_activation='relu', the package's "
                              "convention)" if final == "relu" else " but the last "
                              "(final_activation=None)")}
    else:
        base = {"format": "module", "keys": None,
                "assumed": "nothing: activations read from the module",
                "eval_mode": _eval_notes(obj)}
    return Network([(lay.W, lay.b, lay.relu) for lay in layers], flatten=flatten,
                   device=layers[0].W.device, names=[lay.name for lay in layers],
                   info={**base, **(info or {})})


def as_network(obj, final_activation=AS_BUILT):
    """The :class:`Network` of ``obj``, converted once (a Network is returned as it is).

    Parameters
    ----------
    obj : Network, torch.nn.Sequential, torch.nn.Linear, list of (W, b), state_dict or path
        See the module docstring.
    final_activation : {"relu", None}, optional
        For a list of ``(W, b)``: the activation after its last layer
        (default ``"relu"``); for a ``state_dict``: ``"relu"`` puts a ReLU
        after the last ``Linear`` too (default: none, the logits).  A module
        or a Network says it itself: if given, it must agree.

    Returns
    -------
    Network

    Raises
    ------
    ValueError, TypeError
        Naming the module or key that is not supported.
    """
    _check_final(final_activation)
    if isinstance(obj, Network):
        net = obj
    elif isinstance(obj, (str, os.PathLike)):
        net = load_network(obj, final_relu=final_activation == "relu")
    elif isinstance(obj, Mapping):
        return _from_state_dict(obj, final_activation == "relu")
    else:
        return _convert(obj, final_activation)
    built = "relu" if net.layers[-1].relu else None
    if final_activation != AS_BUILT and final_activation != built:
        raise ValueError(f"final_activation={final_activation!r} contradicts the network, "
                         f"whose last layer is {'followed by a ReLU' if built else 'affine'}; "
                         "leave final_activation unset")
    return net


def exact_forward(weights, X, layer=None, final_activation=AS_BUILT):
    """Images of points through a ReLU network in exact rational arithmetic.

    Parameters
    ----------
    weights : Network, list of (W, b), or torch nn.Sequential of Linear/ReLU
        Anything :func:`topodestruct.as_network` reads (a Network is used as
        it is): float weight matrices (out, in) and biases, or a module.
    X : array of float, or object array of exact rationals, shape (N, input_dim)
        Exact input allows layer-by-layer use: ``exact_forward(weights[k:k + 1], Y_k)``.
    layer : int, optional
        Stop after this many layers (1-based; default: all).
    final_activation : {"relu", None}, optional
        The package's convention: for a list, the activation after its last
        layer (default ``"relu"``, as in :func:`topodestruct.networks.from_weights`;
        ``None``: an affine read-out); a module says it itself.

    Returns
    -------
    ndarray of object, shape (N, width)
        Exact rationals (``flint.fmpq``); pass it to
        :func:`topodestruct.geometry.image_complex.image_complex`.
        The computation is :meth:`topodestruct.relu.network.Network.exact_forward`.

    Examples
    --------
    >>> import numpy as np
    >>> W = [(np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0.125, 0.0]))]
    >>> Y = exact_forward(W, np.array([[0.25, 0.75]]))
    >>> [str(y) for y in Y[0]]             # (relu(-1/2 + 1/8), relu(1/8 + 3/2))
    ['0', '13/8']
    """
    return as_network(weights, final_activation).exact_forward(X, layer)


def _from_state_dict(state_dict, final_relu):
    from .load import infer_network

    module, info = infer_network(state_dict, final_relu=final_relu)
    net = _convert(module, AS_BUILT, info)
    return Network(net.layers, net.flatten, net.device,
                   [f"{key}.weight (state_dict)" for key in info["keys"]], net._info)


def load_network(source, final_relu=False):
    """Load a saved ReLU network as a :class:`Network` and say what was inferred.

    Parameters
    ----------
    source : str, os.PathLike, state_dict, torch.nn.Module or Network
        A file written by ``torch.save`` (a ``state_dict``, or a pickled
        ``nn.Sequential`` of Linear, ReLU, Dropout, BatchNorm1d, Flatten and
        Identity modules: only these classes are unpickled, nothing else
        runs), or the object itself.
    final_relu : bool
        For a ``state_dict``: put a ReLU after the last Linear as well
        (default: the last Linear gives the logits).

    Returns
    -------
    Network
        Its :attr:`~Network.info` says what was read and assumed (``format``
        "module" or "state_dict", ``widths``, ``n_hidden``, ``final_activation``,
        ``keys``, ``assumed``, ``eval_mode``, ``source``: the path) and
        :attr:`~Network.description` says it in one line.

    Examples
    --------
    >>> import os, tempfile, torch
    >>> import topodestruct as td
    >>> path = os.path.join(tempfile.mkdtemp(), "net.pt")
    >>> torch.save(td.networks.mlp([2, 3, 2], random_state=0, final_activation=None)
    ...            .state_dict(), path)
    >>> net = td.load_network(path)
    >>> net
    Network(2-3-2, relu after layer 1)
    >>> net.info["format"], net.info["final_activation"], net.info["source"] == path
    ('state_dict', None, True)
    >>> for part in net.description.split("; "):
    ...     print(part)
    architecture 2-3-2 (1 hidden ReLU layer(s), no activation after the last Linear
    from a state_dict
    assumed: a state_dict stores no activations: ReLU after every Linear but the last (logits))
    """
    from .load import read_saved

    path = None
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        source = read_saved(path)
    if isinstance(source, Network):
        net = source
    elif isinstance(source, Mapping):
        net = _from_state_dict(source, final_relu)
    else:
        from torch import nn

        if not isinstance(source, nn.Sequential):
            raise ValueError(f"{type(source).__name__} is not supported: save an "
                             "nn.Sequential of Linear/ReLU modules or its state_dict")
        net = _convert(source, AS_BUILT, {"assumed": "nothing: activations read from the "
                                                     "saved module"})
    if path is None:
        return net
    return Network(net.layers, net.flatten, net.device, net.names, {**net._info, "source": path})


def __dir__():  # dir() shows the public names only
    return __all__
