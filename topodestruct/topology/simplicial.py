"""The simplicial complex class: storage, subcomplexes, boundaries and simplex-tree conversion.

A :class:`SimplicialComplex` stores, for every dimension ``d``, the sorted
array of its ``d``-simplices (rows of increasing vertex ids, rows in
lexicographic order). Vertex ids are arbitrary non-negative integers; a
subcomplex keeps the ids of the ambient complex, so ``A.simplices(d)`` can be
located in ``K.simplices(d)`` directly.
"""
import itertools

import numpy as np

from .._validation import is_integer
from ..algebra.rows import locate_rows, row_keys as _row_keys, sorted_unique as _sorted_unique
from ..algebra.rows import unique_rows as _unique_rows
from .cells import CellComplex, boundary_from_faces, component_labels

__all__ = ["SimplicialComplex", "subcomplex_from_simplices", "as_subcomplex",
           "to_simplex_tree", "from_simplex_tree"]


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
                if type(v) is not int and not is_integer(v):  # exact int: the fast common case
                    raise TypeError(f"vertex ids must be integers, got {type(v).__name__} {v!r} "
                                    f"in simplex {tuple(s)!r} (ragged or nested simplices?)")
            by_len.setdefault(len(s), []).append(s)
        groups = {k: np.array(v, dtype=np.int64).reshape(len(v), k) for k, v in by_len.items()}
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
    if not groups:  # the empty complex
        return []
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


