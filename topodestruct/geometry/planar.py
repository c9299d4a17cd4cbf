"""Exact trapezoidal map of overlapping triangles in a plane: convex cells that they share.

Helper of the image complex (step 4 of
:func:`topodestruct.geometry.image_complex.refine_image`): triangles whose
images overlap in area lie in one plane, and the complex needs one set of
convex cells that every triangle is a union of, so that overlapping triangles
share their cells. Cutting every triangle by the *lines* of all the others does
this with a number of cells quadratic in the cluster; the trapezoidal map of
the *segments* does it with a number of cells linear in the segments and their
crossings.

Method (all incidences decided in exact rationals, floats only as certificates):

1. The triangles' edges and the extra segments are split at every crossing,
   touching endpoint and collinear overlap: a planar straight-line graph.
2. A sweep from left to right keeps the edges that the sweep line crosses in
   order; the gap between two consecutive ones is a trapezoid that ends where a
   vertex lies in it or on its edges (walls run from each vertex only to the
   edges just above and below it, vertical edges and isolated points included).
3. The triangles carrying a trapezoid are those carrying the region just above
   its lower edge: the region below that edge's, with the triangles that have a
   side on the edge entered or left. Trapezoids outside all triangles are dropped.
4. A wall goes where the trapezoids on its two sides have it as a whole side,
   carry the same triangles, and their union is convex (decided at the wall's two
   ends by exact orientations): a convex face of the graph becomes one cell. Where
   folded sheets pile up, the walls below and above every crossing go, and the
   cells fall to a third or less (D-I class 0 model 8, layer 8: 67 567 trapezoids
   of one cluster into 23 249 cells).

Cost: linear in the vertices and cells times a logarithmic search; exact
rationals only for orientations the floats do not certify and for the cells'
corners.
"""
import bisect
from functools import cmp_to_key
from itertools import chain

import numpy as np

from ..tolerances import CERTIFICATE_MARGIN, ROUNDING_BOUND
from . import certificates as _cert
from . import exact as _exact

__all__ = ["decompose"]


class _Registry:
    """Exact 2D points with integer ids (bucketed by float value, compared exactly)."""

    def __init__(self):
        self.ids, self.exact, self._h = {}, [], {}

    def add(self, p):
        key = (float(p[0]), float(p[1]))
        bucket = self.ids.setdefault(key, [])
        for i in bucket:
            if self.exact[i] == p:
                return i
        bucket.append(len(self.exact))
        self.exact.append(p)
        return len(self.exact) - 1

    def h(self, i):
        """Point ``i`` in homogeneous integers (:func:`~.exact.homogeneous`, cached)."""
        v = self._h.get(i)
        if v is None:
            v = self._h[i] = _exact.homogeneous(self.exact[i])
        return v

    def orient(self, a, b, c):
        """Exact sign of the orientation of points ``a, b, c`` (ids)."""
        return _exact.orient2_exact_sign(self.h(a), self.h(b), self.h(c))


def _inside(p, a, b):
    """Whether ``p`` (known to be on the line ab) lies strictly between a and b."""
    k = 0 if a[0] != b[0] else 1
    lo, hi = (a[k], b[k]) if a[k] < b[k] else (b[k], a[k])
    return lo < p[k] < hi


def _split_points(segs, pts, reg, F, check):
    """For each segment (pair of point ids): the ids of points strictly inside it, found exactly
    among the pairs that a float certificate does not separate."""
    E = np.array(segs, dtype=np.int64).reshape(-1, 2)
    inner = [[] for _ in segs]
    X = reg.exact
    A, B = F[E[:, 0]], F[E[:, 1]]
    # chunk by chunk: a coplanar cluster's segments can make tens of millions of box pairs
    lines, keys, ids = {}, {}, {}
    for pairs in _cert.box_pair_chunks(np.minimum(A, B), np.maximum(A, B), check=check):
        _split_pairs(pairs, E, A, B, segs, X, reg, inner, check, (lines, keys, ids))
    for group in lines.values():
        _split_collinear(group, segs, X, inner, check)
    if pts:
        _points_on_segments(pts, segs, A, B, F, X, inner, reg)
    return inner


