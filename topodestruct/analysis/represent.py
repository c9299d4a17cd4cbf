r"""``analyze``: does layer K change the topology of the input, where, and into what?

Workflow (paper §2.2, eq. 4-9) for a complex ``K`` with coordinates:

1. label: refine ``K`` exactly along the bent hyperplanes of layers ``1..K``
   (dimension <= 2, :mod:`.refine`) and rank every piece (:mod:`.labels`);
   above dimension 2 or with ``refine=False``, rank the vertices;
2. predict: collapse ``Omega_0`` and each component of ``Omega_1``
   (:mod:`.quotient`), exact integer homology;
3. check: persistent homology of the image ``Phi^K(K)`` (:mod:`.image`) and,
   on the exact refinement (``exact_image``), the exact integer homology of the
   image, the overlaps (folding: full-rank regions with overlapping images,
   invisible to the rank theory) and the homology of ``K`` modulo both sources
   (rank and overlap, Beshkov 2026) through :mod:`.exact_route`. The report
   shows side by side what each theory predicts and what the image is.

For a point cloud ``X`` (no triangulation) the prediction is the persistent
homology of the quotient metric: Euclidean distances with each low-rank class
(all rank-0 points with one image; each connected component of the rank-1
points in the ``k``-nearest-neighbour graph) collapsed to a point,
``d'(x, y) = min(d(x, y), min_{C, C'} d(x, C) + delta*(C, C') + d(C', y))``
(``delta*``: shortest class-to-class chains).

Examples
--------
>>> import topodestruct as td
>>> net, K = td.constructions.circle_arcs(3)
>>> rep = td.analyze(net, K, layer=1)
>>> print(rep.input, "->", rep.predicted, "| image Betti", rep.image.betti)
H0 = Z, H1 = Z -> H0 = Z, H1 = Z^3 | image Betti [1, 3]
"""
from dataclasses import dataclass, field

import numpy as np

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
    image : PersistentBetti or None
        Betti numbers of ``Phi^K(K)`` read from persistent homology.
    image_homology : Homology or None
        Exact integer homology of ``Phi^K(K)`` (exact refinement, dimension <= 2,
        ``exact_image``); None where not computed.
    quotient : Homology or None
        Homology of ``K`` modulo both sources: the rank source's regions
        collapsed as for :attr:`predicted`, and points of different regions
        with the same image identified (the overlap source).
    overlaps : list of Overlap or None
        Pairs of refined simplices whose images meet in more than the image of
        their common face (layer, region indices, simplices, image centroid,
        pre-images in the input: :class:`~topodestruct.analysis.overlap.Overlap`).
    exact_image : str
        How the exact image was handled: ``"exact (...)"``, ``"not computed (...)"``,
        ``"skipped (...)"`` (size guard) or ``"failed (...)"``.
    components : list of Component
        The collapsed low-rank regions.
    complex : SimplicialComplex or None
        The complex that was labelled (the refinement, or ``K``).
    points, point_images : (N, m) and (N, n_K) arrays or None
        Point clouds: the points analysed (after subsampling) and their images.
    ranks : (T,) or (V,) int array
        Rank of each top simplex of :attr:`complex` (``labels == "simplices"``)
        or of each vertex / point (``labels == "vertices"``/``"points"``).
    """

    input: object
    predicted: object
    image: object
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
        included) where it was computed, else with the persistent Betti numbers
        of :attr:`image` (None if both were skipped).
        """
        if self.image_homology is not None and self.labels != "points":
            return _same(self.predicted, self.image_homology)
        if self.image is None:
            return None
        n = len(self.image.betti)
        return list(self.predicted.betti[:n]) + [0] * (n - len(self.predicted.betti)) \
            == list(self.image.betti)

    @property
    def diagnosis(self):
        """Lines explaining disagreements between the theories and the image."""
        out = []
        I, P, Q = self.image_homology, self.predicted, self.quotient
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
            if self.image is not None and list(self.image.betti) != \
                    _betti(I, len(self.image.betti)):
                out.append("the persistent reading of the image differs from its exact "
                           "homology (scale or sampling)")
        elif self.agrees is False:
            out.append("prediction and image disagree: the image may also change by folding "
                       "(full-rank overlaps, invisible to the rank theory) or the persistent "
                       "reading may be off at this scale (see the gap)")
        return out

    def to_dict(self, full=False):
        """JSON-ready summary; ``full=True`` lists every overlap and component.

        By default the lists ``overlaps`` and ``components`` keep their first
        :data:`LISTED` entries and ``listed`` says how many there are (an
        exact image can have tens of thousands of overlapping pairs).
        """
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
             "image_homology": hom(self.image_homology), "image": hom(self.image),
             "agrees": self.agrees, "exact_image": self.exact_image,
             "diagnosis": self.diagnosis,
             "n_overlaps": None if self.overlaps is None else len(self.overlaps),
             "overlaps": cut(self.overlaps, "overlaps"),
             "n_added_simplices": int(self.n_added_simplices),
             "rank_counts": {int(k): int(v) for k, v in
                             zip(*np.unique(self.ranks, return_counts=True))},
             "n_components": len(self.components),
             "components": cut(self.components, "components"), "notes": self.notes}
        return dict(d, listed=listed) if listed else d

    def __str__(self):
        what = {"simplices": "exact refinement" if self.n_added_simplices >= 0 else "",
                "vertices": "vertex labels", "points": "point cloud"}[self.labels]
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
                 "  quotient (both)     " + (
                     "-" if self.quotient is None else f"{_show(self.quotient)}  "
                     f"(rank + overlap sources, {len(self.overlaps)} overlapping pairs)"),
                 "  image (exact)       " + (_show(self.image_homology)
                                             if self.image_homology is not None
                                             else self.exact_image),
                 "  image (persistent)  " + (str(self.image) if self.image is not None
                                             else "skipped"),
                 f"  agrees              {self.agrees}"
                 + (" (prediction vs exact image)" if self.image_homology is not None and
                    self.labels != "points" else "")]
        lines += [f"  ! {d}" for d in self.diagnosis]
        for c in self.components:
            lines.append(f"  - rank {c.rank} region -> point {c.point}: {len(c.vertices)} "
                         f"vertices, centroid {np.round(c.centroid, 3).tolist()}, "
                         + ("contractible" if c.contractible else f"homology {c.homology}"))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


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


