"""Modules of relu/, experiments/ and plotting/ declare ``__all__``: every public name they
define is listed, every listed name exists, helpers are private, and dir() shows the API."""
import ast
import importlib
import inspect

import pytest

MODULES = ["topodestruct.relu.networks", "topodestruct.relu.rank", "topodestruct.relu.polytopes",
           "topodestruct.relu.parse", "topodestruct.relu.forward", "topodestruct.relu.network",
           "topodestruct.relu.exact",
           "topodestruct.relu.numerical", "topodestruct.relu.tiers",
           "topodestruct.relu.certify", "topodestruct.relu.batched",
           "topodestruct.algebra.modular",
           "topodestruct.experiments", "topodestruct.experiments.store",
           "topodestruct.experiments.runner", "topodestruct.experiments.fig2",
           "topodestruct.plotting.fig2", "topodestruct._parallel"]


def _defined_here(module):
    """Public functions, classes and constants defined (not imported) at the module's top."""
    tree = ast.parse(inspect.getsource(module))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_exactly_the_public_names(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ lists undefined names {missing}"
    unlisted = _defined_here(module) - set(module.__all__)
    assert not unlisted, f"{name} defines public names outside __all__: {sorted(unlisted)}"
    assert len(module.__all__) == len(set(module.__all__))
    doc = (module.__doc__ or "").strip().splitlines()
    assert doc and doc[0].endswith("."), f"{name}: no one-line docstring saying what it is for"
    if name != "topodestruct._parallel":      # public modules show only their API
        assert sorted(dir(module)) == sorted(module.__all__)
