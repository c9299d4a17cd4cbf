"""Finite abstract simplicial complexes, standard triangulations and conversions.

A :class:`SimplicialComplex` stores, for every dimension ``d``, the sorted
array of its ``d``-simplices (rows of increasing vertex ids, rows in
lexicographic order). Vertex ids are arbitrary non-negative integers; a
subcomplex keeps the ids of the ambient complex, so ``A.simplices(d)`` can be
located in ``K.simplices(d)`` directly.

Builders (:func:`circle`, :func:`sphere`, :func:`torus`, :func:`klein_bottle`,
:func:`projective_plane`, :func:`mobius_band`, :func:`disk`, :func:`simplex`)
attach vertex ``coordinates`` for plotting.
"""
import itertools

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from .._validation import check_integer, is_integer

__all__ = [
    "SimplicialComplex", "circle", "sphere", "torus", "klein_bottle", "projective_plane",
    "mobius_band", "disk", "simplex", "cube_sphere", "disjoint_union", "wedge", "union", "cone",
    "barycentric_subdivision", "to_simplex_tree", "from_simplex_tree", "plot_complex",
]


# ----------------------------------------------------------------------------- row helpers
def _sorted_unique(x):
    """Sorted unique values of a 1D array (sort-based: numpy's hash-based unique is slow
    on millions of int64 keys)."""
    x = np.sort(x, kind="stable" if x.dtype.kind == "V" else None)
    if len(x) <= 1:
        return x
    keep = np.empty(len(x), dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def _unique_rows(a):
    """Lexicographically sorted unique rows of a 2D non-negative int array."""
    if len(a) <= 1:
        return a.copy()
    k = a.shape[1]
    base = int(a.max()) + 1
    if base ** k < 2 ** 62:  # sort scalar keys, then decode them
        keys = _sorted_unique(_row_keys(a, base))
        out = np.empty((len(keys), k), dtype=np.int64)
        for j in range(k - 1, -1, -1):
            keys, out[:, j] = np.divmod(keys, base)
        return out
    order = np.lexsort(a.T[::-1])
    a = a[order]
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.any(a[1:] != a[:-1], axis=1, out=keep[1:])
    return a[keep]


def _row_keys(a, base):
    """Order-preserving scalar keys of the rows of ``a`` (entries in [0, base))."""
    k = a.shape[1]
    if k == 0:
        return np.zeros(len(a), dtype=np.int64)
    if base ** k < 2 ** 62:  # exact mixed-radix code fits in int64
        keys = np.zeros(len(a), dtype=np.int64)
        for j in range(k):
            keys = keys * base + a[:, j]
        return keys
    # big-endian bytes compare like the integers they encode (entries are >= 0)
    return np.ascontiguousarray(a.astype(">i8")).view(f"V{8 * k}").ravel()


def locate_rows(table, rows):
    """Positions of ``rows`` in the lexicographically sorted, duplicate-free ``table``.

    Returns ``(index, found)``; ``index`` is meaningful where ``found``.
    """
    if len(table) == 0:
        return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=bool)
    base = int(max(table.max(initial=0), rows.max(initial=0))) + 1
    tk, rk = _row_keys(table, base), _row_keys(rows, base)
    idx = np.searchsorted(tk, rk)
    idx_c = np.minimum(idx, len(table) - 1)
    found = (idx < len(table)) & (tk[idx_c] == rk)
    return idx_c.astype(np.int64), found




