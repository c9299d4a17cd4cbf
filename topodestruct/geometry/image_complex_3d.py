"""The exact image of a simplexwise-affine map on a 3-complex, overlapping solids carved first.

Given a simplicial complex ``K`` of dimension 3 and the exact images of its
vertices under a map that is affine on each simplex (true after the exact
refinement of ``K`` along a ReLU network's bent hyperplanes),
:func:`refine_image_3d` builds a simplicial complex whose underlying space *is*
the image ``Φ(|K|)``.  Solid pieces whose interiors other pieces meet are cut
first (step 5); where that still leaves an interior met, it refuses
(:class:`ImageNotSupported`).  It never returns a wrong answer.

Method
------
1. *Solid pieces.*  The image of a tetrahedron whose vertex images are affinely
   dependent (rank <= 2) is the hull of four points of a plane or line, which
   is the union of the hulls of the four triples: the images of its facets.  So
   ``Φ(|K|) = Φ(|K^(2)|) ∪ ⋃ Φ(T)`` over the tetrahedra ``T`` with
   nondegenerate images, the *3-pieces* (decided exactly: rank of the edge
   vectors over Q).  Tetrahedra with the same set of exact vertex images are
   one 3-piece (an exactly symmetric fold maps mirror tetrahedra onto the same
   image).
2. *Surface.*  ``L2`` is the exact image complex of the 2-skeleton
   (:func:`topodestruct.geometry.image_complex.refine_image`): every overlap
   and fold of pieces of dimension <= 2, exactly, with the pieces carrying
   each of its triangles (``carriers``).
3. *Clean or refuse.*  A 3-piece ``T`` is clean if no other piece -- another
   3-piece, or a triangle, edge or point of the 2-skeleton whose vertex images
   are not all vertex images of ``T`` -- meets the relative interior of
   ``Φ(T)`` (in its affine 3-flat).  For a piece ``Q`` this is an exact linear
   feasibility problem: with ``β_j`` the barycentric coordinates of ``Q``'s
   vertex ``q_j`` with respect to ``Φ(T)`` and ``r_j`` its offset from
   ``Φ(T)``'s flat, ``Φ(Q)`` meets the interior iff some ``μ >= 0`` has
   ``Σ μ_j r_j = 0`` and ``Σ μ_j β_j >= 1`` (scaling turns ``> 0`` into
   ``>= 1``), decided by :func:`topodestruct.geometry.exact_lp.feasible`.
   Before that, a broad phase (bounding boxes) and float certificates with wide
   margins settle most pairs: the caller's promise (``injective``), affine
   independence of the pair's vertex images, or an affine function vanishing
   on the shared vertex images and separating the others
   (:func:`topodestruct.geometry.certificates.separated`); each of these says the
   images meet only in the hull of the shared vertex images, a face of
   ``Φ(T)``.  Every other pair goes to the exact test.  If any 3-piece is not
   clean, step 5; if it is still not clean after step 5 (or ``carve=False``),
   :class:`ImageNotSupported` says how many pairs overlap in an interior.
   Steps 1 and 3 need only the merged vertex images, so they run before the
   costly surface of step 2.
4. *Cones.*  If every 3-piece is clean, ``Φ(T) ∩ Φ(|K^(2)|) = ∂Φ(T)``, which is
   a subcomplex of ``L2`` (the triangles carried by pieces with ``T``'s facet
   images; checked to be a closed surface of Euler characteristic 2).  The
   image complex is ``L2`` plus, for each 3-piece, the cone from the exact
   barycentre of ``Φ(T)`` over that boundary; distinct 3-pieces meet only in
   ``L2``, so this is a simplicial complex whose underlying space is ``Φ(|K|)``,
   and its integer homology comes from the one engine
   (:func:`topodestruct.homology`).
5. *Carving.*  Each 3-piece that another piece meets in its interior is cut by
   planes of its flat that hold what meets it (:mod:`._solid_cuts`: a polygon's
   plane, a segment's or point's plane; 3-pieces of one flat whose interiors
   overlap are cut into an overlay, cells each inside or interior-disjoint from
   every member), and replaced by the tetrahedra of its cells, whose vertices get
   new ids.  Steps 1, 2 and 4 run again on that complex (faces only of replaced
   tetrahedra are left out: the new tetrahedra cover them).  Step 3 need not: every
   piece is now clean by construction.  A new piece lies in a carved 3-piece ``T``
   (a cell, or a face of one), an old one was a piece of the first pass.  (a) No
   piece of the first pass met the interior of an uncarved 3-piece ``A``, and each
   new piece lies in one of them.  (b) A cell ``c`` of
   ``T`` has ``int c ⊂ int T``: an old piece ``Q`` that missed ``int T`` misses
   ``int c``; one that met it was carved against (a member of ``T``'s cluster: the
   overlay; a face of one: the overlay too; any other: a plane holding ``Q ∩
   flat(T)`` cut every cell near it); a new piece of another cluster lies in a
   3-piece ``T'`` that missed ``int T`` or was such a section; one of ``T``'s own
   cluster has its interior disjoint from ``c``.  So the second pass tests nothing
   (``verify_carving=True`` tests every pair again and refuses where one meets an
   interior: the tests run it).  The image is the same set, so the answer is the
   image's; each 3-piece lists the tetrahedra of ``K`` whose image holds it.

What is exact: every decision (ranks, incidences, interior tests) is made in
rational arithmetic; floats are certificates only (margins in
:mod:`topodestruct.tolerances`) and the output ``coordinates``.
"""
from dataclasses import dataclass, field

