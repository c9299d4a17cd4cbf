"""The exact image of a piecewise-linear map on a complex of dimension <= 2, as a simplicial complex.

Given a simplicial complex ``K`` and the images of its vertices under a map
that is affine on each simplex (true after the exact refinement of ``K`` along
a ReLU network's bent hyperplanes), :func:`image_complex` builds a simplicial
complex whose underlying space *is* the image: the common refinement of the
image simplices, with every intersection computed in exact rational
arithmetic. :func:`image_homology` is its exact integer homology.

Method
------
1. Vertex images are made exact (float64 values are dyadic rationals) and
   equal images are merged. Image triangles that are degenerate are dropped:
   their images are covered by their edges' images; degenerate edges likewise.
2. Broad phase: bounding boxes (in more than 3 dimensions, first those of the
   projections onto the 3 principal directions, widened far beyond rounding),
   swept along the widest axis.
3. Narrow phase: a pair is settled by a float certificate with a wide margin
   when its distinct vertex images are affinely independent, or when an
   affine function vanishing on the shared vertices separates the others;
   then the images meet exactly in the hull of the shared vertex images.
   Every other pair is intersected exactly
   (:func:`topodestruct.geometry.exact.intersect`), except two triangles of one
   plane that overlap in area (decided exactly by separating axes): the cells of
   step 4 need only that they do, and their corners are computed where read.
4. Triangles whose images overlap in area are coplanar; they are grouped into
   clusters. In a cluster's plane, the vertical decomposition of the segments
   of all pieces that meet the cluster (its members' edges, segments where
   other images cross it, isolated points) gives convex cells that every
   member is a union of, so overlapping triangles share their cells
   (:func:`topodestruct.geometry.planar.decompose`; linear in the segments
   and their crossings). A cluster of one triangle (most of them where sheets
   cross) is split along its segments' lines instead, in homogeneous integer
   coordinates (:mod:`topodestruct.geometry._triangle_cuts`).
5. Every edge (cell sides, image segments) is split at every vertex lying on
   it, and each cell is coned from its centroid (a cell that is a triangle with
   no extra boundary vertex is kept as it is; a cell with a corner whose two
   sides hold no other vertex is the fan from that corner). Vertices are
   identified by their exact coordinates, so the pieces glue into a
   simplicial complex.

What is exact: every incidence and intersection, hence the complex and its
homology, for the images as given. Floats enter only as certificates (margin
1e-9 relative, rounding ~1e-15) and as the output ``coordinates`` (the exact
vertices rounded). Float vertex images computed through a network are *not*
the network's exact images: points that a rank-deficient region maps onto a
line or plane are off it by rounding, and their exact image has thin pockets;
use :func:`topodestruct.relu.network.exact_forward`.
"""
from dataclasses import dataclass, field

import numpy as np
from flint import fmpq

from .._budget import BudgetExceeded
from ..topology.cells import component_labels
from ..topology.simplicial import SimplicialComplex
from ..topology.homology import homology
from . import certificates as _cert
from . import exact as _exact
from .exact_rows import ExactRows, take as _take
from ._image_cells import _assemble, _cut_cluster, _unmet
from ._image_points import _Points
from ._image_pairs import (AreaMeet, EndPoints, _certify, _collinear_meets, _collinear_segments,
                           _coplanar_triangles, _inside_segments, _meet, _overlap_in_area,
                           _piece_labels, _segment_triangle_meets, _SettledBySolids)

__all__ = ["ImageRefinement", "ImageTooLarge", "ImageBudgetExceeded", "image_complex",
           "image_homology", "refine_image"]


class ImageTooLarge(ValueError):
    """More pairs of image simplices need an exact intersection than the caller allowed."""


class ImageBudgetExceeded(ImageTooLarge, BudgetExceeded):
    """The exact image ran past its time or memory budget."""


def _checker(budget):
    """A cheap per-iteration check of ``budget`` (every 256 calls), or a no-op."""
    if budget is None:
        return lambda where, every=256: None

    def check(where, every=256):
        try:
            budget.check(where, every=every)
        except BudgetExceeded as err:
            raise ImageBudgetExceeded(str(err)) from None
    return check


