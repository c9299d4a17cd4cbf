"""The overlap source of topological change: simplices whose images meet, and the quotient by both sources.

A ReLU network changes topology at full rank by *folding*: two activation
regions mapped onto overlapping images (K. Beshkov, "A Quotient Homology Theory
of Representation in Neural Networks", TMLR 2026). On a complex ``K`` of
dimension <= 2 on which the map ``Φ`` is affine simplex by simplex (after the
exact refinement), :func:`overlap_pairs` lists, exactly, the pairs of simplices
whose images meet in more than the image of their common face, with the
intersection pulled back into both. :func:`folding` adds the exact homology of
the image ``Φ(K)`` and of the quotient of ``K`` by both sources (also on a
3-complex: :mod:`.image_complex_3d`, which carves solids that overlap).

The quotient by both sources, ``K / (O_Φ ∪ rank source)``: every point is
identified with the points of other regions that have the same image
(overlap), and each rank-deficient piece ``C_i`` (Ω_0, the components of Ω_1)
is collapsed to a point (rank source). Since ``K / (Φ(x) = Φ(y))`` is ``Φ(K)``
(``K`` compact), this space is ``Φ(K) / Φ(C_1) / ... / Φ(C_k)``, and its
homology is computed exactly from the image complex by
:func:`topodestruct.quotient_homology` (images that meet are collapsed to the
same point, as the equivalence relation requires). It equals the homology of
``Φ(K)`` when every ``Φ(C_i)`` is acyclic; where it is not (the convexity
condition of the 2026 theorem fails), the two differ and :class:`Folding`
reports it.
"""
import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from ..topology.simplicial import SimplicialComplex, as_subcomplex
from ..topology.groups import Homology
from ..topology.homology import homology, quotient_homology
from ..tolerances import CERTIFICATE_MARGIN, ROUNDING_BOUND
from . import certificates as _cert
from . import exact as _exact
from ._image_pairs import AreaMeet
from .exact_rows import in_segment, integer_rows
from .image_complex import ImageRefinement, _checker, refine_image

__all__ = ["Overlap", "Folding", "overlap_pairs", "folding", "image_of_subcomplex"]


@dataclass(frozen=True)
class Overlap:
    """Two simplices of ``K`` whose images meet in more than the image of their common face.

    Attributes
    ----------
    simplices : (tuple of int, tuple of int)
        The two simplices (vertex ids of ``K``).
    regions : (object, object)
        Their activation regions (labels as given), or ``(None, None)``.
    layer : int or None
        The layer of the map, as given.
    dimension : int
        Dimension of the intersection of the images (0, 1 or 2; 2 is a fold
        of two coplanar triangles; 3 a fold of two tetrahedra of a 3-complex, whose
        images share solid pieces of the image complex).
    image : ndarray, shape (k, n)
        Corners of the intersection of the images (float values of exact points; for
        a fold of tetrahedra the corners of the solid pieces both hold, whose convex
        hull is the intersection).
    centroid : ndarray, shape (n,)
        Centroid of those corners.
    preimages : (ndarray, ndarray) or None
        The corners pulled back into each simplex, in ``K``'s coordinates
        (shape (k, d)); None if ``K`` has no coordinates.
    """

    simplices: tuple
    regions: tuple
    layer: object
    dimension: int
    # the corners (as floats) and the pull-back are work per pair, needed only where someone
    # looks: computed on first access (a folded trained layer has up to millions of overlaps)
    _corners: object = field(repr=False, compare=False)
    _pull: object = field(repr=False, default=None, compare=False)

    @property
    def image(self):
        """See the class notes; computed (exactly) on first access."""
        if callable(self._corners):
            object.__setattr__(self, "_corners", self._corners())   # a cache on a frozen record
        return self._corners

    @property
    def centroid(self):
        """See the class notes."""
        return self.image.mean(axis=0)

    @property
    def preimages(self):
        """See the class notes; computed (exactly) on first access."""
        if callable(self._pull):
            object.__setattr__(self, "_pull", self._pull())   # a cache on a frozen record
        return self._pull

    @property
    def preimage_centroids(self):
        """Centroids of the pulled-back pieces, one per simplex (None without coordinates)."""
        if self.preimages is None:
            return None
        return tuple(p.mean(axis=0) for p in self.preimages)

    def to_dict(self):
        """JSON-ready dict."""
        pre = None if self.preimages is None else [p.tolist() for p in self.preimages]
        return {"simplices": [list(s) for s in self.simplices],
                "regions": [_jsonable(r) for r in self.regions], "layer": self.layer,
                "dimension": self.dimension, "image": self.image.tolist(),
                "centroid": self.centroid.tolist(), "preimages": pre}