def _split_pairs(pairs, E, A, B, segs, X, reg, inner, check, collinear):
    """One chunk of :func:`_split_points`: float certificates, then the exact tests; pairs
    on one line (exactly) are collected for :func:`_split_collinear` (``collinear``: see
    :func:`_same_line`)."""
    i, j = pairs[:, 0], pairs[:, 1]
    a, b, c, d = A[i], B[i], A[j], B[j]
    size = np.abs(np.stack([a, b, c, d])).max(axis=(0, 2))
    s1, s2 = _exact.orient2_signs(a, b, c, size), _exact.orient2_signs(a, b, d, size)
    s3, s4 = _exact.orient2_signs(c, d, a, size), _exact.orient2_signs(c, d, b, size)
    apart = (s1 * s2 == 1) | (s3 * s4 == 1)
    shared = (E[i, 0] == E[j, 0]) | (E[i, 0] == E[j, 1]) | (E[i, 1] == E[j, 0]) | \
        (E[i, 1] == E[j, 1])
    # segments with a common end meet beyond it only if collinear
    apart |= shared & ((s1 != 0) | (s2 != 0))
    # certified proper crossings need only their crossing point; the rest is decided exactly
    crossing = ~apart & (s1 * s2 == -1) & (s3 * s4 == -1)
    for s, t in pairs[crossing].tolist():
        check("crossings in a coplanar cluster")
        _cross(s, t, segs, X, reg, inner)
    rest = ~apart & ~crossing
    rest[rest] &= ~_same_line(pairs[rest], (s1[rest], s2[rest], s3[rest], s4[rest]), segs, X,
                              collinear)
    signs = np.stack([s1, s2, s3, s4], 1)[rest].tolist()
    for (s, t), sg in zip(pairs[rest].tolist(), signs):
        check("crossings in a coplanar cluster")
        _meet(s, t, segs, X, reg, inner, sg)


def _same_line(pairs, signs, segs, X, collinear):
    """Which ``pairs`` are segments of one line, exactly (tested: those whose four float
    orientations ``signs`` are all uncertain); they are added to
    ``collinear = (lines, keys, ids)`` (line id -> segments, segment -> line id, exact
    line -> id). One exact key per segment, compared as integers:
    a fold onto a line leaves millions of such pairs."""
    lines, keys, ids = collinear
    zero = (signs[0] == 0) & (signs[1] == 0) & (signs[2] == 0) & (signs[3] == 0)
    if not zero.any():
        return zero
    for r in np.unique(pairs[zero]).tolist():
        if r not in keys:
            keys[r] = ids.setdefault(_line(X, *segs[r]), len(ids))
    ki = np.array([keys[r] for r in pairs[zero, 0].tolist()], dtype=np.int64)
    kj = np.array([keys[r] for r in pairs[zero, 1].tolist()], dtype=np.int64)
    same = np.zeros(len(pairs), dtype=bool)
    same[np.flatnonzero(zero)[ki == kj]] = True
    k2 = np.concatenate([ki[ki == kj]] * 2)
    s2 = np.concatenate([pairs[same, 0], pairs[same, 1]])
    order = np.argsort(k2, kind="stable")
    for grp in np.split(order, np.flatnonzero(np.diff(k2[order])) + 1):
        if len(grp):
            lines.setdefault(int(k2[grp[0]]), set()).update(s2[grp].tolist())
    return same


def _line(X, u, v):
    """The exact line through points ``u != v``: ``(slope, intercept)``, or ``(None, x)``."""
    p, q = X[u], X[v]
    if p[0] == q[0]:
        return None, p[0]
    m = (q[1] - p[1]) / (q[0] - p[0])
    return m, p[1] - m * p[0]