def analyze(net, K, layer=None, rank="ambient", refine=None, image=True, fraction=None,
            separate_images=True, n_neighbors=8, max_dim=None, random_state=0,
            exact_image=False, max_pieces=None):
    """Topology of the representation of ``K`` (or a point cloud) at layer ``layer``.

    Parameters
    ----------
    net : Network, torch.nn.Sequential, list of (W, b), state_dict or path
        Linear/ReLU network (as :func:`topodestruct.rank_decomposition`),
        converted once by :func:`topodestruct.as_network`.
    K : SimplicialComplex with coordinates, or (N, m) array_like
        The manifold, triangulated (coordinates ``(n_vertices, input_dim)``) or
        sampled (point-cloud route).
    layer : int, optional
        1-based; default the last hidden layer (the last one followed by a ReLU).
    rank : {"ambient", "intrinsic"}
        The paper's rank of ``Q_K W_K ... Q_1 W_1`` (default), or the rank of
        ``Phi^K`` restricted to each piece's affine span (exact refinement only).
    refine : bool, optional
        Exact refinement (default for complexes of dimension <= 2); ``False``
        labels the vertices.
    image : bool
        Compute the persistent homology of the image.
    fraction : float, optional
        Scale of the persistent reading (see :mod:`topodestruct.analysis.image`).
    separate_images : bool
        Rank-0 components with different images become different points.
    n_neighbors : int
        Point clouds: neighbours in the graph that splits rank-1 points into classes.
    max_dim : int, optional
        Point clouds: largest homology dimension (default ``min(2, m - 1)``).
    random_state : None, int or numpy.random.Generator
        Seeds the image subsample and the rank sketch.
    exact_image : bool
        On the exact refinement (dimension <= 2): compute the exact image
        homology, the overlaps and the quotient by both sources
        (:mod:`.exact_route`); :attr:`Representation.agrees` then compares the
        prediction with the exact image. Off by default: its cost grows with
        the folding, not only with the size (a second for 1600 pieces under a
        wide network; seconds to a minute for a torus under a 3-5-5 network).
        ValueError without the exact refinement.
    max_pieces : int, optional
        Size guard: with more refined pieces than this the exact image is
        skipped and the report says so (default: no guard).

    Returns
    -------
    Representation
    """
    from ..topology.complexes import SimplicialComplex
    from .image import DEFAULT_FRACTION

    net = as_network(net)                  # once, at the boundary; passed down as it is
    layers = network_layers(net)
    layer = check_layer(layer, layers)
    fraction = DEFAULT_FRACTION if fraction is None else fraction
    from .labels import check_rank_kind
    check_rank_kind(rank)
    if isinstance(K, SimplicialComplex):
        return _analyze_complex(net, layers, K, layer, rank, refine, image, fraction,
                                separate_images, random_state, exact_image, max_pieces)
    if refine:
        raise ValueError("refine=True needs a SimplicialComplex, not a point cloud")
    if exact_image:
        raise ValueError("exact_image=True needs a SimplicialComplex, not a point cloud")
    return _analyze_points(net, layers, K, layer, rank, image, fraction, n_neighbors, max_dim,
                           random_state)


