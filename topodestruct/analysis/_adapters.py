"""Adapters to colleagues' analysis functions (td.analyze, exact image homology, overlap quotient).

``profile`` and the Naitzat reproduction call the functions of issue 11
(``analyze``; the exact refinement ``analysis.refine``) and issue 17 part 1
(``analysis.overlap.folding``: exact image homology and the quotient by both
sources) through this module only.  Each adapter returns ``None`` when a
function it needs is not in this checkout, so the callers run and say "not
available".

WIRING: each adapter names the module and function it looks for
(``analysis.analyze``, ``analysis.refine.start_refinement`` /
``refine_next``, ``analysis.overlap.folding``); adapt the call in its body if
a landed signature differs.
"""
from importlib import import_module

__all__ = ["analyze_predicted", "exact_route", "available"]


def _lookup(module, name):
    """``topodestruct.<module>.<name>`` or None if that module/function does not exist."""
    try:
        mod = import_module(f"topodestruct.{module}")
    except ImportError:
        return None
    return getattr(mod, name, None)


def _analyze():
    # issue 11 (branch `analysis`): analyze, exported by the analysis package
    return _lookup("analysis", "analyze")


def _exact_parts():
    # issue 11 (branch `analysis`): analysis/refine.py; issue 17.1 (branch `folding`): overlap.py
    parts = (_lookup("analysis.refine", "start_refinement"),
             _lookup("analysis.refine", "refine_next"),
             _lookup("analysis.overlap", "folding"))
    return None if any(p is None for p in parts) else parts


def available():
    """Which colleague functions this checkout has: ``{name: bool}``."""
    return {"analyze": _analyze() is not None,
            "exact_route": _exact_parts() is not None}


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
    parts = _exact_parts()
    if parts is None or K.dimension > 2 or K.dimension < 1:
        return None
    start, refine_next, folding = parts
    from ..topology.simplicial import SimplicialComplex

    R, out = start(net, K), {}
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
    """Betti numbers of ``td.analyze(net, K, layer).predicted``, or None if not available."""
    analyze = _analyze()
    if analyze is None:
        return None
    return _betti(analyze(net, K, layer=layer).predicted)


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
    parts = _exact_parts()
    if parts is None or K.dimension > 2 or K.dimension < 1:
        return None
    start, refine_next, folding = parts
    from ..topology.simplicial import SimplicialComplex

    R, out = start(net, K), {}
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
    """Betti numbers of ``td.analyze(net, K, layer).predicted``, or None if not available."""
    analyze = _analyze()
    if analyze is None:
        return None
    return _betti(analyze(net, K, layer=layer).predicted)


def image_homology(net, K, layer):
    """Betti numbers of the exact homology of the image ``Phi^layer(K)``, or None."""
    func = _image_homology()
    if func is None or K.dimension > 2:
        return None
    return _betti(func(net, K, layer))


def overlap_quotient(net, K, layer):
    """Betti numbers of ``K`` modulo the rank and overlap sources at ``layer``, or None."""
    func = _overlap_quotient()
    if func is None or K.dimension > 2:
        return None
    return _betti(func(net, K, layer))
