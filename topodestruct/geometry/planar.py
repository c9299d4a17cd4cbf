"""Exact vertical decomposition of overlapping triangles in a plane: convex cells that they share.

Helper of the image complex (step 4 of
:func:`topodestruct.geometry.image_complex.refine_image`): triangles whose
images overlap in area lie in one plane, and the complex needs one set of
convex cells that every triangle is a union of, so that overlapping triangles
share their cells. Cutting every triangle by the *lines* of all the others does
this with a number of cells quadratic in the cluster; the vertical (trapezoidal)
decomposition of the *segments* does it with a number of cells linear in the
segments and their crossings.

Method (all incidences decided in exact rationals, floats only as certificates):

1. The triangles' edges and the extra segments are split at every crossing,
   touching endpoint and collinear overlap: a planar straight-line graph.
2. Its vertices' distinct x-coordinates cut the plane into vertical slabs. In
   each slab the edges that span it do not cross, so they are ordered by their
   height at the slab's middle; two consecutive ones bound a trapezoid.
3. A triangle covers, in each slab it spans, the trapezoids between its two
   edges there: that gives every trapezoid its carriers, and trapezoids outside
   all triangles are dropped.
4. Trapezoids of consecutive slabs bounded by the same two edges are one cell
   unless an isolated point or a vertical edge lies on the wall between them.
"""
import numpy as np

from ..tolerances import CERTIFICATE_MARGIN, ROUNDING_BOUND
from . import exact as _exact

__all__ = ["decompose"]


class _Registry:
    """Exact 2D points with integer ids (bucketed by float value, compared exactly)."""

    def __init__(self):
        self.ids, self.exact = {}, []

    def add(self, p):
        key = (float(p[0]), float(p[1]))
        bucket = self.ids.setdefault(key, [])
        for i in bucket:
            if self.exact[i] == p:
                return i
        bucket.append(len(self.exact))
        self.exact.append(p)
        return len(self.exact) - 1


def _inside(p, a, b):
    """Whether ``p`` (known to be on the line ab) lies strictly between a and b."""
    k = 0 if a[0] != b[0] else 1
    lo, hi = (a[k], b[k]) if a[k] < b[k] else (b[k], a[k])
    return lo < p[k] < hi


def _split_points(segs, pts, reg, F):
    """For each segment (pair of point ids): the ids of points strictly inside it, found exactly
    among the pairs that a float certificate does not separate."""
    E = np.array(segs, dtype=np.int64).reshape(-1, 2)
    inner = [[] for _ in segs]
    X = reg.exact
    A, B = F[E[:, 0]], F[E[:, 1]]
    pairs = _exact.box_pairs(np.minimum(A, B), np.maximum(A, B))
    if len(pairs):
        i, j = pairs[:, 0], pairs[:, 1]
        a, b, c, d = A[i], B[i], A[j], B[j]
        size = np.abs(np.stack([a, b, c, d])).max(axis=(0, 2)) + 1e-300
        tol = CERTIFICATE_MARGIN * size * size

        def orient(p, q, r):
            return ((q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1])
                    - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0]))
        o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
        apart = ((o1 > tol) & (o2 > tol)) | ((o1 < -tol) & (o2 < -tol)) | \
                ((o3 > tol) & (o4 > tol)) | ((o3 < -tol) & (o4 < -tol))
        shared = (E[i, 0] == E[j, 0]) | (E[i, 0] == E[j, 1]) | (E[i, 1] == E[j, 0]) | \
            (E[i, 1] == E[j, 1])
        # segments with a common end meet beyond it only if collinear
        apart |= shared & (np.abs(o1) + np.abs(o2) > tol)
        for s, t in pairs[~apart].tolist():
            _meet(s, t, segs, X, reg, inner)
    if pts:
        P = F[pts]
        lo, hi = np.minimum(A, B), np.maximum(A, B)
        margin = CERTIFICATE_MARGIN * (np.abs(F).max() + 1e-300)
        for p, (px, py) in zip(pts, P.tolist()):
            near = np.flatnonzero((lo[:, 0] - margin <= px) & (px <= hi[:, 0] + margin) &
                                  (lo[:, 1] - margin <= py) & (py <= hi[:, 1] + margin))
            for s in near.tolist():
                u, v = segs[s]
                if p not in (u, v) and _exact.orient2(X[u], X[v], X[p]) == 0 and \
                        _inside(X[p], X[u], X[v]):
                    inner[s].append(p)
    return inner


