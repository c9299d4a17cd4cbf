"""How large each homology class of a polyhedron is: the radius at which it dies as the set thickens.

The exact homology of an image ``Phi^k(K)`` counts every class, however thin;
a pocket between two sheets of the image 1e-6 apart counts as much as a void
of radius 3.  The *size* of a class is the radius ``r`` at which it dies in the
thickenings ``X_r = {y : d(y, X) <= r}`` of the set ``X`` (the persistent
homology of the distance to ``X``; H0: half the gap to the component it merges
with; the classes that never die, such as one component, have size ``inf``).

Method and bound
----------------
``X`` is a union of simplices (the image pieces, float coordinates).  Each is
sampled on a barycentric grid; every point of a triangle lies within its longest
edge over sqrt(3) of a corner (half the length on a segment), so every point of
``X`` lies within ``delta`` (that bound on the grid cells) of the sample ``P`` and ``P`` lies in
``X``: the thickenings of ``P`` and ``X`` are ``delta``-interleaved, and so are
their persistence diagrams (bottleneck distance ``<= delta``).  The diagram of
``P`` is the Cech (alpha) filtration in ambient dimension <= 3; above that, the
Vietoris-Rips filtration at half the edge length ``r`` (``Cech_r`` lies in it and it
lies in ``Cech_{sqrt(2) r}``), in its sparse form (:data:`SPARSE_RIPS`, a factor
``1 + SPARSE_RIPS`` either way; linear in the sample).  A class of ``X`` of size
``s`` thus shows in ``P``'s diagram born before ``delta`` and dying in
``[s - delta, s + delta]`` (alpha) or ``[(s - delta) / c, (1 + SPARSE_RIPS) (s + delta)]``
with ``c = sqrt(2) (1 + SPARSE_RIPS)`` (Rips).

Reported sizes are the deaths of ``P``'s classes born by ``delta`` that live
longer than ``2 delta`` (sorted, largest first), at most the exact Betti number
of each dimension; classes of ``X`` left over are smaller than the resolution
and reported as ``0`` (``n_unresolved``).  These are measurements, not
decisions: the exact Betti numbers do not depend on them.

Stable numbers: where ``K`` approximates a manifold, a class of the image
smaller than the mesh as mapped by the layer cannot be told from a feature of
the triangulation; :func:`mesh_resolution` is the largest diameter of the image
of a simplex of ``K`` (each image piece's diameter is that of its vertices'
images), and :meth:`Sizes.stable` counts the classes larger than a given
resolution.

Examples
--------
>>> import numpy as np, topodestruct as td
>>> C = td.complexes.circle(64)                  # radius 1: the loop dies at r = 1
>>> S = class_sizes(C.coordinates, C.simplices(1), exact_betti=[1, 1])
>>> [round(float(s), 1) for s in S.sizes[1]], float(S.sizes[0][0])
([1.0], inf)
>>> S.stable(0.5)                                # both classes larger than 0.5
[1, 1]
"""
import dataclasses

import numpy as np

from ..tolerances import SPARSE_RIPS

__all__ = ["Sizes", "class_sizes", "mesh_resolution", "DEFAULT_MAX_POINTS", "SPARSE_RIPS"]

#: Sample size of :func:`class_sizes` in ambient dimension <= 3 (alpha) and above (Rips).
DEFAULT_MAX_POINTS = {"alpha": 4000, "rips": 500}


@dataclasses.dataclass
class Sizes:
    """Sizes of the homology classes of a set, per dimension.

    Attributes
    ----------
    sizes : list of ndarray
        Per dimension, one size per exact class, largest first (``inf``: never
        dies; ``0``: smaller than ``delta``, unresolved).
    delta : float
        Sampling resolution: the bottleneck bound of the sizes (module notes).
    method : str
        ``"alpha"`` (Cech) or ``"rips"`` (within a factor sqrt(2) above).
    n_points : int
        Sample size.
    """

    sizes: list
    delta: float
    method: str
    n_points: int

    def stable(self, resolution):
        """Betti numbers counting only the classes larger than ``resolution``."""
        return [int((np.asarray(s) > resolution).sum()) for s in self.sizes]

    def to_dict(self):
        return {"sizes": [[float(x) for x in s] for s in self.sizes], "delta": float(self.delta),
                "method": self.method, "n_points": int(self.n_points)}