def _jsonable(r):
    if r is None or isinstance(r, (int, float, str, bool)):
        return r
    if isinstance(r, np.generic):
        return r.item()
    if isinstance(r, bytes):
        return r.hex()
    return np.asarray(r).tolist()


def _barycentric(points, corners):
    """Exact barycentric coordinates of ``points`` in the simplex with exact ``corners``
    (the points in its affine hull): solved in the coordinates where it projects best."""
    c0 = corners[0]
    k = len(corners) - 1
    if k == 0:
        return [[1] for _ in points]
    if k == 3:   # a tetrahedron: the exact solve (unique in its affine hull)
        n = len(c0)
        A = [[c[r] - c0[r] for c in corners[1:]] for r in range(n)]
        out = []
        for p in points:
            z = _exact._solve(A, [p[r] - c0[r] for r in range(n)], 3)[0]
            out.append([1 - sum(z), *z])
        return out
    if k == 1:
        r = max(range(len(c0)), key=lambda r: abs(corners[1][r] - c0[r]))
        den = corners[1][r] - c0[r]
        return [[1 - t, t] for t in ((p[r] - c0[r]) / den for p in points)]
    i, j, u, v, det = _exact.axes(*corners)
    out = []
    for p in points:
        x, y = p[i] - c0[i], p[j] - c0[j]   # s u + t v = p - c0 in coordinates i, j
        s, t = (x * v[j] - y * v[i]) / det, (u[i] * y - u[j] * x) / det
        out.append([1 - s - t, s, t])
    return out


def _check_regions(K, regions, lookup=True):
    """Validate ``regions`` -> ``{top simplex: label}`` (``lookup=False``: only validate)."""
    if regions is None:
        return None
    top = K.simplices(K.dimension)
    regions = regions if hasattr(regions, "__len__") else list(regions)
    if len(regions) != len(top):
        raise ValueError(f"regions must have one label per top simplex ({len(top)}), "
                         f"got {len(regions)}")
    if not lookup:
        return None
    regions = list(regions) if not isinstance(regions, np.ndarray) or regions.ndim == 1 else [
        r.tobytes() for r in np.ascontiguousarray(regions)]
    return {tuple(s): r for s, r in zip(top.tolist(), regions)}


def overlap_pairs(K, images, regions=None, layer=None, refinement=None):
    """Pairs of simplices of ``K`` whose images overlap, found and intersected exactly.

    Parameters
    ----------
    K : SimplicialComplex
        Dimension <= 2, the map affine on each simplex (e.g. after the exact refinement).
    images : array of float, shape (K.n_vertices, n), or object array of exact rationals
        Image of each vertex (see :func:`refine_image`).
    regions : sequence, optional
        A label per top simplex (rows of ``K.simplices(K.dimension)``), e.g. the
        activation codewords (2D arrays are read row by row).
    layer : int, optional
        Recorded in each :class:`Overlap`.
    refinement : ImageRefinement, optional
        The result of :func:`refine_image` for the same input, to reuse.

    Returns
    -------
    sequence of Overlap
        Only pieces with nondegenerate images take part (a degenerate image is
        covered by the images of its faces). Each record is made when it is read
        (a folded layer has up to millions); ``list(...)`` makes them all.

    Examples
    --------
    >>> import numpy as np
    >>> import topodestruct as td
    >>> K = td.SimplicialComplex([(0, 1), (1, 2)], coordinates=[[-1.0], [0.0], [1.0]])
    >>> [o.dimension for o in overlap_pairs(K, np.abs(K.coordinates))]   # |x| folds the path
    [1]
    """
    R = refinement if refinement is not None else refine_image(K, images)
    if not isinstance(R, ImageRefinement):
        raise TypeError("refinement must be an ImageRefinement from refine_image")
    labels = _check_regions(K, regions, lookup=bool(R.overlaps))
    pos = {int(v): i for i, v in enumerate(K.vertices.tolist())}
    return _Overlaps(R, K, labels, layer, pos)