def _meet(s, t, segs, X, reg, inner):
    """Exact intersection of two segments: record crossing and touching points in ``inner``."""
    (u, v), (w, z) = segs[s], segs[t]
    a, b, c, d = X[u], X[v], X[w], X[z]
    o = _exact.orient2
    o1, o2, o3, o4 = o(a, b, c), o(a, b, d), o(c, d, a), o(c, d, b)
    touched = False
    for p, pid, o, (e, f), seg in ((c, w, o1, (a, b), s), (d, z, o2, (a, b), s),
                                   (a, u, o3, (c, d), t), (b, v, o4, (c, d), t)):
        if o == 0 and pid not in segs[seg] and _inside(p, e, f):
            inner[seg].append(pid)
            touched = True
    if touched or not (o1 and o2 and o3 and o4):
        return
    if (o1 > 0) != (o2 > 0) and (o3 > 0) != (o4 > 0):  # proper crossing
        r = o1 / (o1 - o2)
        q = reg.add((c[0] + r * (d[0] - c[0]), c[1] + r * (d[1] - c[1])))
        inner[s].append(q)
        inner[t].append(q)


def _graph(triangles, segments, points):
    """The planar straight-line graph: registry, sub-edges (id pairs), the original
    segments each sub-edge lies on, each triangle's three original segments, and the
    isolated points."""
    reg = _Registry()
    tri = [[reg.add(p) for p in t] for t in triangles]
    orig, index = [], {}

    def segment(u, v):
        key = (min(u, v), max(u, v))
        if key not in index:
            index[key] = len(orig)
            orig.append(key)
        return index[key]
    tri_segs = [[segment(t[0], t[1]), segment(t[1], t[2]), segment(t[0], t[2])] for t in tri]
    for p, q in segments:
        u, v = reg.add(p), reg.add(q)
        if u != v:
            segment(u, v)
    pts = sorted({reg.add(p) for p in points})
    F = np.array([[float(x) for x in p] for p in reg.exact], dtype=float)
    inner = _split_points(orig, pts, reg, F)
    X = reg.exact
    sub, parents = {}, []
    for s, (u, v) in enumerate(orig):
        k = 0 if X[u][0] != X[v][0] else 1
        chain = [u] + sorted(set(inner[s]), key=lambda w: X[w][k] if X[u][k] < X[v][k]
                             else -X[w][k]) + [v]
        for w, z in zip(chain[:-1], chain[1:]):
            key = (min(w, z), max(w, z))
            if key not in sub:
                sub[key] = len(parents)
                parents.append([])
            parents[sub[key]].append(s)
    return reg, list(sub), parents, tri_segs, tri, pts


def decompose(triangles, segments=(), points=()):
    """Convex cells covering the union of the triangles, shared by all that contain them.

    Parameters
    ----------
    triangles : list of 3 exact 2D points (pairs of ``flint.fmpq``)
        Nondegenerate.
    segments : list of 2 exact 2D points
        Extra segments that must lie on cell edges.
    points : list of exact 2D points
        Extra points that must lie on cell edges or corners.

    Returns
    -------
    list of (corners, carriers)
        ``corners``: exact 2D points of a convex cell, counter-clockwise;
        ``carriers``: indices of the triangles that contain the cell. Every
        triangle is the union of the cells that it carries, and distinct cells
        meet only along their boundaries.

    Examples
    --------
    >>> from flint import fmpq
    >>> q = lambda *xy: tuple(fmpq(v) for v in xy)
    >>> cells = decompose([[q(0, 0), q(2, 0), q(0, 2)], [q(0, 0), q(2, 0), q(2, 2)]])
    >>> sorted(c for _, c in cells)   # their overlap is two trapezoids: a wall at x = 1
    [(0,), (0, 1), (0, 1), (1,)]
    """
    reg, edges, parents, tri_segs, tri, pts = _graph(triangles, segments, points)
    X = reg.exact
    col, cols = _columns(X)
    E = np.array(edges, dtype=np.int64).reshape(-1, 2)
    swap = col[E[:, 0]] > col[E[:, 1]]
    E[swap] = E[swap][:, ::-1]
    vertical = col[E[:, 0]] == col[E[:, 1]]
    blocked = np.zeros(len(cols), dtype=bool)
    blocked[col[E[vertical, 0]]] = True
    incident = np.zeros(len(X), dtype=bool)
    incident[E.ravel()] = True
    blocked[col[[p for p in pts if not incident[p]]]] = True
    slab_edge, slab, ranks, counts = _slabs(E, vertical, col, cols, X)
    trap_offset = np.concatenate([[0], np.cumsum(np.maximum(counts - 1, 0))])
    cell_k, cell_t = _carriers(tri, tri_segs, parents, col, len(cols) - 1, slab_edge, slab, ranks,
                               trap_offset)
    if not cell_k:
        return []
    cell_k, cell_t = np.concatenate(cell_k), np.concatenate(cell_t)
    return _merge(cell_k, cell_t, slab_edge, slab, ranks, counts, trap_offset, blocked, E,
                  cols, X)