@dataclass
class ImageRefinement:
    """The image of ``K`` under a simplexwise-affine map, refined into a simplicial complex.

    Attributes
    ----------
    complex : SimplicialComplex
        Underlying space equal to the image; ``coordinates`` are the float
        values of the exact vertices.
    exact : list of tuple of flint.fmpq
        Exact coordinates of ``complex.vertices`` (same order).
    input_simplices : list of tuple of int
        The simplices of ``K`` used as image pieces (nondegenerate images);
        ``features`` and ``interactions`` index into it.
    interactions : list of (int, int, list)
        Pairs ``(i, j, corners)`` of pieces whose images meet in more than
        the hull of their common vertex images (these cut the pieces), with
        the exact corners of the intersection (for two triangles of one plane
        overlapping in area, an :class:`~._image_pairs.AreaMeet`: a sequence
        computed on first access).
    overlaps : list of (int, int, list)
        Pairs ``(i, j, corners)`` of pieces whose images meet in more than
        the image of their common face in ``K`` (the overlap source; this
        includes folds that map two simplices onto the same face).
    carriers : dict
        Top simplex of ``complex`` (tuple of ids) -> indices into
        ``input_simplices`` of the pieces whose images contain it.
    stats : dict
        Counts: candidate pairs, certified pairs, exact pairs, cells, ...
    vertex_exact : list of tuple of flint.fmpq
        The exact image of each vertex of ``K`` (aligned with ``K.vertices``).
    vertex_map : int array, shape (K.n_vertices,)
        The vertex of ``complex`` that each vertex of ``K`` is mapped to (vertices
        of ``K`` with equal images share it: the identification on vertices).
    """

    complex: SimplicialComplex
    exact: list
    input_simplices: list
    interactions: list
    overlaps: list
    carriers: dict = field(repr=False)
    stats: dict = field(default_factory=dict)
    vertex_exact: list = field(repr=False, default=None)
    vertex_map: np.ndarray = field(repr=False, default=None)


