"""Single-scale complexes on point clouds and the Betti-number estimators read from them.

Two kinds of scale are used:

* Naitzat, Zhitnikov & Lim (JMLR 2020) estimate the topology of a point cloud
  from its *k-nearest-neighbour graph*: the distance between two points is the
  number of hops of the shortest graph path joining them, and the Betti
  numbers are those of the flag (clique) complex of the pairs at most
  ``scale`` hops apart (:func:`naitzat_betti`).  Hop distances do not change
  when a network stretches the cloud uniformly, which is the appeal.  The
  authors' code calls scikit-learn's ``kneighbors_graph`` on the training
  points themselves, which counts every point as its own first neighbour: their
  ``k = 14`` (D-I) and ``k = 19`` (D-II) are ``k = 13`` and ``k = 18`` here,
  where ``k`` counts *other* points; their ``epsilon = 2.5`` is ``scale = 2.5``
  (edges between points at most 2 hops apart).
* Euclidean complexes (alpha, Vietoris-Rips) at a radius or edge length.

:func:`point_complex` returns any of them as a :class:`SimplicialComplex` with
the points as coordinates, for the exact homology engine and the quotients.

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
>>> circle = np.c_[np.cos(t), np.sin(t)]
>>> naitzat_betti(circle, k=2, scale=1)
[1, 1]
"""
import numpy as np

from .._validation import is_integer
from ..tolerances import ESTIMATOR_SCALE_FLOOR
from .simplicial import SimplicialComplex

__all__ = ["knn_graph", "hop_edges", "naitzat_betti", "rips_betti", "flag_betti", "choose_alpha_scale",
           "point_complex", "COMPLEXES"]

COMPLEXES = ("alpha", "knn", "rips")


def _points(X, name="X"):
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric (N, d) array: {exc}") from None
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty (N, d) array, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or inf")
    return X


def _check_k(k, n):
    if not is_integer(k) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if k >= n:
        raise ValueError(f"k = {k} neighbours need more than {k} points, got {n}")
    return int(k)


def _check_scale(scale, name="scale"):
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)) \
            or not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {scale!r}")
    return float(scale)


def knn_graph(X, k):
    """Symmetric k-nearest-neighbour graph (i ~ j if either is among the other's k).

    Parameters
    ----------
    X : (N, d) array_like
    k : int
        Neighbours of each point, the point itself not counted.

    Returns
    -------
    scipy.sparse.csr_matrix
        (N, N) boolean adjacency, no self-loops.
    """
    from scipy import sparse
    from scipy.spatial import cKDTree

    X = _points(X)
    k = _check_k(k, len(X))
    _, idx = cKDTree(X).query(X, k=k + 1)
    rows = np.repeat(np.arange(len(X)), k + 1)
    A = sparse.csr_matrix((np.ones(rows.size, dtype=bool), (rows, idx.ravel())),
                          shape=(len(X), len(X)))
    A = (A + A.T).tolil()
    A.setdiag(False)
    A = A.tocsr()
    A.eliminate_zeros()
    return A


def hop_edges(A, max_hops):
    """Pairs ``i < j`` at most ``max_hops`` graph hops apart, with their hop distance.

    Parameters
    ----------
    A : (N, N) sparse boolean adjacency
    max_hops : int

    Returns
    -------
    edges : (E, 2) int64 array
    hops : (E,) int64 array
    """
    from scipy import sparse

    n = A.shape[0]
    step = (A + sparse.identity(n, dtype=bool, format="csr")).astype(np.int32)
    reach = sparse.identity(n, dtype=np.int32, format="csr")
    found = {}
    seen = reach.astype(bool)
    for h in range(1, int(max_hops) + 1):
        reach = (reach @ step).astype(bool).astype(np.int32)
        new = sparse.triu(reach.astype(bool) > seen, k=1).tocoo()
        found[h] = np.c_[new.row, new.col]
        seen = reach.astype(bool)
    if not found:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.int64)
    edges = np.concatenate([found[h] for h in found]).astype(np.int64)
    hops = np.concatenate([np.full(len(found[h]), h) for h in found]).astype(np.int64)
    return edges, hops