import numpy as np
from flint import fmpq_mat

from ..algebra.rows import locate_rows
from ..topology.homology import homology
from ..topology.simplicial import SimplicialComplex
from . import certificates as _cert
from . import exact as _exact
from ._solid_cuts import carve_solids
from ._solid_interiors import block_checker, interior_overlaps, overlay_labels, solid_faces
from .image_complex import ImageTooLarge, _check, _checker, _image_pieces, refine_image

__all__ = ["ImageNotSupported", "ImageRefinement3D", "refine_image_3d", "image_homology_3d"]


class ImageNotSupported(ImageTooLarge):
    """Pieces of the image meet solid pieces in their interiors, and carving was off or did
    not clean them (``n_overlaps`` pairs, ``n_solid`` of them between two 3-pieces; None
    when raised with a message only)."""

    n_overlaps = None
    n_solid = None


def _not_supported(n_overlaps, n_solid):
    err = ImageNotSupported(f"3-D overlap not supported: {n_overlaps} interior overlaps "
                            f"({n_solid} between solid pieces, {n_overlaps - n_solid} of "
                            f"lower-dimensional pieces with a solid one)")
    err.n_overlaps, err.n_solid = n_overlaps, n_solid
    return err


@dataclass
class ImageRefinement3D:
    """The image of a 3-complex ``K`` under a simplexwise-affine map, as a simplicial complex.

    Attributes
    ----------
    complex : SimplicialComplex
        Underlying space equal to the image; ``coordinates`` are the float values of
        the exact vertices.
    exact : list of tuple of flint.fmpq
        Exact coordinates of ``complex.vertices`` (same order).
    solids : list of tuple of int
        The 3-pieces: sorted vertex ids of ``complex`` (``surface.complex``'s labels).
        The cone over the boundary of the ``i``-th has the apex
        ``surface.complex.vertices.max() + 1 + i`` (its barycentre).
    tetrahedra : list of list of tuple of int
        For each 3-piece, the tetrahedra of ``K`` whose image holds it (more than one: a
        fold); after carving a tetrahedron of ``K`` may hold several.
    surface : ImageRefinement
        The exact image complex of the 2-skeleton (``L2``); after carving, of the
        2-skeleton of the carved complex (``K``'s vertices first, then the new ones).
    overlaps : list of (tuple, tuple)
        Pairs of tetrahedra of ``K`` whose images share a 3-piece (a fold of solids); the
        surface's own overlaps are ``surface.overlaps``.
    stats : dict
        Counts: 3-pieces, degenerate tetrahedra, candidate, certified and exact pairs;
        after carving also ``carved_solids``, ``carved_tetrahedra`` (their cells'
        tetrahedra) and ``carved_overlaps`` (the interior overlaps that carving removed).
    """

    complex: SimplicialComplex
    exact: list = field(repr=False)
    solids: list = field(repr=False)
    tetrahedra: list = field(repr=False)
    surface: object = field(repr=False)
    overlaps: list = field(repr=False)
    stats: dict = field(default_factory=dict)


