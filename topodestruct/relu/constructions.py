r"""Explicit ReLU networks whose rank-0 regions realise the appendix 7.2 configurations.

Each builder returns ``(net, K)``: a one-layer ``nn.Sequential`` (float32) and
the triangulated manifold (with coordinates) it acts on; analyse layer 1.

* :func:`circle_arcs`: ``Omega_0`` is ``n`` disjoint arcs of the unit circle
  (quotient: a wedge of ``n`` circles, eq. 14).
* :func:`torus_band`: ``Omega_0`` is a band around one meridian or one
  longitude of the torus (quotient ``T^2 / S^1``, homotopy equivalent to
  ``S^2 v S^1``): the appendix's ``S^{1,1}_1`` (meridian, the inner loop) and
  ``S^{1,2}_1`` (longitude), eq. 15 with ``n = 1``.
* :func:`torus_meridians`: a two-layer network whose ``Omega_0`` at layer 2
  is ``n`` disjoint bands around meridians: the appendix's ``S^{1,1}_n``
  (quotient: ``H_1 = Z^n``, ``H_2 = Z^n``), for any ``n >= 1``.
* :func:`disk_cap`: ``Omega_0`` is a contractible cap of a disk (no change).

How the one-layer builders work.  Units are supporting half-planes of a convex set ``P``:
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

__all__ = ["circle_arcs", "torus_band", "torus_meridians", "disk_cap",
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


def _wedges(n, half_width):
    """Angular wedges ``(start, end)``, each narrower than pi, covering the gaps between
    bands of half-width ``half_width`` at ``2 pi i / n``; long gaps are split into
    overlapping wedges so that every point of a gap is well inside one of them."""
    out = []
    for i in range(n):
        a = 2 * np.pi * i / n + half_width
        L = 2 * np.pi / n - 2 * half_width
        m = 1 if L < 0.85 * np.pi else int(np.ceil(L / (0.6 * np.pi)))
        ov = 0.15 * L / m if m > 1 else 0.0
        for k in range(m):
            out.append((max(a, a + k * L / m - ov), min(a + L, a + (k + 1) * L / m + ov)))
    return out


def torus_meridians(n=2, width=0.3, resolution=24, gain=400.0):
    """Torus whose rank-0 set at layer 2 is ``n`` disjoint bands around meridians (``S^{1,1}_n``).

    One layer cannot do it for ``n >= 3``: a one-layer network's rank-0 set is an
    intersection of half-spaces, convex, and a convex set that meets the torus
    in three meridian bands meets its inner side in between.  Two layers can:
    layer 1 computes, for each wedge ``w`` of angles around the z axis between
    two bands (a wedge narrower than pi), ``m_w(x) = min(<x, p_w>, <x, q_w>)``
    (``p_w``, ``q_w`` the inward normals of the wedge's two half-planes; ``min(a, b)
    = a - relu(a - b)``) and passes ``x`` through (units that are active on the
    whole torus).  Layer 2 has four units per wedge,
    ``z_{w,k} = gain * m_w(x) + <u_k, x> - 3.5`` with tetrahedral unit vectors
    ``u_k``: all dead outside the wedges (``m_w <= 0`` there, ``|x| <= 3`` on
    the torus), all active well inside a wedge (rank 3), and thin strips of
    rank 1 and 2 between, touching the bands (collapsed with them).  Layer 1
    has full rank everywhere.

    Parameters
    ----------
    n : int >= 1
        Number of bands, centred at ``u = 2 pi i / n`` (``u`` the angle around the
        z axis, ``j`` of :func:`~topodestruct.complexes.torus`).
    width : float
        Half-width of each band in ``u`` (radians, ``0 < width < pi / n``).
    resolution : int
        Grid size of the triangulated torus.
    gain : float
        Slope of the layer-2 units across a wedge's sides (larger: thinner rims).

    Returns
    -------
    (torch.nn.Sequential, SimplicialComplex)
        Analyse layer 2.

    Examples
    --------
    >>> import topodestruct as td
    >>> net, K = td.constructions.torus_meridians(3, resolution=12)
    >>> [m.out_features for m in net if hasattr(m, "out_features")]
    [9, 12]
    """
    from ..topology.complexes import torus

    n = check_integer(n, "n", 1)
    if not 0 < width < np.pi / n:
        raise ValueError(f"width must lie in (0, pi / n) = (0, {np.pi / n:.4g}), got {width}")
    wedges = _wedges(n, float(width))
    shift = 4.0                                   # pass-through units: x_j + 4 > 0 on the torus
    rows, bias = [np.eye(3)], [np.full(3, shift)]
    for a, b in wedges:
        p = np.array([-np.sin(a), np.cos(a), 0.0])   # inward normal of the half-plane at a
        q = np.array([np.sin(b), -np.cos(b), 0.0])   # ... and at b
        rows += [p[None], (p - q)[None]]
        bias += [np.array([shift]), np.zeros(1)]
    W1, b1 = np.concatenate(rows), np.concatenate(bias)
    u = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) / np.sqrt(3)
    W2 = np.zeros((4 * len(wedges), len(W1)))
    b2 = np.zeros(4 * len(wedges))
    for w in range(len(wedges)):
        for k in range(4):
            r = 4 * w + k
            W2[r, 3 + 2 * w], W2[r, 4 + 2 * w] = gain, -gain   # gain * (p.x + 4 - relu(...))
            W2[r, :3] = u[k]
            b2[r] = -gain * shift - shift * u[k].sum() - 3.5
    return from_weights([(W1, b1), (W2, b2)]), torus(check_integer(resolution, "resolution", 3))