def _columns(X):
    """The distinct exact x-coordinates ``cols`` (sorted) and the column of each point."""
    order = sorted(range(len(X)), key=lambda i: X[i][0])
    col = np.empty(len(X), dtype=np.int64)
    cols, c = [], -1
    for i in order:
        if not cols or X[i][0] != cols[-1]:
            cols.append(X[i][0])
            c += 1
        col[i] = c
    return col, cols


def _carriers(tri, tri_segs, parents, col, n_slabs, slab_edge, slab, ranks, trap_offset):
    """Each triangle covers, per slab, the trapezoids between its two edges there: lists of
    trapezoid ids and of the triangle carrying each (one array per triangle and part)."""
    n_par = np.array([len(p) for p in parents], dtype=np.int64)
    par_ptr = np.concatenate([[0], np.cumsum(n_par)])
    par_idx = np.array([s for p in parents for s in p], dtype=np.int64)
    per = n_par[slab_edge]
    k = np.repeat(np.arange(len(slab_edge)), per)
    within = np.arange(len(k)) - np.repeat(np.cumsum(per) - per, per)
    keys = par_idx[par_ptr[slab_edge[k]] + within] * n_slabs + slab[k]
    vals = ranks[k]
    srt = np.argsort(keys)
    keys, vals = keys[srt], vals[srt]
    cell_t, cell_k = [], []
    for t, (ids, segs) in enumerate(zip(tri, tri_segs)):
        c0, c1, c2 = sorted(col[ids].tolist())
        by_col = sorted(range(3), key=lambda r: col[ids[r]])
        v0, v1, v2 = (ids[r] for r in by_col)
        seg_of = {frozenset((ids[0], ids[1])): segs[0], frozenset((ids[1], ids[2])): segs[1],
                  frozenset((ids[0], ids[2])): segs[2]}
        long_ = seg_of[frozenset((v0, v2))]
        for lo_c, hi_c, short in ((c0, c1, seg_of[frozenset((v0, v1))]),
                                  (c1, c2, seg_of[frozenset((v1, v2))])):
            if lo_c == hi_c:
                continue
            s = np.arange(lo_c, hi_c)
            ra = vals[np.searchsorted(keys, short * n_slabs + s)]
            rb = vals[np.searchsorted(keys, long_ * n_slabs + s)]
            lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
            n = hi - lo
            start = np.repeat(trap_offset[s] + lo - np.cumsum(n) + n, n)
            cell_k.append(start + np.arange(n.sum()))
            cell_t.append(np.full(n.sum(), t, dtype=np.int64))
    return cell_k, cell_t