def _check(K, images, floats=None):
    """Validate -> (float images (N, n), exact rows or None)."""
    if not isinstance(K, SimplicialComplex):
        raise TypeError(f"K must be a SimplicialComplex, got {type(K).__name__}")
    if K.dimension > 2:
        raise ValueError(f"image_complex handles complexes of dimension <= 2, got {K.dimension}")
    ex = None
    if isinstance(images, ExactRows):   # exact, rationals made where read
        if len(images) != K.n_vertices or images.width < 1:
            raise ValueError(f"images must have shape (n_vertices={K.n_vertices}, n), "
                             f"got {images.shape}")
        ex = images
        X = images.floats() if floats is None else _given_floats(ex, floats, images.shape)
        if not np.isfinite(X).all():
            raise ValueError("images contain NaN or infinite values")
        return X, ex
    X = np.asarray(images)
    if X.dtype == object:  # exact rationals (flint.fmpq, Fraction, int)
        if X.ndim != 2:
            raise ValueError(f"images must have shape (n_vertices={K.n_vertices}, n), "
                             f"got {X.shape}")
        rows = X.tolist()
        ex = ([tuple(row) for row in rows] if all(type(x) is fmpq for x in X.ravel()) else
              [tuple(_exact.as_exact(x) for x in row) for row in rows])
        X = _floats(ex, X.shape) if floats is None else _given_floats(ex, floats, X.shape)
    elif not np.issubdtype(X.dtype, np.number) or X.dtype.kind == "c":
        raise TypeError(f"images must be a real array, got dtype {X.dtype}")
    X = X.astype(float)
    if X.ndim != 2 or X.shape[0] != K.n_vertices or X.shape[1] < 1:
        raise ValueError(f"images must have shape (n_vertices={K.n_vertices}, n), got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("images contain NaN or infinite values")
    return X, ex


def _floats(ex, shape):
    return np.array([[float(x) for x in row] for row in ex], dtype=float).reshape(shape)


def _given_floats(ex, floats, shape, sample=256):
    """The caller's floats of exact images, checked: shape, and a sample of entries."""
    F = np.asarray(floats, dtype=float)
    if F.shape != shape:
        raise ValueError(f"floats must have the shape of images {shape}, got {F.shape}")
    rng = np.random.default_rng(0)
    for i, j in zip(rng.integers(0, shape[0], sample).tolist(),
                    rng.integers(0, shape[1], sample).tolist()) if F.size else ():
        if float(ex[i][j]) != F[i, j]:
            raise ValueError(f"floats[{i}, {j}] = {F[i, j]!r} is not the rounding of "
                             f"images[{i}, {j}] = {ex[i][j]}")
    return F


def refine_image(K, images, injective=None, max_exact_pairs=None, max_candidate_pairs=None,
                 budget=None, floats=None, solids=None):
    """The common refinement of the image simplices of ``K`` (see the module notes).

    Parameters
    ----------
    K : SimplicialComplex
        Dimension <= 2.
    images : array of float, shape (K.n_vertices, n), or object array of exact rationals
        Image of each vertex (rows aligned with ``K.vertices``); the map is
        the affine extension on each simplex. Floats are taken as the exact
        dyadic rationals they are; for images computed through a network, pass
        :func:`topodestruct.relu.network.exact_forward`'s output, so that points
        the network maps onto a line or plane lie on it exactly (float rounding
        would leave them off it, and the exact image would show the resulting
        thin pockets).
    injective : array of int, shape (number of top simplices of K,), optional
        A promise about the map, aligned with ``K.simplices(K.dimension)``:
        top simplices with the same label ``>= 0`` lie in one piece of the
        domain on which the map is one injective affine map, and ``K`` is
        embedded by its coordinates (distinct simplices meet in common
        faces). Their images then meet exactly in the image of their common
        face, so such pairs are settled without a test (-1: no promise). For
        a ReLU network: the pieces of one activation region whose Jacobian
        has rank equal to the input dimension, on an embedded ``K``. Most
        pairs of neighbouring pieces are of this kind, and they are the
        costly ones (coplanar images defeat the float certificates).
    max_exact_pairs : int, optional
        Raise :class:`ImageTooLarge` when more candidate pairs than this are
        left for the exact intersection (each costs about 0.3 ms; a network that
        folds a whole region onto a line leaves millions).
    budget : topodestruct._budget.Budget, optional
        Checked as the narrow phase and the clusters go; past its time or memory
        it raises :class:`ImageTooLarge` (a ``BudgetExceeded``).
    max_candidate_pairs : int, optional
        Raise :class:`ImageTooLarge` when the broad phase leaves more pairs than this
        (memory: a few hundred bytes per pair at the peak of the narrow phase). Default:
        none, or ``max(100 * max_exact_pairs, 10^6)`` where that is given (20 million for the
        profile's default budget: a trained D-I network at layer 9 had been killed for
        memory at 19 GB).

    floats : array of float, shape (K.n_vertices, n), optional
        With exact ``images``: their rounding to float64, where the caller has it (a
        refinement keeps it), so it is not computed again. The certificates rely on it
        being that rounding: a sample of entries is checked.
    solids : (dict, array of int, shape (m, 2)), optional
        What the exact image of a 3-complex already knows about its solids
        (:mod:`.image_complex_3d`, step 3): a solid holding each simplex's image
        (simplex of ``K`` as a sorted tuple -> solid index) and the pairs of solids
        whose images meet exactly in the hull of their shared vertex images.  Two
        simplices in such solids (or in one solid) meet so too: the pair is settled
        without a test (a separating function of the solids separates their faces;
        affinely independent vertex images stay independent; an injective map stays
        injective).

    Returns
    -------
    ImageRefinement
    """
    X, ex = _check(K, images, floats)
    top = K.simplices(K.dimension) if K.dimension >= 0 else None
    if injective is not None:
        injective = np.asarray(injective)
        if injective.shape != (len(top),) or injective.dtype.kind not in "iu":
            raise ValueError(f"injective must be integer labels, one per top simplex of K "
                             f"({len(top)}), got shape {injective.shape}, dtype {injective.dtype}")
    if K.dimension < 0:  # the image of the empty complex is empty
        return ImageRefinement(SimplicialComplex._from_sorted([]), [], [], [], [], {}, {}, [],
                               np.zeros(0, dtype=np.int64))
    pc = _image_pieces(K, X, ex, injective)                       # 1. vertices and pieces
    check = _checker(budget)
    if max_candidate_pairs is None and max_exact_pairs is not None:
        max_candidate_pairs = max(100 * max_exact_pairs, 1_000_000)
    # 2-3. broad phase, chunk by chunk through the caller's promise and the certificates
    pairs, certified, fold, stats = _settle_pairs(pc, ex is not None, top, injective,
                                                  max_candidate_pairs, check, solids)
    lines, collinear = _collinear_segments(pairs, certified, pc.n_tri, pc.n_seg, pc.feats, pc.P)
    stats["collinear_pairs"] = int(collinear.sum())
    planes, coplanar = _coplanar_triangles(pairs, certified, pc)
    stats["coplanar_pairs"] = int(coplanar.sum())
    costly = int((~certified & ~collinear & ~coplanar).sum())
    if max_exact_pairs is not None and costly > max_exact_pairs:
        raise ImageTooLarge(f"{costly} pairs of image simplices to intersect exactly "
                            f"> max_exact_pairs={max_exact_pairs}")
    interactions, overlaps, inside = _intersect(pc, pairs, certified, fold, (lines, planes),
                                                (collinear, coplanar), check)
    stats["exact_pairs"] = int((~certified).sum())
    stats["interactions"] = len(interactions)
    stats["overlaps"] = len(overlaps)
    if interactions or overlaps or inside:
        cells, stats["clusters"], known = _cells(pc, interactions, inside, check)  # 4. cells
        stats["cells"] = len(cells)
        L, exact, carriers, vertex_map = _assemble(pc, cells, known, check)  # 5. split, coned
    else:            # no pair met beyond its common face: the pieces are the complex
        stats["clusters"] = stats["cells"] = pc.n_tri
        L, exact, carriers, vertex_map = _unmet(pc)
    stats["image_f_vector"] = L.f_vector
    return ImageRefinement(L, exact, pc.input_simplices, interactions, overlaps, carriers, stats,
                           pc.vertex_exact, vertex_map)


@dataclass
class _Pieces:
    """The exact, merged vertex images and the image pieces of :func:`refine_image`.

    Pieces (``feats``: ids of points of ``P``; ``input_simplices``: the simplices of
    ``K`` they are the images of) come in order: ``n_tri`` nondegenerate image
    triangles, ``n_seg`` nondegenerate edges not covered by them, then isolated points.
    ``pad`` holds each piece's point ids, padded with -1 to three columns."""

    P: _Points
    Xu: np.ndarray
    verts: np.ndarray
    uid_of_vertex: np.ndarray
    vertex_exact: list
    feats: list
    input_simplices: list
    n_tri: int
    n_seg: int
    pad: np.ndarray


def _image_pieces(K, X, ex, injective=None):
    """Step 1: exact, merged vertex images; image triangles that are degenerate are dropped
    (their edges' images cover them), and so are degenerate edges and edges of triangles.
    A triangle promised injective (``injective >= 0``) is not degenerate: no test."""
    verts = K.vertices
    P = _Points()
    if ex is None:
        Xu, uid_of_vertex = np.unique(X, axis=0, return_inverse=True)
        uid_of_vertex = uid_of_vertex.ravel()
        for p in _exact.to_exact(Xu):
            P.add(p)
    else:
        uid_of_vertex = P.add_all(ex, X)
        Xu = np.array(P.floats, dtype=float).reshape(len(P.exact), X.shape[1])
    vertex_exact = _take(P.exact, uid_of_vertex)
    uid = lambda simp: uid_of_vertex[np.searchsorted(verts, simp)]  # noqa: E731
    tri_k = K.simplices(2)
    tri_u = uid(tri_k) if len(tri_k) else np.zeros((0, 3), dtype=np.int64)
    good = np.ones(len(tri_u), dtype=bool)
    if len(tri_u):
        distinct = (tri_u[:, 0] != tri_u[:, 1]) & (tri_u[:, 1] != tri_u[:, 2]) & (
            tri_u[:, 0] != tri_u[:, 2])
        good = distinct.copy()
        test = distinct if injective is None or K.dimension != 2 else distinct & (injective < 0)
        good[test] = _cert.independent(Xu[tri_u[test]])
        for t in np.flatnonzero(distinct & ~good):  # not certified: decide exactly
            a, b, c = (P.exact[u] for u in tri_u[t])
            good[t] = not _collinear(a, b, c)
    tri_k, tri_u = tri_k[good], tri_u[good]
    edge_k = K.simplices(1)
    edge_u = uid(edge_k) if len(edge_k) else np.zeros((0, 2), dtype=np.int64)
    keep = edge_u[:, 0] != edge_u[:, 1]
    if len(tri_u):  # edges of nondegenerate image triangles are covered by them
        n = len(Xu)
        side = np.sort(tri_u[:, [0, 1, 1, 2, 0, 2]].reshape(-1, 2), axis=1)
        own = np.sort(edge_u, axis=1)
        keep &= ~np.isin(own[:, 0] * n + own[:, 1], side[:, 0] * n + side[:, 1])
    edge_k, edge_u = edge_k[keep], edge_u[keep]
    covered = np.zeros(len(Xu), dtype=bool)
    covered[tri_u.ravel()] = True
    covered[edge_u.ravel()] = True
    pt_u = np.flatnonzero(~covered)
    ids, first = np.unique(uid_of_vertex, return_index=True)   # each point's first vertex
    pt_k = np.asarray(verts, dtype=np.int64)[first[np.searchsorted(ids, pt_u)]].reshape(-1, 1)
    feats = list(map(tuple, tri_u.tolist())) + list(map(tuple, edge_u.tolist())) + [
        (u,) for u in pt_u.tolist()]
    input_simplices = list(map(tuple, tri_k.tolist())) + list(map(tuple, edge_k.tolist())) + \
        list(map(tuple, pt_k.tolist()))
    pad = np.full((len(feats), 3), -1, dtype=np.int64)
    pad[:len(tri_u)] = tri_u
    pad[len(tri_u):len(tri_u) + len(edge_u), :2] = edge_u
    pad[len(tri_u) + len(edge_u):, 0] = pt_u
    return _Pieces(P, Xu, verts, uid_of_vertex, vertex_exact, feats, input_simplices, len(tri_u),
                   len(edge_u), pad)


def _settle_pairs(pc, exact_input, top, injective, max_candidate_pairs, check, solids=None):
    """Steps 2-3 without exact work, streamed: each chunk of the broad phase (pairs of pieces
    whose boxes overlap) goes through the caller's promise and the float certificates
    before the next is built, and only what still matters is kept: the uncertified pairs
    and the certified ones that fold onto a shared face.  Memory is that of one chunk plus
    what is kept, not of every candidate pair (tens of millions on folded layers).  Returns
    ``(pairs, certified, fold, stats)``: the kept pairs, which of them are certified, which
    fold (certified, meeting in more common vertex images than common vertices of ``K``)."""
    kept, n_cand, n_cert, n_prom, n_solid = [], 0, 0, 0, 0
    label = None if injective is None else _piece_labels(top, injective, pc.input_simplices)
    in_solids = None if solids is None else _SettledBySolids(pc.input_simplices, *solids)
    kpad = np.full((len(pc.feats), 3), -1, dtype=np.int64)   # the pieces' vertices in K
    n, m, ins = pc.n_tri, pc.n_tri + pc.n_seg, pc.input_simplices
    if n:
        kpad[:n] = ins[:n]
    if m > n:
        kpad[n:m, :2] = ins[n:m]
    kpad[m:, 0] = [s_[0] for s_ in ins[m:]]
    for chunk in _cert.piece_pair_chunks(pc.Xu, pc.pad, widen=exact_input,
                                         check=lambda where: check(where, every=1)):
        n_cand += len(chunk)
        if max_candidate_pairs is not None and n_cand > max_candidate_pairs:
            raise ImageTooLarge(f"more than {n_cand - len(chunk)} candidate pairs of image "
                                f"simplices > max_candidate_pairs={max_candidate_pairs}")
        given = None if in_solids is None else in_solids(chunk)
        certified, n_distinct, promised = _certify(pc, chunk, label, check, given)
        n_cert, n_prom = n_cert + int(certified.sum()), n_prom + promised
        n_solid += 0 if given is None else int(given.sum())
        fold = certified & _folds_onto_shared_face(pc.pad, kpad, chunk, n_distinct)
        keep = ~certified | fold
        kept.append((chunk[keep], certified[keep], fold[keep]))
    stats = {"pieces": len(pc.feats), "triangles": pc.n_tri, "candidate_pairs": n_cand,
             "promised_pairs": n_prom, "certified_pairs": n_cert}
    if solids is not None:
        stats["settled_by_solids"] = n_solid
    if not kept:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, bool), np.zeros(0, bool), stats
    return (*(np.concatenate(x) for x in zip(*kept)), stats)


