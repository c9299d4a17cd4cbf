"""The exact route at one layer: image homology and quotient by both sources on a refinement.

One function shared by :func:`topodestruct.analyze` and the per-layer profile:
given an exact :class:`~.refine.Refinement` (every piece in one activation
region, ``Phi^k`` affine on it) and the rank of each piece, push the refined
vertices through the network in exact rational arithmetic
(:func:`~.image_complex.exact_forward`, layer by layer), collapse the rank
source's regions exactly as the paper's prediction does
(:func:`~.quotient.low_rank_regions`: ``Omega_0`` by image, each component of
``Omega_1``), and call :func:`~.overlap.folding` for the exact homology of
``Phi^k(K)``, the overlaps and the homology of ``K`` modulo both sources.

Cost: the image complex grows with the number of crossing image simplices;
about a second per 1600 pieces for a wide network that folds little, tens of
seconds for a few hundred pieces under a narrow network that folds a lot
(docs/folding.md). Callers bound it with a time and memory budget
(:class:`topodestruct._budget.Budget`).

Examples
--------
>>> import topodestruct as td
>>> from topodestruct.analysis.refine import refine
>>> from topodestruct.analysis.labels import piece_ranks
>>> net, K = td.constructions.circle_arcs(2, resolution=16)
>>> R = refine(net, K, 1)
>>> F = exact_folding(net, R, 1, piece_ranks(net, R, 1))
>>> print(F.image_homology, "|", F.quotient)
H0 = Z, H1 = Z^2 | H0 = Z, H1 = Z^2
"""
import numpy as np

__all__ = ["exact_folding", "exact_images", "input_embedded"]


def exact_images(R, layer):
    """``Phi^layer`` at the refined vertices, exact: :class:`~topodestruct.geometry.
    exact_rows.ExactRows` ``(V, n)`` (``np.asarray`` gives the rationals).

    The refinement keeps its vertices and their images at its own layer
    exactly (:mod:`.refine`), so at ``layer == R.layer`` this is
    ``R.exact_rows()``; at an earlier layer the exact vertices go through
    layers ``1..layer`` in exact (integer) arithmetic.  Each piece lies in one closed
    activation region, so the images of its vertices span exactly its image.
    """
    if not 1 <= layer <= R.layer:
        raise ValueError(f"layer {layer} is not refined (1..{R.layer})")
    if layer == R.layer:
        return R.exact_rows()
    from ..relu.exact import forward_rows

    m = R.hom.shape[1] - 1
    return forward_rows(R.layers, R.hom[:, :m], R.hom[:, m], layer)


def input_embedded(R, budget=None):
    """Whether the complex ``R`` refines is embedded by its coordinates (cached on ``R``).

    Decided exactly: distinct vertices, and the common refinement of its simplices
    (:func:`~.image_complex.refine_image` of the identity map) finds no two that
    meet in more than a common face. The refinement subdivides it exactly.  The
    check runs within ``budget`` (a complex that overlaps itself everywhere, as a
    k-NN flag complex in the plane, costs as much as a folded image).
    """
    from ..topology.simplicial import SimplicialComplex
    from ..geometry.image_complex import refine_image

    if R.embedded is None:
        X = R.points[:R.n_original_vertices]
        if len(np.unique(X, axis=0)) < len(X):
            R.embedded = False
        elif R.dimension == 3:
            R.embedded = _embedded_3d(SimplicialComplex(R.original, coordinates=X), X, budget)
        else:
            K0 = SimplicialComplex(R.original, coordinates=X)
            R.embedded = not refine_image(K0, X, budget=budget).interactions
    return R.embedded


def _embedded_3d(K0, X, budget):
    """A 3-complex is embedded iff its tetrahedra are nondegenerate, its 2-skeleton is
    embedded and no piece meets a tetrahedron's interior (then two tetrahedra meet in the
    union of common faces of their facets, the face their common vertices span)."""
    from ..geometry.image_complex_3d import ImageNotSupported, refine_image_3d

    try:
        I = refine_image_3d(K0, X, budget=budget)
    except ImageNotSupported:
        return False
    return (not I.stats.get("carved_solids") and not I.surface.interactions
            and I.stats["solids"] == len(K0.simplices(3)))