def _exact_rows(K, images):
    """Validate -> exact rows (tuples of fmpq), aligned with ``K.vertices``."""
    X = np.asarray(images)
    if X.dtype != object and (not np.issubdtype(X.dtype, np.number) or X.dtype.kind == "c"):
        raise TypeError(f"images must be a real array, got dtype {X.dtype}")
    if X.ndim != 2 or X.shape[0] != K.n_vertices or X.shape[1] < 1:
        raise ValueError(f"images must have shape (n_vertices={K.n_vertices}, n), got {X.shape}")
    return [tuple(_exact.as_exact(x) for x in row) for row in X.tolist()]


def refine_image_3d(K, images, injective=None, max_exact_pairs=None, max_candidate_pairs=None,
                    budget=None, carve=True, verify_carving=False):
    """The image of ``K`` (dimension <= 3) as a simplicial complex (see the module notes).

    Parameters
    ----------
    K : SimplicialComplex
        Dimension <= 3 (dimension <= 2: :func:`~.image_complex.refine_image`, wrapped).
    images : array of float, shape (K.n_vertices, n), or object array of exact rationals
        Image of each vertex; the map is the affine extension on each simplex.
    injective : array of int, shape (number of tetrahedra of K,), optional
        As in :func:`~.image_complex.refine_image`, aligned with ``K.simplices(3)``:
        tetrahedra with the same label ``>= 0`` lie in one piece of the domain on which
        the map is one injective affine map, and ``K`` is embedded.
    max_exact_pairs, max_candidate_pairs, budget
        As in :func:`~.image_complex.refine_image` (raise :class:`ImageTooLarge`).
    carve : bool
        Where a 3-piece is not clean, replace it by the tetrahedra of its cells, cut by
        planes that hold what meets it (module notes, step 5), and build the image
        again; False: refuse instead.
    verify_carving : bool
        After carving, test every pair of pieces again (exactly, as in step 3) and refuse
        where a piece still meets an interior, instead of relying on the construction
        (module notes, step 5; slower: for tests).

    Returns
    -------
    ImageRefinement3D

    Raises
    ------
    ImageNotSupported
        Where a 3-piece is not clean (module notes, step 3) and ``carve`` is False, or
        is still not clean after carving.
    """
    if not isinstance(K, SimplicialComplex):
        raise TypeError(f"K must be a SimplicialComplex, got {type(K).__name__}")
    if K.dimension > 3:
        raise ValueError(f"refine_image_3d handles complexes of dimension <= 3, got {K.dimension}")
    if K.dimension <= 2:
        R2 = refine_image(K, images, injective, max_exact_pairs, max_candidate_pairs, budget)
        return ImageRefinement3D(R2.complex, R2.exact, [], [], R2, [], dict(R2.stats))
    ex = _exact_rows(K, images)
    tets = K.simplices(3)
    if injective is not None:
        injective = np.asarray(injective)
        if injective.shape != (len(tets),) or injective.dtype.kind not in "iu":
            raise ValueError(f"injective must be integer labels, one per tetrahedron of K "
                             f"({len(tets)}), got shape {injective.shape}, "
                             f"dtype {injective.dtype}")
    return _image_3d(K, ex, tets, injective, (max_exact_pairs, max_candidate_pairs, budget),
                     carve, verify=verify_carving)


