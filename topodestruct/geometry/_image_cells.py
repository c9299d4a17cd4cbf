"""Cells of the image complex: coplanar clusters cut into shared convex cells, edges split, glued.

Helpers of :func:`topodestruct.geometry.image_complex.refine_image` (steps 4
and 5 of its method), exact with float certificates that skip the exact work
where the floats decide with a wide margin.
"""
from itertools import chain

import numpy as np
from scipy.spatial import cKDTree

from ..tolerances import CERTIFICATE_MARGIN, ROUNDING_BOUND
from ..topology.simplicial import SimplicialComplex
from . import exact as _exact
from .exact_rows import take
from ._triangle_cuts import cut_triangle
from .planar import _sort_certified, decompose


def _cut_cluster(members, feats, cuts, P, cells, check=None, known=None):
    """Cells of the triangles of one coplanar cluster (``cuts``: triangle -> the pieces
    cutting it, each with its points' ids in ``P``): the vertical decomposition of their
    edges and of the pieces cutting them (:func:`~.planar.decompose`; one triangle: its
    cuts along the pieces, :func:`~._triangle_cuts.cut_triangle`), lifted to R^n.
    ``known`` (a dict, filled): cell side ``(u, v)``, ``u < v`` -> ids of other cells' corners
    that the decomposition knows to lie inside it (the feet of their walls)."""
    a, b, c = (P.exact[u] for u in feats[members[0]])
    ax = _exact.axes(a, b, c)
    i, j = ax[:2]
    M = []   # the chart's lift, made on the first new corner: most clusters have none
    proj = lambda p: (p[i], p[j])  # noqa: E731
    segments, points = [], []
    for t in members:
        for piece, _ in cuts.get(t, ()):
            (points if len(piece) == 1 else segments).append(
                proj(piece[0]) if len(piece) == 1 else (proj(piece[0]), proj(piece[-1])))
    triangles = [[proj(P.exact[u]) for u in feats[t]] for t in members]
    lifted = {}
    # the members' corners and the cut points are known points of the plane: a cell corner
    # equal to one of them is not lifted (lifting to R^n is the costly exact step here)
    given = [u for t in members for u in feats[t]] + [
        u for t in members for _, ids in cuts.get(t, ()) for u in ids]
    for u in dict.fromkeys(given):
        y = proj(P.exact[u])
        lifted.setdefault((float(y[0]), float(y[1])), []).append((y, u))

    def lift(y):  # cached: cells share their corners
        key = (float(y[0]), float(y[1]))
        for z, idx in lifted.get(key, ()):
            if z == y:
                return idx
        if not M:
            M.append(_exact.chart(a, b, c, ax)[2])
        idx = P.add(_exact.lift(y, a, i, j, M[0]))
        lifted.setdefault(key, []).append((y, idx))
        return idx
    # most clusters: one triangle cut by a few sheets (its cuts cost polygons x segments: a
    # pile of sheets over one triangle goes to the trapezoidal map, n log n)
    if len(triangles) == 1 and len(segments) + len(points) <= _FEW_CUTS:
        pieces = cut_triangle(triangles[0], segments, points)
    else:
        pieces = decompose(triangles, segments, points, check=check, feet=True)
    for corners, carriers, inner in pieces:
        ids = [lift(y) for y in corners]
        cells.setdefault(tuple(sorted(ids)), [ids, set()])[1].update(
            members[k] for k in carriers)
        if known is not None:
            for s, side in enumerate(inner):     # (i, j: the chart's coordinates)
                if side:
                    u, v = ids[s], ids[(s + 1) % len(ids)]
                    known.setdefault((min(u, v), max(u, v)), set()).update(map(lift, side))


#: Most segments and points for which one triangle is cut by :func:`cut_triangle`.
_FEW_CUTS = 256


def _split_edges(edges, P, check=None, known=None):
    """For each edge ``(u, v)``: the chain of point ids from u to v through every point on it.

    The candidates of a float search (:func:`_near_segments`) are decided exactly, except
    those in ``known`` (edge -> ids of points known to lie inside it, :func:`_cut_cluster`);
    the points of an edge are ordered by their float parameter along it where that
    certifies the order, else by the exact one."""
    pts = np.array(P.floats, dtype=float)
    E = np.array(edges, dtype=np.int64).reshape(-1, 2)
    known = known or {}
    inner, exact_t = {}, {}
    for ei, w in _near_segments(pts, E, check=check):
        if check is not None:
            check("points on the image's edges")
        u, v = edges[ei]
        if w in known.get((u, v), ()):
            inner.setdefault(ei, []).append(w)
            continue
        tt = _exact.on_segment(P.exact[w], P.exact[u], P.exact[v])
        if tt is not None:
            inner.setdefault(ei, []).append(w)
            exact_t[(ei, w)] = tt
    chains = {}
    for e, (u, v) in enumerate(edges):
        mids = inner.get(e, ())
        if len(mids) > 1:
            mids = _along(e, u, v, mids, pts, P.exact, exact_t)
        chains[(u, v)] = [u, *mids, v]
    return chains


