r"""``analyze``: does layer K change the topology of the input, where, and into what?

``td.analyze(net, K, layer)`` is the pipeline of :func:`topodestruct.profile`
(:mod:`.pipeline`) at one layer, plus the where-details:

1. label: refine ``K`` exactly along the bent hyperplanes of layers ``1..K``
   (dimension <= 2, :mod:`.refine`) and rank every piece (:mod:`.labels`);
2. predict: collapse ``Omega_0`` and each component of ``Omega_1``
   (:mod:`.quotient`), exact integer homology;
3. check: the exact integer homology of the image, the overlaps (folding:
   full-rank regions with overlapping images, invisible to the rank theory)
   and the homology of ``K`` modulo both sources (rank and overlap, Beshkov
   2026) through :mod:`.exact_route`, by default within a time budget
   (``exact=None``, ``budget_s``); where the exact route does not reach the
   layer (budget spent, ``exact=False``, dimension > 2) the vertex route of
   ``profile`` answers (ranks and overlaps at the vertices) and the report says
   what was skipped and why;
4. estimate: persistent homology of the image (:mod:`.image`), an estimate
   beside the exact answer (:mod:`.estimate`).

For the same network, complex and layer, ``analyze`` and ``profile`` give the
same ``predicted``, ``quotient`` and ``image_homology``.  The report ends with
the verdict (:mod:`.verdict`).

For a point cloud ``X`` (no triangulation) the prediction is the persistent
homology of the quotient metric: Euclidean distances with each low-rank class
(all rank-0 points with one image; each connected component of the rank-1
points in the ``n_neighbors``-nearest-neighbour graph) collapsed to a point,
``d'(x, y) = min(d(x, y), min_{C, C'} d(x, C) + delta*(C, C') + d(C', y))``
(``delta*``: shortest class-to-class chains).  (``profile`` turns a point cloud
into a complex first; pass that complex to ``analyze`` for the same rows.)

Examples
--------
>>> import topodestruct as td
>>> net, K = td.constructions.circle_arcs(3)
>>> rep = td.analyze(net, K, layer=1)
>>> print(rep.input, "->", rep.predicted, "| image", rep.image_homology)
H0 = Z, H1 = Z -> H0 = Z, H1 = Z^3 | image H0 = Z, H1 = Z^3
>>> rep.verdict["source"]
'rank'
"""
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._budget import DEFAULT_MAX_MEMORY_GB
from ..relu.network import as_network
from ._network import check_layer, forward, network_layers

__all__ = ["Representation", "analyze"]

LISTED = 20            # overlaps and components listed by Representation.to_dict()
MAX_POINTS = 1500      # a point cloud is subsampled to this many points (distance matrices)


def _groups(H):
    return [H.group(d) for d in range(len(H.betti))]