def flag_betti(n, edges, max_dim=1, filtration=None):
    """Betti numbers b_0..b_max_dim of the flag complex of a graph (gudhi).

    The graph's edges are collapsed first (Boissonnat-Pritam edge collapse,
    which keeps the homology of the flag complex), then cliques are added up to
    dimension ``max_dim + 1``.
    """
    import gudhi

    if not is_integer(max_dim) or max_dim < 0:
        raise ValueError(f"max_dim must be a non-negative integer, got {max_dim!r}")
    st = gudhi.SimplexTree()
    st.insert_batch(np.arange(n, dtype=np.int64)[None, :], np.zeros(n))
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges):
        f = np.zeros(len(edges)) if filtration is None else np.asarray(filtration, float)
        st.insert_batch(np.ascontiguousarray(edges.T), f)
        for _ in range(3):
            st.collapse_edges()
    st.expansion(int(max_dim) + 1)
    st.compute_persistence(persistence_dim_max=True)
    betti = list(st.betti_numbers()) + [0] * (max_dim + 1)
    return [int(b) for b in betti[:max_dim + 1]]


def naitzat_betti(X, k, scale=2.5, max_dim=1):
    """Naitzat's estimator: Betti numbers of the k-NN hop-distance flag complex at one scale.

    Parameters
    ----------
    X : (N, d) array_like
        Points (a class's point cloud, or its image at a layer).
    k : int
        Neighbours per point in the k-NN graph, the point itself not counted
        (the authors' scikit-learn ``k`` minus 1, see the module notes).
    scale : float
        Hop-distance scale: simplices span points at most ``floor(scale)`` hops
        apart (default 2.5, the authors' epsilon).
    max_dim : int
        Largest homology dimension reported (cliques up to ``max_dim + 1``).

    Returns
    -------
    list of int
        ``[b_0, ..., b_max_dim]``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> two = np.r_[np.c_[np.cos(t), np.sin(t)], np.c_[np.cos(t) + 5, np.sin(t)]]
    >>> naitzat_betti(two, k=3, scale=1.5)
    [2, 2]
    """
    X = _points(X)
    scale = _check_scale(scale)
    A = knn_graph(X, k)
    edges, hops = hop_edges(A, int(np.floor(scale)))
    return flag_betti(len(X), edges, max_dim, filtration=hops)


def rips_betti(X, scale, max_dim=1):
    """Betti numbers of the Euclidean Vietoris-Rips complex with edges up to ``scale``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    >>> rips_betti(np.c_[np.cos(t), np.sin(t)], scale=0.5)
    [1, 1]
    """
    from scipy.spatial import cKDTree

    X = _points(X)
    scale = _check_scale(scale)
    pairs = cKDTree(X).query_pairs(scale, output_type="ndarray")
    d = np.linalg.norm(X[pairs[:, 0]] - X[pairs[:, 1]], axis=1) if len(pairs) else None
    return flag_betti(len(X), pairs, max_dim, filtration=d)


def _flag_complex(n, edges, dim, coordinates):
    import gudhi

    st = gudhi.SimplexTree()
    st.insert_batch(np.arange(n, dtype=np.int64)[None, :], np.zeros(n))
    if len(edges):
        st.insert_batch(np.ascontiguousarray(np.asarray(edges, np.int64).T),
                        np.zeros(len(edges)))
    st.expansion(dim)
    return _from_tree(st, n, coordinates)


def _from_tree(st, n, coordinates):
    tops = [s for s, _ in st.get_simplices()]
    tops += [(i,) for i in range(n)]  # every point is a vertex, so coordinates align
    return SimplicialComplex(tops, coordinates=coordinates)