def _split_collinear(group, segs, X, inner, check):
    """Segments on one line: each gets the others' ends that lie strictly inside it (sorted
    along the line, exact coordinates; what :func:`_meet` finds pair by pair)."""
    u0, v0 = segs[next(iter(group))]
    k = 0 if X[u0][0] != X[v0][0] else 1
    ends = sorted({w for s in group for w in segs[s]}, key=lambda w: X[w][k])
    at = [X[w][k] for w in ends]
    for s in sorted(group):
        check("collinear segments in a coplanar cluster")
        lo, hi = sorted((X[w][k] for w in segs[s]))
        i, j = bisect.bisect_right(at, lo), bisect.bisect_left(at, hi)
        inner[s].extend(ends[i:j])


def _points_on_segments(pts, segs, A, B, F, X, inner, reg):
    """Record in ``inner`` the given points that lie strictly inside a segment."""
    lo, hi = np.minimum(A, B), np.maximum(A, B)
    margin = CERTIFICATE_MARGIN * (np.abs(F).max() + 1e-300)
    size = np.abs(F).max()
    for p, (px, py) in zip(pts, F[pts].tolist()):
        near = np.flatnonzero((lo[:, 0] - margin <= px) & (px <= hi[:, 0] + margin) &
                              (lo[:, 1] - margin <= py) & (py <= hi[:, 1] + margin))
        if not len(near):
            continue
        sign = _exact.orient2_signs(A[near], B[near], np.broadcast_to(F[p], (len(near), 2)), size)
        for s in near[sign == 0].tolist():
            u, v = segs[s]
            if p not in (u, v) and reg.orient(u, v, p) == 0 and \
                    _inside(X[p], X[u], X[v]):
                inner[s].append(p)


def _cross(s, t, segs, X, reg, inner):
    """Record the crossing point of two segments that certainly cross properly."""
    (u, v), (w, z) = segs[s], segs[t]
    q = reg.add(_exact.meet_point(reg.h(u), reg.h(v), reg.h(w), reg.h(z)))
    inner[s].append(q)
    inner[t].append(q)


def _meet(s, t, segs, X, reg, inner, signs=(0, 0, 0, 0)):
    """Exact intersection of two segments: record crossing and touching points in ``inner``.
    ``signs``: certified float signs of the four orientations (0: uncertain, decided exactly;
    a proper crossing computes its point from the exact ones)."""
    (u, v), (w, z) = segs[s], segs[t]
    a, b, c, d = X[u], X[v], X[w], X[z]
    o1, o2, o3, o4 = (sg if sg else reg.orient(*abc) for sg, abc in zip(
        signs, ((u, v, w), (u, v, z), (w, z, u), (w, z, v))))
    touched = False
    for p, pid, op, (e, f), seg in ((c, w, o1, (a, b), s), (d, z, o2, (a, b), s),
                                    (a, u, o3, (c, d), t), (b, v, o4, (c, d), t)):
        if op == 0 and pid not in segs[seg] and _inside(p, e, f):
            inner[seg].append(pid)
            touched = True
    if touched or not (o1 and o2 and o3 and o4):
        return
    if (o1 > 0) != (o2 > 0) and (o3 > 0) != (o4 > 0):  # proper crossing
        q = reg.add(_exact.meet_point(reg.h(u), reg.h(v), reg.h(w), reg.h(z)))
        inner[s].append(q)
        inner[t].append(q)


