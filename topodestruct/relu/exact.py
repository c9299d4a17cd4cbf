"""Exact rational forward pass of a ReLU network (python-flint), and exact numbers from floats.

Float64 weights, biases and inputs are dyadic rationals, so the network's
images of points can be computed without rounding: :func:`exact_forward` pushes
points through ``(W, b, relu)`` layers in integers: each layer's weights over one power
of two (:func:`dyadic_layer`), each point's coordinates over one denominator, so a layer
is one integer matrix product (:mod:`topodestruct.geometry.exact_rows`).  Floats
become rationals by :func:`exact` and :func:`as_exact`
(:mod:`topodestruct.geometry.exact`, re-exported here).  The
network object (:meth:`topodestruct.relu.network.Network.exact_forward`) and
the image routines of :mod:`topodestruct.analysis` call it.

Examples
--------
>>> import numpy as np
>>> layers = [(np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0.125, 0.0]), True)]
>>> [str(y) for y in exact_forward(layers, np.array([[0.25, 0.75]]))[0]]
['0', '13/8']
"""
import numpy as np

from ..geometry.exact import as_exact, exact
from ..geometry.exact_rows import ExactRows, homogeneous, integer_affine

__all__ = ["exact", "as_exact", "exact_forward", "forward_rows", "dyadic_layer"]


def dyadic_layer(W, b):
    """``(M, c, e)``: integer weights and biases with ``W = M / 2**e`` and ``b = c / 2**e``.

    Float64 numbers are dyadic rationals, so a common power of two clears them; ``e`` is
    the least one (``M`` an ``(out, in)`` object array of Python ints, ``c`` a list).

    >>> M, c, e = dyadic_layer(np.array([[0.5, -3.0]]), np.array([0.25]))
    >>> M.tolist(), c, e
    ([[2, -12]], [1], 2)
    """
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    vals = [exact(x) for x in W.ravel()] + [exact(x) for x in b]
    e = max(int(x.q).bit_length() - 1 for x in vals) if vals else 0   # q = 2**k
    ints = [int(x.p) << (e - int(x.q).bit_length() + 1) for x in vals]
    M = np.empty(W.shape, dtype=object)
    M.ravel()[:] = ints[:W.size]
    return M, ints[W.size:], e


def exact_forward(layers, X, layer=None):
    """Images of points through ``(W, b, relu)`` layers in exact rational arithmetic.

    Parameters
    ----------
    layers : sequence of (W, b, relu)
        Float weight matrices ``(out, in)``, biases ``(out,)`` and whether a
        ReLU follows (a :class:`~topodestruct.relu.network.Network`'s ``layers``).
    X : array of float, or object array of exact rationals, shape (N, input_dim)
        Exact input allows layer-by-layer use.
    layer : int, optional
        Stop after this many layers (1-based; default: all).

    Returns
    -------
    ndarray of object, shape (N, width)
        Exact rationals (``flint.fmpq``).
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2D array, got shape {X.shape}")
    if X.dtype != object:
        X = X.astype(float)
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values")
    depth = len(layers) if layer is None else int(layer)
    if not 1 <= depth <= len(layers):
        raise ValueError(f"layer must be in 1..{len(layers)}, got {layer}")
    num, den = homogeneous(X)
    return forward_rows(layers, num, den, depth).array()


def forward_rows(layers, num, den, depth):
    """:func:`exact_forward` in integers: points ``num / den`` (object arrays of ints, one
    denominator per row) through ``layers[:depth]``, as :class:`ExactRows`."""
    n = num.shape[1]
    for k, (W, b, relu) in enumerate(layers[:depth]):
        if np.shape(W)[1] != n:
            raise ValueError(f"layer {k + 1} expects {np.shape(W)[1]} inputs, got {n}")
        M, c, e = dyadic_layer(W, b)
        # W num / den + b = (M num + c den) / (den 2**e)
        num, den, n = integer_affine(num, M, c, den), den * (1 << e), len(M)
        if relu:
            num = np.where(_positive(num), num, 0)
    return ExactRows(num, den)


def _positive(num):
    return np.asarray(num > 0, dtype=bool) if num.size else np.zeros(num.shape, dtype=bool)


def __dir__():  # dir() shows the public names only
    return __all__