def _parse_simplices(simplices):
    """Validate input simplices -> dict {n_vertices: sorted (N, n_vertices) int64 array}."""
    if isinstance(simplices, np.ndarray) and simplices.dtype != object:
        arr = simplices
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"vertex ids must be integers, got an array of dtype {arr.dtype}")
        if arr.ndim != 2:
            raise ValueError("an array of simplices must have shape (n_simplices, n_vertices), "
                             f"got shape {arr.shape}")
        groups = {arr.shape[1]: arr.astype(np.int64)} if arr.size else {}
    else:
        if isinstance(simplices, (str, bytes)) or not hasattr(simplices, "__iter__"):
            raise TypeError("simplices must be an iterable of vertex tuples or an (N, k) int "
                            f"array, got {type(simplices).__name__}")
        by_len = {}
        for s in simplices:
            if isinstance(s, np.ndarray) and s.dtype != object:
                if s.ndim != 1 or s.dtype == bool or not np.issubdtype(s.dtype, np.integer):
                    raise TypeError(f"each simplex must be a flat sequence of integer vertex ids, "
                                    f"got {s!r}")
                s = s.tolist()
            elif isinstance(s, (str, bytes)) or not hasattr(s, "__iter__"):
                raise TypeError("each simplex must be a sequence of vertex ids (e.g. a tuple), "
                                f"got {type(s).__name__}: {s!r}")
            s = list(s)
            for v in s:
                if not is_integer(v):
                    raise TypeError(f"vertex ids must be integers, got {type(v).__name__} {v!r} "
                                    f"in simplex {tuple(s)!r} (ragged or nested simplices?)")
            by_len.setdefault(len(s), []).append(s)
        groups = {k: np.array(v, dtype=np.int64).reshape(len(v), k) for k, v in by_len.items()}
    if not groups:
        raise ValueError("a simplicial complex needs at least one simplex (got an empty input)")
    if 0 in groups:
        raise ValueError("the empty simplex () is not a valid top simplex")
    for k, a in groups.items():
        if a.min() < 0:
            raise ValueError(f"vertex ids must be non-negative, got {int(a.min())}")
        a.sort(axis=1)
        if k > 1 and np.any(a[:, 1:] == a[:, :-1]):
            bad = a[np.any(a[:, 1:] == a[:, :-1], axis=1)][0]
            raise ValueError(f"a simplex has a repeated vertex: {tuple(bad.tolist())}")
    return groups


def _closure(groups):
    """All faces of the given simplices: list of sorted unique arrays by dimension."""
    top = max(groups) - 1
    faces = [[] for _ in range(top + 1)]
    for k, a in groups.items():
        for j in range(1, k + 1):
            for combo in itertools.combinations(range(k), j):
                faces[j - 1].append(a[:, combo])
    out = []
    for d, parts in enumerate(faces):
        stacked = np.concatenate(parts) if parts else np.zeros((0, d + 1), dtype=np.int64)
        if d == 0:
            v = stacked.ravel()
            if len(v) and v.max() < 4 * len(v):  # dense ids: mark instead of sorting
                mark = np.zeros(int(v.max()) + 1, dtype=bool)
                mark[v] = True
                out.append(np.flatnonzero(mark).astype(np.int64).reshape(-1, 1))
            else:
                out.append(_sorted_unique(v).reshape(-1, 1))
        else:
            out.append(_unique_rows(stacked))
    return out


def _readonly(a):
    a = np.ascontiguousarray(a, dtype=np.int64)
    a.flags.writeable = False
    return a


# ----------------------------------------------------------------------------- the complex
class CellCounts:
    """Counting shared by cell complexes: subclasses define ``dimension`` and ``f_vector``."""

    @property
    def euler_characteristic(self):
        """Alternating sum of the f-vector."""
        return sum((-1) ** d * n for d, n in enumerate(self.f_vector))

    def __len__(self):
        return sum(self.f_vector)

    def is_empty(self):
        return self.dimension < 0


