r"""``analyze``: does layer K change the topology of the input, where, and into what?

``td.analyze(net, K, layer)`` is the pipeline of :func:`topodestruct.profile`
(:mod:`.pipeline`) at one layer, plus the where-details:

1. label: refine ``K`` exactly along the bent hyperplanes of layers ``1..K``
   (dimension <= 3, :mod:`.refine`) and rank every piece (:mod:`.labels`);
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

For the same network, data (a complex, or a point cloud with the same
``complex`` and ``scale``) and layer, ``analyze`` and ``profile`` give the
same ``predicted``, ``quotient`` and ``image_homology``.  The report ends with
the verdict (:mod:`.verdict`).

A point cloud ``X`` (an ``(N, m)`` array, no triangulation) is first turned
into a complex exactly as :func:`topodestruct.profile` does it
(:func:`.pipeline.complex_from`: ``complex="alpha"`` by default, its radius
chosen by :func:`~topodestruct.topology.point_clouds.choose_alpha_scale` unless
``scale`` is given; ``"knn"``, ``"rips"``), and that complex is analysed at the
layer as above (exact within the budget, like any complex).  The report states
the complex built (kind, scale and its rule, f-vector: :attr:`Representation.built`).

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
from ._network import check_layer, network_layers

__all__ = ["Representation", "analyze"]

LISTED = 20            # overlaps and components listed by Representation.to_dict()


def _groups(H):
    return [H.group(d) for d in range(len(H.betti))]


@dataclass
class Representation:
    """The topology of a layer's representation of a manifold, predicted and measured.

    Attributes
    ----------
    input : Homology
        Homology of ``K`` (of the complex built on a point cloud).
    predicted : Homology
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
    points, point_images : (V, m) and (V, n_K) arrays or None
        The vertices (vertex route) and their images.
    ranks : (T,) or (V,) int array
        Rank of each top simplex of :attr:`complex` (``labels == "simplices"``)
        or of each vertex (``labels == "vertices"``).
    built : dict or None
        The complex built on a point cloud (``complex``, ``scale``,
        ``scale_rule``, ``f_vector``, as in :attr:`Profile.info
        <topodestruct.analysis.profile.Profile.info>`); None for a given complex.
    max_dim : int or None
        Betti numbers ``b_0..b_max_dim`` compared by the verdict (as in
        :func:`topodestruct.profile`).
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
    built: dict = None
    max_dim: int = None

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
        if self.image_homology is not None:
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
        return self.max_dim if self.max_dim is not None else min(len(self.input.betti) - 1, 2)

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
             "labels": self.labels, "built": None if self.built is None else dict(self.built),
             "input": hom(self.input),
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

        what = {"simplices": "exact refinement", "vertices": "vertex labels"}[self.labels]
        vals, cnt = np.unique(self.ranks, return_counts=True)
        lines = [f"Representation of network {self.architecture} at layer {self.layer} "
                 f"({self.rank} rank, {what}"
                 + (f", {self.n_added_simplices} simplices added" if self.labels == "simplices"
                    else "") + ")",
                 f"  ranks ({self.labels}): " + ", ".join(f"{v}: {c}" for v, c in
                                                          zip(vals, cnt))]
        if self.built is not None:
            lines.append(f"  complex             {_built(self.built)}")
        lines += [f"  input               {_show(self.input)}",
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
                 + (" (prediction vs exact image)" if self.image_homology is not None
                    else ""),
                 "  exact route         " + self._route()]
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