@dataclass
class Representation:
    """The topology of a layer's representation of a manifold, predicted and measured.

    Attributes
    ----------
    input : Homology or PersistentBetti
        Homology of ``K`` (persistent Betti numbers of ``X`` for point clouds).
    predicted : Homology or PersistentBetti
        Homology of the quotient by the low-rank regions.
    estimate : Estimate or None
        Betti numbers of ``Phi^K(K)`` read at one scale (:mod:`.estimate`): an
        estimate, not the homology.
    image_homology : Homology or None
        Exact integer homology of ``Phi^K(K)`` (exact route); None where not computed.
    quotient : Homology or None
        Homology of ``K`` modulo both sources: the rank source's regions
        collapsed as for :attr:`predicted`, and points of different regions
        with the same image identified (the overlap source; at the vertices
        off the exact route).
    overlaps : list of Overlap or None
        Pairs of refined simplices whose images meet in more than the image of
        their common face (exact route).
    glued : list of lists or None
        Vertex-level gluing classes (vertex route).
    exact_image : str
        How the exact image was handled: ``"exact (...)"`` or ``"not computed: ..."``.
    skipped : list of str
        What was not computed at this layer, and why.
    rows : list of dict
        The rows of :func:`topodestruct.profile` for the input and this layer.
    components : list of Component
        The collapsed low-rank regions.
    complex : SimplicialComplex or None
        The complex that was labelled (the refinement, or ``K``).
    points, point_images : (N, m) and (N, n_K) arrays or None
        The points analysed (point clouds, after subsampling) or the vertices
        (vertex route), and their images.
    ranks : (T,) or (V,) int array
        Rank of each top simplex of :attr:`complex` (``labels == "simplices"``)
        or of each vertex / point (``labels == "vertices"``/``"points"``).
    """

    input: object
    predicted: object
    estimate: object
    components: list
    complex: object
    ranks: np.ndarray
    layer: int
    rank: str
    labels: str
    architecture: str
    n_added_simplices: int = 0
    notes: list = field(default_factory=list)
    refinement: object = field(default=None, repr=False)
    image_homology: object = None
    quotient: object = None
    overlaps: list = field(default=None, repr=False)
    exact_image: str = "not computed"
    points: np.ndarray = field(default=None, repr=False)
    point_images: np.ndarray = field(default=None, repr=False)
    glued: list = field(default=None, repr=False)
    skipped: list = field(default_factory=list)
    rows: list = field(default=None, repr=False)
    budget_s: object = None

    @property
    def image(self):
        """Deprecated: the persistent reading is :attr:`estimate` (``.detail`` its barcode)."""
        warnings.warn("Representation.image is deprecated: the persistent reading is an "
                      "estimate, Representation.estimate (its barcode: .estimate.detail)",
                      DeprecationWarning, stacklevel=2)
        return None if self.estimate is None else self.estimate.detail

    @property
    def preserved(self):
        """Whether the predicted homology equals the input's."""
        return not self.changed

    @property
    def changed(self):
        """Dimensions whose group changed."""
        a, b = self._compare(self.input), self._compare(self.predicted)
        n = max(len(a), len(b))
        a, b = a + ["0"] * (n - len(a)), b + ["0"] * (n - len(b))
        return [d for d in range(n) if a[d] != b[d]]

    @staticmethod
    def _compare(H):
        return _groups(H) if hasattr(H, "group") else [str(x) for x in H.betti]

    @property
    def agrees(self):
        """Whether the rank-source prediction equals the image.

        Compared with the exact :attr:`image_homology` (groups, torsion
        included) where it was computed, else with the estimate's Betti numbers
        (None if neither was computed).
        """
        if self.image_homology is not None and self.labels != "points":
            return _same(self.predicted, self.image_homology)
        if self.estimate is None or self.estimate.betti is None:
            return None
        n = len(self.estimate.betti)
        return _betti(self.predicted, n) == list(self.estimate.betti)

    @property
    def verdict(self):
        """``{"changes", "first_layer", "source", "before", "after", "geometric_layers"}``
        at this layer (:mod:`.verdict`)."""
        from .verdict import verdict

        return verdict(self.rows, self._max_dim())

    def _max_dim(self):
        return max(len(self.input.betti) - 1, 0) if self.labels == "points" else \
            min(len(self.input.betti) - 1, 2)

    @property
    def diagnosis(self):
        """Lines explaining disagreements between the theories and the image."""
        out = []
        I, P, Q, E = self.image_homology, self.predicted, self.quotient, self.estimate
        if I is not None:
            if not _same(P, I):
                out.append("folding: the rank source misses this change"
                           + (f" ({len(self.overlaps)} overlapping simplex pairs; the quotient "
                              "by both sources accounts for it)" if Q is not None and _same(Q, I)
                              else ""))
            if Q is not None and not _same(Q, I):
                out.append("the quotient by both sources differs from the image: a collapsed "
                           "region has a non-acyclic image (the convexity condition of the "
                           "quotient theorem fails)")
            if E is not None and E.betti is not None and list(E.betti) != \
                    _betti(I, len(E.betti)):
                out.append("the estimate differs from the exact homology of the image (scale "
                           "or sampling)")
        elif self.agrees is False:
            out.append("prediction and estimate disagree: the image may also change by folding "
                       "(full-rank overlaps, invisible to the rank theory) or the estimate "
                       "may be off at its scale")
        return out

    def to_dict(self, full=False):
        """JSON-ready summary; ``full=True`` lists every overlap and component.

        By default the lists ``overlaps`` and ``components`` keep their first
        :data:`LISTED` entries and ``listed`` says how many there are (an
        exact image can have tens of thousands of overlapping pairs).
        """
        from .verdict import verdict_dict

        def hom(H):
            if H is None:
                return None
            if hasattr(H, "group"):
                return {"betti": H.betti, "torsion": H.torsion, "groups": _groups(H)}
            return H.to_dict()

        def cut(items, name):
            if items is None:
                return None
            if not full and len(items) > LISTED:
                listed[name] = (f"first {LISTED} of {len(items)} (to_dict(full=True), or "
                                f"--full-json on the command line, lists all)")
                items = items[:LISTED]
            return [x.to_dict() for x in items]

        listed = {}
        d = {"architecture": self.architecture, "layer": self.layer, "rank": self.rank,
             "labels": self.labels, "input": hom(self.input),
             "predicted": hom(self.predicted), "preserved": self.preserved,
             "changed": self.changed, "quotient": hom(self.quotient),
             "image_homology": hom(self.image_homology),
             "estimate": None if self.estimate is None else self.estimate.to_dict(),
             "agrees": self.agrees, "exact_image": self.exact_image,
             "budget_s": self.budget_s, "skipped": list(self.skipped),
             "diagnosis": self.diagnosis,
             "n_overlaps": None if self.overlaps is None else len(self.overlaps),
             "overlaps": cut(self.overlaps, "overlaps"),
             "n_glued": None if self.glued is None else int(sum(map(len, self.glued))),
             "n_added_simplices": int(self.n_added_simplices),
             "rank_counts": {int(k): int(v) for k, v in
                             zip(*np.unique(self.ranks, return_counts=True))},
             "n_components": len(self.components),
             "components": cut(self.components, "components"), "notes": self.notes}
        if listed:
            d["listed"] = listed
        d["verdict"] = verdict_dict(self.verdict, self._max_dim() + 1)
        return d

    def __str__(self):
        from .verdict import verdict_lines

        what = {"simplices": "exact refinement", "vertices": "vertex labels",
                "points": "point cloud"}[self.labels]
        vals, cnt = np.unique(self.ranks, return_counts=True)
        lines = [f"Representation of network {self.architecture} at layer {self.layer} "
                 f"({self.rank} rank, {what}"
                 + (f", {self.n_added_simplices} simplices added" if self.labels == "simplices"
                    else "") + ")",
                 f"  ranks ({self.labels}): " + ", ".join(f"{v}: {c}" for v, c in
                                                          zip(vals, cnt)),
                 f"  input               {_show(self.input)}",
                 f"  predicted (rank)    {_show(self.predicted)}  "
                 + ("(preserved)" if self.preserved else f"(changed in dimension(s) "
                    f"{', '.join(map(str, self.changed))})"),
                 "  quotient (both)     " + ("-" if self.quotient is None else
                                             f"{_show(self.quotient)}  ({self._sources()})"),
                 "  image (exact)       " + (_show(self.image_homology)
                                             if self.image_homology is not None
                                             else self.exact_image),
                 "  estimate            " + (str(self.estimate) if self.estimate is not None
                                             else "skipped (estimate=None)"),
                 f"  agrees              {self.agrees}"
                 + (" (prediction vs exact image)" if self.image_homology is not None and
                    self.labels != "points" else "")]
        if self.labels != "points":
            lines.append("  exact route         " + self._route())
        lines += [f"  ! {d}" for d in self.diagnosis]
        for c in self.components:
            lines.append(f"  - rank {c.rank} region -> point {c.point}: {len(c.vertices)} "
                         f"vertices, centroid {np.round(c.centroid, 3).tolist()}, "
                         + ("contractible" if c.contractible else f"homology {c.homology}"))
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  skipped: {s}" for s in self.skipped]
        reads = self.estimate is None or self.estimate.betti is not None
        return "\n".join(lines + verdict_lines(self.verdict, self.rows, reads,
                                               self._max_dim() + 1))

    def _sources(self):
        if self.overlaps is not None:
            return f"rank + overlap sources, {len(self.overlaps)} overlapping pairs"
        n = 0 if self.glued is None else sum(map(len, self.glued))
        return f"rank + overlap sources, at the vertices: {n} vertices glued"

    def _route(self):
        if self.budget_s is None or not np.isfinite(self.budget_s):
            limit = "no time limit"
        else:
            limit = f"time budget {self.budget_s:g} s (budget_s)"
        if self.labels == "simplices":
            return f"taken, {limit}" if self.image_homology is not None else \
                f"refinement only (overlaps=False), {limit}"
        why = self.exact_image.replace("not computed: ", "")
        return f"not taken ({why}): the vertex route answered"