def _image_3d(K, ex, tets, injective, limits, carve, settled=None, overlay=None, verify=False,
              reuse=()):
    """Steps 1-5 on validated input (``ex``: exact rows aligned with ``K.vertices``;
    ``settled``: pieces whose pairs an earlier pass found clean, ``overlay``: the carved
    cluster of each tetrahedron or -1, see :func:`_carved`; ``verify``: after carving,
    step 3 again rather than by construction; ``reuse``: pairs of uncarved 3-pieces (their
    vertex-image ids) whose images an earlier pass found meeting exactly in the hull of
    their shared vertex images, which the surface takes as settled)."""
    max_exact_pairs, max_candidate_pairs, budget = limits
    K2 = K.skeleton(2)
    tri_labels = None if injective is None else _triangle_labels(K2.simplices(2), tets, injective)
    obj = np.empty((len(ex), len(ex[0])), dtype=object)
    obj[:] = ex
    pc = _image_pieces(K2, *_check(K2, obj))       # merged vertex images: the ids of L2
    label = pc.uid_of_vertex                        # K's vertex -> vertex of L2
    point = {u: pc.P.exact[u] for u in set(label.tolist())}
    tet_ids = label[np.searchsorted(K.vertices, tets)]
    solids, members, n_flat = _solid_pieces(tet_ids, point, pc.Xu)
    stats = {"solids": len(solids), "tetrahedra": len(tets), "flat_tetrahedra": n_flat}
    surf = [tuple(sorted(int(x) for x in label[np.searchsorted(K.vertices, s)]))
            for s in pc.input_simplices]
    known = None                                    # what step 3 tells the surface
    if settled is not None and not verify:          # after carving: clean by construction
        hits, bad, solid_bad = [], 0, 0
        stats.update(interior_overlaps=0, interior_test="none: clean by construction")
        # the first pass's settled pairs of 3-pieces left uncarved hold here too (the same
        # hulls of the same exact points): the carved layer's surface is spared them
        index = {s: i for i, s in enumerate(solids)}
        pairs = [(index[a], index[b]) for a, b in reuse if a in index and b in index]
        known = (solid_faces(solids), np.array(pairs, dtype=np.int64).reshape(-1, 2))
    else:
        hits, bad, solid_bad, known = interior_overlaps(
            solids, _solid_labels(injective, members), surf,
            _surface_labels(K2, tri_labels, pc.input_simplices), point, stats,
            max_exact_pairs, max_candidate_pairs, _checker(budget), block_checker(budget),
            settled, overlay_labels(overlay, members, tets, pc.input_simplices),
            floats=pc.Xu)
    if bad and not carve:
        raise _not_supported(bad, solid_bad)
    if bad:                                         # step 5, before the costly surface
        new = carve_solids(solids, point, hits, solids + surf, _checker(budget))
        kept = {s for t, s in enumerate(solids) if t not in new}
        reuse = [(solids[a], solids[b]) for a, b in known[1].tolist()
                 if a not in new and b not in new]
        return _carved(K, ex, tets, injective, members, new, stats, limits,
                       (kept, kept | set(surf)), verify, reuse)
    if known is not None:                           # pieces in solids settled in step 3
        faces, pairs = known
        known = ({k: faces[f] for k, f in zip(pc.input_simplices, surf) if f in faces}, pairs)
    R2 = refine_image(K2, obj, tri_labels, max_exact_pairs, max_candidate_pairs, budget,
                      solids=known)
    L = R2.complex
    if not np.array_equal(L.vertices[R2.vertex_map], label):   # a bug, never an answer
        raise RuntimeError("the surface image complex numbers the vertex images differently")
    stats["surface_f_vector"] = L.f_vector
    C, exact = _cone_solids(L, R2, solids, surf, point)
    stats["image_f_vector"] = C.f_vector
    tet_rows = [[tuple(int(v) for v in tets[i]) for i in m] for m in members]
    folds = [(m[0], m[j]) for m in tet_rows for j in range(1, len(m))]
    return ImageRefinement3D(C, exact, solids, tet_rows, R2, folds, stats)


def _solid_labels(injective, members):
    """The caller's promise for each 3-piece: its tetrahedron's label, -1 for a fold."""
    if injective is None:
        return None
    return np.array([injective[m[0]] if len(m) == 1 else -1 for m in members], dtype=np.int64)


