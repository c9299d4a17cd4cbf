r"""Overlap source at the vertices of a complex: which vertices' images lie in another region's image.

Beshkov's overlap source glues points of different activation regions with
equal images.  For complexes of dimension <= 2 the exact construction lives in
:mod:`topodestruct.geometry.overlap`; for point clouds and higher-dimensional
complexes (the D-II data) this module detects overlaps *at the vertices*, as
the authors' code does (one linear feasibility test per sample point and
candidate region):

* at layer ``K`` every vertex ``x`` lies in an activation region ``R(x)`` (its
  codewords at layers ``1..K``) on which ``Phi^K(y) = A_R y + c_R`` and which is
  the polytope ``G_R y <= g_R`` (one sign constraint per unit and layer);
* broad phase: for a vertex ``x'`` and each other region ``R`` among its
  ``k`` nearest image neighbours, take the nearest such neighbour ``x_j``;
* test: the point ``y`` of the fibre ``{A_R y + c_R = Phi^K(x')}`` nearest to
  ``x_j`` (least squares, ``pinv``) must solve the equation, lie in ``R``
  (``G_R y <= g_R``) and lie within ``radius`` of ``x_j`` (the overlap must
  happen on the sampled manifold, not anywhere in the region's polytope);
  ``x'`` itself must lie outside the closure of ``R`` (else the equal images
  are continuity across a region boundary); then ``x'`` is glued to ``x_j``.  This is a sufficient test (no linear
  program): a fibre point of ``R`` far from ``x_j`` is not looked for.  The
  authors' code solves one linear program per point and candidate region over
  the whole polytope, with no radius.  Gluings
  accumulate with depth: ``Phi^K = g o Phi^j`` identifies at layer ``K`` what
  ``Phi^j`` identified.

What this is not: the exact overlap quotient.  Only vertices are tested, a
glued vertex stands for the pre-image point near it, and floating-point
tolerances decide equality (residual ``<= rtol * (1 + |Phi(x')|)`` and
constraints violated by at most ``rtol`` times their scale).

Examples
--------
>>> import numpy as np
>>> W1 = np.array([[1.0], [-1.0]]); W2 = np.array([[1.0, 1.0]])
>>> X = np.array([[-1.0], [1.0], [2.0]])   # x -> |x| folds -1 onto 1
>>> glued = vertex_overlaps([(W1, np.zeros(2)), (W2, np.zeros(1))], X, radius=0.5, k=2)
>>> glued[1], glued[2]      # 2 -> 2 is also the image of -2, but -2 is not sampled
([], [[0, 1]])
"""
import numpy as np

from ..algebra.rows import unique_rows
from ..tolerances import OVERLAP_RTOL
from ..topology.cells import component_labels

__all__ = ["vertex_overlaps", "region_maps"]


def _layers(net):
    from ..relu.network import as_network

    return as_network(net).layers          # a Network passes through unconverted


def region_maps(net, X, upto):
    """Per-point affine maps, region constraints and codewords through layer ``upto``.

    Returns
    -------
    list of dict
        For layers ``K = 1..upto``: ``A`` (N, n_K, m), ``c`` (N, n_K), ``image``
        (N, n_K), ``G`` (N, rows, m) and ``g`` (N, rows) with rows of all layers
        ``<= K`` (``G y <= g`` on the region), ``codes`` (N, sum of widths) bool.
    """
    X = np.asarray(X, dtype=np.float64)
    N, m = X.shape
    A = np.broadcast_to(np.eye(m), (N, m, m)).copy()
    c = np.zeros((N, m))
    h = X.copy()
    G, g, codes, out = [], [], [], []
    for K, (W, b, relu) in enumerate(_layers(net)[:upto], start=1):
        Z = np.einsum("ij,njk->nik", W, A)
        z = c @ W.T + b
        pre = h @ W.T + b
        act = pre > 0 if relu else np.ones_like(pre, dtype=bool)
        if relu:
            sign = np.where(act, -1.0, 1.0)          # active: -(Z y + z) <= 0
            G.append(sign[:, :, None] * Z)
            g.append(-sign * z)
            codes.append(act)
        mask = act.astype(np.float64)
        A, c, h = Z * mask[:, :, None], z * mask, pre * mask
        out.append({"A": A, "c": c, "image": h,
                    "G": np.concatenate(G, 1) if G else np.zeros((N, 0, m)),
                    "g": np.concatenate(g, 1) if g else np.zeros((N, 0)),
                    "codes": np.concatenate(codes, 1) if codes else np.zeros((N, 0), bool)})
    return out


