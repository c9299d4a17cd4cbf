"""Carving solid image pieces that other pieces meet inside: cut by planes holding what meets them.

A 3-piece ``T`` (the image of a tetrahedron, nondegenerate) is *not clean*
when another piece ``Q`` meets its interior: another 3-piece in the same
3-flat (a fold of solids), a 3-piece of another flat crossing it, or a
triangle, edge or point of the 2-skeleton.  Then ``X = Q ∩ flat(T)`` is a
convex polytope of dimension <= 3 in that flat (its vertices: the basic
solutions over ``Q``'s vertices), and ``T`` is cut by planes of the flat that
hold ``X``: a solid's four facet planes, a polygon's plane, one plane through a
segment or a point (unless a plane already taken holds it).  Then ``X`` meets
no cell's interior, and neither does ``Q`` (``Q`` meets the flat only in
``X``).  Cells of different 3-pieces need not match along their faces: the
caller hands their tetrahedra to the exact image of the 2-skeleton, which
refines every triangle against every other, and cones each over its refined
boundary.

Only 3-pieces of one flat whose interiors overlap must be cut alike (a *cluster*:
linked by interior overlaps): each member is cut by every plane of the cluster,
its members' facet planes included.  Then every cell is a cell of the
arrangement of the cluster's planes inside a member, so two members' cells are
equal or have disjoint interiors.  The cells are cut with the refinement's own
:class:`~._cells.Cells` (shared exact cut points, one id per exact point within
the cluster) and triangulated by pulling with that vertex order, so equal cells
give equal tetrahedra (one 3-piece).  The caller replaces ``T`` by these
tetrahedra and checks the result exactly again (a piece still meeting an
interior is refused, never answered).

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
    """Planes to add to ``planes`` so that the hull of the points ``X`` lies in their union
    (module notes): a solid's four facet planes, a polygon's plane, and for a segment or
    a point one plane through it unless one of ``planes`` already holds it."""
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
    if any(all(_on(h, y) for y in X) for h in planes):
        return set()
    if len(basis) == 1:
        return {_plane(next(c for c in (_cross(basis[0], a) for a in _AXES) if any(c)), p0)}
    return {_plane(_AXES[0], p0)}


class _Cluster:
    """The vertices (chart coordinates, one id per exact point) and planes of a cluster."""

    def __init__(self, flat):
        self.flat, self.points, self.ids, self.planes = flat, [], {}, set()
        self._lifted = {}

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

    def cut(self, corners, check):
        """Cut the tetrahedron ``corners`` (chart coordinates) by the cluster's planes:
        the pulling triangulation of its cells, rows of vertex ids."""
        a, b, c, d = (self.vid(y) for y in corners)
        cells = Cells.of_simplices(np.array([[a, b, c, d]]), [0])
        for plane in sorted(self.planes):
            vals = [_dot(plane[:3], y) + plane[3] for y in corners]
            if max(vals) <= 0 or min(vals) >= 0:
                continue                         # the plane does not cross the tetrahedron
            # the clock every few planes: a cut of a large pile of cells takes seconds
            check("carving overlapping solid image pieces", every=4)
            verts = np.unique(cells.vflat).tolist()
            value = {v: _dot(plane[:3], self.points[v]) + plane[3] for v in verts}
            sg = np.zeros(len(self.points), dtype=np.int64)
            for v, x in value.items():
                sg[v] = (x > 0) - (x < 0)
            hit, E = cells.crossing_edges(sg)
            if not hit.any():
                continue
            lookup = {}
            for u, v in E.tolist():
                t = value[u] / (value[u] - value[v])
                pu, pv = self.points[u], self.points[v]
                lookup[(u, v)] = self.vid(tuple(x + t * (y - x) for x, y in zip(pu, pv)))
            sg = np.concatenate([sg, np.zeros(len(self.points) - len(sg), dtype=np.int64)])
            cells.split(hit, sg, lookup)
        simp, _ = cells.triangulate()
        return simp


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
        For each 3-piece that is not clean: the tetrahedra of its cells, each a tuple of
        four exact points of ``R^n``.
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
    clusters, members = {}, {}
    for t in parent:
        clusters.setdefault(root(t), _Cluster(flats[key(t)]))
        members.setdefault(root(t), []).append(set(solids[t]))
        C = clusters[root(t)]
        C.planes |= _section_planes([C.flat.chart(point[u]) for u in solids[t]], ())
    sections = []
    for t, q in hits:
        r = root(t)
        if q in parent and root(q) == r:
            continue                             # a member: its facet planes are in
        if len(pieces[q]) < 4 and any(set(pieces[q]) <= m for m in members[r]):
            continue                             # a face of a member: carved by its facets
        X = _section(clusters[r].flat, [point[u] for u in pieces[q]])
        if X:
            sections.append((-len(X), r, X))        # polygons first: their planes hold more
    for _, r, X in sorted(sections, key=lambda s: (s[0], s[1])):
        clusters[r].planes |= _section_planes(X, clusters[r].planes)
    out = {}
    for t in sorted(parent):
        C = clusters[root(t)]
        simp = C.cut([C.flat.chart(point[u]) for u in solids[t]], check)
        check("carving overlapping solid image pieces", every=1)
        out[t] = [tuple(map(C.lifted, row)) for row in simp.tolist()]
    return out
