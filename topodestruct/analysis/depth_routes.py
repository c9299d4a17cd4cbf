"""Per-layer routes of ``profile``: the exact refinement + folding, and ``analyze``'s prediction.

The exact route refines the complex layer by layer (:mod:`.refine`, each
refinement refines the previous one) and reads the exact image homology and
the quotient by both sources from :func:`.exact_route.exact_folding`, shared
with :func:`topodestruct.analyze`.
"""
import numpy as np

from .exact_route import exact_folding
from .refine import refine_next, start_refinement
from .represent import analyze

__all__ = ["analyze_predicted", "exact_route"]


def exact_route(net, K, layers, ranks_at):
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

    Returns
    -------
    dict or None
        ``layer -> {"image_homology": betti, "quotient": betti, "pieces": int}``.
    """
    if K.dimension > 2 or K.dimension < 1:
        return None
    R, out = start_refinement(net, K), {}
    for layer in layers:
        while R.layer < layer:
            R = refine_next(R)
        F = exact_folding(net, R, layer, np.asarray(ranks_at(R.barycentres(), layer)))
        out[layer] = {"image_homology": _betti(F.image_homology), "quotient": _betti(F.quotient),
                      "pieces": int(len(R.simplices))}
    return out


def _betti(result):
    if result is None:
        return None
    betti = getattr(result, "betti", result)
    return [int(b) for b in betti]


def analyze_predicted(net, K, layer):
    """Betti numbers of ``td.analyze(net, K, layer).predicted`` (no image check)."""
    return _betti(analyze(net, K, layer=layer, image=False).predicted)