def _classes(n, pairs):
    """Gluing classes (more than one vertex) of the graph with edges ``pairs``, sorted."""
    _, labels = component_labels(n, np.concatenate(pairs) if pairs else np.zeros((0, 2)))
    groups = [np.flatnonzero(labels == c).tolist() for c in np.unique(labels)]
    return sorted(g for g in groups if len(g) > 1)


def vertex_overlaps(net, X, radius, k=10, layers=None, rtol=OVERLAP_RTOL, maps=None):
    """Gluing classes of vertices by the overlap source, cumulative through the layers.

    Parameters
    ----------
    net : torch.nn.Sequential or list of (W, b)
    X : (N, m) array_like
        The vertices (input coordinates).
    radius : float
        A pre-image ``y`` is glued to the nearest vertex of its region only
        within this input-space distance (e.g. the complex's edge length).
    k : int
        Image-space neighbours whose regions are tested (broad phase).
    layers : iterable of int, optional
        1-based layers (default: all).  Gluings found at a layer carry over to
        the later ones.
    rtol : float
        Relative tolerance of the equality ``Phi(x') = A_R y + c_R`` and of the
        region's constraints.
    maps : list, optional
        :func:`region_maps` output, if already computed.

    Returns
    -------
    dict
        ``layer -> sorted list of gluing classes`` (lists of vertex indices,
        each of size >= 2), cumulative in depth.
    """
    from scipy.spatial import cKDTree

    X = np.asarray(X, dtype=np.float64)
    N = len(X)
    n_layers = len(_layers(net))
    wanted = sorted(set(range(1, n_layers + 1) if layers is None else layers))
    maps = maps if maps is not None else region_maps(net, X, max(wanted))
    pairs = []  # glued vertex pairs, accumulated through the layers
    result = {}
    kk = int(min(k, N - 1))
    for K in range(1, max(wanted) + 1):
        mp = maps[K - 1]
        P = mp["image"]
        _, region = unique_rows(np.packbits(mp["codes"], axis=1), return_inverse=True)
        if kk > 0 and region.max() > 0:
            _, nbr = cKDTree(P).query(P, kk + 1)
            I = np.repeat(np.arange(N), kk)
            J = nbr[:, 1:].ravel()
            keep = region[I] != region[J]
            I, J = I[keep], J[keep]
            # one test per (vertex, region): the nearest image neighbour in that region
            _, first = unique_rows(np.c_[I, region[J]], return_index=True)
            I, J = I[first], J[first]
            for lo in range(0, len(I), 4096):
                i, j = I[lo:lo + 4096], J[lo:lo + 4096]
                A, c, G, g = mp["A"][j], mp["c"][j], mp["G"][j], mp["g"][j]
                p = P[i]
                # the point of the fibre {A y + c = p} nearest to x_j (pinv: least squares)
                rhs = p - c - np.einsum("nij,nj->ni", A, X[j])
                y = X[j] + np.einsum("nji,ni->nj", np.linalg.pinv(A), rhs)
                resid = np.abs(np.einsum("nij,nj->ni", A, y) + c - p).max(1)
                viol = (np.einsum("nij,nj->ni", G, y) - g - rtol * (1 + np.abs(g))).max(1, initial=-1)
                # x_i itself in the closure of R is continuity across a boundary, not a fold
                outside = (np.einsum("nij,nj->ni", G, X[i]) - g
                           - rtol * (1 + np.abs(g))).max(1, initial=-1) > 0
                ok = ((resid <= rtol * (1 + np.abs(p).max(1))) & (viol <= 0) & outside
                      & (np.linalg.norm(y - X[j], axis=1) <= radius))
                pairs.append(np.c_[i[ok], j[ok]])
        if K in wanted:
            result[K] = _classes(N, pairs)
    return result