def _show(H):
    return str(H) if hasattr(H, "group") else f"Betti {H.betti}"


def _padded(H, n):
    g = _groups(H)
    return g + ["0"] * (n - len(g))


def _same(A, B):
    """Equal homology groups in every dimension (missing dimensions are 0)."""
    n = max(len(A.betti), len(B.betti))
    return _padded(A, n) == _padded(B, n)


def _betti(H, n):
    b = list(H.betti[:n])
    return b + [0] * (n - len(b))


def _architecture(layers):
    return "-".join(str(w) for w in [layers[0][0].shape[1]] + [W.shape[0] for W, _, _ in layers])


def _deprecated(old, new):
    warnings.warn(f"analyze({old}=...) is deprecated; use {new}=", DeprecationWarning,
                  stacklevel=3)


def analyze(net, data=None, layer=None, rank="ambient", refine=None, estimate="persistent",
            fraction=None, separate_images=True, n_neighbors=None, max_dim=None,
            random_state=0, exact=None, budget_s=None, max_memory_gb=DEFAULT_MAX_MEMORY_GB,
            max_pieces=None, overlaps=True, estimate_scale=2.5, progress=None, exact_image=None,
            image=None, K=None, k=None):
    """Topology of the representation of a complex (or a point cloud) at layer ``layer``.

    Parameters
    ----------
    net : Network, torch.nn.Sequential, list of (W, b), state_dict or path
        Linear/ReLU network (as :func:`topodestruct.rank_decomposition`),
        converted once by :func:`topodestruct.as_network`.
    data : SimplicialComplex with coordinates, or (N, m) array_like
        The manifold, triangulated (coordinates ``(n_vertices, input_dim)``) or
        sampled (point-cloud route).
    layer : int, optional
        1-based; default the last hidden layer (the last one followed by a ReLU).
    rank : {"ambient", "intrinsic"}
        The paper's rank of ``Q_K W_K ... Q_1 W_1`` (default), or the rank of
        ``Phi^K`` restricted to each piece's affine span (exact route only).
    refine : bool, optional
        ``False``: label the vertices (the vertex route, as ``exact=False``).
    estimate : {"persistent", "knn"} or None
        The estimate beside the exact answer (:mod:`.estimate`; default the
        persistent reading of the image, with its barcode).
    fraction : float, optional
        Scale of the persistent estimate (see :mod:`topodestruct.topology.persistence`).
    separate_images : bool
        Rank-0 components with different images become different points.
    n_neighbors : int, optional
        k-NN neighbours: of the kNN estimate (default: calibrated on the input),
        of the vertex overlap test (default 13) and, for point clouds, of the
        graph that splits rank-1 points into classes (default 8).
    max_dim : int, optional
        Point clouds: largest homology dimension (default ``min(2, m - 1)``).
    random_state : None, int or numpy.random.Generator
        Seeds the image subsample and the rank sketch.
    exact : bool, optional
        The exact route (exact image homology, overlaps, quotient by both
        sources and the prediction on the exact refinement; pure complexes of
        dimension 1 or 2).  ``None`` (default): taken within ``budget_s``
        (default 60 s), else the vertex route answers and the report says why;
        ``True``: always, no time limit unless ``budget_s`` is given, an error
        where it cannot finish; ``False``: the vertex route.
    budget_s : float, optional
        Seconds for the exact route.
    max_memory_gb : float or None
        The exact route stops where this process's resident memory passes it.
    max_pieces : int, optional
        Size guard: with more refined pieces than this the exact route stops.
    overlaps : bool
        Vertex route: also the vertex-level quotient by both sources.
    estimate_scale : float
        Hops of the kNN estimate.
    progress : bool, optional
        A progress bar (tqdm, on stderr) over the layers the exact route
        refines, wherever the route is taken.  ``None`` (default): shown where
        stderr is a terminal; ``True``: always; ``False``: never.
    exact_image, image, K, k
        Deprecated names of ``exact``, ``estimate`` (``image=False`` is
        ``estimate=None``), ``data`` and ``n_neighbors``.

    Returns
    -------
    Representation
    """
    from ..topology.complexes import SimplicialComplex
    from .estimate import check_estimate
    from .labels import check_rank_kind

    if exact_image is not None:
        _deprecated("exact_image", "exact")
        exact = bool(exact_image) if exact is None else exact
    if image is not None:
        _deprecated("image", "estimate")
        estimate = estimate if image else None
    if K is not None:
        _deprecated("K", "data")
        data = K if data is None else data
    if k is not None:
        _deprecated("k", "n_neighbors")
        n_neighbors = k if n_neighbors is None else n_neighbors
    net = as_network(net)                  # once, at the boundary; passed down as it is
    layers = network_layers(net)
    layer = check_layer(layer, layers)
    check_rank_kind(rank)
    check_estimate(estimate)
    if isinstance(data, SimplicialComplex):
        if refine is False:
            if exact:
                raise ValueError("exact=True needs the exact refinement (refine not False)")
            exact = False
        elif refine and exact is False:
            raise ValueError("refine=True is the exact route; exact=False labels the vertices")
        return _analyze_complex(net, layers, data, layer, rank, estimate, fraction,
                                separate_images, n_neighbors, random_state, exact, budget_s,
                                max_memory_gb, max_pieces, overlaps, estimate_scale, refine,
                                progress)
    if refine:
        raise ValueError("refine=True needs a SimplicialComplex, not a point cloud")
    if exact:
        raise ValueError("exact=True needs a SimplicialComplex, not a point cloud")
    from ..topology.persistence import DEFAULT_FRACTION
    fraction = DEFAULT_FRACTION if fraction is None else fraction
    return _analyze_points(net, layers, data, layer, rank, estimate is not None, fraction,
                           8 if n_neighbors is None else n_neighbors, max_dim, random_state)