class _Overlaps(Sequence):
    """The overlaps of :func:`overlap_pairs`, each made on access: a folded trained layer
    has up to millions, of which a profile reads only the number (1.4 M records took 16 s
    to make). A read-only sequence of :class:`Overlap`, equal to a list of the same."""

    def __init__(self, R, K, labels, layer, pos):
        self._R, self._K, self._labels, self._layer, self._pos = R, K, labels, layer, pos
        # pieces the 3-D route added (carved solids) are not K's
        of_k = np.array([all(v in pos for v in s) for s in R.input_simplices] + [False])
        ab = np.array([(a, b) for a, b, _ in R.overlaps], dtype=np.int64).reshape(-1, 2)
        self._rows = np.flatnonzero(of_k[ab[:, 0]] & of_k[ab[:, 1]]).tolist()
        self._made = {}             # records read (their corners, once computed, are kept)

    def __len__(self):
        return len(self._rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        r = self._rows[i]
        if r not in self._made:
            self._made[r] = self._record(*self._R.overlaps[r])
        return self._made[r]

    def _record(self, a, b, I):
        sa, sb = self._R.input_simplices[a], self._R.input_simplices[b]
        corners = functools.partial(_floats, I)
        X = self._K.coordinates
        pull = None if X is None else functools.partial(
            _pull_back, I, (sa, sb), self._R.vertex_exact, self._pos, X)
        lab = self._labels
        reg = (None, None) if lab is None else (lab.get(sa), lab.get(sb))
        dim = I.dimension if isinstance(I, AreaMeet) else min(len(I) - 1, 2)
        return Overlap((sa, sb), reg, self._layer, dim, corners, pull)   # floats on first look

    def __eq__(self, other):
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self):
        return repr(list(self))


def _floats(I):
    return np.array([[float(x) for x in p] for p in I], dtype=float)


def _pull_back(I, simplices, ex, pos, coordinates):
    """The corners ``I`` pulled back into each simplex (K's coordinates), by exact
    barycentric coordinates."""
    pre = []
    for s in simplices:
        cs = [ex[pos[v]] for v in s]
        W = np.array([[float(x) for x in row] for row in _barycentric(I, cs)])
        pre.append(W @ coordinates[[pos[v] for v in s]])
    return tuple(pre)


def image_of_subcomplex(R, K, C, budget=None):
    """``Φ(C)`` as a subcomplex of the image complex ``R.complex`` (exact membership).

    Parameters
    ----------
    R : ImageRefinement
    K : SimplicialComplex
        The complex ``R`` was built from.
    C : subcomplex of K (or iterable of simplices)
    budget : Budget, optional
        Checked as it goes (:class:`~.image_complex.ImageBudgetExceeded` past it).

    Returns
    -------
    SimplicialComplex
        The simplices of ``R.complex`` contained in the image of a simplex of ``C``
        (all of ``Φ(C)``: the image complex refines every image simplex).
    """
    return _SubcomplexImages(R, K, budget)(C)


