"""Convex cells of the exact refinement: cut by one hyperplane, triangulated by pulling.

A cell is the part of one simplex of ``K`` in one activation region: a segment
(``d = 1``: its two ends), a convex polygon (``d = 2``: its corners in cyclic
order) or a convex polyhedron (``d = 3``: its facets, each a cyclic list of
corners).  Cutting cells rather than simplices keeps a piece's triangulation
from being cut again by later hyperplanes (each cut of a simplexwise
triangulation also cuts its diagonals, and those cuts cascade: on a torus
under 3-25x5, 227 264 triangles in 36 180 cells).

Why the cells stay a subdivision of ``K`` with shared faces: a hyperplane's
pre-activation has one exact value per vertex, so an edge is cut (at one exact
point, shared through ``lookup``) in every cell that contains it, and two
cells that share a face see it cut alike.  Every corner of a cell is a strict
corner (a cut point is a corner of both sides; a plane through a corner keeps
it one), so fans of convex polygons are nondegenerate.  The triangulation is by
pulling with the global vertex order: each polygon is fanned from its smallest
id; a polyhedron is the cone from its smallest id over the fanned facets that
do not contain it (a facet that contains it is fanned from it, its smallest id,
as its neighbour fans it), so cells that share a facet triangulate it alike.
"""
import copy

import numpy as np

from ..algebra.rows import unique_rows

__all__ = ["Cells"]


class Cells:
    """The cells (module notes), their vertices and edges as flat arrays (vectorised sign
    tests) and per cell: its simplex of ``K`` (``parent``), its cell at the start of the
    current layer (``ancestor``) and its codewords at the layers cut (``codes``)."""

    def __init__(self, d, shapes, parent):
        self.d, self.shapes, self.codes = d, list(shapes), []
        self.parent = np.asarray(parent, dtype=np.int64)
        self.ancestor = np.arange(len(self.shapes))
        self.vlen, self.vflat, self.elen, self.eflat = _index(self.shapes, d)

    @classmethod
    def of_simplices(cls, simp, parent):
        d = simp.shape[1] - 1
        rows = simp.tolist()
        if d == 3:
            shapes = [[(a, b, c), (a, b, e), (a, c, e), (b, c, e)] for a, b, c, e in rows]
        else:
            shapes = [tuple(r) for r in rows]
        return cls(d, shapes, parent)

    def start_layer(self):
        """A copy to cut along the next layer (cutting replaces arrays, never edits them)."""
        new = copy.copy(self)
        new.ancestor = np.arange(len(self.shapes))
        return new

    def end_layer(self, sign):
        """Record the layer's codewords per cell (``sign``: the exact signs at the vertices)."""
        self.codes = [c[self.ancestor] for c in self.codes] + [self.active(sign)]

    def crossing_edges(self, sg, among=None):
        """``(hit, E)``: the cells (``among`` these, a mask, if given) with vertices of both
        strict signs, and their edges whose ends have strictly opposite signs (rows
        ``(min, max)``, unique)."""
        if not len(self.shapes):
            return np.zeros(0, dtype=bool), np.zeros((0, 2), dtype=np.int64)
        s, starts = sg[self.vflat], self._starts()
        hit = (np.maximum.reduceat(s, starts) > 0) & (np.minimum.reduceat(s, starts) < 0)
        if among is not None:
            hit &= among
        Eh = self.eflat[np.repeat(hit, self.elen)]
        E = Eh[sg[Eh[:, 0]] * sg[Eh[:, 1]] < 0]
        return hit, unique_rows(E)

    def split(self, hit, sg, lookup):
        """Replace each hit cell by its two sides (``lookup``: edge -> cut point id); the
        cells not hit keep their order, the sides follow.  Returns each cell's side: 0 for
        a cell not hit, 1 and -1 for the positive and negative side of a hit one."""
        idx = np.flatnonzero(hit)
        cut, signs = _SPLIT[self.d], sg.tolist()
        new = []
        for c in idx.tolist():
            new.extend(cut(self.shapes[c], signs, lookup))
        keep = np.flatnonzero(~hit)
        src = np.repeat(idx, 2)
        vlen, vflat, elen, eflat = _index(new, self.d)
        self.vflat = np.concatenate([self.vflat[np.repeat(~hit, self.vlen)], vflat])
        self.eflat = np.concatenate([self.eflat[np.repeat(~hit, self.elen)], eflat])
        self.vlen = np.concatenate([self.vlen[keep], vlen])
        self.elen = np.concatenate([self.elen[keep], elen])
        self.shapes = [self.shapes[i] for i in keep.tolist()] + new
        self.parent = np.concatenate([self.parent[keep], self.parent[src]])
        self.ancestor = np.concatenate([self.ancestor[keep], self.ancestor[src]])
        side = np.zeros(len(self.shapes), dtype=np.int64)
        if len(new):                         # a side's vertices: its strict signs and cuts
            sg = np.asarray(sg)
            pos = np.maximum.reduceat(sg[vflat], np.concatenate([[0], np.cumsum(vlen)[:-1]]))
            side[len(keep):] = np.where(pos > 0, 1, -1)
        return side

    def active(self, sign):
        """Per cell and unit: whether some vertex has a strictly positive pre-activation."""
        if not len(self.shapes):
            return np.zeros((0, sign.shape[1]), dtype=bool)
        return np.logical_or.reduceat(sign[self.vflat] > 0, self._starts(), axis=0)

    def per_cell(self, ufunc, values):
        """``ufunc`` reduced over each cell's entries of ``values`` (aligned with ``vflat``)."""
        if not len(self.shapes):                 # reduceat needs at least one entry
            return np.zeros((0,) + np.shape(values)[1:], dtype=np.asarray(values).dtype)
        return ufunc.reduceat(values, self._starts(), axis=0)

    def _starts(self):
        """Offset of each cell's vertices in ``vflat``."""
        return np.concatenate([[0], np.cumsum(self.vlen)[:-1]])

    def triangulate(self):
        """``(simplices, cell)``: the pulling triangulation (rows sorted) and each piece's cell."""
        pieces, owner = [], []
        fan = _TRIANGULATE[self.d]
        for c, s in enumerate(self.shapes):
            got = fan(s)
            pieces.extend(got)
            owner.extend([c] * len(got))
        simp = np.sort(np.array(pieces, dtype=np.int64).reshape(-1, self.d + 1), axis=1)
        return simp, np.array(owner, dtype=np.int64)