def _analyze_complex(net, layers, K, layer, rank, estimate, fraction, separate_images,
                     n_neighbors, random_state, exact, budget_s, max_memory_gb, max_pieces,
                     overlaps, estimate_scale, refine, progress=None):
    from .pipeline import run
    from .refine import _check_complex

    d, _ = _check_complex(K)
    if refine and d > 2:
        raise ValueError(f"exact refinement needs dimension <= 2, K has dimension {d}")
    s, rows, info, details = run(net, K, [layer], n_neighbors=n_neighbors, overlaps=overlaps,
                                 exact=exact, budget_s=budget_s, max_memory_gb=max_memory_gb,
                                 rank=rank, separate_images=separate_images,
                                 random_state=random_state, estimate=estimate,
                                 estimate_scale=estimate_scale, fraction=fraction,
                                 keep={layer}, max_pieces=max_pieces, progress=progress)
    row, where = rows[1], details[layer]
    common = dict(input=s.input, predicted=row["predicted"], estimate=row["estimate"],
                  components=where["components"], complex=where["complex"],
                  ranks=where["ranks"], layer=layer, rank=rank,
                  architecture=_architecture(layers), image_homology=row["image_homology"],
                  quotient=row["quotient"], skipped=list(row["skipped"]), rows=rows,
                  budget_s=info["budget_s"], notes=list(where["notes"]))
    if where["route"] == "exact":
        R, F = where["refinement"], where["folding"]
        status = "not computed: overlaps=False (the refinement's prediction only)" \
            if F is None else f"exact (image complex f-vector " \
                              f"{list(F.refinement.complex.f_vector)})"
        return Representation(labels="simplices", n_added_simplices=R.n_added_simplices,
                              refinement=R, overlaps=None if F is None else F.overlaps,
                              exact_image=status, **common)
    common["notes"].insert(0, "vertex labels: regions are seen only at the vertices (refine "
                              "the mesh to converge)")
    return Representation(labels="vertices", glued=where.get("glued"), points=s.X,
                          point_images=where.get("images"),
                          exact_image=f"not computed: {info['exact_stopped']}", **common)