def _graph(triangles, segments, points, check):
    """The planar straight-line graph: registry, its points' floats, sub-edges (id pairs),
    the original segments each sub-edge lies on, each triangle's three original segments,
    and the isolated points."""
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
    inner = _split_points(orig, pts, reg, F, check)
    X = reg.exact
    F = np.array([[float(x) for x in p] for p in X], dtype=float)  # crossings added
    tol = ROUNDING_BOUND * (np.abs(F).max() + 1e-300)
    sub, parents = {}, []
    for s, (u, v) in enumerate(orig):
        k = 0 if X[u][0] != X[v][0] else 1
        sign = 1 if X[u][k] < X[v][k] else -1
        chain = [u] + _sort_certified(set(inner[s]), lambda w: sign * F[w, k],
                                      lambda w: sign * X[w][k], tol) + [v]
        for w, z in zip(chain[:-1], chain[1:]):
            key = (min(w, z), max(w, z))
            if key not in sub:
                sub[key] = len(parents)
                parents.append([])
            parents[sub[key]].append(s)
    return reg, F, list(sub), parents, tri_segs, tri, pts


def decompose(triangles, segments=(), points=(), check=None, feet=False):
    """Convex cells covering the union of the triangles, shared by all that contain them.

    Parameters
    ----------
    triangles : list of 3 exact 2D points (pairs of ``flint.fmpq``)
        Nondegenerate.
    segments : list of 2 exact 2D points
        Extra segments that must lie on cell edges.
    points : list of exact 2D points
        Extra points that must lie on cell edges or corners.
    check : callable, optional
        Called as ``check(where)`` now and then (a time or memory budget that raises).
    feet : bool
        Also return, per cell, the corners of other cells that lie inside its lower and
        upper sides (the feet of their walls), known from the sweep without a test.

    Returns
    -------
    list of (corners, carriers) or, with ``feet``, of (corners, carriers, inner)
        ``corners``: exact 2D points of a convex cell, counter-clockwise;
        ``carriers``: indices of the triangles that contain the cell. Every
        triangle is the union of the cells that it carries, and distinct cells
        meet only along their boundaries. ``inner[i]``: corners of other cells
        strictly inside the side from ``corners[i]`` to the next corner, in that
        order (not every point on the side: those on vertical sides are left out).

    Examples
    --------
    >>> from flint import fmpq
    >>> q = lambda *xy: tuple(fmpq(v) for v in xy)
    >>> cells = decompose([[q(0, 0), q(2, 0), q(0, 2)], [q(0, 0), q(2, 0), q(2, 2)]])
    >>> sorted(c for _, c in cells)   # their overlap, the triangle (0,0), (2,0), (1,1): one cell
    [(0,), (0, 1), (1,)]
    """
    check = check or (lambda where: None)
    reg, F, edges, parents, tri_segs, tri, pts = _graph(triangles, segments, points, check)
    if not edges:
        return []
    return _Sweep(reg, F, edges, parents, tri_segs, tri, pts).run(check, feet)