class SimplicialComplex(CellCounts):
    """A finite abstract simplicial complex (closure of the given simplices).

    Parameters
    ----------
    simplices : iterable of tuple of int, or array of int, shape (N, k)
        Top simplices (any dimensions may be mixed in an iterable); all their
        faces are added. Vertex ids are non-negative integers.
    coordinates : array-like of float, shape (n_vertices, embedding_dim), optional
        Positions of the vertices, row ``i`` for the ``i``-th smallest vertex id
        (i.e. aligned with :attr:`vertices`). Only used for plotting.

    Examples
    --------
    >>> K = SimplicialComplex([(0, 1, 2), (2, 3)])
    >>> K.dimension, K.f_vector
    (2, (4, 4, 1))
    >>> K.simplices(1).tolist()
    [[0, 1], [0, 2], [1, 2], [2, 3]]
    """

    def __init__(self, simplices, coordinates=None):
        self._simplices = [_readonly(a) for a in _closure(_parse_simplices(simplices))]
        self.coordinates = self._check_coordinates(coordinates)

    @classmethod
    def _from_sorted(cls, arrays, coordinates=None):
        """Internal constructor from already closed, sorted arrays (may be empty)."""
        K = cls.__new__(cls)
        while arrays and len(arrays[-1]) == 0:
            arrays = arrays[:-1]
        K._simplices = [_readonly(a) for a in arrays]
        K.coordinates = K._check_coordinates(coordinates)
        return K

    def _check_coordinates(self, coordinates):
        if coordinates is None:
            return None
        c = np.asarray(coordinates, dtype=float)
        if c.ndim != 2 or c.shape[0] != self.n_vertices:
            raise ValueError(f"coordinates must have shape (n_vertices={self.n_vertices}, dim), "
                             f"got {c.shape}")
        c.flags.writeable = False
        return c

    # -- basic structure
    @property
    def dimension(self):
        """Largest simplex dimension (-1 for the empty complex)."""
        return len(self._simplices) - 1

    def simplices(self, d):
        """Sorted (read-only) int array of the ``d``-simplices, shape (n_d, d + 1)."""
        if not is_integer(d) or d < 0:
            raise ValueError(f"d must be a non-negative integer, got {d!r}")
        if d > self.dimension:
            return _readonly(np.zeros((0, d + 1), dtype=np.int64))
        return self._simplices[d]

    @property
    def vertices(self):
        """Sorted vertex ids, shape (n_vertices,)."""
        return self.simplices(0)[:, 0]

    @property
    def n_vertices(self):
        return len(self.simplices(0))

    @property
    def f_vector(self):
        """Number of simplices in each dimension, ``(f_0, ..., f_dim)``."""
        return tuple(len(a) for a in self._simplices)


    def maximal_simplices(self):
        """Simplices that are not faces of another simplex, as a list of tuples."""
        out = []
        for d in range(self.dimension + 1):
            a = self._simplices[d]
            covered = np.zeros(len(a), dtype=bool)
            if d < self.dimension:
                up = self._simplices[d + 1]
                for i in range(d + 2):
                    idx, _ = locate_rows(a, np.delete(up, i, axis=1))
                    covered[idx] = True
            out.extend(map(tuple, a[~covered].tolist()))
        return out

    def __repr__(self):
        return f"SimplicialComplex(dimension={self.dimension}, f_vector={self.f_vector})"

    def __eq__(self, other):
        if not isinstance(other, SimplicialComplex):
            return NotImplemented
        return self.f_vector == other.f_vector and all(
            np.array_equal(a, b) for a, b in zip(self._simplices, other._simplices))

    __hash__ = None

    def __contains__(self, simplex):
        s = np.sort(np.asarray(simplex, dtype=np.int64).ravel())
        if s.size == 0 or s.size - 1 > self.dimension:
            return False
        return bool(locate_rows(self._simplices[s.size - 1], s[None, :])[1][0])

    # -- chain level
    def boundary_matrix(self, d):
        """Simplicial boundary ``C_d -> C_{d-1}`` as a sparse int64 CSC matrix.

        Row ``i`` is ``simplices(d-1)[i]``, column ``j`` is ``simplices(d)[j]``;
        the face omitting the ``i``-th vertex has sign ``(-1)^i``.
        """
        from .homology import boundary_from_faces
        if not is_integer(d) or d < 1:
            raise ValueError(f"d must be an integer >= 1, got {d!r}")
        top, low = self.simplices(d), self.simplices(d - 1)
        face_index = np.empty((len(top), d + 1), dtype=np.int64)
        for i in range(d + 1):
            face_index[:, i], _ = locate_rows(low, np.delete(top, i, axis=1))
        signs = np.array([(-1) ** i for i in range(d + 1)], dtype=np.int64)
        return boundary_from_faces(face_index, signs, len(low))

    def _n_cells(self, d):
        return len(self.simplices(d))

    def _locate(self, d, rows):
        """Like :func:`locate_rows` in ``simplices(d)``, with the table's keys cached."""
        table = self._simplices[d]
        if len(table) == 0 or len(rows) == 0:
            return locate_rows(table, rows)
        base = int(self._simplices[0][-1, 0]) + 1
        cache = self.__dict__.setdefault("_keys", {})
        if d not in cache:
            cache[d] = _row_keys(table, base)
        tk = cache[d]
        inside = rows.max(axis=1) < base  # larger ids are not vertices of self
        rk = _row_keys(np.where(inside[:, None], rows, 0), base)
        idx = np.minimum(np.searchsorted(tk, rk), len(table) - 1)
        return idx.astype(np.int64), inside & (tk[idx] == rk)

    def _subcomplex_indices(self, A, name="A"):
        """Index arrays of A's simplices inside self, per dimension (ValueError if not in self)."""
        A = as_subcomplex(A, name)
        if A.dimension > self.dimension:
            raise ValueError(f"{name} is not contained in the complex: it has dimension "
                             f"{A.dimension} > {self.dimension}")
        out = []
        for d in range(A.dimension + 1):
            idx, found = self._locate(d, A.simplices(d))
            if not found.all():
                bad = tuple(A.simplices(d)[~found][0].tolist())
                raise ValueError(f"{name} is not contained in the complex: "
                                 f"simplex {bad} is missing")
            out.append(idx)
        return out

    def is_subcomplex_of(self, K):
        """Whether every simplex of ``self`` is a simplex of ``K``."""
        try:
            K._subcomplex_indices(self)
        except ValueError:
            return False
        return True

    # -- subcomplexes
    def _vertex_selection(self, vertices):
        verts = self.vertices
        if isinstance(vertices, np.ndarray) and vertices.dtype == bool:
            if vertices.shape != verts.shape:
                raise ValueError(f"a boolean vertex mask must have shape ({len(verts)},), "
                                 f"got {vertices.shape}")
            return verts[vertices]
        if isinstance(vertices, (str, bytes)) or not hasattr(vertices, "__iter__"):
            raise TypeError(f"vertices must be vertex ids or a boolean mask, got {vertices!r}")
        vs = list(vertices)
        if vs and all(isinstance(v, (bool, np.bool_)) for v in vs):
            return self._vertex_selection(np.array(vs, dtype=bool))
        for v in vs:
            if not is_integer(v):
                raise TypeError(f"vertex ids must be integers, got {type(v).__name__} {v!r}")
        sel = np.unique(np.array(vs, dtype=np.int64))
        missing = sel[~np.isin(sel, verts)]
        if missing.size:
            raise ValueError(f"vertex {int(missing[0])} is not a vertex of the complex")
        return sel

    def full_subcomplex(self, vertices):
        """The full (induced) subcomplex on a set of vertices.

        Parameters
        ----------
        vertices : iterable of int, or bool array of shape (n_vertices,)
            Vertex ids, or a mask aligned with :attr:`vertices`.

        Returns
        -------
        SimplicialComplex
            All simplices whose vertices are all selected (possibly empty).

        Examples
        --------
        >>> T = torus(6, 6)
        >>> T.full_subcomplex([6 * i for i in range(6)]).f_vector  # a meridian loop
        (6, 6)
        """
        sel = self._vertex_selection(vertices)
        keep_vertex = np.isin(self.vertices, sel)
        arrays = [a[np.isin(a, sel).all(axis=1)] for a in self._simplices]
        coords = None if self.coordinates is None else self.coordinates[keep_vertex]
        return SimplicialComplex._from_sorted(arrays, coords)

    def skeleton(self, d):
        """The ``d``-skeleton (all simplices of dimension <= d)."""
        coords = self.coordinates
        return SimplicialComplex._from_sorted(list(self._simplices[:d + 1]), coords)

    def connected_components(self):
        """Connected components, as full subcomplexes, ordered by smallest vertex id.

        Examples
        --------
        >>> K = SimplicialComplex([(0, 1), (2, 3, 4)])
        >>> [C.vertices.tolist() for C in K.connected_components()]
        [[0, 1], [2, 3, 4]]
        """
        n = self.n_vertices
        if n == 0:
            return []
        edges = self.simplices(1)
        e_idx, _ = locate_rows(self.simplices(0), edges.reshape(-1, 1))
        e_idx = e_idx.reshape(-1, 2)
        graph = sp.coo_matrix((np.ones(len(e_idx), dtype=np.int8), (e_idx[:, 0], e_idx[:, 1])),
                              shape=(n, n))
        n_comp, labels = csgraph.connected_components(graph, directed=False)
        # split every dimension by the component of each simplex's first vertex
        pieces = [[] for _ in range(n_comp)]
        for a in self._simplices:
            lab = labels[np.searchsorted(self.vertices, a[:, 0])]
            order = np.argsort(lab, kind="stable")  # stable: pieces stay sorted
            cuts = np.cumsum(np.bincount(lab, minlength=n_comp))[:-1]
            for c, part in enumerate(np.split(a[order], cuts)):
                pieces[c].append(part)
        coords = [None] * n_comp
        if self.coordinates is not None:
            order = np.argsort(labels, kind="stable")
            coords = np.split(self.coordinates[order], np.cumsum(np.bincount(labels))[:-1])
        return [SimplicialComplex._from_sorted(p, c) for p, c in zip(pieces, coords)]

    def boundary(self):
        """Boundary of a pure complex: the closure of the codimension-1 faces lying
        in exactly one top simplex.

        Examples
        --------
        >>> disk(6).boundary().f_vector
        (6, 6)
        """
        d = self.dimension
        if d < 1:
            raise ValueError("the boundary is defined for complexes of dimension >= 1")
        B = abs(self.boundary_matrix(d)).tocsr()
        free = np.asarray(B.sum(axis=1)).ravel() == 1
        if not free.any():
            return SimplicialComplex._from_sorted([])
        return subcomplex_from_simplices(self, self._simplices[d - 1][free])

    def to_simplex_tree(self):
        """Convert to a gudhi ``SimplexTree`` (all filtration values 0)."""
        return to_simplex_tree(self)

    @classmethod
    def from_simplex_tree(cls, simplex_tree):
        """Build from a gudhi ``SimplexTree`` (filtration values are ignored)."""
        return from_simplex_tree(simplex_tree)