def _surface_labels(K2, tri_labels, input_simplices):
    """The promise for each piece of the 2-skeleton: its triangle's label, -1 for others."""
    if tri_labels is None:
        return None
    index = {tuple(t): i for i, t in enumerate(K2.simplices(2).tolist())}
    return np.array([tri_labels[index[s]] if s in index else -1 for s in input_simplices],
                    dtype=np.int64)


def _carved(K, ex, tets, injective, members, new, stats, limits, settled, verify, reuse=()):
    """Step 5: the image again, from ``K`` with the tetrahedra of each carved 3-piece
    replaced by the tetrahedra of its cells (``new``: 3-piece -> ``(cluster, cell,
    corners)``, the corners exact points; their vertices get ids after ``K``'s, one per
    exact point) and no carving; its pieces are clean by construction (module notes, step
    5), tested again only with ``verify``.  Each 3-piece of the result lists the
    tetrahedra of ``K`` whose image contains it.

    The tetrahedra of one cell triangulate it (a simplicial complex on which the map is
    the identity), so they carry the promise ``injective`` makes: one new label per cell.
    The cells of one 3-piece need not meet face to face (an overlay), so they get
    different labels and their pairs are decided, not promised.  With ``verify``, pairs of
    an uncarved 3-piece and a piece of this pass (``settled``: their sorted vertex-image
    ids, which the new pass shares: ``K``'s vertices come first) were found clean here and
    are not tested again, nor are pairs within one cluster's cells (an overlay: interiors
    disjoint by construction, checked in tests/geometry/test_solid_cuts.py)."""
    first = int(K.vertices.max()) + 1
    base = 0 if injective is None or not len(injective) else int(injective.max()) + 1
    rows = [tuple(r) for r in tets.tolist()]
    fresh, origin, label = {}, {}, {}
    cluster = {}
    for t, cells in new.items():
        for c, cell, corners in cells:
            row = tuple(sorted(fresh.setdefault(p, first + len(fresh)) for p in corners))
            origin.setdefault(row, set()).update(rows[i] for i in members[t])
            label.setdefault(row, base + cell)
            cluster[row] = c
    gone = {i for t in new for i in members[t]}
    kept = [r for i, r in enumerate(rows) if i not in gone]
    if injective is not None:
        label.update((r, int(injective[i])) for i, r in enumerate(rows) if i not in gone)
    # faces only of replaced tetrahedra are covered by the new ones and left out (they would
    # only double the surface's exact work); every vertex of K stays (the caller's ids)
    rest = [s for s in K.maximal_simplices() if len(s) < 4]
    K1 = SimplicialComplex([(int(v),) for v in K.vertices] + rest + kept + list(origin))
    tets1 = K1.simplices(3)
    inj = np.array([label.get(tuple(r), -1) for r in tets1.tolist()], dtype=np.int64)
    # K1's vertices: K's, then the fresh ids
    R = _image_3d(K1, ex + list(fresh), tets1, inj, limits, False, settled,
                  np.array([cluster.get(tuple(r), -1) for r in tets1.tolist()], dtype=np.int64),
                  verify, reuse)
    tet_rows = [sorted({s for t in rows for s in origin.get(t, (t,))}) for rows in R.tetrahedra]
    folds = sorted({(m[0], x) for m in tet_rows for x in m[1:]})
    R.stats.update(carved_solids=len(new), carved_tetrahedra=len(origin),
                   carved_overlaps=stats["interior_overlaps"])
    return ImageRefinement3D(R.complex, R.exact, R.solids, tet_rows, R.surface, folds, R.stats)


def _triangle_labels(tris, tets, injective):
    """Each triangle's label: that of a tetrahedron it is a face of (it lies in that closed
    piece of the domain, so the promise holds for it too), -1 for a triangle of no tetrahedron."""
    out = np.full(len(tris), -1, dtype=np.int64)
    for drop in range(4):
        idx, found = locate_rows(tris, np.delete(tets, drop, axis=1))
        out[idx[found]] = injective[found]
    return out