class _SubcomplexImages:
    """:func:`image_of_subcomplex` for several subcomplexes of one ``K``: the search tree of
    the image complex's vertices and its simplices' vertex indices are built once (a
    folded layer has hundreds of collapsed components and ~10^5 image vertices)."""

    def __init__(self, R, K, budget):
        self.R, self.K, self.check = R, K, _checker(budget)
        self.tree = None                # built at the first subcomplex (often there is none)

    def _build(self):
        L = self.R.complex
        self.X = L.coordinates[self.R.vertex_map]         # the floats of the vertex images
        self.kpos = {int(v): i for i, v in enumerate(self.K.vertices.tolist())}
        self.tree = cKDTree(L.coordinates)
        self.rows = [L.simplices(d) for d in range(L.dimension + 1)]
        self.idx = [np.searchsorted(L.vertices, r) for r in self.rows]

    def __call__(self, C):
        C = as_subcomplex(C, "C")
        if C.dimension < 0 or self.R.complex.n_vertices == 0:
            return SimplicialComplex._from_sorted([])
        if self.tree is None:
            self._build()
        K, L, R, X, kpos = self.K, self.R.complex, self.R, self.X, self.kpos
        pos = np.searchsorted(K.vertices, C.vertices)
        if not np.array_equal(K.vertices[np.minimum(pos, K.n_vertices - 1)], C.vertices):
            raise ValueError("C is not a subcomplex of K")
        ex = R.vertex_exact
        owners = {}                     # image vertex -> which Φ(σ), σ in C, hold it
        for k, s in enumerate(C.maximal_simplices()):
            self.check("the image of a collapsed piece", every=16)
            corners = X[[kpos[v] for v in s]]
            lo, hi = corners.min(0), corners.max(0)
            centre, radius = (lo + hi) / 2, np.linalg.norm(hi - lo) / 2
            reach = radius * (1 + CERTIFICATE_MARGIN) + ROUNDING_BOUND * (1 + np.abs(hi).max())
            cand = np.array(self.tree.query_ball_point(centre, reach), dtype=np.int64)
            if not len(cand):
                continue
            pts = _independent_corners([ex[kpos[v]] for v in s])
            if len(pts) == 2:   # a segment (rank 1): its box, then in integers at once
                # floats round monotonically, within the slack: a float outside the corners'
                # box widened by it is an exact point outside the segment's box
                slack = ROUNDING_BOUND * (1 + np.maximum(np.abs(lo), np.abs(hi)))
                Y = L.coordinates[cand]
                keep = ((Y >= lo - slack) & (Y <= hi + slack)).all(axis=1)
                cand = cand[keep][_near_line(Y[keep], corners)]
                cand = cand[in_segment(*integer_rows(R.exact, cand), *pts)]
            else:               # a float certificate that a vertex lies off Φ(σ) spares exact tests
                off = _cert.separated(np.zeros((len(cand), 0, X.shape[1])),
                                      L.coordinates[cand][:, None, :],
                                      np.broadcast_to(corners, (len(cand),) + corners.shape))
                cand = [w for w in cand[~off].tolist() if _in_hull(R.exact[w], pts)]
            for w in np.asarray(cand).tolist():
                owners.setdefault(w, set()).add(k)
        # a simplex of the image complex lies in Φ(C) iff its vertices lie in one convex Φ(σ)
        held = np.zeros(L.n_vertices, dtype=bool)
        held[list(owners)] = True
        kept = []
        for rows, idx in zip(self.rows, self.idx):
            some = held[idx].all(axis=1)      # only simplices with every vertex in Φ(C)
            for row, ix in zip(rows[some].tolist(), idx[some].tolist()):
                if set.intersection(*(owners[i] for i in ix)):
                    kept.append(tuple(row))
        return SimplicialComplex(kept) if kept else SimplicialComplex._from_sorted([])


def _in_hull(p, pts):
    """Whether the exact point ``p`` lies in the hull of independent corners ``pts``, a point
    (no linear solve) or a triangle (segments: :func:`~.exact_rows.in_segment`, all at once)."""
    if len(pts) == 1:
        return p == pts[0]
    return bool(_exact.intersect([p], pts))


def _near_line(Y, corners):
    """Which float points ``Y`` may lie on the segment of the collinear float ``corners``
    (not two apart): the rest are certified off the segment between the two farthest
    corners (:func:`.certificates.off_segment`), so no exact test is needed. On a folded
    D-I layer most vertices in a collapsed segment's box lie off it."""
    i, j = np.unravel_index(np.argmax(((corners[:, None] - corners[None]) ** 2).sum(-1)),
                            (len(corners),) * 2)
    return ~_cert.off_segment(corners[i], corners[j], Y) if len(Y) else np.zeros(0, bool)