def subcomplex_from_simplices(K, simplices):
    """Closure of ``simplices`` (which must lie in K), keeping K's coordinates."""
    L = SimplicialComplex(simplices)
    K._subcomplex_indices(L, "the given simplices")
    if K.coordinates is not None:
        L.coordinates = L._check_coordinates(K.coordinates[np.isin(K.vertices, L.vertices)])
    return L


def as_subcomplex(A, name="A"):
    """Accept a SimplicialComplex, or an iterable of simplices that must be closed under faces."""
    if isinstance(A, SimplicialComplex):
        return A
    if isinstance(A, (str, bytes)) or not hasattr(A, "__iter__"):
        raise TypeError(f"{name} must be a SimplicialComplex or a face-closed list of simplices, "
                        f"got {type(A).__name__}")
    groups = _parse_simplices(A)
    given = {k: _unique_rows(a) for k, a in groups.items()}
    closed = _closure(groups)
    for d, arr in enumerate(closed):
        g = given.get(d + 1, np.zeros((0, d + 1), dtype=np.int64))
        if len(g) != len(arr):
            _, found = locate_rows(g, arr) if len(g) else (None, np.zeros(len(arr), bool))
            bad = tuple(arr[~found][0].tolist())
            raise ValueError(f"{name} is not closed under taking faces: face {bad} is missing")
    return SimplicialComplex._from_sorted(closed)


