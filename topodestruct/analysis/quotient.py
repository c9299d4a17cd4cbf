r"""The paper's intermediate quotient (eq. 5 and 9): low-rank regions collapsed to points.

``Omega_0^K`` (``Phi^K`` constant on each of its components) is collapsed
first, then each connected component of ``Omega_1^K`` to its own point, with
the exact :func:`topodestruct.quotient_homology`.  Regions are closed
subcomplexes: the closure of the pieces (or, with vertex labels, the full
subcomplex on the vertices) of that rank; closures that touch end up in one
point, as in the paper's sequential quotients.

One step beyond the paper: components of ``Omega_0`` whose images differ are
collapsed to *different* points (their images are compared at the vertices,
relative tolerance ``1e-9``).  Generically every rank-0 point has a dead layer
at or before ``K``, so all images coincide and ``Omega_0`` becomes one point.

Examples
--------
>>> import numpy as np, topodestruct as td
>>> K = td.complexes.circle(8)
>>> ranks = np.array([0, 2, 2, 2, 0, 2, 2, 2])    # two opposite arcs of rank 0
>>> H, comps, notes = low_rank_quotient(K, ranks, np.zeros((8, 1)))
>>> print(H), [c.rank for c in comps]
H0 = Z, H1 = Z^2
(None, [0, 0])
"""
from dataclasses import dataclass

import numpy as np

__all__ = ["Component", "low_rank_quotient", "low_rank_regions", "vertex_quotient",
           "glue_vertices"]


@dataclass
class Component:
    """One collapsed low-rank region.

    Attributes
    ----------
    rank : int
    point : int
        Index of the point of the quotient it is collapsed to.
    vertices : (k,) int array
        Its vertex ids in the labelled complex.
    n_simplices : int
        Number of top simplices (pieces) in it (0 with vertex labels of a lone vertex).
    centroid : (m,) float array
        Mean of its vertices' input coordinates.
    homology : Homology
        Its own homology (contractible iff reduced homology vanishes).
    image : (n_K,) float array or None
        ``Phi^K`` on it (rank 0: a single point).
    """

    rank: int
    point: int
    vertices: np.ndarray
    n_simplices: int
    centroid: np.ndarray
    homology: object
    image: object = None

    @property
    def contractible(self):
        """Homologically trivial (H_0 = Z, higher groups 0)."""
        H = self.homology
        return H.betti[:1] == [1] and not any(H.betti[1:]) and not any(H.torsion)

    def to_dict(self):
        return {"rank": int(self.rank), "point": int(self.point),
                "n_vertices": int(len(self.vertices)), "n_simplices": int(self.n_simplices),
                "centroid": [float(x) for x in self.centroid],
                "homology": self.homology.betti, "torsion": self.homology.torsion,
                "contractible": bool(self.contractible),
                "image": None if self.image is None else [float(x) for x in self.image]}


def _regions(K, ranks, n, on):
    """Closed subcomplex of rank-``n`` cells: closure of pieces or full subcomplex on vertices."""
    from ..topology.complexes import SimplicialComplex

    if on == "simplices":
        tops = K.simplices(K.dimension)[ranks == n]
        return SimplicialComplex(tops) if len(tops) else None
    sel = K.vertices[ranks == n]
    return K.full_subcomplex(sel) if len(sel) else None


def low_rank_quotient(K, ranks, images, on="simplices", separate_images=True, rtol=1e-9):
    """Homology of ``K`` with ``Omega_0`` and each component of ``Omega_1`` collapsed.

    Parameters
    ----------
    K : SimplicialComplex
        The labelled complex (a refinement, or ``K`` itself with vertex labels).
    ranks : (T,) or (V,) int array
        Rank of each top simplex (``on="simplices"``, rows of ``K.simplices(dim)``)
        or of each vertex (``on="vertices"``, aligned with ``K.vertices``).
    images : (V, n_K) float array, or object array of exact rationals
        ``Phi^K`` at the vertices (aligned with ``K.vertices``); exact images
        make the grouping of rank-0 components by image exact.
    on : {"simplices", "vertices"}
    separate_images : bool
        Rank-0 components with different images go to different points.
    rtol : float
        Float images only: relative tolerance for equal images (a decision).

    Returns
    -------
    (Homology, list of Component, list of str)
        The predicted homology, the collapsed regions and notes for the report.
    """
    from ..topology.homology import homology, quotient_homology

    subs, comps, notes = low_rank_regions(K, ranks, images, on, separate_images, rtol)
    H = quotient_homology(K, subs, separate=True) if subs else homology(K)
    if len(subs) > 1:
        touching = len(subs) - _n_groups(subs)
        if touching:
            notes.append(f"{touching} collapsed region(s) touch another one and share its point")
    return H, comps, notes