def _index(shapes, d):
    """``(vlen, vflat, elen, eflat)``: the shapes' vertices and edges, flat, with counts."""
    verts = [_vertices(s, d) for s in shapes]
    edges = [_edges(s, d) for s in shapes]
    return (np.array([len(v) for v in verts], dtype=np.int64), _flat(verts, 1),
            np.array([len(e) for e in edges], dtype=np.int64), _flat(edges, 2))


def _flat(lists, width):
    n = sum(len(x) for x in lists)
    out = np.fromiter((v for x in lists for e in x for v in (e if width > 1 else (e,))),
                      dtype=np.int64, count=n * width)
    return out.reshape(-1, width) if width > 1 else out


def _vertices(shape, d):
    if d == 3:
        return sorted({v for f in shape for v in f})
    return list(shape)


def _edges(shape, d):
    if d == 0:
        return []
    if d == 1:
        return [(min(shape), max(shape))]
    cycles = shape if d == 3 else [shape]
    return sorted({(min(u, v), max(u, v)) for f in cycles for u, v in zip(f, f[1:] + f[:1])})


def _split_segment(s, sg, lookup):
    u, v = s
    p = lookup[(min(u, v), max(u, v))]
    return [(u, p), (p, v)]


def _clip(cycle, sg, lookup):
    """The parts of a convex polygon (cyclic ids) on the closed positive and negative sides."""
    pos, neg = [], []
    for u, v in zip(cycle, cycle[1:] + cycle[:1]):
        if sg[u] >= 0:
            pos.append(u)
        if sg[u] <= 0:
            neg.append(u)
        if sg[u] * sg[v] < 0:
            p = lookup[(min(u, v), max(u, v))]
            pos.append(p)
            neg.append(p)
    return pos, neg


def _split_polygon(s, sg, lookup):
    return [tuple(x) for x in _clip(list(s), sg, lookup)]


def _split_polyhedron(facets, sg, lookup):
    """The two sides of a convex polyhedron: each facet's parts, and the section (chained
    from the segments in which the plane meets the facets) closing both."""
    pos, neg, segments = [], [], set()
    for f in facets:
        signs = [sg[v] for v in f]
        if max(signs) > 0 and min(signs) < 0:
            p, n = _clip(f, sg, lookup)
            pos.append(tuple(p))
            neg.append(tuple(n))
            on = [x for x in p if sg[x] == 0]
        else:
            (pos if max(signs) > 0 else neg).append(f)
            on = [u for u in f if sg[u] == 0]      # two: an edge of the facet in the plane
        if len(on) == 2:
            segments.add((min(on), max(on)))
    section = _chain(segments)
    return [pos + [section], neg + [section]]


def _chain(segments):
    """The cycle through segments that form one closed polygon."""
    nbrs = {}
    for u, v in segments:
        nbrs.setdefault(u, []).append(v)
        nbrs.setdefault(v, []).append(u)
    if len(nbrs) < 3 or any(len(n) != 2 for n in nbrs.values()):
        raise AssertionError(f"the section of a cell is not one polygon: {sorted(segments)}")
    start = min(nbrs)
    cycle, prev, cur = [start], None, start
    while True:
        a, b = nbrs[cur]
        prev, cur = cur, (b if a == prev else a)
        if cur == start:
            break
        cycle.append(cur)
    if len(cycle) != len(nbrs):
        raise AssertionError(f"the section of a cell is not one polygon: {sorted(segments)}")
    return tuple(cycle)


def _fan(cycle):
    i = cycle.index(min(cycle))
    c = cycle[i:] + cycle[:i]
    return [(c[0], c[j], c[j + 1]) for j in range(1, len(c) - 1)]


def _pull(facets):
    apex = min(v for f in facets for v in f)
    return [(apex,) + t for f in facets if apex not in f for t in _fan(tuple(f))]


_SPLIT = {1: _split_segment, 2: _split_polygon, 3: _split_polyhedron}
_TRIANGULATE = {0: lambda s: [tuple(s)], 1: lambda s: [tuple(s)], 2: lambda s: _fan(tuple(s)),
                3: _pull}