def _built(info):
    """The complex built on a point cloud, in words (kind, scale and its rule, size)."""
    return (f"{info['complex']} complex on the point cloud, scale {info['scale']:.4g}, "
            f"f-vector {list(info['f_vector'])} ({info['scale_rule']})")


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
            max_pieces=None, overlaps=True, estimate_scale=2.5, progress=None, complex="alpha",
            scale=None, exact_image=None, image=None, K=None, k=None):
    """Topology of the representation of a complex (or a point cloud) at layer ``layer``.

    Parameters
    ----------
    net : Network, torch.nn.Sequential, list of (W, b), state_dict or path
        Linear/ReLU network (as :func:`topodestruct.rank_decomposition`),
        converted once by :func:`topodestruct.as_network`.
    data : SimplicialComplex with coordinates, or (N, m) array_like
        The manifold, triangulated (coordinates ``(n_vertices, input_dim)``) or
        sampled: a point cloud is first turned into a complex (``complex``,
        ``scale``), as in :func:`topodestruct.profile`.
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
        k-NN neighbours: of the ``"knn"`` complex (default 13), of the kNN
        estimate (default: calibrated on the input) and of the vertex overlap
        test (default 13), as in :func:`topodestruct.profile`.
    max_dim : int, optional
        Betti numbers ``b_0..b_max_dim`` compared (default ``min(dim K, 2)``, 1
        for flag complexes), as in :func:`topodestruct.profile`.
    random_state : None, int or numpy.random.Generator
        Seeds the image subsample and the rank sketch.
    exact : bool, optional
        The exact route (exact image homology, overlaps, quotient by both
        sources and the prediction on the exact refinement; pure complexes of
        dimension 1 or 2; dimension 3: the image where no solid pieces overlap,
        no quotient, see docs/image-3d.md).  ``None`` (default): taken within ``budget_s``
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
    complex : {"alpha", "knn", "rips"}
        Point clouds: the complex built on them, as in :func:`topodestruct.profile`
        (``"alpha"``: radius by
        :func:`~topodestruct.topology.point_clouds.choose_alpha_scale` when
        ``scale`` is None; ``"knn"``: 2.5 hops by default; ``"rips"`` needs a
        scale).  Ignored for a complex.
    scale : float, optional
        Point clouds: radius (alpha), hops (knn) or edge length (rips).
    exact_image, image, K, k
        Deprecated names of ``exact``, ``estimate`` (``image=False`` is
        ``estimate=None``), ``data`` and ``n_neighbors``.

    Returns
    -------
    Representation
        For a point cloud, :attr:`Representation.built` states the complex built.
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
        from .refine import _check_complex

        d, _ = _check_complex(data)
        if refine and d > 3:
            raise ValueError(f"exact refinement needs dimension <= 3, K has dimension {d}")
    else:
        _check_numeric(data)  # the rest (shape, NaN, complex, scale): the pipeline's checks
    if refine is False:
        if exact:
            raise ValueError("exact=True needs the exact refinement (refine not False)")
        exact = False
    elif refine and exact is False:
        raise ValueError("refine=True is the exact route; exact=False labels the vertices")
    return _analyze_complex(net, layers, data, layer, rank, estimate, fraction,
                            separate_images, n_neighbors, random_state, exact, budget_s,
                            max_memory_gb, max_pieces, overlaps, estimate_scale, progress,
                            complex, scale, max_dim)


def _check_numeric(data):
    """A point cloud must at least be numeric (shape and values: :func:`.pipeline.complex_from`)."""
    try:
        np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("data must be a SimplicialComplex or an (N, m) numeric array, got "
                        f"{type(data).__name__}") from None


def _analyze_complex(net, layers, data, layer, rank, estimate, fraction, separate_images,
                     n_neighbors, random_state, exact, budget_s, max_memory_gb, max_pieces,
                     overlaps, estimate_scale, progress, complex, scale, max_dim):
    """The pipeline at one layer (:func:`.pipeline.run`, the engine of ``profile``)."""
    from .pipeline import run

    s, rows, info, details = run(net, data, [layer], complex=complex, scale=scale,
                                 n_neighbors=n_neighbors, max_dim=max_dim, overlaps=overlaps,
                                 exact=exact, budget_s=budget_s, max_memory_gb=max_memory_gb,
                                 rank=rank, separate_images=separate_images,
                                 random_state=random_state, estimate=estimate,
                                 estimate_scale=estimate_scale, fraction=fraction,
                                 keep={layer}, max_pieces=max_pieces, progress=progress)
    row, where = rows[1], details[layer]
    built = None if info["complex"] == "given" else {
        key: info[key] for key in ("complex", "scale", "scale_rule", "f_vector")}
    common = dict(input=s.input, predicted=row["predicted"], estimate=row["estimate"],
                  components=where["components"], complex=where["complex"],
                  ranks=where["ranks"], layer=layer, rank=rank,
                  architecture=_architecture(layers), image_homology=row["image_homology"],
                  quotient=row["quotient"], skipped=list(row["skipped"]), rows=rows,
                  budget_s=info["budget_s"], notes=list(where["notes"]), built=built,
                  max_dim=info["max_dim"])
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
