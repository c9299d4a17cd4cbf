"""Cells of the image complex: coplanar clusters decomposed into shared convex cells, edges split.

Helpers of :func:`topodestruct.analysis.image_complex.refine_image` (steps 4
and 5 of its method), exact with float certificates that skip the exact work
where the floats decide with a wide margin.
"""
import numpy as np
from scipy.spatial import cKDTree

from . import _exact
from ._planar import decompose


def _cut_cluster(members, feats, cuts, P, cells):
    """Cells of the triangles of one coplanar cluster: the vertical decomposition of their
    edges and of the pieces cutting them (:func:`~._planar.decompose`), lifted to R^n."""
    a, b, c = (P.exact[u] for u in feats[members[0]])
    i, j, M = _exact.chart(a, b, c)
    proj = lambda p: (p[i], p[j])  # noqa: E731
    segments, points = [], []
    for t in members:
        for piece in cuts.get(t, ()):
            (points if len(piece) == 1 else segments).append(
                proj(piece[0]) if len(piece) == 1 else (proj(piece[0]), proj(piece[-1])))
    triangles = [[proj(P.exact[u]) for u in feats[t]] for t in members]
    lifted = {}

    def lift(y):  # cached: cells share their corners
        key = (float(y[0]), float(y[1]))
        for z, idx in lifted.get(key, ()):
            if z == y:
                return idx
        idx = P.add(_exact.lift(y, a, i, j, M))
        lifted.setdefault(key, []).append((y, idx))
        return idx
    for corners, carriers in decompose(triangles, segments, points):
        ids = [lift(y) for y in corners]
        cells.setdefault(tuple(sorted(ids)), [ids, set()])[1].update(
            members[k] for k in carriers)


def _split_edges(edges, P):
    """For each edge ``(u, v)``: the chain of point ids from u to v through every point on it."""
    pts = np.array(P.floats, dtype=float)
    E = np.array(edges, dtype=np.int64).reshape(-1, 2)
    A, B = pts[E[:, 0]], pts[E[:, 1]]
    mid, half = (A + B) / 2, np.linalg.norm(B - A, axis=1) / 2
    scale = np.abs(pts).max() if len(pts) else 1.0
    tree = cKDTree(pts)
    near = tree.query_ball_point(mid, half * (1 + 1e-9) + 1e-9 * scale + 1e-300)
    ei = np.repeat(np.arange(len(E)), [len(c) for c in near])
    w = np.fromiter((x for c in near for x in c), dtype=np.int64, count=len(ei))
    keep = (w != E[ei, 0]) & (w != E[ei, 1])
    ei, w = ei[keep], w[keep]
    # float prefilter (certified with a wide margin): far from the segment's line -> not on it
    d = B[ei] - A[ei]
    q = pts[w] - A[ei]
    t = np.einsum("ij,ij->i", q, d) / np.maximum(np.einsum("ij,ij->i", d, d), 1e-300)
    resid = np.linalg.norm(q - t[:, None] * d, axis=1)
    size = np.abs(A[ei]).sum(1) + np.abs(B[ei]).sum(1) + np.abs(pts[w]).sum(1)
    keep = (resid <= 1e-9 * size) & (t > -1e-9) & (t < 1 + 1e-9)
    inner = {}
    for e, x in zip(ei[keep].tolist(), w[keep].tolist()):
        u, v = edges[e]
        tt = _exact.on_segment(P.exact[x], P.exact[u], P.exact[v])
        if tt is not None:
            inner.setdefault(e, []).append((tt, x))
    chains = {}
    for e, (u, v) in enumerate(edges):
        mids = sorted(inner.get(e, ()))
        chains[(u, v)] = [u] + [x for _, x in mids] + [v]
    return chains
