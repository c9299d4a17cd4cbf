"""Convex cells of one triangle cut by segments and points: the image complex's clusters of one.

Helper of :func:`topodestruct.geometry._image_cells._cut_cluster`. Most coplanar clusters of
a folded image are one triangle crossed by a few other sheets (D-I class 0 model 5, layer 8:
5 069 of 5 097 clusters), and for them the trapezoidal map of
:func:`~topodestruct.geometry.planar.decompose` is mostly overhead. Here the triangle is
split, polygon by polygon, along a segment's line wherever the open segment crosses a
polygon's interior, then fanned from each point strictly inside a polygon. Every cell is
strictly convex, every segment lies on cell sides and every point on a side or a corner.

Exact where it decides: orientations by float certificate
(:func:`~topodestruct.geometry.exact.orient2_sign`) and exactly where that is uncertain;
crossing points exact. Points known to lie on a line (the triangle's corners on its edges,
segment ends and crossings on theirs) are not tested again: chains of collinear segments
(several triangles of one sheet crossing this one) cost no exact test.
"""
from flint import fmpq

from ..tolerances import CERTIFICATE_MARGIN
from .exact import homogeneous_cross as _cross, orient2_sign
from .planar import _Registry

__all__ = ["cut_triangle"]


def cut_triangle(triangle, segments=(), points=()):
    """Convex cells covering one triangle, cut along ``segments`` and at ``points``.

    Parameters
    ----------
    triangle : 3 exact 2D points (pairs of ``flint.fmpq``), not collinear
    segments : list of 2 exact 2D points, in the closed triangle
    points : list of exact 2D points, in the closed triangle

    Returns
    -------
    list of (corners, (0,), inner)
        As :func:`~topodestruct.geometry.planar.decompose` with ``feet=True`` for one
        triangle: strictly convex cells, corners counter-clockwise; ``inner[i]``: points
        known to lie strictly inside the side from ``corners[i]`` to the next (in order
        along it): given points and other cells' corners on it, not necessarily all.

    Examples
    --------
    >>> from flint import fmpq
    >>> q = lambda *xy: tuple(fmpq(v) for v in xy)
    >>> cells = cut_triangle([q(0, 0), q(4, 0), q(0, 4)], [(q(1, 0), q(1, 3))], [q(2, 1)])
    >>> len(cells), sorted(len(c) for c, _, _ in cells)   # a cut, and a fan from (2, 1)
    (4, [3, 3, 3, 4])
    """
    cut = _Cutter(triangle)
    for p, r in segments:
        cut.segment(p, r)
    for p in points:
        cut.point(p)
    return cut.cells()