# ----------------------------------------------------------------------------- operations
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
    >>> wedge(circle(3), circle(3)).f_vector
    (5, 6)
    """
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
    apex = int(K.vertices.max()) + 1 if apex is None else int(apex)
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
    >>> barycentric_subdivision(circle(3)).f_vector
    (6, 6)
    """
    if K.is_empty():
        raise ValueError("cannot subdivide the empty complex")
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


# ----------------------------------------------------------------------------- gudhi
def to_simplex_tree(K):
    """Convert to a gudhi ``SimplexTree`` with all filtration values 0.

    Examples
    --------
    >>> to_simplex_tree(sphere(2)).num_simplices()
    14
    """
    import gudhi
    st = gudhi.SimplexTree()
    for d in range(K.dimension + 1):
        s = K.simplices(d)
        if len(s):
            st.insert_batch(np.ascontiguousarray(s.T), np.zeros(len(s)))
    return st


def from_simplex_tree(simplex_tree):
    """Build a :class:`SimplicialComplex` from a gudhi ``SimplexTree``.

    Examples
    --------
    >>> from_simplex_tree(to_simplex_tree(torus(3, 3))) == torus(3, 3)
    True
    """
    simplices = [tuple(s) for s, _ in simplex_tree.get_simplices()]
    return SimplicialComplex(simplices)