class SimplicialComplex(CellComplex):
    """A finite abstract simplicial complex (closure of the given simplices).

    Parameters
    ----------
    simplices : iterable of tuple of int, or array of int, shape (N, k)
        Top simplices (any dimensions may be mixed in an iterable); all their
        faces are added. Vertex ids are non-negative integers. An empty input
        gives the empty complex (dimension -1, zero homology), a valid object
        like every empty subcomplex.
    coordinates : array-like of float, shape (n_vertices, embedding_dim), optional
        Positions of the vertices, row ``i`` for the ``i``-th smallest vertex id
        (i.e. aligned with :attr:`vertices`); finite values only. They are
        kept by subcomplexes; they are the points where the rank workflow
        evaluates a network (network + manifold -> ranks -> subcomplexes) and
        the positions used for plotting; homology ignores them.

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
        try:
            c = np.array(coordinates, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"coordinates must be an array of real numbers ({exc})") from None
        if c.ndim != 2 or c.shape[0] != self.n_vertices:
            raise ValueError(f"coordinates must have shape (n_vertices={self.n_vertices}, dim), "
                             f"got {c.shape}")
        bad = ~np.isfinite(c)
        if bad.any():
            row = int(np.flatnonzero(bad.any(axis=1))[0])
            kind = "NaN" if np.isnan(c[row]).any() else "infinite"
            raise ValueError(f"coordinates must be finite: {int(bad.any(axis=1).sum())} row(s) "
                             f"hold NaN or infinite values, first the {kind} row {row} "
                             f"(vertex {int(self.vertices[row])})")
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
        if not is_integer(d) or d < 1:
            raise ValueError(f"d must be an integer >= 1, got {d!r}")
        top, low = self.simplices(d), self.simplices(d - 1)
        face_index = np.empty((len(top), d + 1), dtype=np.int64)
        for i in range(d + 1):
            face_index[:, i], _ = locate_rows(low, np.delete(top, i, axis=1))
        signs = np.array([(-1) ** i for i in range(d + 1)], dtype=np.int64)
        return boundary_from_faces(face_index, signs, len(low))

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

    def subcomplex_indices(self, A, name="A"):
        """Index arrays of A's simplices inside self, per dimension (ValueError if not in self).

        ``A`` is a :class:`SimplicialComplex` or a face-closed iterable of simplices.
        """
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
        >>> from topodestruct.topology.spaces import torus
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
        n_comp, labels = component_labels(n, e_idx.reshape(-1, 2))
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
        >>> from topodestruct.topology.spaces import disk
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
    def from_simplex_tree(cls, simplex_tree, coordinates=None):
        """Build from a gudhi ``SimplexTree`` (all its simplices; filtration values are
        ignored), optionally with vertex ``coordinates``: see :func:`from_simplex_tree`
        (a truncated Rips tree has a large top homology, not gudhi's persistent one)."""
        return from_simplex_tree(simplex_tree, coordinates)


def subcomplex_from_simplices(K, simplices):
    """Closure of ``simplices`` (which must lie in K), keeping K's coordinates."""
    L = SimplicialComplex(simplices)
    K.subcomplex_indices(L, "the given simplices")
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


# ----------------------------------------------------------------------------- gudhi
def to_simplex_tree(K):
    """Convert to a gudhi ``SimplexTree`` with all filtration values 0.

    The tree is written in one pass from the sorted simplex tables (gudhi's
    own serialized layout, checked against gudhi once per session; otherwise
    ``insert_batch`` per dimension).

    Examples
    --------
    >>> from topodestruct.topology.spaces import sphere
    >>> to_simplex_tree(sphere(2)).num_simplices()
    14
    """
    from ._simplex_tree import to_tree
    return to_tree([K.simplices(d) for d in range(K.dimension + 1)])


def from_simplex_tree(simplex_tree, coordinates=None):
    """Build a :class:`SimplicialComplex` from a gudhi ``SimplexTree``.

    Every simplex of the tree is kept at any filtration value: the result is
    the whole complex the tree holds, not a filtration. For a Vietoris-Rips
    tree built with ``max_dimension=k`` that is the ``k``-skeleton of the
    flag complex, whose ``H_k`` is large and correct (no ``(k+1)``-simplices
    fill its ``k``-cycles: e.g. ``H2 = Z^82022`` for a 2-dimensional Rips
    complex of a few thousand points). gudhi's persistent view of the same
    tree is one line away:
    ``simplex_tree.compute_persistence(persistence_dim_max=True);
    simplex_tree.persistent_betti_numbers(a, b)`` (Betti numbers of the
    classes born by ``a`` and alive at ``b``).

    Parameters
    ----------
    simplex_tree : gudhi.SimplexTree
        An empty tree gives the empty complex.
    coordinates : array-like of float, shape (n_vertices, dim), optional
        Vertex positions, e.g. the point cloud a Rips complex was built from.
        Row ``i`` is the ``i``-th smallest vertex id (as in
        :class:`SimplicialComplex`); a point cloud with one row per vertex id
        (row ``v`` for vertex ``v``, e.g. the points a Rips complex was built
        from) is also accepted: rows of ids that are not vertices are dropped.
        These are the points the rank workflow evaluates a network at, and
        the positions used for plotting. Must be finite.

    Returns
    -------
    SimplicialComplex

    Examples
    --------
    >>> from topodestruct.topology.spaces import torus
    >>> from_simplex_tree(to_simplex_tree(torus(3, 3))) == torus(3, 3)
    True
    >>> import gudhi
    >>> points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> st = gudhi.RipsComplex(points=points, max_edge_length=1.5).create_simplex_tree(2)
    >>> K = from_simplex_tree(st, coordinates=points)
    >>> K.f_vector, K.coordinates.shape
    ((3, 3, 1), (3, 2))
    """
    from ._simplex_tree import simplex_arrays
    if not (hasattr(simplex_tree, "num_simplices_by_dimension")
            and hasattr(simplex_tree, "get_simplices")):
        raise TypeError(f"simplex_tree must be a gudhi.SimplexTree, got "
                        f"{type(simplex_tree).__name__}")
    arrays = simplex_arrays(simplex_tree)
    if arrays and len(arrays[0]) and arrays[0][0, 0] < 0:
        raise ValueError(f"vertex ids must be non-negative, got {int(arrays[0][0, 0])}")
    if coordinates is not None and arrays and len(arrays[0]):
        vertices = arrays[0][:, 0]
        c = np.asarray(coordinates)
        if c.dtype == object or not (np.issubdtype(c.dtype, np.floating)
                                     or np.issubdtype(c.dtype, np.integer)):
            raise TypeError(f"coordinates must be a numeric array, got dtype {c.dtype}")
        if c.ndim != 2 or (c.shape[0] != len(vertices) and c.shape[0] <= vertices[-1]):
            raise ValueError(f"coordinates must have shape (n_vertices={len(vertices)}, dim), "
                             f"or one row per vertex id (at least {int(vertices[-1]) + 1} "
                             f"rows), got {c.shape}")
        coordinates = c if c.shape[0] == len(vertices) else c[vertices]
    return SimplicialComplex._from_sorted(arrays, coordinates)  # checks finiteness


def __dir__():  # dir() shows the public names only
    return __all__