def _along(e, u, v, mids, pts, X, exact_t):
    """The points ``mids`` of the open segment ``(u, v)`` in order from u: by the float
    parameter (within ROUNDING_BOUND * (1 + size / length) of the exact one: the points'
    floats are within rounding of them), exactly where two floats are closer than that."""
    d = pts[v] - pts[u]
    length2 = float(d @ d)
    size = float(np.abs(pts[[u, v, *mids]]).max())
    tol = ROUNDING_BOUND * (1 + size / max(np.sqrt(length2), 1e-300))
    ft = dict(zip(mids, ((pts[mids] - pts[u]) @ d / max(length2, 1e-300)).tolist()))
    k = next(r for r in range(len(X[u])) if X[u][r] != X[v][r])

    def exact(w):
        t = exact_t.get((e, w))
        return t if t is not None else (X[w][k] - X[u][k]) / (X[v][k] - X[u][k])
    return _sort_certified(mids, ft.__getitem__, exact, tol)


def _near_segments(pts, E, chunk=1 << 20, check=None):
    """Pairs (edge, point) where the point may lie inside the edge: every true one, and few
    others (float tests with a margin far above rounding; decide them exactly)."""
    if not len(E):
        return []
    A, B = pts[E[:, 0]], pts[E[:, 1]]
    half = np.linalg.norm(B - A, axis=1) / 2
    scale = np.abs(pts).max() if len(pts) else 1.0
    # a long edge is covered by up to 8 balls along it rather than one around its middle:
    # where folded sheets pile up, one big ball holds far more points than the edge meets
    k = np.minimum(8, np.maximum(1, np.ceil(half / (2 * np.median(half) + 1e-300)))).astype(
        np.int64)
    ei = np.repeat(np.arange(len(E)), k)
    j = np.arange(len(ei)) - np.repeat(np.cumsum(k) - k, k)
    centres = A[ei] + ((j + 0.5) / k[ei])[:, None] * (B[ei] - A[ei])
    radii = half[ei] / k[ei] * (1 + CERTIFICATE_MARGIN) + CERTIFICATE_MARGIN * scale + 1e-300
    # first a test in 3 principal directions (projecting can only shorten the distance to
    # the segment's line), then the full one
    mean = pts.mean(0)
    Z, Y = pts - mean, pts
    if pts.shape[1] > 3:
        Vt = np.linalg.svd(Z[:: max(1, len(Z) // 2000)], full_matrices=False)[2]
        if pts.shape[1] > _SEARCH_DIMS:
            # the balls are searched in the principal directions too: a point within a ball
            # is within its projection, and a k-d tree is slow in many dimensions
            Y, centres = Z @ Vt[:_SEARCH_DIMS].T, (centres - mean) @ Vt[:_SEARCH_DIMS].T
        Z = Z @ Vt[:3].T
    size = np.abs(pts).sum(1)
    tree, out = cKDTree(Y), []
    # balls a few thousand at a time: where folded sheets pile up, each holds thousands of
    # points, and the lists of all of them at once had taken gigabytes
    for s in range(0, len(ei), _BALLS):
        if check is not None:
            check("points on the image's edges", every=1)
        near = tree.query_ball_point(centres[s:s + _BALLS], radii[s:s + _BALLS])
        counts = np.fromiter(map(len, near), dtype=np.int64, count=len(near))
        e_ = np.repeat(ei[s:s + _BALLS], counts)
        w_ = np.fromiter(chain.from_iterable(near), dtype=np.int64, count=len(e_))
        del near
        for c in range(0, len(w_), chunk):        # chunks bound the float temporaries
            out.append(_on_edge(pts, Z, size, E, e_[c:c + chunk], w_[c:c + chunk]))
    if not out:
        return []
    return np.unique(np.concatenate(out), axis=0).tolist()


#: Balls queried at a time by :func:`_near_segments`.
_BALLS = 4096

#: Principal directions in which :func:`_near_segments` searches its balls (candidates only:
#: every point within a ball is found, the few more are tested as before).
_SEARCH_DIMS = 6


def _on_edge(pts, Z, size, E, e_, w_):
    """The pairs (edge, point) of ``e_, w_`` where the point may lie inside the edge."""
    ok = (w_ != E[e_, 0]) & (w_ != E[e_, 1])
    e_, w_ = e_[ok], w_[ok]
    tol = 2 * CERTIFICATE_MARGIN * (size[E[e_, 0]] + size[E[e_, 1]] + size[w_])
    ok = _off_line(Z, E[e_, 0], E[e_, 1], w_) <= tol
    e_, w_ = e_[ok], w_[ok]
    d, t = _off_line(pts, E[e_, 0], E[e_, 1], w_, with_t=True)
    ok = (d <= tol[ok] / 2) & (t > -CERTIFICATE_MARGIN) & (t < 1 + CERTIFICATE_MARGIN)
    return np.stack([e_[ok], w_[ok]], 1)


def _off_line(X, a, b, w, with_t=False):
    """Distance of the points ``X[w]`` from the lines through ``X[a]``, ``X[b]`` (and the
    parameter of their projections)."""
    d = X[b] - X[a]
    q = X[w] - X[a]
    t = np.einsum("ij,ij->i", q, d) / np.maximum(np.einsum("ij,ij->i", d, d), 1e-300)
    r = np.linalg.norm(q - t[:, None] * d, axis=1)
    return (r, t) if with_t else r


def _assemble(pc, cells, known, check):
    """Step 5 of :func:`~.image_complex.refine_image`: split edges at the points on them,
    cone the cells, and glue the pieces into the image complex. Returns
    ``(L, exact, carriers, vertex_map)``."""
    n_tri, n_seg, feats, P = pc.n_tri, pc.n_seg, pc.feats, pc.P
    edges = set()
    for corners, _ in cells.values():
        k = len(corners)
        edges.update((min(corners[i], corners[(i + 1) % k]), max(corners[i], corners[(i + 1) % k]))
                     for i in range(k))
    seg_feats = list(range(n_tri, n_tri + n_seg))
    edges.update(tuple(sorted(feats[f])) for f in seg_feats)
    chains = _split_edges(sorted(edges), P, check, known)
    simplices, carriers = [], {}

    def chain_of(u, v):
        c = chains.get((u, v))
        if c is not None:
            return c
        return chains[(v, u)][::-1]
    for corners, carr in cells.values():
        k = len(corners)
        sides = [chain_of(corners[i], corners[(i + 1) % k]) for i in range(k)]
        boundary = [u for side in sides for u in side[:-1]]
        if len(boundary) == 3:
            s = tuple(sorted(boundary))
            simplices.append(s)
            carriers.setdefault(s, set()).update(carr)
            continue
        # a corner whose two sides hold no other vertex: the cell (strictly convex) is the
        # fan from it over the other sides, with no new vertex and two triangles fewer
        i = next((i for i in range(k) if len(sides[i]) == 2 and len(sides[i - 1]) == 2), None)
        if i is not None:
            for m in range(1, k - 1):
                side = sides[(i + m) % k]
                for j in range(len(side) - 1):
                    s = tuple(sorted((corners[i], side[j], side[j + 1])))
                    simplices.append(s)
                    carriers.setdefault(s, set()).update(carr)
            continue
        pts = [P.exact[c] for c in corners]
        centre = P.add(tuple(sum(x) / k for x in zip(*pts)))
        for i in range(len(boundary)):
            s = tuple(sorted((centre, boundary[i], boundary[(i + 1) % len(boundary)])))
            simplices.append(s)
            carriers.setdefault(s, set()).update(carr)
    for f in seg_feats:
        c = chain_of(*feats[f])
        for i in range(len(c) - 1):
            s = tuple(sorted((c[i], c[i + 1])))
            simplices.append(s)
            carriers.setdefault(s, set()).add(f)
    for f in range(n_tri + n_seg, len(feats)):
        simplices.append(feats[f])
        carriers.setdefault(feats[f], set()).add(f)
    carriers = {s: tuple(sorted(c)) for s, c in carriers.items()}
    return _glued(SimplicialComplex(simplices), pc, carriers)


def _unmet(pc):
    """Steps 4-5 where no two pieces meet beyond their common face (no interactions, no
    overlaps): the image complex is the pieces themselves, each carried by itself."""
    n = pc.n_tri + pc.n_seg
    groups = [g for g in (np.sort(pc.pad[:pc.n_tri], 1), np.sort(pc.pad[pc.n_tri:n, :2], 1),
                          pc.pad[n:, :1]) if len(g)]
    keys = [tuple(r) for g in groups for r in g.tolist()]          # in the order of pieces
    L = SimplicialComplex(groups[0] if len(groups) == 1 else keys)
    return _glued(L, pc, {s: (f,) for f, s in enumerate(keys)})


def _glued(L, pc, carriers):
    """``(L, exact, carriers, vertex_map)``: ``L`` with its points' floats as coordinates,
    their exact coordinates, and each vertex of ``K``'s vertex of ``L``."""
    V = L.vertices.tolist()
    coords = np.array([pc.P.floats[v] for v in V], dtype=float).reshape(len(V), -1)
    L = SimplicialComplex._from_sorted([L.simplices(d) for d in range(L.dimension + 1)], coords)
    return L, take(pc.P.exact, V), carriers, np.searchsorted(L.vertices, pc.uid_of_vertex)