def point_complex(X, method="alpha", scale=None, k=None, dim=None):
    """A simplicial complex on a point cloud at one scale, with the points as coordinates.

    Parameters
    ----------
    X : (N, d) array_like
    method : {"alpha", "knn", "rips"}
        ``"alpha"``: gudhi's alpha complex, simplices of radius (alpha value
        square-rooted) at most ``scale`` (Euclidean, dimension <= d; use for
        d <= 3).  ``"knn"``: flag complex of the pairs at most ``scale`` hops
        apart in the k-NN graph.  ``"rips"``: Vietoris-Rips flag complex with
        edges up to ``scale``.
    scale : float
        Radius (alpha), hop count (knn) or edge length (rips).
    k : int, optional
        Neighbours for ``"knn"``.
    dim : int, optional
        Largest simplex dimension for the flag complexes (default
        ``min(d, 2)``); the alpha complex keeps its natural dimension.

    Returns
    -------
    SimplicialComplex
        Vertices ``0..N-1`` (isolated points included), ``coordinates == X``.

    Examples
    --------
    >>> import numpy as np
    >>> import topodestruct as td
    >>> t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    >>> K = point_complex(np.c_[np.cos(t), np.sin(t)], "alpha", scale=0.2)
    >>> td.homology(K).betti
    [1, 1]
    """
    import gudhi

    X = _points(X)
    if method not in COMPLEXES:
        raise ValueError(f"method must be one of {COMPLEXES}, got {method!r}")
    scale = _check_scale(scale)
    n, d = X.shape
    dim = min(d, 2) if dim is None else int(dim)
    if method == "alpha":
        st = gudhi.AlphaComplex(points=X).create_simplex_tree(max_alpha_square=scale ** 2)
        return _from_tree(st, n, X)
    if method == "knn":
        if k is None:
            raise ValueError("method='knn' needs k (neighbours per point)")
        edges, _ = hop_edges(knn_graph(X, k), int(np.floor(scale)))
    else:
        from scipy.spatial import cKDTree
        edges = cKDTree(X).query_pairs(scale, output_type="ndarray")
    return _flag_complex(n, edges, dim, X)


def choose_alpha_scale(X, max_dim=None, plateau=1.3, step=1.02):
    """A radius for the alpha complex of a class: pieces connected, not merged, holes open.

    Rule (stated in every report that uses it): on a logarithmic grid of radii
    (ratio ``step``) from the median nearest-neighbour distance up, take the
    first radius ``s0`` from which b_0 stays constant over a factor 2; then the
    first interval at or above ``s0`` over which all Betti numbers b_0..b_max_dim
    of the alpha complex stay constant over a factor ``plateau``; return the
    geometric middle of that interval (capped at a factor 2 above its start).
    Sparse samples have spurious small holes below the plateau and fill real
    holes above it.

    Parameters
    ----------
    X : (N, d) array_like
    max_dim : int, optional
        Default ``d - 1``.

    Returns
    -------
    scale : float
    info : dict
        ``betti`` at the scale, the plateau ``[lo, hi]`` and ``rule`` (text).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 80, endpoint=False)
    >>> s, info = choose_alpha_scale(np.c_[np.cos(t), np.sin(t)])
    >>> info["betti"]
    [1, 1]
    """
    import gudhi
    from scipy.spatial import cKDTree

    X = _points(X)
    d = X.shape[1]
    max_dim = d - 1 if max_dim is None else int(max_dim)
    st = gudhi.AlphaComplex(points=X).create_simplex_tree()
    st.compute_persistence()
    bars = [np.sqrt(np.maximum(st.persistence_intervals_in_dimension(q), 0))
            for q in range(max_dim + 1)]
    nn = cKDTree(X).query(X, 2)[0][:, 1]
    lo = max(float(np.median(nn)), ESTIMATOR_SCALE_FLOOR)
    hi = float(np.linalg.norm(X.max(0) - X.min(0)))
    grid = lo * step ** np.arange(int(np.ceil(np.log(max(hi / lo, 2)) / np.log(step))) + 1)
    betti = np.stack([((b[:, :1] <= grid) & (b[:, 1:] > grid)).sum(0) if len(b)
                      else np.zeros(len(grid), int) for b in bars], 1)

    def stable(values, i, factor):
        j = i
        while j + 1 < len(grid) and (values[j + 1] == values[i]).all():
            j += 1
        return j, grid[j] / grid[i] >= factor

    i0 = next((i for i in range(len(grid)) if stable(betti[:, :1], i, 2.0)[1]), 0)
    for i in range(i0, len(grid)):
        j, ok = stable(betti, i, plateau)
        if ok:
            top = min(grid[j], 2 * grid[i])
            scale = float(np.sqrt(grid[i] * top))
            break
    else:  # no plateau: fall back to the b_0 stabilisation radius
        i, j, scale = i0, i0, float(grid[i0])
    at = [int(((b[:, 0] <= scale) & (b[:, 1] > scale)).sum()) if len(b) else 0 for b in bars]
    rule = (f"alpha radius {scale:.4g}: middle of the first interval [{grid[i]:.4g}, "
            f"{grid[j]:.4g}] (>= x{plateau}) on which the class's Betti numbers are constant, "
            f"above the radius {grid[i0]:.4g} from which b0 is stable over x2")
    return scale, {"betti": at, "plateau": [float(grid[i]), float(grid[j])], "rule": rule}