def _solid_pieces(tet_ids, point, floats):
    """Step 1: the 3-pieces (sorted image vertex ids, one per set of images), the
    tetrahedra of each (rows of ``tet_ids``), and how many tetrahedra have flat images.
    Full rank is certified in floats (``floats[u]``: the rounding of ``point[u]``) where
    the vertex images are far from dependent, else decided exactly."""
    rows = np.sort(tet_ids, axis=1)
    distinct = (rows[:, 1:] != rows[:, :-1]).all(axis=1)
    certified = np.zeros(len(rows), dtype=bool)
    if len(rows):
        certified[distinct] = _cert.independent(floats[rows[distinct]])
    groups, n_flat = {}, 0
    for i, key in enumerate(map(tuple, rows.tolist())):
        if key in groups:
            groups[key].append(i)
            continue
        if not distinct[i] or not (certified[i] or _full_rank([point[u] for u in key])):
            n_flat += 1
            continue
        groups[key] = [i]
    return list(groups), list(groups.values()), n_flat


def _full_rank(pts):
    """Whether four exact points are affinely independent (rank of the differences over Q)."""
    p0 = pts[0]
    n = len(p0)
    if n < 3:
        return False
    M = fmpq_mat(3, n, [p[r] - p0[r] for p in pts[1:] for r in range(n)])
    return M.rank() == 3


def _cone_solids(L, R2, solids, surf, point):
    """Step 4: ``L2`` plus the cone from each 3-piece's exact barycentre over its boundary
    (the triangles of ``L2`` carried by pieces with its facet images).  Returns the complex
    and the exact coordinates of its vertices."""
    by_key = {}
    for f, key in enumerate(surf):
        if len(key) == 3:
            by_key.setdefault(key, []).append(f)
    carried = {}
    for s, carr in R2.carriers.items():
        if len(s) == 3:
            for f in carr:
                carried.setdefault(f, []).append(s)
    simplices = list(L.maximal_simplices())
    exact = list(R2.exact)
    coords = [np.asarray(L.coordinates, dtype=float).reshape(L.n_vertices, -1)]
    apex = int(L.vertices.max()) + 1 if L.n_vertices else 0
    for T in solids:
        boundary = set()
        for i in range(4):
            for f in by_key.get(T[:i] + T[i + 1:], ()):
                boundary.update(carried.get(f, ()))
        _check_sphere(boundary, T)
        centre = tuple(sum(x) / 4 for x in zip(*(point[u] for u in T)))
        simplices.extend((apex,) + s for s in boundary)
        exact.append(centre)
        coords.append(np.array([[float(x) for x in centre]]))
        apex += 1
    C = SimplicialComplex(simplices, coordinates=np.concatenate(coords))
    return C, exact


def _check_sphere(triangles, T):
    """The boundary of a clean 3-piece must be a closed surface with Euler characteristic 2
    (every edge in two triangles); anything else is a bug, never an answer."""
    count = {}
    for s in triangles:
        for e in ((s[0], s[1]), (s[0], s[2]), (s[1], s[2])):
            count[e] = count.get(e, 0) + 1
    n_vertices = len({v for s in triangles for v in s})
    if not triangles or set(count.values()) != {2} or \
            n_vertices - len(count) + len(triangles) != 2:
        raise RuntimeError(f"the boundary of the solid image piece {T} is not a 2-sphere in the "
                           f"surface image complex (a bug: please report it)")


def image_homology_3d(K, images, coefficients=None):
    """Exact integer homology of the image of ``K`` (dimension <= 3) under a simplexwise-affine map.

    Parameters
    ----------
    K : SimplicialComplex
    images : array of float, shape (K.n_vertices, n), or object array of exact rationals
    coefficients : None, 0 or prime int
        As in :func:`topodestruct.homology`.

    Returns
    -------
    Homology

    Raises
    ------
    ImageNotSupported
        Where solid pieces of the image overlap in their interiors.

    Examples
    --------
    >>> import numpy as np
    >>> import topodestruct as td
    >>> T = td.SimplicialComplex([(0, 1, 2, 3)], coordinates=np.eye(4)[:, :3])
    >>> print(image_homology_3d(T, T.coordinates))
    H0 = Z, H1 = 0, H2 = 0, H3 = 0
    """
    return homology(refine_image_3d(K, images).complex, coefficients=coefficients)
