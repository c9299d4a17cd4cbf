"""Cells of the image complex: coplanar clusters cut along their lines, edges split at their points.

Helpers of :func:`topodestruct.analysis.image_complex.refine_image` (steps 4
and 5 of its method): exact clipping with float certificates that skip the
exact work where a line clearly misses a polygon.
"""
import numpy as np
from scipy.spatial import cKDTree

from . import _exact


def _cut_cluster(members, feats, cuts, P, cells):
    """Cells of the triangles of one coplanar cluster, cut by the cluster's lines."""
    a, b, c = (P.exact[u] for u in feats[members[0]])
    i, j, M = _exact.chart(a, b, c)
    proj = lambda p: (p[i], p[j])  # noqa: E731
    lines = set()
    for t in members:
        tri = [proj(P.exact[u]) for u in feats[t]]
        for s in range(3):
            lines.add(_exact.line_through(tri[s], tri[(s + 1) % 3]))
        for piece in cuts.get(t, ()):
            q = [proj(p) for p in piece]
            if len(q) == 1:  # a line through an isolated point, same direction everywhere
                lines.add((_exact.exact(0), _exact.exact(1), q[0][1]))
            else:
                lines.add(_exact.line_through(q[0], q[1]))
    lines = sorted(lines)
    L = np.array([[float(x) for x in ln] for ln in lines], dtype=float)
    lifted = {}

    def lift(y):  # cached: cells share their corners
        key = (float(y[0]), float(y[1]))
        for z, idx in lifted.get(key, ()):
            if z == y:
                return idx
        idx = P.add(_exact.lift(y, a, i, j, M))
        lifted.setdefault(key, []).append((y, idx))
        return idx
    for t in members:
        tri = _exact.cyclic_order([proj(P.exact[u]) for u in feats[t]])
        F = np.array([[float(x) for x in p] for p in tri])
        vals = L[:, :2] @ F.T - L[:, 2:]
        # float certificate: a line is off the triangle's interior if the values at its
        # corners share a sign with a margin far above rounding; the rest are decided exactly
        tol = 1e-9 * (np.abs(L[:, :2]) @ np.abs(F).max(0) + np.abs(L[:, 2]))
        maybe = np.flatnonzero((vals.max(1) > -tol[:]) & (vals.min(1) < tol))
        polys = [[(p, tuple(q)) for p, q in zip(tri, F.tolist())]]
        for r in maybe.tolist():
            ln = lines[r]
            ex = [ln[0] * p[0] + ln[1] * p[1] - ln[2] for p in tri]
            if max(ex) > 0 > min(ex):
                polys = [piece for poly in polys for piece in _clip(poly, ln, L[r], tol[r])]
        for poly in polys:
            ids = [lift(y) for y, _ in poly]
            cells.setdefault(tuple(sorted(ids)), [ids, set()])[1].add(t)


def _clip(poly, ln, lf, tol):
    """:func:`_exact.clip` on a polygon of (exact, float) corners, skipping the exact work
    where the float values certify that the line misses the polygon's interior."""
    vals = [lf[0] * q[0] + lf[1] * q[1] - lf[2] for _, q in poly]
    if min(vals) > tol or max(vals) < -tol:
        return [poly]
    pieces = _exact.clip([p for p, _ in poly], ln)
    if len(pieces) == 1:
        return [poly]
    known = {id(p): q for p, q in poly}  # corners kept by the clip are the same objects
    return [[(p, known.get(id(p)) or (float(p[0]), float(p[1]))) for p in piece]
            for piece in pieces]


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
