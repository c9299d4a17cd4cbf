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
sampled on a barycentric grid of step ``1/s``; every point of a triangle lies within its
longest edge over ``s sqrt(3)`` of a grid point (half that length on a segment; on a
tetrahedron within the longest edge over ``s``: round the barycentric coordinates to
the grid, the ``r`` largest fractional parts up and the others down, ``r`` their
integer sum; the mass moved, the ``4 - r`` smallest over ``s``, is at most ``1/s``, and
the point moves by that times a distance within the tetrahedron), so every point of
``X`` lies within ``delta`` (that bound on the grid cells) of the sample ``P`` and ``P`` lies in
``X``: the thickenings of ``P`` and ``X`` are ``delta``-interleaved, and so are
their persistence diagrams (bottleneck distance ``<= delta``).  The diagram of
``P`` is the Cech (alpha) filtration in ambient dimension <= :data:`ALPHA_MAX_AMBIENT`
(gudhi's alpha complex in the sample's affine hull; its Delaunay triangulation
grows quickly with the dimension); above that, the Vietoris-Rips filtration at
half the edge length ``r`` (``Cech_r`` lies in it and it lies in ``Cech_{sqrt(2) r}``),
in its sparse form (:data:`SPARSE_RIPS`, a factor ``1 + SPARSE_RIPS`` either way;
linear in the sample).  A class of ``X`` of size
``s`` thus shows in ``P``'s diagram born before ``delta`` and dying in
``[s - delta, s + delta]`` (alpha) or ``[(s - delta) / c, (1 + SPARSE_RIPS) (s + delta)]``
with ``c = sqrt(2) (1 + SPARSE_RIPS)`` (Rips).

Reported sizes are the deaths of ``P``'s classes born by ``delta`` (``1.5 delta``
for Rips) that live longer than ``2 delta`` (sorted, largest first), at most the
exact Betti number of each dimension; classes of ``X`` left over are smaller than
the resolution and reported as ``0`` (``n_unresolved``).  Every class of size
``s > found_factor(method) * delta`` is found: ``1 + 1.01 + 2`` for alpha (death
``>= s - delta``), ``1 + 3.5 c`` for Rips (death ``>= (s - delta) / c``), about 4
and 7.4 (:func:`found_factor`).  These are measurements, not decisions: the exact
Betti numbers do not depend on them.

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

from ..tolerances import FLAT_DIRECTION, SPARSE_RIPS

__all__ = ["Sizes", "class_sizes", "mesh_resolution", "found_factor", "size_method",
           "default_max_points", "ALPHA_MAX_AMBIENT", "SPARSE_RIPS", "rips_too_large",
           "rips_max_edge", "RIPS_MAX_SIMPLICES"]

#: Largest ambient dimension measured with the alpha (Cech) filtration; Rips above.
ALPHA_MAX_AMBIENT = 5

#: Sample sizes of :func:`class_sizes`: alpha in R^<=3 (solids: a grid of tetrahedra in
#: R^3, whose alpha complex stays cheap), alpha in R^4-5, Rips above.
_MAX_POINTS = {"alpha": 4000, "alpha, solids": 20000, "alpha above R^3": 2000, "rips": 500}


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


def size_method(n):
    """``"alpha"`` in ambient dimension ``n <= ALPHA_MAX_AMBIENT``, else ``"rips"``."""
    return "alpha" if n <= ALPHA_MAX_AMBIENT else "rips"


def default_max_points(n, d=2):
    """Default sample size of :func:`class_sizes` for pieces of dimension ``d`` in ambient
    dimension ``n``."""
    if n <= 3:
        return _MAX_POINTS["alpha, solids" if d == 3 else "alpha"]
    return _MAX_POINTS["alpha above R^3" if n <= ALPHA_MAX_AMBIENT else "rips"]


#: A bar of the sample counts when born by ``_BORN_BY[method] * delta`` (1% slack: a
#: circle's sample is born at its covering radius itself) and living over ``_MIN_LIFE * delta``.
_BORN_BY = {"alpha": 1.01, "rips": 1.5}
_MIN_LIFE = 2.0


