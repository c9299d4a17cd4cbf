"""Operations on simplicial complexes: disjoint union, wedge, union, cone, subdivisions."""
import itertools

import numpy as np

from ..algebra.rows import locate_rows, unique_rows as _unique_rows
from .simplicial import SimplicialComplex, _closure, subcomplex_from_simplices

__all__ = ["disjoint_union", "wedge", "union", "cone", "barycentric_subdivision",
           "edge_subdivision", "pure_part"]


def _offset_copy(K, offset):
    return [a + offset for a in K._simplices]


def _stack_coords(complexes):
    if any(K.coordinates is None for K in complexes):
        return None
    dims = {K.coordinates.shape[1] for K in complexes}
    if len(dims) != 1:
        return None
    return np.concatenate([K.coordinates for K in complexes])


def disjoint_union(*complexes):
    """Disjoint union; the vertices of each later complex are shifted past the earlier ones.

    Examples
    --------
    >>> from topodestruct.topology.spaces import circle
    >>> disjoint_union(circle(3), circle(4)).f_vector
    (7, 7)
    """
    parts, offset = [], 0
    for K in complexes:
        if K.is_empty():
            continue
        shift = offset - int(K.vertices.min())
        parts.append(_offset_copy(K, shift))
        offset = int(K.vertices.max()) + shift + 1
    top = max(K.dimension for K in complexes)
    arrays = [np.concatenate([p[d] for p in parts if d < len(p)]) for d in range(top + 1)]
    arrays = [_unique_rows(a) for a in arrays]
    return SimplicialComplex._from_sorted(arrays, _stack_coords(complexes))


def wedge(K, L, k_vertex=None, l_vertex=None):
    """One-point union: ``L``'s vertex ``l_vertex`` is identified with ``K``'s ``k_vertex``.

    Defaults are the smallest vertex ids. The result keeps ``K``'s ids; ``L``'s
    other vertices are renumbered after ``K``'s largest id.

    Examples
    --------
    >>> from topodestruct.topology.spaces import circle
    >>> wedge(circle(3), circle(3)).f_vector
    (5, 6)
    """
    if K.is_empty() or L.is_empty():
        raise ValueError("the wedge needs a base point: one of the complexes is empty")
    k_vertex = int(K.vertices[0]) if k_vertex is None else k_vertex
    l_vertex = int(L.vertices[0]) if l_vertex is None else l_vertex
    if k_vertex not in K.vertices or l_vertex not in L.vertices:
        raise ValueError("the wedge points must be vertices of their complexes")
    others = L.vertices[L.vertices != l_vertex]
    new_id = np.full(int(L.vertices.max()) + 1, -1, dtype=np.int64)
    new_id[others] = int(K.vertices.max()) + 1 + np.arange(len(others))
    new_id[l_vertex] = k_vertex
    top = max(K.dimension, L.dimension)
    arrays = []
    for d in range(top + 1):
        b = np.sort(new_id[L.simplices(d)], axis=1)
        arrays.append(_unique_rows(np.concatenate([K.simplices(d), b])))
    return SimplicialComplex._from_sorted(arrays)


def union(*complexes):
    """Union of complexes sharing a vertex labelling (e.g. subcomplexes of one complex).

    Examples
    --------
    >>> from topodestruct.topology.spaces import torus
    >>> T = torus(6, 6)
    >>> union(T.full_subcomplex(range(6)), T.full_subcomplex(range(0, 36, 6))).f_vector
    (11, 12)
    """
    if not complexes:
        raise ValueError("union needs at least one complex")
    top = max(K.dimension for K in complexes)
    arrays = [_unique_rows(np.concatenate([K.simplices(d) for K in complexes]))
              for d in range(top + 1)]
    return SimplicialComplex._from_sorted(arrays)


def cone(K, apex=None):
    """Cone on ``K``: every simplex joined with a new vertex ``apex`` (default max id + 1)."""
    if apex is None:  # the cone on the empty complex is the apex alone
        apex = int(K.vertices.max()) + 1 if K.n_vertices else 0
    apex = int(apex)
    if apex in K.vertices:
        raise ValueError(f"apex {apex} is already a vertex of K")
    tops = [tuple(s) + (apex,) for s in K.maximal_simplices()] or [(apex,)]
    return SimplicialComplex(tops)