def _independent_corners(pts):
    """The image of a simplex as the hull of affinely independent corners (drop the rest)."""
    pts = list(dict.fromkeys(pts))
    if len(pts) == 3 and _collinear(*pts):
        for i in range(3):
            others = pts[:i] + pts[i + 1:]
            if _exact.on_segment(pts[i], *others) is not None:
                return others
    return pts


def _collinear(a, b, c):
    return any(_exact.on_segment(p, q, r) is not None for p, q, r in ((a, b, c), (b, a, c),
                                                                      (c, a, b)))


@dataclass
class Folding:
    """Image homology, overlaps and the quotient by both sources, for one map on ``K``.

    Attributes
    ----------
    input : Homology
        Homology of ``K``.
    image_homology : Homology
        Exact homology of ``Φ(K)``.
    quotient : Homology
        Homology of ``K`` modulo both sources (see the module notes).
    overlaps : sequence of Overlap
        (see :func:`overlap_pairs`: each made when read)
    collapsed : list of SimplicialComplex
        ``Φ(C_i)`` in the image complex, one per collapsed piece.
    refinement : ImageRefinement or ImageRefinement3D
    """

    input: Homology
    image_homology: Homology
    quotient: Homology
    overlaps: list = field(repr=False)
    collapsed: list = field(repr=False)
    refinement: object = field(repr=False)

    @property
    def agrees(self):
        """Whether the quotient by both sources and the image have the same homology."""
        return self.quotient == self.image_homology

    def to_dict(self):
        """JSON-ready dict (overlaps included)."""
        return {"input": self.input.betti, "image_homology": self.image_homology.betti,
                "quotient": self.quotient.betti,
                "torsion": {"image_homology": self.image_homology.torsion,
                            "quotient": self.quotient.torsion},
                "agrees": self.agrees, "overlaps": [o.to_dict() for o in self.overlaps],
                "image_f_vector": list(self.refinement.complex.f_vector)}

    def __str__(self):
        lines = [f"input:          {self.input}", f"image (exact):  {self.image_homology}",
                 f"quotient (both sources): {self.quotient}",
                 f"overlapping simplex pairs: {len(self.overlaps)}"]
        if not self.agrees:
            lines.append("quotient and image differ: a collapsed piece has a non-acyclic "
                         "image (the convexity condition of the quotient theorem fails)")
        return "\n".join(lines)


def folding(K, images, collapse=(), regions=None, layer=None, injective=None,
            max_exact_pairs=None, budget=None, floats=None):
    """Exact image homology, overlaps, and homology modulo both sources.

    Parameters
    ----------
    K : SimplicialComplex
        Dimension <= 3, the map affine on each simplex (dimension 3: the image from
        :func:`~.image_complex_3d.refine_image_3d`, which carves solids that overlap).
    images : array of float, shape (K.n_vertices, n), or object array of exact rationals
    collapse : list of subcomplexes of K
        The rank-deficient pieces (Ω_0, the components of Ω_1), each collapsed to a point.
    regions, layer : see :func:`overlap_pairs` (on a 3-complex, without regions: the
        overlaps of its 2-skeleton's simplices, and the folds of solids, pairs of
        tetrahedra whose images share volume, dimension 3).
    injective, max_exact_pairs, budget, floats : see :func:`~.image_complex.refine_image`
        (``floats``: dimension <= 2).

    Returns
    -------
    Folding

    Examples
    --------
    >>> import numpy as np
    >>> import topodestruct as td
    >>> C = td.SimplicialComplex([(0, 1), (1, 2), (2, 3), (0, 3)],
    ...                          coordinates=[[0.0, -1], [1, 0], [0, 1], [-1, 0]])
    >>> F = folding(C, np.abs(C.coordinates))   # (|x|, |y|): all four edges onto one
    >>> print(F.input, F.image_homology, F.quotient, sep="; ")
    H0 = Z, H1 = Z; H0 = Z, H1 = 0; H0 = Z, H1 = 0
    >>> [o.dimension for o in F.overlaps]
    [1, 1, 1, 1, 1, 1]
    """
    if isinstance(K, SimplicialComplex) and K.dimension == 3:
        return _folding_3d(K, images, collapse, layer, injective, max_exact_pairs, budget)
    R = refine_image(K, images, injective=injective, max_exact_pairs=max_exact_pairs,
                     budget=budget, floats=floats)
    images_of = _SubcomplexImages(R, K, budget)
    subs = [images_of(C) for C in collapse]
    subs = [S for S in subs if S.dimension >= 0]
    quot = quotient_homology(R.complex, subs) if subs else homology(R.complex)
    return Folding(homology(K), homology(R.complex), quot,
                   overlap_pairs(K, images, regions, layer, refinement=R), subs, R)


