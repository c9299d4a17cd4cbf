"""Exact rational forward pass of a ReLU network (python-flint), and exact numbers from floats.

Float64 weights, biases and inputs are dyadic rationals, so the network's
images of points can be computed without rounding: :func:`exact_forward` pushes
points through ``(W, b, relu)`` layers in ``flint.fmpq`` arithmetic.  Floats
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
from flint import fmpq, fmpq_mat

from ..geometry.exact import as_exact, exact

_ZERO = fmpq(0)

__all__ = ["exact", "as_exact", "exact_forward"]


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
    if X.dtype == object:
        entries = X.ravel().tolist()
        if not all(type(x) is fmpq for x in entries):
            entries = [as_exact(x) for x in entries]
    else:
        X = X.astype(float)
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values")
        entries = [exact(x) for x in X.ravel()]
    if X.ndim != 2:
        raise ValueError(f"X must be a 2D array, got shape {X.shape}")
    depth = len(layers) if layer is None else int(layer)
    if not 1 <= depth <= len(layers):
        raise ValueError(f"layer must be in 1..{len(layers)}, got {layer}")
    N, n, one = len(X), X.shape[1], fmpq(1)
    for k, (W, b, relu) in enumerate(layers[:depth]):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        if W.shape[1] != n:
            raise ValueError(f"layer {k + 1} expects {W.shape[1]} inputs, got {n}")
        # the bias as one more row of W^T against a column of ones: one product, no sum
        Wt = fmpq_mat(n + 1, W.shape[0], [exact(x) for x in W.T.ravel()] + [exact(x) for x in b])
        entries = [x for i in range(0, N * n, n) for x in (*entries[i:i + n], one)] if n else [
            one] * N
        entries = (fmpq_mat(N, n + 1, entries) * Wt).entries()
        n = W.shape[0]
        if relu:
            entries = [e if e > 0 else _ZERO for e in entries]
    out = np.empty((N, n), dtype=object)
    out.ravel()[:] = entries
    return out


def __dir__():  # dir() shows the public names only
    return __all__
