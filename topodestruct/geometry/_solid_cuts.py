"""Carving solid image pieces that other pieces meet inside: cut by planes holding what meets them.

A 3-piece ``T`` (the image of a tetrahedron, nondegenerate) is *not clean*
when another piece ``Q`` meets its interior: another 3-piece in the same
3-flat (a fold of solids), a 3-piece of another flat crossing it, or a
triangle, edge or point of the 2-skeleton.  Then ``X = Q ∩ flat(T)`` is a
convex polytope of dimension <= 3 in that flat (its vertices: the basic
solutions over ``Q``'s vertices), and ``T`` is cut by planes of the flat that
hold ``X``: a solid's four facet planes, a polygon's plane, one plane through a
segment or a point (one already taken where it holds it); a plane cuts only the cells
whose boxes meet those of the sections it holds.  Then ``X`` meets no cell's
interior, and neither does ``Q`` (``Q`` meets the flat only in ``X``).  Cells of
different 3-pieces need not match along their faces: the caller hands their
tetrahedra to the exact image of the 2-skeleton, which refines every triangle
against every other, and cones each over its refined boundary.

3-pieces of one flat whose interiors overlap (a *cluster*: linked by interior
overlaps) are cut into an *overlay*: interior-disjoint convex cells, each inside or
interior-disjoint from every member, so a member is the union of its cells (which the
images of collapsed pieces need).  Members are added one at a time: each earlier cell
that the new member ``T`` meets is cut by ``T``'s facet planes, one after the other,
into its part in ``T`` and parts outside (a cell that misses ``T``'s interior stays
whole), and ``T`` less the earlier members it overlaps is cut the same way by each of
their facet planes.  Then every cell near a section (boxes of floats widened far
beyond rounding) is cut by that section's plane.  Cutting every member by every plane
of its cluster (the arrangement, until session 15) was O(P^3) cells per member: on a
pile of 209 solids of one 3-flat (D-II model 2, layer 2) it ran for minutes; the
overlay takes 12 s.  The cells are cut with the refinement's own
:class:`~._cells.Cells` (shared exact cut points, one id per exact point within the
cluster) and triangulated by pulling with that vertex order; a cell held by several
members gives equal tetrahedra (one 3-piece).  Cells need not meet face to face, so
each carries its own number (the caller's promise of injectivity holds within a cell
only).  The caller replaces ``T`` by these tetrahedra and checks the result exactly
again (a piece still meeting an interior is refused, never answered).

Coordinates in a flat: the three coordinates on which it projects bijectively
(the pivots of its direction space's reduced row echelon form), with the exact
affine lift ``x = base + G y`` back to ``R^n``; ``(pivots, G, base)`` is unique
to the flat, so it is also the key that groups 3-pieces by flat.
"""
from itertools import combinations

import numpy as np
from flint import fmpq, fmpq_mat

from .exact import _solve
from ._cells import Cells
from .certificates import widened

__all__ = ["carve_solids"]

_ZERO, _ONE = fmpq(0), fmpq(1)


class _Flat:
    """The affine 3-flat of a nondegenerate exact tetrahedron (module notes)."""

    def __init__(self, corners):
        c0, n = corners[0], len(corners[0])
        D = [[c[r] - c0[r] for r in range(n)] for c in corners[1:]]          # 3 x n
        rref, rank = fmpq_mat(3, n, [x for row in D for x in row]).rref()
        assert rank == 3
        self.pivots = tuple(next(r for r in range(n) if rref[i, r] != 0) for i in range(3))
        # G: n x 3, columns the direction basis with the identity on the pivots
        self.G = [[rref[j, r] for j in range(3)] for r in range(n)]
        self.base = tuple(c0[r] - sum((self.G[r][j] * c0[p] for j, p in enumerate(self.pivots)),
                                      _ZERO) for r in range(n))
        self.key = (self.pivots, tuple(x for row in self.G for x in row), self.base)

    def chart(self, q):
        return tuple(q[p] for p in self.pivots)

    def lift(self, y):
        return tuple(b + sum((g * v for g, v in zip(row, y)), _ZERO)
                     for b, row in zip(self.base, self.G))

    def offset(self, q):
        return [a - b for a, b in zip(q, self.lift(self.chart(q)))]