# ----------------------------------------------------------------------------- builders
def _check_size(name, value, minimum):
    return check_integer(value, name, minimum, why=" for a valid triangulation")


def circle(n=8):
    """Triangulated circle: ``n`` vertices at angles ``2 pi i / n``, edges ``(i, i+1 mod n)``.

    Examples
    --------
    >>> circle(5).f_vector
    (5, 5)
    """
    n = _check_size("n", n, 3)
    i = np.arange(n)
    t = 2 * np.pi * i / n
    return SimplicialComplex(np.stack([i, (i + 1) % n], axis=1),
                             coordinates=np.stack([np.cos(t), np.sin(t)], axis=1))


def sphere(d=2):
    """The ``d``-sphere as the boundary of the ``(d+1)``-simplex (``d + 2`` vertices).

    Coordinates: the vertices of a regular simplex inscribed in the unit sphere
    of R^(d+1).

    Examples
    --------
    >>> sphere(2).f_vector
    (4, 6, 4)
    """
    d = _check_size("d", d, 0)
    n = d + 2
    tops = list(itertools.combinations(range(n), d + 1))
    E = np.eye(n) - 1.0 / n  # centred standard simplex in the hyperplane sum = 0
    basis = np.linalg.svd(E)[2][:d + 1]
    coords = E @ basis.T
    coords /= np.linalg.norm(coords, axis=1, keepdims=True)
    return SimplicialComplex(tops, coordinates=coords)


def cube_sphere(k=6):
    """A finer triangulated 2-sphere: the surface of the cube ``[0, k]^3``, unit squares cut in two.

    Disjoint disks and loops fit on it (the boundary of a simplex is too coarse).
    Coordinates: the surface points pushed radially onto the unit sphere.

    Examples
    --------
    >>> cube_sphere(2).f_vector
    (26, 72, 48)
    """
    k = _check_size("k", k, 1)
    grid = np.stack(np.meshgrid(*(np.arange(k + 1),) * 3, indexing="ij"), -1).reshape(-1, 3)
    pts = grid[((grid == 0) | (grid == k)).any(1)]
    ids = -np.ones((k + 1,) * 3, dtype=np.int64)
    ids[tuple(pts.T)] = np.arange(len(pts))
    a, b = (x.ravel() for x in np.meshgrid(np.arange(k), np.arange(k), indexing="ij"))
    tris = []
    for axis in range(3):
        u, v = [ax for ax in range(3) if ax != axis]
        for side in (0, k):
            def vid(du, dv):
                idx = [None] * 3
                idx[axis], idx[u], idx[v] = np.full_like(a, side), a + du, b + dv
                return ids[tuple(idx)]
            p00, p10, p01, p11 = vid(0, 0), vid(1, 0), vid(0, 1), vid(1, 1)
            tris += [np.stack([p00, p10, p11], 1), np.stack([p00, p01, p11], 1)]
    centred = pts - k / 2.0
    coords = centred / np.linalg.norm(centred, axis=1, keepdims=True)
    return SimplicialComplex(np.concatenate(tris), coordinates=coords)


def simplex(d=2):
    """The full ``d``-simplex (contractible), vertices ``0..d``."""
    d = _check_size("d", d, 0)
    coords = np.eye(d + 1)
    return SimplicialComplex([tuple(range(d + 1))], coordinates=coords)


def _grid_triangles(n, m, wrap):
    """Triangles of an n x m grid of squares; ``wrap(i, j)`` maps grid points to vertex ids."""
    i, j = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    i, j = i.ravel(), j.ravel()
    a, b, c, e = wrap(i, j), wrap(i + 1, j), wrap(i + 1, j + 1), wrap(i, j + 1)
    return np.concatenate([np.stack([a, b, c], 1), np.stack([a, e, c], 1)])