def injective_labels(R, layer, ranks, budget=None):
    """Per piece (rows of ``R.complex().simplices(d)``): its region at ``layer`` where the
    region's map has full rank on the input space and ``K`` is embedded, else -1."""
    order = np.lexsort(R.simplices.T[::-1])
    if not input_embedded(R, budget):
        return np.full(len(order), -1, dtype=np.int64)
    full = np.asarray(ranks)[order] == R.points.shape[1]
    return np.where(full, R.region_index(layer)[1][order], -1).astype(np.int64)


def exact_folding(net, R, layer, ranks, separate_images=True, rank="ambient", images=None,
                  max_exact_pairs=None, budget=None):
    """Exact image homology, overlaps and quotient by both sources at ``layer``.

    Parameters
    ----------
    net : torch.nn.Sequential or list of (W, b)
        The network ``R`` was built from (for ambient ranks when ``ranks`` are
        intrinsic; the images use the refinement's layers).
    R : Refinement
        Exact refinement with ``R.layer >= layer``, dimension <= 3 (3: the image by
        :func:`~.image_complex_3d.refine_image_3d`, which carves solid pieces that
        overlap and refuses where carving does not clean them).
    layer : int
        1-based.
    ranks : (T,) int array
        Rank of ``Phi^layer`` on each piece, rows of ``R.simplices`` (as
        :func:`~.labels.piece_ranks` returns them).
    separate_images : bool
        As in :func:`~.quotient.low_rank_quotient`.
    rank : {"ambient", "intrinsic"}
        What ``ranks`` are. Pieces of one region whose ambient rank equals the
        input dimension map injectively, so their images meet only in the
        images of common faces (on an embedded ``K``): the image refinement
        skips those pairs. With intrinsic ranks the ambient ones are computed.
    images : object array, optional
        ``exact_images(R, layer)``, if the caller has it.
    max_exact_pairs : int, optional
        See :func:`~.image_complex.refine_image` (raises ``ImageTooLarge``).
    budget : topodestruct._budget.Budget, optional
        Time and memory, checked as the image is built (raises ``ImageTooLarge``).

    Returns
    -------
    Folding
        On ``R.complex()`` (vertex ids ``0..V-1``); each overlap's ``regions``
        are the pieces' region indices (``R.region_index(layer)``; None in 3-D, whose
        overlaps are those of the 2-skeleton's simplices and the folds of tetrahedra).
    """
    from .labels import collapse_ranks, piece_ranks
    from ..geometry.overlap import folding
    from .quotient import low_rank_regions

    ranks = np.asarray(ranks)
    if ranks.shape != (len(R.simplices),):
        raise ValueError(f"ranks must have one entry per piece ({len(R.simplices)}), "
                         f"got shape {ranks.shape}")
    C = R.complex()
    order = np.lexsort(R.simplices.T[::-1])      # rows of C.simplices(d)
    # the refinement keeps the floats of its own layer's exact values
    own = layer == R.layer and (images is None or images is R.exact_rows())
    floats = R.values(layer) if own else None
    images = exact_images(R, layer) if images is None else images
    subs, _, _ = low_rank_regions(C, collapse_ranks(ranks, rank, R.dimension)[order], images,
                                  "simplices", separate_images)
    regions = R.region_index(layer)[1][order] if R.dimension <= 2 else None
    ambient = ranks if rank == "ambient" else piece_ranks(net, R, layer)
    return folding(C, images, collapse=subs, regions=regions, layer=layer,
                   injective=injective_labels(R, layer, ambient, budget),
                   max_exact_pairs=max_exact_pairs, budget=budget,
                   floats=floats if R.dimension <= 2 else None)