def _folds_onto_shared_face(pad, kpad, pairs, n_distinct):
    """Which pairs have more common vertex images (``pad``) than common vertices in ``K``
    (``kpad``): the vertices of a piece have distinct images, so the common face of ``K``
    has as many vertex images as vertices, and more means a fold onto a shared face."""
    n_common = (pad[pairs[:, 0]] >= 0).sum(1) + (pad[pairs[:, 1]] >= 0).sum(1) - n_distinct
    ka, kb = kpad[pairs[:, 0]], kpad[pairs[:, 1]]
    n_common_k = ((ka[:, :, None] == kb[:, None, :]) & (ka[:, :, None] >= 0)).sum((1, 2))
    return n_common > n_common_k


def _intersect(pc, pairs, certified, fold, keys, same, check):
    """Step 3, exact: the certified pairs that fold onto a shared face (``fold``), and the
    exact intersection of every other pair (``keys``: the lines and planes of the pieces in
    ``same``: the pairs of segments of one line and of triangles of one plane). Returns
    ``(interactions, overlaps, inside)``, ``inside``: segment -> ids of points known to lie
    inside it (:func:`~._image_pairs._inside_segments`)."""
    (lines, planes), (collinear, coplanar) = keys, same
    P, feats, input_simplices = pc.P, pc.feats, pc.input_simplices
    interactions, overlaps = [], []
    uid_of = dict(zip(pc.verts.tolist(), pc.uid_of_vertex.tolist()))
    rows = np.flatnonzero(coplanar)
    area = dict(zip(rows.tolist(), _overlap_in_area(pairs[rows], pc, planes).tolist()))
    for r in np.flatnonzero(fold).tolist():
        a, b = pairs[r]
        A, B = feats[a], feats[b]
        overlaps.append((int(a), int(b), [P.exact[u] for u in sorted(set(A) & set(B))]))
    lo, hi, inter, over = _collinear_meets(pairs, collinear, lines, pc)
    inside = _inside_segments(pairs, np.flatnonzero(collinear & ~certified), lo, hi, pc)
    lo, hi, inter, over = (x.tolist() for x in (lo, hi, inter, over))
    tri = pairs < pc.n_tri
    contained = _segment_triangle_meets(pc, pairs, np.flatnonzero(
        ~certified & ~collinear & ~coplanar & (tri[:, 0] != tri[:, 1])
        & (pairs.max(axis=1) < pc.n_tri + pc.n_seg)))
    for r in np.flatnonzero(~certified).tolist():
        check("exact intersections of image simplices")
        a, b = pairs[r].tolist()
        if collinear[r]:  # segments of one line: an interval, ranks along it, all at once
            if inter[r] or over[r]:
                I = EndPoints(P.exact, (lo[r],) if lo[r] == hi[r] else (lo[r], hi[r]))
                if inter[r]:
                    interactions.append((a, b, I))
                if over[r]:
                    overlaps.append((a, b, I))
            continue
        A, B = feats[a], feats[b]
        if coplanar[r] and area[r]:  # overlap in area: more than any common face
            I = AreaMeet([P.exact[u] for u in A], [P.exact[u] for u in B], planes[a])
            interactions.append((a, b, I))
            overlaps.append((a, b, I))
            continue
        elif coplanar[r]:  # triangles of one plane: clipped in its chart
            I = _exact.intersect_coplanar([P.exact[u] for u in A], [P.exact[u] for u in B],
                                          planes[a])
        else:
            I = contained.get(r) or _meet(P, feats, a, b, planes)
        if not _same(I, [P.exact[u] for u in set(A) & set(B)]):
            interactions.append((a, b, I))
        kc = [P.exact[u] for u in {uid_of[v] for v in set(input_simplices[a])
                                    & set(input_simplices[b])}]
        if I and not _same(I, kc):
            overlaps.append((a, b, I))
    return interactions, overlaps, inside