def mesh_resolution(images, simplices, parent=None):
    """Largest diameter of the image of a simplex of ``K``.

    ``images``: ``(V, n)`` vertex images; ``simplices``: the pieces (rows of
    vertex indices); ``parent``: each piece's simplex of ``K`` (default: the
    pieces are ``K``'s simplices).  Diameters are taken over the images of all
    vertices of the pieces of one parent (the image of a parent is the union of
    its pieces' images, convex hulls of those points).
    """
    images = np.asarray(images, dtype=np.float64)
    simplices = np.asarray(simplices)
    if len(simplices) == 0:
        return 0.0
    parent = np.arange(len(simplices)) if parent is None else np.asarray(parent)
    order = np.argsort(parent, kind="stable")
    cuts = np.flatnonzero(np.diff(parent[order])) + 1
    best = 0.0
    for group in np.split(order, cuts):
        P = images[np.unique(simplices[group])]
        if len(P) > 1:
            best = max(best, float(_diameter(P)))
    return best


def _diameter(P):
    if len(P) > 400:                                 # 2-approximation from one far point
        return 2 * np.linalg.norm(P - P[0], axis=1).max()
    D = np.linalg.norm(P[:, None, :] - P[None, :, :], axis=-1)
    return D.max()


def class_sizes(images, simplices, exact_betti, max_points=None, max_size=None, sample=None):
    """Sizes of the homology classes of the union of the simplices (module notes).

    Parameters
    ----------
    images : (V, n) float array
        Vertex coordinates (e.g. ``Phi^k`` at the refined vertices).
    simplices : (T, d + 1) int array
        Simplices of one dimension ``d <= 2``, rows of vertex indices.
    exact_betti : list of int
        The exact Betti numbers of the union (how many sizes to report).
    max_points : int, optional
        Sample size (default :data:`DEFAULT_MAX_POINTS` of the method); the
        resolution ``delta`` follows from it.
    max_size : float, optional
        Measure sizes up to this radius only (Rips: edges up to
        ``2 (1 + SPARSE_RIPS) max_size``, which bounds the complex); a class
        still alive there is reported as ``inf`` (larger than ``max_size``).
    sample : (P, delta), optional
        A sample already drawn by :func:`_sample` with the same ``max_points``.

    Returns
    -------
    Sizes
    """
    images = np.asarray(images, dtype=np.float64)
    simplices = np.asarray(simplices, dtype=np.int64)
    nonzero = [d for d, b in enumerate(exact_betti) if b]
    n_dims = nonzero[-1] + 1 if nonzero else 0       # no simplices above what homology needs
    method = "alpha" if images.shape[1] <= 3 else "rips"
    P, delta = sample if sample is not None else \
        _sample(images, simplices, max_points or DEFAULT_MAX_POINTS[method])
    diagram = _alpha_diagram(P, n_dims) if method == "alpha" else \
        _rips_diagram(P, n_dims, None if max_size is None else 2 * (1 + SPARSE_RIPS) * max_size)
    sizes = []
    for dim, b in enumerate(exact_betti):
        bars = diagram.get(dim, np.zeros((0, 2)))
        # born by delta (1% slack: a circle's sample is born at its covering radius itself)
        keep = (bars[:, 0] <= delta * (1.5 if method == "rips" else 1.01)) & \
            (bars[:, 1] - bars[:, 0] > 2 * delta)
        found = np.sort(bars[keep, 1])[::-1][:b]
        sizes.append(np.concatenate([found, np.zeros(b - len(found))]))
    return Sizes(sizes=sizes, delta=float(delta), method=method, n_points=len(P))


