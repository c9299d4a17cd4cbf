r"""Explicit ReLU networks whose rank-0 regions realise the appendix 7.2 configurations.

Each builder returns ``(net, K)``: a one-layer ``nn.Sequential`` (float32) and
the triangulated manifold (with coordinates) it acts on; analyse layer 1.

* :func:`circle_arcs`: ``Omega_0`` is ``n`` disjoint arcs of the unit circle
  (quotient: a wedge of ``n`` circles, eq. 14).
* :func:`torus_band`: ``Omega_0`` is a band around one meridian or one
  longitude of the torus (quotient ``T^2 / S^1``, homotopy equivalent to
  ``S^2 v S^1``): the appendix's ``S^{1,1}_1`` (meridian, the inner loop) and
  ``S^{1,2}_1`` (longitude), eq. 15 with ``n = 1``.
* :func:`disk_cap`: ``Omega_0`` is a contractible cap of a disk (no change).

How they work.  Units are supporting half-planes of a convex set ``P``:
``z_k(x) = u_k . x - h_k`` with ``h_k >= max_{p in P} u_k . p``, so every
unit is inactive on ``P`` (rank 0) and, with many directions ``u_k``, at
least two or three units with independent ``u_k`` are active away from ``P``
(full rank).  Near ``P`` thin rims of rank 1 remain; they touch ``P`` and are
collapsed with it.  For the circle the ``2 n`` units come in pairs of
normals at angles ``theta_i +- delta`` with offset ``cos a``: unit pair ``i``
is active on the arc ``(theta_i - delta - a, theta_i + delta + a)``, both
units only on ``(theta_i + delta - a, theta_i - delta + a)`` (rank 2), and no
unit between consecutive pairs (rank 0).

Examples
--------
>>> import topodestruct as td
>>> net, K = td.constructions.circle_arcs(3)
>>> net[0].weight.shape, K.f_vector
(torch.Size([6, 2]), (96, 96))
"""
import numpy as np

from .._validation import check_integer
from .networks import from_weights

__all__ = ["circle_arcs", "torus_band", "disk_cap",
           "supporting_layer"]


def circle_arcs(n=3, resolution=96):
    """Unit circle whose rank-0 set at layer 1 is ``n`` disjoint arcs (``2 n`` units).

    Parameters
    ----------
    n : int >= 1
    resolution : int
        Vertices of the triangulated circle (:func:`topodestruct.complexes.circle`).

    Returns
    -------
    (torch.nn.Sequential, SimplicialComplex)
    """
    from ..topology.complexes import circle

    n = check_integer(n, "n", 1)
    step = 2 * np.pi / n
    delta, a = 0.08 * step, 0.3 * step
    theta = step * np.arange(n)
    ang = np.stack([theta - delta, theta + delta], 1).ravel()
    W = np.stack([np.cos(ang), np.sin(ang)], 1)
    b = -np.full(2 * n, np.cos(a))
    # rotate the circle's vertices by half a step so that no vertex sits on an arc end
    return from_weights([(W, b)]), circle(check_integer(resolution, "resolution", 3))


def _directions(m, k):
    """``k`` well-spread unit vectors in R^m: a circle (m = 2) or a Fibonacci sphere (m = 3)."""
    i = np.arange(k) + 0.5
    if m == 2:
        t = 2 * np.pi * i / k
        return np.stack([np.cos(t), np.sin(t)], 1)
    if m != 3:
        raise ValueError("supporting_layer builds directions in dimension 2 or 3")
    z = 1 - 2 * i / k
    phi = np.pi * (1 + 5 ** 0.5) * i
    r = np.sqrt(1 - z ** 2)
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], 1)


def supporting_layer(P, n_units=64, margin=0.05):
    """Weights of units inactive on the convex hull of points ``P`` (supporting half-spaces).

    ``z_k(x) = u_k . x - (max_{p in P} u_k . p + margin)`` for ``n_units``
    well-spread directions ``u_k`` (P in dimension 2 or 3).

    Returns
    -------
    (W, b) numpy arrays
    """
    P = np.asarray(P, dtype=np.float64)
    U = _directions(P.shape[1], n_units)
    return U, -((P @ U.T).max(axis=0) + margin)


def _torus_points(mask_fn, n=200):
    """Dense samples of the smooth torus (radii 2, 1) where ``mask_fn(u, v)`` holds.

    ``u`` is the angle around the z axis (``j`` of :func:`~topodestruct.complexes.torus`),
    ``v`` the angle around the tube.
    """
    v, u = np.meshgrid(np.linspace(-np.pi, np.pi, n), np.linspace(-np.pi, np.pi, n))
    v, u = v.ravel(), u.ravel()
    keep = mask_fn(u, v)
    v, u = v[keep], u[keep]
    return np.stack([(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)], 1)


def torus_band(loop="meridian", width=0.35, resolution=24, n_units=64):
    """Torus whose rank-0 set at layer 1 is a band around one meridian or one longitude.

    The meridian band is ``|u| <= width`` (around the loop ``{(i, 0)}`` of
    :func:`~topodestruct.complexes.torus`), the longitude band is
    ``|v - pi/2| <= width`` (around the top circle ``z = 1``).

    Returns
    -------
    (torch.nn.Sequential, SimplicialComplex)
    """
    from ..topology.complexes import torus

    if loop == "meridian":
        P = _torus_points(lambda u, v: np.abs(u) <= width)
    elif loop == "longitude":
        P = _torus_points(lambda u, v: np.abs(v - np.pi / 2) <= width)
    else:
        raise ValueError(f"loop must be 'meridian' or 'longitude', got {loop!r}")
    W, b = supporting_layer(P, n_units)
    return from_weights([(W, b)]), torus(check_integer(resolution, "resolution", 3))


def disk_cap(resolution=24, n_units=16):
    """Unit disk whose rank-0 set is the cap ``x >= 0.4`` (contractible: no change).

    The disk is a fine fan (:func:`~topodestruct.complexes.disk` barycentrically
    subdivided twice).
    """
    from ..topology.complexes import barycentric_subdivision, disk

    K = disk(check_integer(resolution, "resolution", 3))
    for _ in range(2):
        K = barycentric_subdivision(K)
    r, t = np.meshgrid(np.linspace(0, 1, 60), np.linspace(-np.pi, np.pi, 240))
    P = np.stack([r.ravel() * np.cos(t.ravel()), r.ravel() * np.sin(t.ravel())], 1)
    P = P[P[:, 0] >= 0.4]
    W, b = supporting_layer(P, n_units)
    return from_weights([(W, b)]), K