def torus(n=6, m=None):
    """Grid triangulation of the torus; grid vertex ``(i, j)`` has id ``i * m + j``.

    Each square ``(i, j)-(i+1, j)-(i+1, j+1)-(i, j+1)`` (indices mod n, m) is
    cut along its diagonal ``(i, j)-(i+1, j+1)``. Coordinates: the standard
    embedding in R^3 with radii 2 and 1; ``i`` is the angle around the tube and ``j``
    the angle around the z axis, so ``{(i, 0)}`` is a meridian and ``{(0, j)}`` a
    longitude.

    Parameters
    ----------
    n, m : int >= 3
        Grid size (``m`` defaults to ``n``).

    Examples
    --------
    >>> torus(6, 6).f_vector
    (36, 108, 72)
    """
    n = _check_size("n", n, 3)
    m = n if m is None else _check_size("m", m, 3)
    tri = _grid_triangles(n, m, lambda i, j: (i % n) * m + (j % m))
    v, u = _grid_angles(n, m)  # u: around the z axis (j), v: around the tube (i)
    coords = np.stack([(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)], 1)
    return SimplicialComplex(tri, coordinates=coords)


def _grid_angles(n, m):
    """Angles ``2 pi i / n`` and ``2 pi j / m`` of grid vertex ``i * m + j``, raveled."""
    a, b = np.meshgrid(2 * np.pi * np.arange(n) / n, 2 * np.pi * np.arange(m) / m, indexing="ij")
    return a.ravel(), b.ravel()


def klein_bottle(n=6, m=None):
    """Grid triangulation of the Klein bottle; grid vertex ``(i, j)`` has id ``i * m + j``.

    Like :func:`torus`, but crossing ``i = n -> 0`` reflects ``j -> -j mod m``.
    Coordinates: the figure-8 immersion in R^3.

    Examples
    --------
    >>> klein_bottle(6, 6).f_vector
    (36, 108, 72)
    """
    n = _check_size("n", n, 3)
    m = n if m is None else _check_size("m", m, 3)

    def wrap(i, j):
        flip = i >= n
        j = np.where(flip, -j, j) % m
        return (i % n) * m + j
    tri = _grid_triangles(n, m, wrap)
    u, v = _grid_angles(n, m)
    r = 2 + np.cos(u / 2) * np.sin(v) - np.sin(u / 2) * np.sin(2 * v)
    coords = np.stack([r * np.cos(u), r * np.sin(u),
                       np.sin(u / 2) * np.sin(v) + np.cos(u / 2) * np.sin(2 * v)], 1)
    return SimplicialComplex(tri, coordinates=coords)


_RP2_6 = [(0, 1, 2), (0, 2, 3), (0, 3, 4), (0, 4, 5), (0, 5, 1),
          (1, 2, 4), (2, 3, 5), (3, 4, 1), (4, 5, 2), (5, 1, 3)]


def projective_plane(subdivisions=0):
    """The real projective plane: the 6-vertex triangulation (antipodal quotient of
    the icosahedron), optionally barycentrically subdivided.

    Coordinates: vertex 0 at the origin, 1..5 on the unit circle (the
    hemisphere picture; antipodal boundary points are identified).

    Examples
    --------
    >>> projective_plane().f_vector
    (6, 15, 10)
    """
    subdivisions = _check_size("subdivisions", subdivisions, 0)
    t = 2 * np.pi * np.arange(5) / 5
    coords = np.concatenate([[[0.0, 0.0]], np.stack([np.cos(t), np.sin(t)], 1)])
    K = SimplicialComplex(_RP2_6, coordinates=coords)
    for _ in range(subdivisions):
        K = barycentric_subdivision(K)
    return K