def _section(flat, pts):
    """Vertices (chart coordinates) of ``conv(pts) ∩ flat``: the basic solutions of
    ``Σ μ_j off_j = 0, Σ μ_j = 1, μ > 0`` over the supports of the points."""
    offs = [flat.offset(q) for q in pts]
    n = len(offs[0])
    out = set()
    for k in range(1, len(pts) + 1):
        for S in combinations(range(len(pts)), k):
            A = [[_ONE] * k] + [[offs[j][r] for j in S] for r in range(n)]
            sol = _solve(A, [_ONE] + [_ZERO] * n, k)
            if sol is None or sol[1] or any(m <= 0 for m in sol[0]):
                continue
            y = [sum((m * c for m, c in zip(sol[0], (flat.chart(pts[j])[i] for j in S))),
                     _ZERO) for i in range(3)]
            out.add(tuple(y))
    return sorted(out)


def _sub(a, b):
    return tuple(x - y for x, y in zip(a, b))


def _cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _plane(normal, point):
    """The plane ``normal . y + c = 0`` through ``point``, scaled so that the first nonzero
    coefficient is 1 (one key per plane)."""
    lead = next(x for x in normal if x != 0)
    a = tuple(x / lead for x in normal)
    return a + (-_dot(a, point),)


_AXES = ((_ONE, _ZERO, _ZERO), (_ZERO, _ONE, _ZERO), (_ZERO, _ZERO, _ONE))


def _on(plane, y):
    return _dot(plane[:3], y) + plane[3] == 0


def _section_planes(X, planes):
    """Planes whose union holds the hull of the points ``X`` (module notes): a solid's four
    facet planes, a polygon's plane, and for a segment or a point one plane through it,
    one of ``planes`` if one already holds it."""
    p0 = X[0]
    basis = []
    for d in (_sub(p, p0) for p in X[1:]):   # a maximal independent set of directions
        if len(basis) == 0 and any(d):
            basis.append(d)
        elif len(basis) == 1 and any(_cross(basis[0], d)):
            basis.append(d)
        elif len(basis) == 2 and _dot(_cross(basis[0], basis[1]), d) != 0:
            basis.append(d)
    if len(basis) == 3:                      # a solid of the flat (four points)
        return {_plane(_cross(_sub(f[1], f[0]), _sub(f[2], f[0])), f[0])
                for f in combinations(X, 3)}
    if len(basis) == 2:
        return {_plane(_cross(basis[0], basis[1]), p0)}
    held = next((h for h in sorted(planes) if all(_on(h, y) for y in X)), None)
    if held is not None:
        return {held}
    if len(basis) == 1:
        return {_plane(next(c for c in (_cross(basis[0], a) for a in _AXES) if any(c)), p0)}
    return {_plane(_AXES[0], p0)}