def _analyze_points(net, layers, X, layer, rank, image, fraction, n_neighbors, max_dim,
                    random_state):
    from .._validation import check_random_state
    from ..topology.groups import Homology
    from .estimate import Estimate
    from ..topology.persistence import persistent_betti
    from .labels import vertex_ranks

    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("K must be a SimplicialComplex or an (N, m) numeric array") from None
    if X.ndim != 2:
        raise ValueError(f"a point cloud must be an (N, m) array, got shape {X.shape}")
    m = layers[0][0].shape[1]
    if X.shape[1] != m:
        raise ValueError(f"X has {X.shape[1]} features but the network expects {m}")
    if len(X) < 3:
        raise ValueError("a point cloud needs at least 3 points")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or inf")
    rng = check_random_state(random_state)
    notes = ["point cloud: input, prediction and image are persistent Betti numbers "
             "(quotient metric)"]
    if len(X) > MAX_POINTS:
        notes.append(f"subsampled: {MAX_POINTS} of the {len(X)} points analysed, drawn at "
                     f"random with random_state (--seed); the distance matrices grow as N^2")
        X = X[np.sort(rng.choice(len(X), MAX_POINTS, replace=False))]
    max_dim = min(2, m - 1) if max_dim is None else int(max_dim)
    ranks = vertex_ranks(net, X, layer, rank, random_state)
    images = forward(layers, X, layer)[-1]
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    classes, comps = _point_classes(X, D, ranks, images, n_neighbors)
    Q = _quotient_metric(D, classes)
    inp = persistent_betti(distance_matrix=D, max_dim=max_dim, fraction=fraction,
                           random_state=rng)
    pred = persistent_betti(distance_matrix=Q, max_dim=max_dim, fraction=fraction,
                            random_state=rng)
    pb = persistent_betti(images, max_dim=max_dim, fraction=fraction,
                          random_state=rng) if image else None
    est = None if pb is None else Estimate(
        list(pb.betti), "persistent", pb.threshold, None,
        f"bars longer than {pb.fraction:g} x the diameter", pb)
    free = Homology.free
    rows = [{"layer": 0, "predicted": free(inp.betti), "quotient": None, "image_homology": None,
             "estimate": None if pb is None else Estimate(list(inp.betti), "persistent")},
            {"layer": layer, "predicted": free(pred.betti), "quotient": None,
             "image_homology": None, "estimate": est}]
    return Representation(input=inp, predicted=pred, estimate=est, components=comps,
                          complex=None, ranks=ranks, layer=layer, rank=rank, labels="points",
                          architecture=_architecture(layers), n_added_simplices=0,
                          notes=notes, points=X, point_images=images, rows=rows,
                          exact_image="not computed: a point cloud has no exact image",
                          skipped=["exact image: a point cloud (pass a complex for the exact "
                                   "route)"])