def _analyze_complex(net, layers, K, layer, rank, refine, image, fraction, separate_images,
                     random_state, exact_image=None, max_pieces=None):
    from ..topology.homology import homology
    from .image import persistent_betti, sample_simplices
    from .._validation import check_integer
    from .exact_route import exact_folding
    from .labels import piece_ranks, vertex_ranks
    from .quotient import low_rank_quotient
    from .refine import _check_complex
    from .refine import refine as _refine

    d, _ = _check_complex(K)
    m = layers[0][0].shape[1]
    if K.coordinates.shape[1] != m:
        raise ValueError(f"K's coordinates have dimension {K.coordinates.shape[1]} but the "
                         f"network expects {m} inputs")
    if refine is None:
        refine = d <= 2
    if refine and d > 2:
        raise ValueError(f"exact refinement needs dimension <= 2, K has dimension {d}")
    if exact_image and not refine:
        raise ValueError("exact_image=True needs the exact refinement (dimension <= 2, "
                         "refine not False)")
    notes, R = [], None
    if refine:
        R = _refine(layers, K, layer)
        C = R.complex()
        order = np.lexsort(R.simplices.T[::-1])      # rows of C.simplices(d)
        piece = piece_ranks(net, R, layer, rank, random_state)
        ranks = piece[order]
        images = R.values(layer)
        on, added = "simplices", R.n_added_simplices
        sample = (lambda: sample_simplices(images, R.simplices, 2))
    else:
        C = K
        X = np.asarray(K.coordinates, dtype=np.float64)
        ranks = vertex_ranks(net, X, layer, rank, random_state)
        images = forward(layers, X, layer)[-1]
        on, added = "vertices", 0
        notes.append("vertex labels: regions are seen only at the vertices (refine the mesh "
                     "to converge)")
        sample = (lambda: sample_simplices(images, np.searchsorted(K.vertices,
                                                                   K.simplices(d)), 2))
    exact_images = R.exact_values if refine else images      # exact grouping by image
    predicted, comps, qnotes = low_rank_quotient(C, ranks, exact_images, on, separate_images)
    notes += qnotes
    pb = None
    if image:
        pb = persistent_betti(sample(), max_dim=d, fraction=fraction, random_state=random_state)
    F, status = None, "not computed (vertex labels: needs the exact refinement)"
    if refine:
        limit = np.inf if max_pieces is None else check_integer(max_pieces, "max_pieces", 0)
        if not exact_image:
            status = "not computed (exact_image=False)"
        elif len(R.simplices) > limit:
            status = (f"skipped ({len(R.simplices)} pieces > max_pieces={limit})")
        else:
            try:
                F = exact_folding(net, R, layer, piece, separate_images, rank)
            except (ValueError, ArithmeticError) as err:   # a defect of the exact core: say so
                status = f"failed ({type(err).__name__}: {err})"
                notes.append(f"the exact image could not be computed: {status}")
            else:
                status = f"exact (image complex f-vector {list(F.refinement.complex.f_vector)})"
    return Representation(input=homology(K), predicted=predicted, image=pb, components=comps,
                          complex=C, ranks=ranks, layer=layer, rank=rank, labels=on,
                          architecture=_architecture(layers), n_added_simplices=added,
                          notes=notes, refinement=R,
                          image_homology=None if F is None else F.image_homology,
                          quotient=None if F is None else F.quotient,
                          overlaps=None if F is None else F.overlaps, exact_image=status)


def _analyze_points(net, layers, X, layer, rank, image, fraction, n_neighbors, max_dim,
                    random_state):
    from .._validation import check_random_state
    from .image import persistent_betti
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
    return Representation(input=inp, predicted=pred, image=pb, components=comps, complex=None,
                          ranks=ranks, layer=layer, rank=rank, labels="points",
                          architecture=_architecture(layers), n_added_simplices=0,
                          notes=notes, points=X, point_images=images)


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