def _cells(pc, interactions, inside, check):
    """Step 4: clusters of triangles overlapping in area, and the convex cells of each
    (cut by the pieces that meet it). Returns ``(cells, number of clusters, known)``;
    ``cells``: sorted corner ids -> [cyclic corner ids, set of carriers]; ``known``: edge
    ``(u, v)``, ``u < v`` -> ids of points known to lie inside it: corners of other cells
    (from the decompositions) and points met on segments (``inside``, and the meets here)."""
    n_tri, feats, P = pc.n_tri, pc.feats, pc.P
    cuts, glue, known = {}, [], {}
    seg = range(n_tri, n_tri + pc.n_seg)
    for f, ids in inside.items():
        known.setdefault(tuple(sorted(feats[f])), set()).update(ids)
    for a, b, I in interactions:
        if isinstance(I, AreaMeet):  # its corners are corners of its cluster's cells
            glue.append((a, b))
            continue
        if type(I) is EndPoints:     # two segments of one line: no new point, no cut
            continue
        ids = [P.add(p) for p in I]
        for f in (a, b):             # a meet's points lie in a segment it meets
            if f in seg:
                known.setdefault(tuple(sorted(feats[f])), set()).update(
                    u for u in ids if u not in feats[f])
        if b < n_tri and len(I) >= 3:
            glue.append((a, b))
            continue
        for t in (a, b):
            if t < n_tri:
                cuts.setdefault(t, []).append((I, ids))
    clusters = {}
    for t, lab in enumerate(component_labels(n_tri, glue)[1].tolist()):
        clusters.setdefault(lab, []).append(t)
    cells = {}
    for members in clusters.values():
        check("coplanar clusters of the image", every=16)
        if len(members) == 1 and members[0] not in cuts:
            t = members[0]
            key = tuple(sorted(feats[t]))
            cells.setdefault(key, [list(feats[t]), set()])[1].add(t)
            continue
        _cut_cluster(members, feats, cuts, P, cells, check, known)
    return cells, len(clusters), known