def found_factor(method):
    """Every class of size ``> found_factor(method) * delta`` is found (module notes): its
    death is at least ``(s - delta) / c`` (``c = 1`` alpha, ``sqrt(2) (1 + SPARSE_RIPS)``
    Rips), and it must outlive the keep rule of :func:`class_sizes`."""
    c = 1.0 if method == "alpha" else np.sqrt(2) * (1 + SPARSE_RIPS)
    return 1 + c * (_BORN_BY[method] + _MIN_LIFE)


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
        Simplices of one dimension ``d <= 3``, rows of vertex indices.
    exact_betti : list of int
        The exact Betti numbers of the union (how many sizes to report).
    max_points : int, optional
        Sample size (default :func:`default_max_points`); the resolution
        ``delta`` follows from it.
    max_size : float, optional
        Measure sizes up to this radius only (Rips: edges up to
        ``2 (1 + SPARSE_RIPS) max_size``, which bounds the complex; alpha: radius
        ``max_size``); a class still alive there is reported as ``inf`` (larger
        than ``max_size``).
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
    method = size_method(images.shape[1])
    if sample is None:
        max_points = max_points or default_max_points(images.shape[1], simplices.shape[1] - 1)
        sample = _sample(images, simplices, max_points)
    P, delta = sample
    diagram = _alpha_diagram(P, n_dims, max_size) if method == "alpha" else \
        _rips_diagram(P, n_dims, None if max_size is None else rips_max_edge(max_size))
    sizes = []
    for dim, b in enumerate(exact_betti):
        bars = diagram.get(dim, np.zeros((0, 2)))
        keep = (bars[:, 0] <= _BORN_BY[method] * delta) & \
            (bars[:, 1] - bars[:, 0] > _MIN_LIFE * delta)
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
    axes = np.meshgrid(*[np.arange(s + 1)] * d, indexing="ij")
    ok = sum(axes) <= s
    coords = [a[ok] / s for a in axes]
    return np.c_[1 - sum(coords), np.stack(coords, 1)]


def _sample(images, simplices, max_points, delta_target=None):
    """``(P, delta)``: at most ``max_points`` points of the union within ``delta`` of all of it.

    A barycentric grid (every point of a grid cell within ``h / cell`` of a grid point,
    ``h`` the piece's longest edge over ``s``: ``cell`` is 2 on a segment, sqrt(3) on
    a triangle, 1 on a tetrahedron; module notes), then a farthest-point
    subsample whose covering radius of the grid adds to ``delta``.  Without
    ``delta_target`` the grid has about ``4 max_points`` points and the subsample
    ``max_points``.  With it, the grid is fine enough for a third of the target
    (at most :data:`_GRID_PER_POINT` grid points per sample point) and the
    subsample stops as soon as ``delta <= delta_target``: a set that is small
    against the target needs few points, which keeps the Rips complex small.
    """
    V = images[simplices]                                        # (T, d + 1, n)
    d = simplices.shape[1] - 1
    diam = np.zeros(len(V))
    for a in range(d + 1):
        for b in range(a + 1, d + 1):
            diam = np.maximum(diam, np.linalg.norm(V[:, a] - V[:, b], axis=1))
    n_corners = len(np.unique(simplices))
    # solids without a target (alpha in R^3, a large sample): the grid itself is the sample
    # (a farthest-point pass over a grid of volume is quadratic in a count that grows as the
    # cube of the resolution)
    per_point = _GRID_PER_POINT if delta_target else 1 if d == 3 else 4
    target = per_point * max_points
    cell = {1: 2.0, 2: np.sqrt(3), 3: 1.0}.get(d, 2.0)          # grid step / delta of the grid

    def count(h):                                # corners once, plus each piece's inner points
        s = np.maximum(1, np.ceil(diam / h))
        grid = np.prod([(s + k) / k for k in range(1, d + 1)], axis=0)   # C(s + d, d)
        return n_corners + (grid - (d + 1)).sum() if d else n_corners

    hi = max(float(diam.max()), 1e-300)
    if delta_target and count(cell * delta_target / 3) <= target:
        hi = cell * delta_target / 3                             # fine enough for the target
    else:
        lo = hi / 1e6
        for _ in range(60):                    # smallest step h within the target
            mid = np.sqrt(lo) * np.sqrt(hi)    # lo * hi underflows for a point-sized image
            lo, hi = (lo, mid) if count(mid) <= target else (mid, hi)
    s_of = np.maximum(1, np.ceil(diam / hi)).astype(int)
    pts = [images[np.unique(simplices)]]
    for s in np.unique(s_of[s_of > 1]):
        rows = np.flatnonzero(s_of == s)
        G = _grid(int(s), d)
        pts.append(np.einsum("gk,tkn->tgn", G, V[rows]).reshape(-1, images.shape[1]))
    P = np.unique(np.concatenate(pts), axis=0)
    delta = float((diam / s_of).max()) / cell if len(diam) else 0.0
    stop = None if not delta_target else max(delta_target - delta, 0.0)
    if len(P) > max_points or (stop is not None and len(P) > 1):
        chosen, radius = _farthest_points(P, min(max_points, len(P)), stop)
        if len(chosen) < len(P):
            delta += radius
            P = P[chosen]
    return P, delta