class _Sweep:
    """The trapezoidal map of the graph by a left-to-right sweep, with the carriers of its
    trapezoids.

    The status is the list of non-vertical edges that the sweep line crosses, bottom to
    top. The gap above each edge (``None``: the bottom gap) is a trapezoid that stays open
    until a vertex lies in it or on its bounding edges; then it is closed and reopened
    beside the vertex's new edges. The carriers of the region just above an edge are those
    of the region just below it, less the triangles below the edge with a side on it, plus
    those above: the region below an inserted edge is the one above its neighbour below,
    known already.
    """

    def __init__(self, reg, F, edges, parents, tri_segs, tri, pts):
        self.reg = reg
        self.X = X = reg.exact
        self.F = [tuple(p) for p in F.tolist()]    # the graph's floats, one per exact point
        size = float(np.abs(F).max()) + 1e-300
        self.size = size
        self.xtol = ROUNDING_BOUND * size               # certificate of a float coordinate order
        E = []
        for u, v in edges:  # left to right (lexicographic: bottom to top if vertical)
            E.append((u, v) if (X[u][0], X[u][1]) < (X[v][0], X[v][1]) else (v, u))
        self.E = E
        self.parents = [frozenset(p) for p in parents]
        self.flips = self._flips(E, parents, tri_segs, tri, reg, self.F, size)
        self.starts, self.ends = {}, {}
        self.vertical = set()
        for e, (u, v) in enumerate(E):
            if X[u][0] == X[v][0]:
                self.vertical.update((u, v))
                continue
            self.starts.setdefault(u, []).append(e)
            self.ends[v] = self.ends.get(v, 0) + 1
        self.vertices = sorted(set(self.starts) | set(self.ends) | self.vertical | set(pts))
        self.heights, self.slopes, self._ys = {}, {}, {}

    @staticmethod
    def _flips(E, parents, tri_segs, tri, reg, F, size):
        """For each non-vertical edge: (triangles below it, triangles above it) among those
        with a side on it."""
        side, X = {}, reg.exact
        for t, (ids, segs) in enumerate(zip(tri, tri_segs)):
            for (i, j, k), s in zip(((0, 1, 2), (1, 2, 0), (0, 2, 1)), segs):
                a, b = sorted((ids[i], ids[j]), key=lambda w: (X[w][0], X[w][1]))
                # a nondegenerate triangle: the sign is never 0, floats decide it mostly
                up = _exact.orient2_sign(F[a], F[b], F[ids[k]], size) or \
                    reg.orient(a, b, ids[k])
                side.setdefault(s, []).append((t, up > 0))
        flips = []
        for e in range(len(E)):
            below, above = set(), set()
            for s in parents[e]:
                for t, up in side.get(s, ()):
                    (above if up else below).add(t)
            flips.append((frozenset(below), frozenset(above)))
        return flips

    def _orient(self, a, b, c):
        """Sign of orient2 of three point ids: floats where they certify it, else exact."""
        sign = _exact.orient2_sign(self.F[a], self.F[b], self.F[c], self.size)
        return sign or self.reg.orient(a, b, c)

    def _columns(self):
        """Vertices in lexicographic order, grouped by their exact x-coordinate."""
        X, F = self.X, self.F
        out = []
        for w in _sort_certified(self.vertices, lambda w: F[w][0], lambda w: X[w], self.xtol):
            if out and X[out[-1][-1]][0] == X[w][0]:
                out[-1].append(w)
            else:
                out.append([w])
        return out

    def _locate(self, S, v):
        """Number of status edges strictly below vertex ``v`` (its column's edges)."""
        lo, hi = 0, len(S)
        while lo < hi:
            m = (lo + hi) // 2
            a, b = self.E[S[m]]
            if b != v and self._orient(a, b, v) > 0:   # edges ending at v are not below it
                lo = m + 1
            else:
                hi = m
        return lo

    def _fan(self, v):
        """Edges starting at ``v``, bottom to top just right of it."""
        fan = self.starts.get(v, [])
        if len(fan) > 1:
            E = self.E
            fan = sorted(fan, key=cmp_to_key(lambda e, f: -self._orient(v, E[e][1], E[f][1])))
        return fan

    def run(self, check, feet=False):
        S, above, opened, cells = [], {None: frozenset()}, {}, []
        cols = self._columns()
        self.cols = [self.X[c[0]][0] for c in cols]
        for col, verts in enumerate(cols):
            check("trapezoidal map of a coplanar cluster")
            for v in verts:
                lo = self._locate(S, v)
                hi = lo + self.ends.get(v, 0)
                for k in range(lo - 1, hi):     # the gaps that v closes
                    low = S[k] if k >= 0 else None
                    start = opened.pop(low, None)
                    if start is not None and start < col and k + 1 < len(S) and above[low]:
                        cells.append((low, S[k + 1], start, col, above[low]))
                fan = self._fan(v)
                if any(self.E[e][1] != v for e in S[lo:hi]):
                    raise RuntimeError("planar sweep: the status disagrees with the graph")
                S[lo:hi] = fan
                for k in range(lo - 1, lo + len(fan)):
                    low = S[k] if k >= 0 else None
                    if k >= lo:
                        below, up = self.flips[low]
                        above[low] = (above[S[k - 1] if k > 0 else None] - below) | up
                    opened[low] = col
        merged = self._merge(cells, cols)
        on_edge = None
        if feet:   # the columns where some cell has a corner on each edge: its wall feet
            on_edge = {}
            for lower, upper, _ in merged:
                for e, c0, c1 in chain(lower, upper):
                    on_edge.setdefault(e, set()).update((c0, c1))
            on_edge = {e: sorted(cs) for e, cs in on_edge.items()}
        out = []
        for c in merged:
            check("cells of a coplanar cluster")
            out.append(self._cell(*c, on_edge=on_edge))
        return out

    def _merge(self, cells, cols):
        """Trapezoids chained across walls that hold nothing, merged where the union stays
        convex. Returns ``(lower runs, upper runs, carriers)`` per cell, a run being
        ``[edge, first column, last column]``, left to right.

        A wall goes when the trapezoids on its two sides have it as their whole right and
        left side and carry the same triangles, no vertex lies strictly inside it, neither
        end is on a vertical edge, and at its ends the lower chain turns left and the upper
        chain right (or goes straight): two convex polygons sharing a whole side have a
        convex union exactly when both angles at that side's ends are at most straight.
        Where folded sheets pile up, most walls are of this kind (those below and above
        every crossing), and the cells fall to a fraction."""
        E = self.E
        col_of = {w: c for c, verts in enumerate(cols) for w in verts}

        def end(e, c):   # the edge's point at column c: its vertex there, or the edge itself
            u, v = E[e]
            return u if col_of[u] == c else v if col_of[v] == c else -1 - e
        left = {(c0, end(low, c0), end(up, c0)): i for i, (low, up, c0, _, _) in enumerate(cells)}
        nxt = {}
        for i, (low, up, _, c1, carriers) in enumerate(cells):
            bottom, top = end(low, c1), end(up, c1)
            j = left.get((c1, bottom, top))
            if j is not None and bottom != top and cells[j][4] == carriers and \
                    self._removable(cells[i], cells[j], bottom, top, c1, cols[c1]):
                nxt[i] = j
        out, later = [], set(nxt.values())
        for i, (low, up, c0, c1, carriers) in enumerate(cells):
            if i in later:
                continue
            lower, upper = [[low, c0, c1]], [[up, c0, c1]]
            while i in nxt:
                i = nxt[i]
                low, up, _, c1, _ = cells[i]
                for runs, e in ((lower, low), (upper, up)):
                    if runs[-1][0] == e:
                        runs[-1][2] = c1
                    else:
                        runs.append([e, runs[-1][2], c1])
            out.append((lower, upper, carriers))
        return out

    def _removable(self, A, B, bottom, top, c, verts):
        """Whether the wall at column ``c`` (vertices ``verts``, bottom to top) between
        trapezoids ``A`` (left) and ``B`` may go (:meth:`_merge`); ``bottom``, ``top``: its
        ends (vertex ids, or negative where inside an edge)."""
        if bottom in self.vertical or top in self.vertical:
            return False
        if len(verts) > (bottom >= 0) + (top >= 0):   # another vertex in the column
            ys = self._ys.get(c)
            if ys is None:
                ys = self._ys[c] = [self.X[w][1] for w in verts]
            k = bisect.bisect_right(ys, self._height(A[0], c))
            if k < len(ys) and ys[k] < self._height(A[1], c):
                return False
        if A[0] != B[0] and self._turn(A[0], B[0]) < 0:
            return False
        return A[1] == B[1] or self._turn(A[1], B[1]) <= 0

    def _turn(self, e, f):
        """Sign of the turn from edge ``e`` to edge ``f``, which starts where ``e`` ends
        (left 1, straight 0, right -1): straight without a test where both are pieces of one
        segment of the graph (consecutive, they meet only at their common end)."""
        if not self.parents[e].isdisjoint(self.parents[f]):
            return 0
        return self._orient(self.E[e][0], self.E[e][1], self.E[f][1])

    def _height(self, e, col):
        """Exact height of edge ``e`` at column ``col`` (cached: cells share corners)."""
        key = (e, col)
        h = self.heights.get(key)
        if h is None:
            (u, v), x = self.E[e], self.cols[col]
            a, b = self.X[u], self.X[v]
            if x == a[0] or x == b[0]:
                h = a[1] if x == a[0] else b[1]
            else:
                slope = self.slopes.get(e)
                if slope is None:
                    slope = self.slopes[e] = (b[1] - a[1]) / (b[0] - a[0])
                h = a[1] + slope * (x - a[0])
            self.heights[key] = h
        return h

    def _cell(self, lower, upper, carriers, on_edge=None):
        """Corners (counter-clockwise) of the convex cell between the runs ``lower`` and
        ``upper`` (:meth:`_merge`) and the vertical walls at their ends, and its carriers;
        with ``on_edge``, per side the points known to lie strictly inside it: the other
        cells' corners there (the feet of their walls) and the vertices where the side goes
        straight on from one edge to the next."""
        cols, h = self.cols, self._height
        pts, sides, flat = [], [], []     # the boundary counter-clockwise, from bottom left
        for k, (e, c0, c1) in enumerate(lower):
            pts.append((cols[c0], h(e, c0)))
            sides.append(self._feet(e, c0, c1, on_edge) if on_edge is not None else [])
            flat.append(k > 0 and self._turn(lower[k - 1][0], e) == 0)
        e = lower[-1][0]
        pts.append((cols[lower[-1][2]], h(e, lower[-1][2])))
        sides.append([])
        flat.append(False)
        for k in range(len(upper) - 1, -1, -1):
            e, c0, c1 = upper[k]
            pts.append((cols[c1], h(e, c1)))
            sides.append(self._feet(e, c0, c1, on_edge)[::-1] if on_edge is not None else [])
            flat.append(k + 1 < len(upper) and self._turn(e, upper[k + 1][0]) == 0)
        pts.append((cols[upper[0][1]], h(upper[0][0], upper[0][1])))
        sides.append([])
        flat.append(False)
        keep = [k for k in range(len(pts)) if not flat[k] and pts[k] != pts[k - 1]]
        corners = [pts[k] for k in keep]
        if on_edge is None:
            return corners, tuple(sorted(carriers))
        # a side between kept corners spans the empty sides of the corners dropped, and the
        # straight ones with their vertex
        inner = []
        for j, k in enumerate(keep):
            nxt, side, m = keep[(j + 1) % len(keep)], list(sides[k]), (k + 1) % len(pts)
            while m != nxt:
                if flat[m]:
                    side.append(pts[m])
                side += sides[m]
                m = (m + 1) % len(pts)
            inner.append(side)
        return corners, tuple(sorted(carriers)), inner

    def _feet(self, e, c0, c1, on_edge):
        """The corners of other cells on edge ``e`` strictly between columns ``c0`` and ``c1``
        (left to right): exact points of ``e``, computed as those cells' corners are."""
        cs = on_edge.get(e, ())
        return [(self.cols[c], self._height(e, c))
                for c in cs[bisect.bisect_right(cs, c0):bisect.bisect_left(cs, c1)]]


def _sort_certified(ids, fkey, xkey, tol):
    """``ids`` sorted by the exact key ``xkey``: by its float ``fkey`` (within ``tol`` of it),
    and exactly within each run of floats closer than ``2 tol``."""
    order = sorted(ids, key=fkey)
    f = [fkey(w) for w in order]
    out, i = [], 0
    while i < len(order):
        j = i + 1
        while j < len(order) and f[j] - f[j - 1] <= 2 * tol:
            j += 1
        out.extend(order[i:j] if j - i == 1 else sorted(order[i:j], key=xkey))
        i = j
    return out