class _Cluster:
    """One cluster's carving (module notes): its vertices (chart coordinates, one id per
    exact point), its members (chart corners) and the planes of its sections, each with
    the boxes of the sections it holds."""

    def __init__(self, flat):
        self.flat, self.points, self.ids = flat, [], {}
        self.members, self.sections, self._lifted = {}, {}, {}
        self._F = np.zeros((0, 3))

    def lifted(self, v):
        """Vertex ``v`` in R^n (exact; lifted once: cells share their corners)."""
        p = self._lifted.get(v)
        if p is None:
            p = self._lifted[v] = self.flat.lift(self.points[v])
        return p

    def vid(self, y):
        i = self.ids.get(y)
        if i is None:
            i = self.ids[y] = len(self.points)
            self.points.append(y)
        return i

    def add_section(self, X):
        """Planes holding the section ``X`` (chart points), each cutting near ``X`` only."""
        F = np.array([[float(x) for x in y] for y in X])
        box = tuple(map(tuple, widened(F.min(0), F.max(0))))
        for h in _section_planes(X, self.sections):
            self.sections.setdefault(h, set()).add(box)

    def carve(self, overlaps, check):
        """``{t: [(cell, row of vertex ids)]}``: the pulling triangulations of the cells of
        each member (module notes: the overlay of the members, then the sections' planes);
        a cell held by several members is listed for each."""
        shapes, label = [], []                   # interior-disjoint cells, members holding each
        for t in sorted(self.members):
            check("carving overlapping solid image pieces", every=1)
            T = [self.vid(y) for y in self.members[t]]
            before = {m for m in overlaps.get(t, ()) if m < t}
            met = [i for i, lab in enumerate(label) if lab & before]
            if met:                              # cells of earlier members: in T, or not
                parts = self._clip([shapes[i] for i in met], T, check)
                for i, (inside, outside) in zip(met, parts):
                    old = label[i]
                    pieces = [(s, old | {t}) for s in inside] + [(s, old) for s in outside]
                    shapes[i], label[i] = pieces[0]
                    shapes.extend(s for s, _ in pieces[1:])
                    label.extend(lab for _, lab in pieces[1:])
            rest = Cells.of_simplices(np.array([T]), [0]).shapes
            for m in sorted(before):             # T less the earlier members it overlaps
                if not rest:                     # T lies in earlier members: nothing left
                    break
                M = [self.vid(y) for y in self.members[m]]
                rest = [s for _, out in self._clip(rest, M, check) for s in out]
            shapes.extend(rest)
            label.extend([frozenset([t])] * len(rest))
        cells = Cells(3, shapes, np.arange(len(shapes)))
        for h in sorted(self.sections):
            check("carving overlapping solid image pieces", every=4)
            self._cut(cells, h, self.sections[h])
        simp, owner = cells.triangulate()
        out = {t: [] for t in self.members}
        for row, c, o in zip(simp.tolist(), cells.parent[owner].tolist(), owner.tolist()):
            for t in label[c]:
                out[t].append((o, row))
        return out

    def _signs(self, cells, h, among):
        """Exact signs of the plane ``h`` at the vertices of the cells ``among``, and the
        cut points of the edges it crosses there."""
        verts = np.unique(cells.vflat[np.repeat(among, cells.vlen)]).tolist()
        value = {v: _dot(h[:3], self.points[v]) + h[3] for v in verts}
        sg = np.zeros(len(self.points), dtype=np.int64)
        for v, x in value.items():
            sg[v] = (x > 0) - (x < 0)
        hit, E = cells.crossing_edges(sg, among)
        lookup = {}
        for u, v in E.tolist():
            r = value[u] / (value[u] - value[v])
            pu, pv = self.points[u], self.points[v]
            lookup[(u, v)] = self.vid(tuple(x + r * (y - x) for x, y in zip(pu, pv)))
        sg = np.concatenate([sg, np.zeros(len(self.points) - len(sg), dtype=np.int64)])
        return sg, hit, lookup

    def _cut(self, cells, h, boxes):
        """Cut the cells near one of ``boxes`` that the plane ``h`` crosses."""
        if len(self._F) < len(self.points):         # floats of the points, grown lazily
            new = [[float(x) for x in y] for y in self.points[len(self._F):]]
            self._F = np.concatenate([self._F, np.array(new)])
        P = self._F[cells.vflat]
        lo, hi = cells.per_cell(np.minimum, P), cells.per_cell(np.maximum, P)
        B = np.array(sorted(boxes))                       # boxes x (lo, hi) x 3
        near = ((lo[:, None, :] <= B[None, :, 1, :]) & (B[None, :, 0, :] <= hi[:, None, :])
                ).all(2).any(1)
        if near.any():
            sg, hit, lookup = self._signs(cells, h, near)
            if hit.any():
                cells.split(hit, sg, lookup)

    def _clip(self, shapes, T, check):
        """For each cell of ``shapes``: ``(inside, outside)``, its cells in the tetrahedron
        ``T`` (vertex ids) and out of its interior, cut by ``T``'s facet planes one after the
        other; a cell that does not meet ``T``'s interior comes back whole (``([], [it])``)."""
        cells = Cells(3, shapes, np.arange(len(shapes)))
        inside = np.ones(len(shapes), dtype=bool)          # not yet outside a facet plane
        for f in combinations(range(4), 3):
            check("carving overlapping solid image pieces", every=4)
            h = _outward([self.points[T[i]] for i in f], self.points[T[6 - sum(f)]])
            sg, hit, lookup = self._signs(cells, h, inside)
            low = cells.per_cell(np.minimum, sg[cells.vflat])
            inside &= hit | (low < 0)
            if hit.any():
                side = cells.split(hit, sg, lookup)
                inside = np.concatenate([inside[~hit], side[len(inside) - hit.sum():] < 0])
        out = [([], []) for _ in shapes]
        for c, s in enumerate(cells.shapes):
            out[cells.parent[c]][0 if inside[c] else 1].append(s)
        return [(i, o) if i else ([], [shapes[k]]) for k, (i, o) in enumerate(out)]


