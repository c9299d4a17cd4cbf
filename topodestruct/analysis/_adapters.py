"""Adapters to colleagues' analysis functions (td.analyze, exact image homology, overlap quotient).

``profile`` and the Naitzat reproduction call the functions of issue 11
(``td.analyze``: exact refinement, rank-source prediction) and issue 17 part 1
(the exact image homology and the quotient by both sources) through this
module only.  Each adapter returns ``None`` when the function it needs is not
in this checkout, so the callers run and say "not available".

WIRING (when the branches land): each adapter names the module and function
it looks for; adapt the call in its body if the landed signature differs.
"""
from importlib import import_module

__all__ = ["analyze_predicted", "image_homology", "overlap_quotient", "available"]


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


def _image_homology():
    # issue 17 part 1 (branch `folding`): analysis/image_complex.py
    return _lookup("analysis.image_complex", "image_homology")


def _overlap_quotient():
    # issue 17 part 1 (branch `folding`): analysis/overlap.py
    return _lookup("analysis.overlap", "overlap_quotient")


def available():
    """Which colleague functions this checkout has: ``{name: bool}``."""
    return {"analyze": _analyze() is not None,
            "image_homology": _image_homology() is not None,
            "overlap_quotient": _overlap_quotient() is not None}


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