class _Cutter:
    """Polygons (lists of ``[corner id, id of the line of the side that starts there]``,
    counter-clockwise) split by lines; ``on[line]``: point ids known to lie on it.

    Points (the registry's :meth:`~.planar._Registry.h`) and lines in homogeneous integer
    coordinates: an orientation is three integer products (the fractions' orientation,
    scaled by positive denominators), a crossing a cross product, with no gcd on the way;
    several times cheaper than rationals."""

    def __init__(self, triangle):
        self.reg, self.F = _Registry(), []
        ids = [self._id(p) for p in triangle]
        self.size = max(abs(c) for u in ids for c in self.F[u]) + 1e-300
        a, b, c = (self.reg.h(u) for u in ids)
        if sum(x * y for x, y in zip(_cross(a, b), c)) < 0:     # counter-clockwise
            ids.reverse()
        self.lines, self.through, self.on, self.lines_of = [], [], [], {}
        for k in range(3):
            self._new_line(ids[k], ids[(k + 1) % 3])
        self.polygons = [[[u, k] for k, u in enumerate(ids)]]
        self.crossings = {}
        self.given = set(ids)    # with the cells' corners: the points worth listing in sides

    def _id(self, p, h=None):
        u = self.reg.add(p)
        if u == len(self.F):
            if h is not None:        # a crossing: its integers are known
                self.reg._h[u] = h
            self.F.append((float(p[0]), float(p[1])))
        return u

    def _new_line(self, u, v):
        self.lines.append(_cross(self.reg.h(u), self.reg.h(v)))
        self.through.append((u, v))     # its orientation is orient2(u, v, .)'s
        self.on.append(set())
        k = len(self.lines) - 1
        self._mark(u, k)
        self._mark(v, k)
        return k

    def _mark(self, u, line):
        self.on[line].add(u)
        self.lines_of.setdefault(u, set()).add(line)

    def _side(self, line, w):
        """Sign of point ``w`` against ``line``, exact (1: left of its direction)."""
        if w in self.on[line]:
            return 0
        a, b = self.through[line]   # floats certify most signs (points far from the line)
        sign = orient2_sign(self.F[a], self.F[b], self.F[w], self.size)
        if sign:
            return sign
        L, h = self.lines[line], self.reg.h(w)
        v = L[0] * h[0] + L[1] * h[1] + L[2] * h[2]
        if not v:
            self._mark(w, line)
        return (v > 0) - (v < 0)

    def _line(self, u, v):
        """The id of the line through points ``u != v``: one already known to hold both
        (tested where it holds one of them), or a new one."""
        for k in self.lines_of.get(u, set()) | self.lines_of.get(v, set()):
            if self._side(k, u) == 0 and self._side(k, v) == 0:
                return k
        return self._new_line(u, v)

    def _crossing(self, line, side_line):
        """The point where ``line`` crosses a side on ``side_line`` (another line): one
        known on both, else computed (exact)."""
        key = (line, side_line)
        x = self.crossings.get(key)
        if x is None:
            known = self.on[line] & self.on[side_line]
            if known:       # two lines meet once
                x = next(iter(known))
            else:
                h = _cross(self.lines[line], self.lines[side_line])
                if h[2] < 0:
                    h = (-h[0], -h[1], -h[2])
                x = self._id((fmpq(h[0], h[2]), fmpq(h[1], h[2])), h)
                self._mark(x, line)
                self._mark(x, side_line)
            self.crossings[key] = x
        return x

    def segment(self, p, r):
        u, v = self._id(p), self._id(r)
        self.given.update((u, v))
        if u == v:
            self.point(p)
            return
        line = self._line(u, v)
        F, tol = self.F, CERTIFICATE_MARGIN * self.size
        box = [min(F[u][0], F[v][0]) - tol, max(F[u][0], F[v][0]) + tol,
               min(F[u][1], F[v][1]) - tol, max(F[u][1], F[v][1]) + tol]
        out = []
        for poly in self.polygons:
            # floats first, only to skip polygons far from the segment (their boxes apart)
            xs, ys = [F[w][0] for w, _ in poly], [F[w][1] for w, _ in poly]
            if max(xs) < box[0] or min(xs) > box[1] or max(ys) < box[2] or min(ys) > box[3]:
                out.append(poly)
            else:
                out.extend(self._split(poly, line, (u, v)))
        self.polygons = out

    def _split(self, poly, line, seg):
        """``poly`` split along ``line`` where the open segment ``seg`` meets its interior."""
        s = [self._side(line, w) for w, _ in poly]
        if max(s) <= 0 or min(s) >= 0:
            return [poly]
        left, right, chord = [], [], []
        n = len(poly)
        for k in range(n):
            w, side_line = poly[k]
            if s[k] >= 0:
                left.append([w, side_line])
            if s[k] <= 0:
                right.append([w, side_line])
            if s[k] == 0:
                chord.append(w)
            elif s[k] * s[(k + 1) % n] < 0:
                x = self._crossing(line, side_line)
                left.append([x, side_line])
                right.append([x, side_line])
                chord.append(x)
        if not self._overlaps(line, chord, seg):
            return [poly]
        for part in (left, right):    # the side from one chord end to the other is on line
            for k in range(len(part)):
                if part[k][0] in chord and part[(k + 1) % len(part)][0] in chord:
                    part[k][1] = line
        return [left, right]

    def _overlaps(self, line, chord, seg):
        """Whether the open chord and the open segment share more than a point (exact
        coordinates along the line)."""
        X, F = self.reg.exact, self.F
        k = 0 if self.lines[line][1] else 1     # along x unless the line is vertical
        (c0, c1), (s0, s1) = (sorted((F[w][k], w) for w in ends) for ends in (chord, seg))
        tol = CERTIFICATE_MARGIN * self.size     # floats decide where the gap is wide
        lo, hi = max(c0, s0), min(c1, s1)
        if abs(lo[0] - hi[0]) > tol:
            return lo[0] < hi[0]
        (c0, c1), (s0, s1) = (sorted(X[w][k] for w in ends) for ends in (chord, seg))
        return max(c0, s0) < min(c1, s1)

    def point(self, p):
        w = self._id(p)
        self.given.add(w)
        for i, poly in enumerate(self.polygons):
            if any(w == u for u, _ in poly):
                return
            inside = self._inside(poly, w)
            if inside is None:          # on a side
                return
            if inside:
                n = len(poly)
                spokes = [self._new_line(w, u) for u, _ in poly]
                fan = [[[w, spokes[k]], [poly[k][0], poly[k][1]],
                        [poly[(k + 1) % n][0], spokes[(k + 1) % n]]] for k in range(n)]
                self.polygons[i:i + 1] = fan
                return

    def _inside(self, poly, w):
        """True: strictly inside the polygon; None: on its boundary; False: outside."""
        H, on, n = self.reg.h, [], len(poly)
        for k in range(n):
            L, h = _cross(H(poly[k][0]), H(poly[(k + 1) % n][0])), H(w)
            o = L[0] * h[0] + L[1] * h[1] + L[2] * h[2]
            if o < 0:
                return False
            if not o:
                on.append(poly[k][1])
        for line in on:                 # a point on a side: listed with it
            self._mark(w, line)
        return None if on else True

    def cells(self):
        X = self.reg.exact
        listed = self.given.union(u for poly in self.polygons for u, _ in poly)
        out = []
        for poly in self.polygons:
            n = len(poly)
            inner = []
            for k in range(n):
                u, line = poly[k]
                z = poly[(k + 1) % n][0]
                near = self.on[line] & listed
                if len(near) <= 2:      # the side's own ends at most
                    inner.append([])
                    continue
                j = 0 if self.lines[line][1] else 1
                lo, hi = X[u][j], X[z][j]
                if hi < lo:
                    lo, hi = hi, lo
                # floats first, only to skip points far off (a float is within rounding of
                # its point, far below the margin; the triangle's corners bound the size)
                tol = CERTIFICATE_MARGIN * self.size
                flo, fhi = float(lo) - tol, float(hi) + tol
                side = sorted((w for w in near if w != u and w != z and
                               flo < self.F[w][j] < fhi and lo < X[w][j] < hi),
                              key=lambda w: X[w][j], reverse=X[z][j] < X[u][j])
                inner.append([X[w] for w in side])
            out.append(([X[u] for u, _ in poly], (0,), inner))
        return out