#: Grid points per sample point when a target resolution is asked of :func:`_sample`.
_GRID_PER_POINT = 40


def _farthest_points(P, n, stop=None):
    """Greedy farthest points of ``P`` (first: index 0): at most ``n``, fewer once the
    covering radius is ``<= stop``; returns ``(indices, covering radius)``."""
    chosen = np.empty(n, dtype=np.int64)
    chosen[0] = 0
    dist = np.linalg.norm(P - P[0], axis=1)
    for i in range(1, n):
        j = int(np.argmax(dist))
        if stop is not None and dist[j] <= stop:
            return chosen[:i], float(dist[j])
        chosen[i] = j
        dist = np.minimum(dist, np.linalg.norm(P - P[j], axis=1))
    return chosen, float(dist.max())


def _alpha_diagram(P, n_dims, max_size=None):
    import gudhi

    kw = {} if max_size is None else {"max_alpha_square": float(max_size) ** 2}
    st = gudhi.AlphaComplex(points=_affine_hull_coordinates(P)).create_simplex_tree(**kw)
    if n_dims < P.shape[1] + 1:
        st.prune_above_dimension(max(n_dims, 1))
    st.compute_persistence()
    return {d: np.sqrt(np.asarray(st.persistence_intervals_in_dimension(d)).reshape(-1, 2))
            for d in range(n_dims)}


def _affine_hull_coordinates(P):
    """``P`` in orthonormal coordinates of its affine hull (an isometry, so the same
    diagram): images of dead units lie in coordinate planes, and a Delaunay
    triangulation of a degenerate set is slow."""
    if len(P) < 2 or P.shape[1] <= 3:
        return P
    Q = P - P.mean(axis=0)
    _, sv, Vt = np.linalg.svd(Q, full_matrices=False)
    keep = sv > FLAT_DIRECTION * sv[0] if sv[0] > 0 else np.zeros(len(sv), bool)
    return Q @ Vt[keep].T if keep.any() else P[:, :1] * 0


def rips_max_edge(max_size):
    """The longest edge of the Rips complex that measures sizes up to ``max_size``."""
    return 2 * (1 + SPARSE_RIPS) * max_size


#: Most simplices of its top dimension that a Rips complex of the sizes may have (an upper
#: bound from the edge degrees, :func:`rips_too_large`): gudhi's construction and
#: persistence cannot be interrupted by a budget, and 500 points of a folded D-I layer in
#: R^15 with b2 > 0 (tetrahedra) had taken more than 5 GB and minutes.
RIPS_MAX_SIMPLICES = 2_000_000


def rips_too_large(P, max_edge, exact_betti):
    """Whether the Rips complex that :func:`class_sizes` would build on the sample ``P`` (edges
    up to ``max_edge``, simplices up to the last nonzero dimension of ``exact_betti`` plus
    one) may exceed :data:`RIPS_MAX_SIMPLICES`: a k-simplex is counted at each of its k + 1
    vertices among the C(degree, k) choices there."""
    from scipy.spatial import cKDTree
    from scipy.special import comb

    nonzero = [d for d, b in enumerate(exact_betti) if b]
    k = max(nonzero[-1] + 1 if nonzero else 0, 1)
    pairs = cKDTree(P).query_pairs(float(max_edge), output_type="ndarray")
    degree = np.bincount(pairs.ravel(), minlength=len(P))
    return float(comb(degree, k).sum()) / (k + 1) > RIPS_MAX_SIMPLICES


def _rips_diagram(P, n_dims, max_edge=None):
    import gudhi

    kw = {} if max_edge is None else {"max_edge_length": float(max_edge)}
    st = gudhi.RipsComplex(points=P, sparse=SPARSE_RIPS, **kw).create_simplex_tree(
        max_dimension=max(n_dims, 1))
    st.compute_persistence()
    return {d: np.asarray(st.persistence_intervals_in_dimension(d)).reshape(-1, 2) / 2
            for d in range(n_dims)}