def _grid(s, d):
    """Barycentric grid coefficients ``(i / s, ...)`` of a d-simplex, ``(G, d + 1)``."""
    if d == 0:
        return np.ones((1, 1))
    if d == 1:
        i = np.arange(s + 1) / s
        return np.c_[1 - i, i]
    i, j = np.meshgrid(np.arange(s + 1), np.arange(s + 1), indexing="ij")
    ok = i + j <= s
    i, j = i[ok] / s, j[ok] / s
    return np.c_[1 - i - j, i, j]


def _sample(images, simplices, max_points):
    """``(P, delta)``: at most ``max_points`` points of the union within ``delta`` of all of it.

    A barycentric grid of about ``4 max_points`` points (every point of a triangle
    within its longest edge over sqrt(3) of a corner, half the length on a
    segment), then a farthest-point subsample of ``max_points`` whose covering
    radius of the grid adds to ``delta``.
    """
    from scipy.spatial import cKDTree

    V = images[simplices]                                        # (T, d + 1, n)
    d = simplices.shape[1] - 1
    diam = np.zeros(len(V))
    for a in range(d + 1):
        for b in range(a + 1, d + 1):
            diam = np.maximum(diam, np.linalg.norm(V[:, a] - V[:, b], axis=1))
    target = 4 * max_points

    def count(h):
        s = np.maximum(1, np.ceil(diam / h))
        return (s + 1).sum() if d == 1 else ((s + 1) * (s + 2) / 2).sum() if d == 2 \
            else len(V)

    hi = max(float(diam.max()), 1e-300)
    lo = hi / 1e6
    for _ in range(60):                        # smallest step h within the target
        mid = np.sqrt(lo) * np.sqrt(hi)        # lo * hi underflows for a point-sized image
        lo, hi = (lo, mid) if count(mid) <= target else (mid, hi)
    s_of = np.maximum(1, np.ceil(diam / hi)).astype(int)
    pts = [images[np.unique(simplices)]]
    for s in np.unique(s_of):
        rows = np.flatnonzero(s_of == s)
        G = _grid(int(s), d)
        pts.append(np.einsum("gk,tkn->tgn", G, V[rows]).reshape(-1, images.shape[1]))
    P = np.unique(np.concatenate(pts), axis=0)
    delta = float((diam / s_of).max()) / (np.sqrt(3) if d == 2 else 2.0) if len(diam) else 0.0
    if len(P) > max_points:
        Q = P[_farthest_points(P, max_points)]
        delta += float(cKDTree(Q).query(P)[0].max())
        P = Q
    return P, delta


def _farthest_points(P, n):
    """Indices of ``n`` greedy farthest points of ``P`` (first: index 0)."""
    chosen = np.empty(n, dtype=np.int64)
    chosen[0] = 0
    dist = np.linalg.norm(P - P[0], axis=1)
    for i in range(1, n):
        chosen[i] = int(np.argmax(dist))
        dist = np.minimum(dist, np.linalg.norm(P - P[chosen[i]], axis=1))
    return chosen


def _alpha_diagram(P, n_dims):
    import gudhi

    st = gudhi.AlphaComplex(points=P).create_simplex_tree()
    if n_dims < P.shape[1] + 1:
        st.prune_above_dimension(max(n_dims, 1))
    st.compute_persistence()
    return {d: np.sqrt(np.asarray(st.persistence_intervals_in_dimension(d)).reshape(-1, 2))
            for d in range(n_dims)}


def _rips_diagram(P, n_dims, max_edge=None):
    import gudhi

    kw = {} if max_edge is None else {"max_edge_length": float(max_edge)}
    st = gudhi.RipsComplex(points=P, sparse=SPARSE_RIPS, **kw).create_simplex_tree(
        max_dimension=max(n_dims, 1))
    st.compute_persistence()
    return {d: np.asarray(st.persistence_intervals_in_dimension(d)).reshape(-1, 2) / 2
            for d in range(n_dims)}
