"""Per-layer routes of ``profile``: the exact refinement + folding, and ``analyze``'s prediction.

The exact route refines the complex layer by layer (:mod:`.refine`, each
refinement refines the previous one) and reads the exact image homology and
the quotient by both sources from :func:`.overlap.folding`.
"""
from .overlap import folding
from .refine import refine_next, start_refinement
from .represent import analyze

__all__ = ["analyze_predicted", "exact_route"]


def exact_route(net, K, layers, ranks_at):
    """Exact image homology and quotient by both sources at each layer, or None.

    Refines ``K`` layer by layer (each refinement refines the previous one),
    then, on the refinement at ``layer``, calls the exact ``folding`` with the
    rank source's pieces (pieces of rank 0 as one subcomplex, the components
    of the rank-1 pieces each) collapsed.

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
    from ..topology.simplicial import SimplicialComplex

    R, out = start_refinement(net, K), {}
    for layer in layers:
        while R.layer < layer:
            R = refine_next(R)
        Kr = R.complex()
        rank = ranks_at(R.barycentres(), layer)
        collapse = []
        zero = R.simplices[rank == 0]
        if len(zero):
            collapse.append(SimplicialComplex(zero))
        one = R.simplices[rank == 1]
        if len(one):
            collapse.extend(SimplicialComplex(one).connected_components())
        F = folding(Kr, R.values(layer), collapse=collapse)
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