def _point_classes(X, D, ranks, images, k):
    """Low-rank classes of a point cloud: rank 0 by image, rank 1 by kNN-graph components."""
    from ..topology.cells import component_labels
    from ..topology.homology import Homology
    from .quotient import Component

    classes, comps = [], []
    zero = np.flatnonzero(ranks == 0)
    if len(zero):
        key = np.round(images[zero] / (1e-9 * (1 + np.abs(images).max())))
        _, lab = np.unique(key, axis=0, return_inverse=True)
        for c in range(lab.max() + 1):
            classes.append(zero[lab.reshape(-1) == c])
    one = np.flatnonzero(ranks == 1)
    if len(one):
        sub = D[np.ix_(one, one)]
        nn = np.argsort(sub, axis=1)[:, 1:k + 1]
        rows = np.repeat(np.arange(len(one)), nn.shape[1])
        n, lab = component_labels(len(one), np.c_[rows, nn.ravel()])
        for c in range(n):
            classes.append(one[lab == c])
    for point, idx in enumerate(classes):
        comps.append(Component(rank=int(ranks[idx[0]]), point=point, vertices=idx,
                               n_simplices=0, centroid=X[idx].mean(0),
                               homology=Homology([1]), image=None))
    return classes, comps


def _quotient_metric(D, classes):
    """Euclidean metric with each class collapsed to a point (module notes)."""
    if not classes:
        return D
    A = np.stack([D[:, c].min(axis=1) for c in classes], 1)          # d(x, C)
    n = len(classes)
    delta = np.array([[A[classes[j]][:, i].min() for j in range(n)] for i in range(n)])
    np.fill_diagonal(delta, 0.0)
    for k in range(n):                                                 # Floyd-Warshall
        delta = np.minimum(delta, delta[:, k:k + 1] + delta[k:k + 1, :])
    T = (A[:, :, None] + delta[None]).min(axis=1)                     # d(x, C) + delta*
    Q = np.minimum(D, (T[:, None, :] + A[None, :, :]).min(axis=2))
    return np.minimum(Q, Q.T)