def glue_vertices(K, glue):
    """The simplicial image of ``K`` under identifying each gluing class to one vertex.

    Simplices whose vertices land in the same classes become one simplex
    (two glued edges are one edge, not a 2-gon); degenerate images drop to
    faces.  The class's smallest vertex id represents it.

    Parameters
    ----------
    K : SimplicialComplex
    glue : iterable of lists of vertex ids

    Returns
    -------
    K2 : SimplicialComplex (no coordinates)
    f : dict mapping every vertex id of K to its vertex in K2

    Examples
    --------
    >>> import topodestruct as td
    >>> C = td.complexes.circle(6)                     # 0-1-2-3-4-5-0
    >>> K2, f = glue_vertices(C, [[0, 3]])            # pinch: figure eight
    >>> td.homology(K2).betti
    [1, 2]
    >>> td.homology(glue_vertices(C, [[1, 5], [2, 4]])[0]).betti    # fold: an arc
    [1, 0]
    """
    from ..algebra.rows import unique_rows
    from ..topology.complexes import SimplicialComplex

    ids = K.vertices
    f = {int(v): int(v) for v in ids}
    for cls in glue:
        rep = int(min(cls))
        for v in cls:
            f[int(v)] = rep
    lut = np.array([f[int(v)] for v in ids])
    tops = []
    for d in range(K.dimension + 1):
        S = lut[np.searchsorted(ids, K.simplices(d))]
        S.sort(axis=1)
        if d:
            S = S[(S[:, 1:] != S[:, :-1]).all(1)]
        tops.extend(map(tuple, unique_rows(S).tolist()))
    return SimplicialComplex(tops), f


