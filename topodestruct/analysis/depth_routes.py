"""The exact per-layer route of ``profile``: one refinement, layer by layer, with exact images.

The exact route refines the complex layer by layer (:mod:`.refine`, each
refinement refines the previous one) and reads the exact image homology and
the quotient by both sources from :func:`.exact_route.exact_folding`, shared
with :func:`topodestruct.analyze`.
"""
import numpy as np

from .._budget import BudgetExceeded
from .exact_route import exact_folding, exact_images
from ..geometry.image_complex import ImageTooLarge
from .refine import refine_next, start_refinement

__all__ = ["exact_route"]


def exact_route(net, K, layers, ranks_at, max_pieces=None, max_exact_pairs=None, notes=None,
                sizes=True, budget=None):
    """Exact image homology and quotient by both sources at each layer, or None.

    Refines ``K`` layer by layer (each refinement refines the previous one),
    then, on the refinement at ``layer``, calls :func:`.exact_route.exact_folding`
    (the function ``td.analyze(..., exact_image=True)`` uses): exact images,
    the rank source's regions collapsed as in ``analyze``'s prediction
    (``Omega_0`` by image, each component of ``Omega_1``), overlaps glued.

    Parameters
    ----------
    net : network
    K : SimplicialComplex of dimension <= 2 with coordinates
    layers : increasing list of int
    ranks_at : callable ``(points, layer) -> ranks``
        Certified ranks at points (the pieces' barycentres).
    max_pieces : int, optional
        Stop once the refinement has more pieces than this (the cost of the
        exact image grows with the pieces and with how much the network
        folds); the layers from there on are missing from the result.
    max_exact_pairs : int, optional
        Likewise, stop at the first layer whose image leaves more pairs than
        this to intersect exactly.
    notes : list, optional
        Receives a sentence saying where and why the route stopped.
    budget : topodestruct._budget.Budget, optional
        Time and memory for the whole route, checked between and inside the
        layers; the route stops where it runs out (``notes`` says where).
    sizes : bool
        Also measure the size of every class of the image (:mod:`.sizes`) and
        count the stable ones (larger than the mesh as mapped).

    Returns
    -------
    dict or None
        ``layer -> {"predicted": betti, "image_homology": betti, "quotient": betti,
        "pieces": int}`` (with ``sizes``: also ``"image_sizes"``, per dimension the
        classes' sizes, largest first, ``"image_stable"``, ``"resolution"`` and
        ``"size_delta"``, see :func:`image_size_row`); ``predicted`` is
        ``analyze``'s rank-source prediction on the same refinement.
    """
    from .quotient import low_rank_quotient

    if K.dimension > 2 or K.dimension < 1:
        return None
    R, out = start_refinement(net, K), {}
    for layer in layers:
        try:
            while R.layer < layer:
                if budget is not None:
                    budget.check(f"refinement along layer {R.layer + 1}")
                R = refine_next(R)
        except BudgetExceeded as err:
            _note(notes, f"exact route stopped at layer {layer}: {err}")
            break
        if max_pieces is not None and len(R.simplices) > max_pieces:
            _note(notes, f"exact route stopped at layer {layer}: {len(R.simplices)} pieces > "
                         f"max_pieces={max_pieces}")
            break
        ranks = np.asarray(ranks_at(R.barycentres(), layer))
        order = np.lexsort(R.simplices.T[::-1])      # rows of R.complex().simplices(d)
        Y = exact_images(R, layer)
        predicted = low_rank_quotient(R.complex(), ranks[order], Y)[0]
        try:
            F = exact_folding(net, R, layer, ranks, images=Y, max_exact_pairs=max_exact_pairs,
                              budget=budget)
        except ImageTooLarge as err:
            _note(notes, f"exact route stopped at layer {layer}: {err}")
            break
        out[layer] = {"predicted": _betti(predicted),
                      "image_homology": _betti(F.image_homology), "quotient": _betti(F.quotient),
                      "pieces": int(len(R.simplices))}
        if sizes:
            out[layer].update(image_size_row(R.values(layer), R.simplices, R.parent,
                                             out[layer]["image_homology"]))
    return out


def image_size_row(images, simplices, parent, betti):
    """Sizes of the classes of the union of the image pieces, and the stable Betti numbers.

    ``resolution`` is the largest diameter of the image of a simplex of ``K``
    (:func:`.sizes.mesh_resolution`); ``image_stable`` counts the classes whose
    measured size exceeds it.  A class of size ``s`` is found by the sample once
    ``s > 4 delta`` (module notes of :mod:`.sizes`), so the count is decided only
    where ``4 delta <= resolution``; elsewhere ``image_stable`` is None
    (undecided: the sample is too coarse for the mesh) rather than a guess.
    """
    from ..geometry.sizes import class_sizes, mesh_resolution

    rho = mesh_resolution(images, simplices, parent)
    S = class_sizes(images, simplices, betti)
    return {"image_sizes": [[float(x) for x in s] for s in S.sizes],
            "image_stable": S.stable(rho) if 4 * S.delta <= rho else None,
            "resolution": float(rho), "size_delta": float(S.delta)}


def _note(notes, text):
    if notes is not None:
        notes.append(text)


def _betti(result):
    if result is None:
        return None
    betti = getattr(result, "betti", result)
    return [int(b) for b in betti]