def _outward(tri, opposite):
    """The plane through the three points ``tri``, positive on the side away from
    ``opposite``."""
    h = _plane(_cross(_sub(tri[1], tri[0]), _sub(tri[2], tri[0])), tri[0])
    return h if _dot(h[:3], opposite) + h[3] < 0 else tuple(-x for x in h)


def carve_solids(solids, point, hits, pieces, check=lambda where, every=1: None):
    """The tetrahedra replacing the 3-pieces that are not clean (module notes).

    Parameters
    ----------
    solids : list of tuple of int
        The 3-pieces (vertex ids).
    point : dict
        Vertex id -> exact point (tuple of ``flint.fmpq``).
    hits : iterable of (int, int)
        ``(t, q)``: the piece ``pieces[q]`` meets the interior of the 3-piece ``solids[t]``.
    pieces : list of tuple of int
        Every piece (3-pieces first, then the 2-skeleton's), vertex ids.
    check : callable
        ``check(where, every)``: a budget check, called before cuts and after each solid.

    Returns
    -------
    dict
        For each 3-piece that is not clean: the tetrahedra of its cells, each as
        ``(cluster, cell, corners)``: its cluster's number (the cells of one cluster have
        disjoint interiors), a cell number (one per cell, over all clusters; the
        tetrahedra of one cell form a simplicial complex, those of two cells of one
        3-piece need not meet face to face) and a tuple of four exact points of ``R^n``.
    """
    flats, keys, parent = {}, {}, {}

    def root(t):
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    def key(t):
        if t not in keys:
            flat = _Flat([point[u] for u in solids[t]])
            keys[t] = flat.key
            flats.setdefault(flat.key, flat)
        return keys[t]

    hits = sorted(set(map(tuple, hits)))
    for t, _ in hits:
        parent[t] = t
    for t, q in hits:                            # clusters: same flat, interiors overlapping
        if q in parent and key(t) == key(q):
            parent[root(t)] = root(q)
    clusters, members, overlaps = {}, {}, {}
    for t in parent:
        C = clusters.setdefault(root(t), _Cluster(flats[key(t)]))
        members.setdefault(root(t), []).append(set(solids[t]))
        C.members[t] = [C.flat.chart(point[u]) for u in solids[t]]
    sections = []
    for t, q in hits:
        r = root(t)
        if q in parent and root(q) == r:
            overlaps.setdefault(t, set()).add(q)     # members: carved by the overlay
            continue
        if len(pieces[q]) < 4 and any(set(pieces[q]) <= m for m in members[r]):
            continue                             # a face of a member: carved by the overlay
        X = _section(clusters[r].flat, [point[u] for u in pieces[q]])
        if X:
            sections.append((-len(X), r, X))        # polygons first: their planes hold more
    for _, r, X in sorted(sections, key=lambda s: (s[0], s[1])):
        clusters[r].add_section(X)
    out, first = {}, 0
    for k, (r, C) in enumerate(sorted(clusters.items())):
        carved = C.carve(overlaps, check)
        for t, rows in carved.items():
            out[t] = [(k, first + c, tuple(map(C.lifted, row))) for c, row in rows]
        first += 1 + max((c for rows in carved.values() for c, _ in rows), default=-1)
    return out