def _same(I, J):
    """Whether two lists of distinct exact points hold the same points (no hashing: hashing
    rationals is slow)."""
    return len(I) == len(J) and all(any(p == q for q in J) for p in I)


def _collinear(a, b, c):
    return _exact.on_segment(c, a, b) is not None or _exact.on_segment(a, c, b) is not None or \
        _exact.on_segment(b, a, c) is not None


def image_complex(K, images):
    """The image of ``K`` under the simplexwise-affine map given by vertex images.

    Parameters
    ----------
    K : SimplicialComplex
        Dimension <= 2.
    images : array of float, shape (K.n_vertices, n)
        Image of each vertex (rows aligned with ``K.vertices``).

    Returns
    -------
    SimplicialComplex
        A triangulation of the image (underlying space equal to it), with
        float coordinates of its exact vertices.

    Examples
    --------
    >>> import numpy as np
    >>> import topodestruct as td
    >>> C = td.complexes.circle(4)                 # vertices (1, 0), (0, 1), (-1, 0), (0, -1)
    >>> C = td.SimplicialComplex(C.simplices(1), np.round(C.coordinates))
    >>> folded = np.abs(C.coordinates)             # (x, y) -> (|x|, |y|): onto one edge
    >>> image_complex(C, folded).f_vector
    (2, 1)
    """
    return refine_image(K, images).complex


def image_homology(K, images, coefficients=None):
    """Exact integer homology of the image of ``K`` under a simplexwise-affine map.

    Parameters
    ----------
    K : SimplicialComplex
        Dimension <= 2.
    images : array of float, shape (K.n_vertices, n)
    coefficients : None, 0 or prime int
        As in :func:`topodestruct.homology`.

    Returns
    -------
    Homology

    Examples
    --------
    >>> import topodestruct as td
    >>> S = td.complexes.sphere(2)
    >>> print(image_homology(S, S.coordinates[:, :2]))   # shadow of a sphere: a disk
    H0 = Z, H1 = 0, H2 = 0
    """
    return homology(image_complex(K, images), coefficients=coefficients)