def mobius_band(n=5):
    """Möbius band: a strip of ``n`` squares (2 x n grid vertices) glued with a twist.

    Grid vertex ``(i, s)``, ``s in {0, 1}`` has id ``2 * i + s``; crossing
    ``i = n -> 0`` swaps the two sides. Its boundary (:meth:`SimplicialComplex.boundary`)
    is a single circle of ``2 n`` edges. Coordinates: the standard embedding in R^3.

    Examples
    --------
    >>> mobius_band(5).f_vector
    (10, 20, 10)
    """
    n = _check_size("n", n, 3)
    i = np.arange(n)

    def vid(i, s):
        flip = i >= n
        return 2 * (i % n) + np.where(flip, 1 - s, s)
    a, b, c, e = vid(i, 0), vid(i + 1, 0), vid(i + 1, 1), vid(i, 1)
    tri = np.concatenate([np.stack([a, b, c], 1), np.stack([a, e, c], 1)])
    u = np.repeat(2 * np.pi * i / n, 2)
    t = np.tile([-0.5, 0.5], n)
    coords = np.stack([(1 + t * np.cos(u / 2)) * np.cos(u), (1 + t * np.cos(u / 2)) * np.sin(u),
                       t * np.sin(u / 2)], 1)
    return SimplicialComplex(tri, coordinates=coords)


def disk(n=6):
    """Disk as a fan: centre vertex 0 joined to the ``n``-gon with vertices ``1..n``.

    Examples
    --------
    >>> disk(6).f_vector
    (7, 12, 6)
    """
    n = _check_size("n", n, 3)
    i = np.arange(n)
    tri = np.stack([np.zeros(n, dtype=np.int64), i + 1, (i + 1) % n + 1], 1)
    t = 2 * np.pi * i / n
    coords = np.concatenate([[[0.0, 0.0]], np.stack([np.cos(t), np.sin(t)], 1)])
    return SimplicialComplex(tri, coordinates=coords)


# ----------------------------------------------------------------------------- plotting
def plot_complex(K, highlight=(), ax=None, path=None, title=None):
    """Draw a 2D or 3D embedded complex (edges and triangles), subcomplexes highlighted.

    Parameters
    ----------
    K : SimplicialComplex with ``coordinates`` (2 or 3 columns)
    highlight : sequence of SimplicialComplex
        Subcomplexes of ``K`` drawn in colour on top (edges thick, vertices marked).
    ax : matplotlib Axes, optional
        Created (3D if needed) when omitted.
    path : str, optional
        If given, the figure is saved there as a PNG.
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib
    if ax is None and path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    if K.coordinates is None or K.coordinates.shape[1] not in (2, 3):
        raise ValueError("K needs 2D or 3D vertex coordinates to be plotted")
    dim3 = K.coordinates.shape[1] == 3
    if ax is None:
        fig = plt.figure(figsize=(5, 4))
        ax = fig.add_subplot(projection="3d" if dim3 else None)
    pos = {v: p for v, p in zip(K.vertices.tolist(), K.coordinates)}

    def segments(L):
        return [[pos[a], pos[b]] for a, b in L.simplices(1).tolist()]
    if dim3:
        from mpl_toolkits.mplot3d.art3d import Line3DCollection, Poly3DCollection
        tris = [[pos[v] for v in t] for t in K.simplices(2).tolist()]
        ax.add_collection3d(Poly3DCollection(tris, facecolor="0.85", edgecolor="0.6",
                                             linewidth=0.3, alpha=0.5))
        ax.add_collection3d(Line3DCollection(segments(K), colors="0.5", linewidths=0.3))
        lim = np.abs(K.coordinates).max()
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), zlim=(-lim, lim))
    else:
        from matplotlib.collections import LineCollection, PolyCollection
        tris = [[pos[v] for v in t] for t in K.simplices(2).tolist()]
        ax.add_collection(PolyCollection(tris, facecolor="0.85", edgecolor="0.6", linewidth=0.3))
        ax.add_collection(LineCollection(segments(K), colors="0.5", linewidths=0.5))
        ax.set_aspect("equal")
        ax.autoscale()
    for i, A in enumerate(highlight):
        colour = f"C{i}"
        coll = segments(A)
        if dim3:
            ax.add_collection3d(Line3DCollection(coll, colors=colour, linewidths=2.5))
            ax.scatter(*A.coordinates.T, color=colour, s=12)
        else:
            ax.add_collection(LineCollection(coll, colors=colour, linewidths=2.5))
            ax.scatter(*A.coordinates.T, color=colour, s=12, zorder=3)
    if title:
        ax.set_title(title)
    if path is not None:
        ax.figure.savefig(path, dpi=100, bbox_inches="tight")
    return ax