def _slabs(E, vertical, col, cols, X):
    """Entries (edge, slab, rank) of the non-vertical edges in the slabs they span, ranked
    bottom to top; ``counts`` edges per slab."""
    n_slabs = len(cols) - 1
    idx = np.flatnonzero(~vertical)
    span = col[E[idx, 1]] - col[E[idx, 0]]
    edge = np.repeat(idx, span)
    slab = np.repeat(col[E[idx, 0]], span) + np.arange(span.sum()) - np.repeat(
        np.cumsum(span) - span, span)
    cf = np.array([float(x) for x in cols], dtype=float)
    F = np.array([[float(x) for x in p] for p in X], dtype=float)
    a, b = F[E[edge, 0]], F[E[edge, 1]]
    xm = (cf[slab] + cf[slab + 1]) / 2
    dx = b[:, 0] - a[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        y = a[:, 1] + (b[:, 1] - a[:, 1]) * ((xm - a[:, 0]) / dx)
        slope = np.abs((b[:, 1] - a[:, 1]) / dx)
    M = np.abs(F).max() + 1e-300
    # rounding bound of y (relative to the largest coordinate), far above the true one;
    # steep or float-degenerate edges get an infinite bound and are ordered exactly
    tol = ROUNDING_BOUND * M * (1 + slope)
    tol[~np.isfinite(tol) | ~np.isfinite(y) | (np.abs(dx) < CERTIFICATE_MARGIN * M)] = np.inf
    y[~np.isfinite(y)] = 0.0
    # the float height y is within tol of the exact one: sort the intervals [y - tol, y + tol]
    # by their lower ends; a run of overlapping ones (a near tie, or an entry of unknown
    # height) is ordered exactly, and runs that do not overlap are certainly in order
    lo = np.where(np.isfinite(tol), y - tol, -np.inf)
    hi = np.where(np.isfinite(tol), y + tol, np.inf)
    order = np.lexsort((lo, slab))
    edge, slab, lo, hi = edge[order], slab[order], lo[order], hi[order]
    n = len(edge)
    rank = np.empty(2 * n, dtype=np.int64)
    rank[np.argsort(np.concatenate([lo, hi]), kind="stable")] = np.arange(2 * n)
    off = slab * (2 * n)    # integer ranks: a running maximum per slab without rounding
    reach = np.maximum.accumulate(rank[n:] + off)
    joined = np.zeros(n, dtype=bool)
    joined[1:] = (slab[1:] == slab[:-1]) & (rank[1:n] + off[1:] <= reach[:-1])
    if joined.any():
        for g0, g1 in _runs(np.cumsum(~joined)):
            if g1 - g0 > 1:
                _exact_order(edge, g0, g1, slab[g0], E, cols, X)
    counts = np.bincount(slab, minlength=n_slabs)
    first = np.concatenate([[0], np.cumsum(counts)])[:-1]
    ranks = np.arange(len(edge)) - first[slab]
    return edge, slab, ranks, counts


def _runs(group):
    """(start, stop) of each run of equal values of the sorted array ``group``."""
    starts = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
    stops = np.concatenate([starts[1:], [len(group)]])
    return zip(starts.tolist(), stops.tolist())


def _exact_order(edge, r0, r1, s, E, cols, X):
    """Sort ``edge[r0:r1]`` (edges spanning slab ``s``) by their exact height at its middle."""
    xm = (cols[s] + cols[s + 1]) / 2
    run = edge[r0:r1].tolist()
    edge[r0:r1] = sorted(run, key=lambda e: _height(E[e], xm, X))


def _height(e, x, X):
    a, b = X[e[0]], X[e[1]]
    if x == a[0]:
        return a[1]
    if x == b[0]:
        return b[1]
    return a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])


def _merge(cell_k, cell_t, slab_edge, slab, ranks, counts, trap_offset, blocked, E, cols, X):
    """Join the covered slab trapezoids into cells; exact corners, carriers."""
    starts = np.concatenate([[0], np.cumsum(counts)])[:-1]
    covered = _unique(cell_k)
    # slab trapezoid k: slab s, between entries starts[s] + r and starts[s] + r + 1
    s_of = np.searchsorted(trap_offset, covered, side="right") - 1
    r_of = covered - trap_offset[s_of]
    below = slab_edge[starts[s_of] + r_of]
    above = slab_edge[starts[s_of] + r_of + 1]
    order = np.lexsort((s_of, above, below))
    b, a, s = below[order], above[order], s_of[order]
    cont = np.zeros(len(order), dtype=bool)
    cont[1:] = (b[1:] == b[:-1]) & (a[1:] == a[:-1]) & (s[1:] == s[:-1] + 1) & ~blocked[s[1:]]
    cell = np.cumsum(~cont) - 1
    cell_of_trap = np.empty(len(order), dtype=np.int64)
    cell_of_trap[order] = cell
    n_cells = int(cell[-1]) + 1 if len(cell) else 0
    first = np.flatnonzero(~cont)
    last = np.concatenate([first[1:], [len(order)]]) - 1
    lo_col, hi_col = s[first], s[last] + 1
    pos = np.searchsorted(covered, cell_k)
    n_t = int(cell_t.max()) + 1
    pairs = _unique(cell_of_trap[pos] * n_t + cell_t)
    carriers = np.split(pairs % n_t, np.searchsorted(pairs // n_t, np.arange(1, n_cells)))
    out = []
    for c in range(n_cells):
        eb, et = E[b[first[c]]], E[a[first[c]]]
        xl, xr = cols[lo_col[c]], cols[hi_col[c]]
        pts = [(xl, _height(eb, xl, X)), (xr, _height(eb, xr, X)),
               (xr, _height(et, xr, X)), (xl, _height(et, xl, X))]
        corners = [p for k, p in enumerate(pts) if p != pts[k - 1]]
        out.append((corners, tuple(carriers[c].tolist())))
    return out


def _unique(a):
    """Sorted distinct values of an int array (a sort: faster here than numpy's hashing)."""
    a = np.sort(a)
    return a[np.concatenate([[True], a[1:] != a[:-1]])] if len(a) else a
