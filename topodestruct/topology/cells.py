"""The cell-complex base shared by simplicial and cubical complexes: counts, boundaries, components.

Everything the homology engine needs from a complex is the public protocol of
:class:`CellComplex`: ``dimension``, ``f_vector``, ``n_cells(d)``,
``boundary_matrix(d)`` and ``subcomplex_indices(A)``. Boundary matrices are
built by the package's one builder :func:`boundary_from_faces`, and connected
components by its one routine :func:`component_labels`.
"""
import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

__all__ = ["CellComplex", "boundary_from_faces", "component_labels"]


def boundary_from_faces(face_index, signs, n_faces):
    """Sparse boundary matrix from a face table: the project's one builder.

    Parameters
    ----------
    face_index : int array, shape (n_cells, k)
        Row ``j`` lists the indices (among the ``(d-1)``-cells) of the faces of cell ``j``.
    signs : int array, shape (k,) or (n_cells, k)
        Incidence coefficient of each listed face.
    n_faces : int
        Number of ``(d-1)``-cells (rows).

    Returns
    -------
    scipy.sparse.csc_matrix of int64, shape (n_faces, n_cells)

    Examples
    --------
    >>> boundary_from_faces([[0, 1]], [-1, 1], 2).toarray().tolist()   # an edge
    [[-1], [1]]
    """
    face_index = np.asarray(face_index, dtype=np.int64)
    n_cells, k = face_index.shape
    signs = np.broadcast_to(np.asarray(signs, dtype=np.int64), face_index.shape)
    indptr = np.arange(0, n_cells * k + 1, k, dtype=np.int64)
    M = sp.csc_matrix((signs.ravel().copy(), face_index.ravel(), indptr), shape=(n_faces, n_cells))
    M.sum_duplicates()
    return M


def component_labels(n_nodes, pairs):
    """Connected components of the graph on ``n_nodes`` nodes with edges ``pairs``.

    The package's one component routine (vertices of a complex, groups of
    overlapping subcomplexes, ...).

    Parameters
    ----------
    n_nodes : int
    pairs : int array, shape (n_edges, 2)
        Node indices in ``[0, n_nodes)``.

    Returns
    -------
    n_components : int
    labels : int array, shape (n_nodes,)
        Component of each node; components are numbered in order of their
        smallest node.

    Examples
    --------
    >>> n, labels = component_labels(5, [[0, 1], [3, 4]])
    >>> n, labels.tolist()
    (3, [0, 0, 1, 2, 2])
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = sp.coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
                          shape=(n_nodes, n_nodes))
    return csgraph.connected_components(graph, directed=False)


class CellComplex:
    """Base of finite cell complexes (simplicial, cubical): counting and the homology protocol.

    Subclasses define ``dimension`` (-1 when empty), ``f_vector``,
    ``boundary_matrix(d)`` (sparse int64, rows the ``(d-1)``-cells) and
    ``subcomplex_indices(A, name)`` (per dimension, the indices of the cells of
    ``A`` among the cells of ``self``; ValueError if ``A`` is not a subcomplex).
    """

    @property
    def dimension(self):  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    @property
    def f_vector(self):  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def boundary_matrix(self, d):  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def subcomplex_indices(self, A, name="A"):  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def n_cells(self, d):
        """Number of ``d``-cells (0 outside ``0..dimension``)."""
        return self.f_vector[d] if 0 <= d <= self.dimension else 0

    @property
    def euler_characteristic(self):
        """Alternating sum of the f-vector."""
        return sum((-1) ** d * n for d, n in enumerate(self.f_vector))

    def __len__(self):
        return sum(self.f_vector)

    def is_empty(self):
        """Whether the complex has no cell at all."""
        return self.dimension < 0

    def is_subcomplex_of(self, K):
        """Whether every cell of ``self`` is a cell of ``K``."""
        try:
            K.subcomplex_indices(self)
        except (TypeError, ValueError):
            return False
        return True


def __dir__():  # dir() shows the public names only
    return __all__