def barycentric_subdivision(K):
    """Barycentric subdivision: vertices are the simplices of ``K``, simplices are flags.

    Vertex ids of the result: the simplices of ``K`` numbered dimension by
    dimension (vertices first, in :meth:`SimplicialComplex.simplices` order).
    Coordinates (if any) are the barycentres.

    Examples
    --------
    >>> from topodestruct.topology.spaces import circle
    >>> barycentric_subdivision(circle(3)).f_vector
    (6, 6)
    """
    if K.is_empty():
        return SimplicialComplex([])
    offsets = np.cumsum((0,) + K.f_vector)
    tops = {}
    maximal = K.maximal_simplices()
    by_dim = {}
    for s in maximal:
        by_dim.setdefault(len(s) - 1, []).append(s)
    for d, simp in by_dim.items():
        T = np.array(simp, dtype=np.int64)
        ids = {}
        for j in range(1, d + 2):
            for combo in itertools.combinations(range(d + 1), j):
                idx, _ = locate_rows(K.simplices(j - 1), T[:, combo])
                ids[combo] = idx + offsets[j - 1]
        flags = []
        for perm in itertools.permutations(range(d + 1)):
            flags.append(np.stack([ids[tuple(sorted(perm[:j]))] for j in range(1, d + 2)], axis=1))
        tops[d + 1] = np.concatenate(flags)
    arrays = _closure(tops)
    coords = None
    if K.coordinates is not None:
        coords = np.concatenate([K.coordinates[np.searchsorted(K.vertices, K.simplices(d))]
                                 .mean(axis=1) for d in range(K.dimension + 1)])
    return SimplicialComplex._from_sorted(arrays, coords)


def edge_subdivision(K, times=1):
    """Midpoint subdivision of a complex of dimension <= 2 that keeps its set exactly.

    Every edge is split at its midpoint and every triangle into four; coordinates
    of the new vertices are the midpoints.  Each midpoint must be exact in
    float64 (``(a + b) / 2`` without rounding, true for dyadic coordinates such
    as grids of step ``2^-k``), so the subdivision is the same subset of space,
    bit for bit; otherwise ValueError (a rounded midpoint would move the set).

    Parameters
    ----------
    K : SimplicialComplex
        Pure, dimension 1 or 2, with coordinates.
    times : int
        Number of rounds.

    Examples
    --------
    >>> import numpy as np
    >>> from topodestruct.topology.simplicial import SimplicialComplex
    >>> T = SimplicialComplex([(0, 1, 2)], coordinates=[[0.0, 0], [1, 0], [0, 1]])
    >>> edge_subdivision(T, 2).f_vector
    (15, 30, 16)
    """
    for _ in range(int(times)):
        K = _edge_subdivide(K)
    return K


def _edge_subdivide(K):
    d = K.dimension
    if K.coordinates is None or d not in (1, 2):
        raise ValueError("edge_subdivision needs a complex of dimension 1 or 2 with coordinates")
    tops = np.searchsorted(K.vertices, K.simplices(d))
    if len(K.maximal_simplices()) != len(tops):
        raise ValueError("edge_subdivision needs a pure complex")
    X = np.asarray(K.coordinates, dtype=np.float64)
    E = np.searchsorted(K.vertices, K.simplices(1))
    mid = (X[E[:, 0]] + X[E[:, 1]]) / 2
    if not (np.all(2 * mid - X[E[:, 0]] == X[E[:, 1]])
            and np.all(2 * mid - X[E[:, 1]] == X[E[:, 0]])):
        raise ValueError("some edge midpoints are not exact in float64 (the subdivision would "
                         "move the set by rounding); use dyadic coordinates")
    m = len(X) + np.arange(len(E))
    if d == 1:
        new = np.concatenate([np.c_[tops[:, 0], m], np.c_[m, tops[:, 1]]])
    else:
        e01, e02, e12 = (locate_rows(K.simplices(1), K.simplices(2)[:, c])[0]
                         for c in ((0, 1), (0, 2), (1, 2)))
        a, b, c = tops.T
        new = np.concatenate([np.c_[a, m[e01], m[e02]], np.c_[b, m[e01], m[e12]],
                              np.c_[c, m[e02], m[e12]], np.c_[m[e01], m[e02], m[e12]]])
    return SimplicialComplex(new, coordinates=np.concatenate([X, mid]))


def pure_part(K):
    """The closure of ``K``'s top-dimensional simplices, where it has ``K``'s homology.

    The exact refinement needs a pure complex; an alpha complex of 3-D data often
    has triangles (and edges) in no tetrahedron.  Dropping them may change the
    space, so the pure part stands in for ``K`` only where its integer homology
    (all degrees, torsion included) equals ``K``'s, decided exactly by
    :func:`topodestruct.homology`.  Its image is the image of the pure part, not of
    ``K``: callers say so.

    Parameters
    ----------
    K : SimplicialComplex
        With or without coordinates (kept on the vertices of the pure part).

    Returns
    -------
    P : SimplicialComplex
        ``K`` itself where it is pure.
    H : Homology or None
        The homology of ``K`` and of ``P`` (None where ``K`` is pure: nothing checked).

    Raises
    ------
    ValueError
        One line, where the homologies differ.
    """
    if len(K.maximal_simplices()) == len(K.simplices(K.dimension)):
        return K, None
    from .homology import homology   # homology builds on this module's operations

    H = homology(K)
    P = subcomplex_from_simplices(K, K.simplices(K.dimension))
    HP = homology(P)
    if HP != H:
        raise ValueError(f"the pure part of the complex (the closure of its "
                         f"{len(K.simplices(K.dimension))} top simplices) has homology {HP}, "
                         f"the complex {H}: it cannot stand in for the complex on the exact "
                         f"route, which needs a pure complex")
    return P, H


def __dir__():  # dir() shows the public names only
    return __all__