def _folding_3d(K, images, collapse, layer, injective, max_exact_pairs, budget):
    """:func:`folding` of a 3-complex.  The image complex is the surface ``L2`` (the image
    of the 2-skeleton) plus one cone per 3-piece, from an apex numbered after ``L2``'s
    vertices in the order of the 3-pieces; so ``Φ(C)`` of a collapsed piece is the image
    of its 2-skeleton in ``L2`` plus the cones of the 3-pieces of its tetrahedra."""
    from .image_complex_3d import refine_image_3d

    I = refine_image_3d(K, images, injective=injective, max_exact_pairs=max_exact_pairs,
                        budget=budget)
    L, K2, L2 = I.complex, K.skeleton(2), I.surface.complex
    first_apex = int(L2.vertices.max()) + 1 if L2.n_vertices else 0
    solid_of = {}                                    # a carved tetrahedron: several
    for i, members in enumerate(I.tetrahedra):
        for t in members:
            solid_of.setdefault(t, []).append(i)
    cones = {}
    for tet in L.simplices(3).tolist():              # every 3-simplex is a cone: apex last
        cones.setdefault(tet[-1] - first_apex, []).append(tuple(tet))
    if sorted(cones) != list(range(len(I.solids))):   # a bug, never an answer
        raise RuntimeError("the image complex's cone apexes are not numbered as documented")
    images_of = _SubcomplexImages(I.surface, K2, budget)
    subs = []
    for C in collapse:
        C = as_subcomplex(C, "collapse")
        if C.dimension < 0:
            continue
        pieces = {i for t in map(tuple, C.simplices(3).tolist()) for i in solid_of.get(t, ())}
        top = list(images_of(C.skeleton(2)).maximal_simplices()) + [
            s for i in sorted(pieces) for s in cones[i]]
        if top:
            subs.append(SimplicialComplex(top))
    quot = quotient_homology(L, subs) if subs else homology(L)
    overlaps = overlap_pairs(K2, images, None, layer, refinement=I.surface)
    return Folding(homology(K), homology(L), quot, [*overlaps, *_solid_folds(K, I, layer)],
                   subs, I)


def _solid_folds(K, I, layer):
    """Overlaps of dimension 3: the pairs of tetrahedra of ``K`` whose images share solid
    pieces of the image complex ``I`` (:class:`~.image_complex_3d.ImageRefinement3D`). The
    2-skeleton's overlaps do not show them where carving replaced the tetrahedra (a fold of
    solids triangulated differently on its two sides: then none of them is ``K``'s)."""
    S = I.surface
    pos_image = {int(v): i for i, v in enumerate(S.complex.vertices.tolist())}
    shared = {}                        # (t, u) -> ids of the corners of the pieces both hold
    for solid, tets in zip(I.solids, I.tetrahedra):
        for pair in itertools.combinations(sorted(map(tuple, tets)), 2):
            shared.setdefault(pair, set()).update(solid)
    ex = S.vertex_exact                # K's vertices first, after carving too
    pos = {int(v): i for i, v in enumerate(K.vertices.tolist())}
    out = []
    for pair, ids in sorted(shared.items()):
        corners = [S.exact[pos_image[u]] for u in sorted(ids)]
        pull = None if K.coordinates is None else functools.partial(
            _pull_back, corners, pair, ex, pos, K.coordinates)
        out.append(Overlap(pair, (None, None), layer, 3,
                           functools.partial(_floats, corners), pull))
    return out