def vertex_quotient(K, ranks, images, glue=(), separate_images=True, rtol=1e-9):
    """:func:`low_rank_quotient` with vertex labels, after gluing the overlap classes.

    The vertex route's quotient by both sources: each gluing class (vertex
    indices, rows of ``ranks``) is identified to one vertex first
    (:func:`glue_vertices`; the glued vertex has the smallest rank of its
    class and the image of its representative), then the rank source's
    regions are collapsed with the one convention of :func:`low_rank_quotient`
    (closed regions, ``Omega_0`` split by image, each component of ``Omega_1``
    to its own point).  Without gluing this *is* ``low_rank_quotient(K, ranks,
    images, on="vertices")``.

    Returns
    -------
    (Homology, list of Component, list of str)

    Examples
    --------
    >>> import numpy as np, topodestruct as td
    >>> C = td.complexes.circle(8)
    >>> ranks = [0, 0, 2, 2, 0, 0, 2, 2]
    >>> vertex_quotient(C, ranks, np.zeros((8, 1)))[0].betti   # two arcs, one image: one point
    [1, 2]
    >>> vertex_quotient(C, ranks, np.arange(8.0)[:, None])[0].betti   # two images: two points
    [1, 1]
    >>> vertex_quotient(C, [2] * 8, np.zeros((8, 1)), glue=[[0, 4]])[0].betti   # pinch
    [1, 2]
    """
    ranks = np.asarray(ranks)
    images = np.asarray(images)
    glue = [np.asarray(cls) for cls in glue if len(cls) > 1]
    if not glue:
        return low_rank_quotient(K, ranks, images, "vertices", separate_images, rtol)
    ids = K.vertices
    K2, f = glue_vertices(K, [ids[cls] for cls in glue])
    target = np.searchsorted(K2.vertices, [f[int(v)] for v in ids])   # row of K2 per vertex
    ranks2 = np.full(len(K2.vertices), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(ranks2, target, ranks.astype(np.int64))
    images2 = images[np.searchsorted(ids, K2.vertices)]          # the representative's image
    return low_rank_quotient(K2, ranks2, images2, "vertices", separate_images, rtol)


def low_rank_regions(K, ranks, images, on="simplices", separate_images=True, rtol=1e-9):
    """The subcomplexes that :func:`low_rank_quotient` collapses, each to its own point.

    Parameters are those of :func:`low_rank_quotient`.

    Returns
    -------
    (list of SimplicialComplex, list of Component, list of str)
        The rank-0 regions (one per distinct image) and the components of
        ``Omega_1``; the regions described; notes.
    """
    from ..topology.homology import homology

    ranks = np.asarray(ranks)
    exact = getattr(images, "dtype", None) == object or np.asarray(images).dtype == object
    verts = K.vertices
    comps, subs, notes = [], [], []

    def describe(C, n, point, image=None):
        rows = np.searchsorted(verts, C.vertices)
        coords = K.coordinates[rows] if K.coordinates is not None else np.zeros((len(rows), 0))
        return Component(rank=n, point=point, vertices=np.asarray(C.vertices),
                         n_simplices=len(C.simplices(K.dimension)),
                         centroid=coords.mean(axis=0), homology=homology(C), image=image)

    Z = _regions(K, ranks, 0, on)
    if Z is not None:
        parts = Z.connected_components()
        rows = [np.searchsorted(verts, C.vertices) for C in parts]
        keys = _image_keys(images, rows, exact, rtol) if separate_images else [0] * len(parts)
        groups = {}                                    # key -> (image, [parts])
        for C, r, key in zip(parts, rows, keys):
            im = _float_image(images, r)
            groups.setdefault(key, (im, []))[1].append(C)
        for point, (im, members) in enumerate(groups.values()):
            for C in members:
                comps.append(describe(C, 0, point, im))
            subs.append(_union(members))
        if len(parts) > 1:
            notes.append(f"Omega_0 has {len(parts)} components mapped to {len(groups)} "
                         f"distinct image point(s)" + (
                             " (a dead layer sends them all to one point)"
                             if len(groups) == 1 else ""))
    O = _regions(K, ranks, 1, on)
    if O is not None:
        for C in O.connected_components():
            comps.append(describe(C, 1, len(subs)))
            subs.append(C)
    return subs, comps, notes


def _image_keys(images, rows, exact, rtol):
    """One key per rank-0 component, equal iff the components have the same image.

    Exact images (object arrays of rationals): ``Phi^k`` is constant on a connected
    rank-0 region, so one vertex's exact image is the component's, compared exactly.
    Float images: components within ``rtol`` (relative to the largest image entry)
    share a key (a decision in floats, for the vertex-labelling route only).
    """
    if exact:
        return [tuple(images[r[0]]) for r in rows]
    images = np.asarray(images, dtype=np.float64)
    scale = 1.0 + (np.abs(images).max() if images.size else 0.0)
    keys, seen = [], []
    for r in rows:
        im = images[r].mean(axis=0)
        for i, other in enumerate(seen):
            if np.abs(other - im).max() <= rtol * scale:
                keys.append(i)
                break
        else:
            keys.append(len(seen))
            seen.append(im)
    return keys


def _float_image(images, rows):
    return np.asarray(images[rows], dtype=np.float64).mean(axis=0)


def _union(members):
    from ..topology.complexes import SimplicialComplex

    if len(members) == 1:
        return members[0]
    tops = [tuple(s) for C in members for s in C.maximal_simplices()]
    return SimplicialComplex(tops)


def _n_groups(subs):
    """Number of groups of subcomplexes after merging those that share a vertex."""
    from ..topology.cells import component_labels

    owner = np.concatenate([np.full(len(S.vertices), i) for i, S in enumerate(subs)])
    verts = np.concatenate([S.vertices for S in subs])
    order = np.argsort(verts, kind="stable")
    verts, owner = verts[order], owner[order]
    same = verts[1:] == verts[:-1]
    return component_labels(len(subs), np.c_[owner[:-1][same], owner[1:][same]])[0]
