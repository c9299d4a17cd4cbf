"""topodestruct: where does a ReLU network change the topology of its input, and into what?

The package has two foundations and builds on them:

* exact integer homology of simplicial and cubical complexes, relative homology
  and homology of quotients (:func:`homology`, :func:`relative_homology`,
  :func:`quotient_homology`);
* the rank decomposition of ReLU networks (:func:`rank_decomposition`).

Submodules are imported lazily, so ``import topodestruct`` stays cheap and the
homology engine can be used without importing torch.

Examples
--------
>>> import topodestruct as td
>>> print(td.homology(td.complexes.torus(4, 4)))
H0 = Z, H1 = Z^2, H2 = Z
"""
from importlib import import_module

__version__ = "0.1.0"

# public name -> submodule that defines it
_ATTRIBUTES = {
    "SimplicialComplex": "topology.complexes",
    "CubicalComplex": "topology.cubical",
    "Homology": "topology.groups",
    "homology": "topology.homology",
    "relative_homology": "topology.homology",
    "quotient_homology": "topology.homology",
    "RankDecomposition": "relu.rank",
    "rank_decomposition": "relu.rank",
    "analyze": "analysis.represent",
    "Representation": "analysis.represent",
    "profile": "analysis.profile",
    "mesh_study": "analysis.mesh_study",
    "MeshStudy": "analysis.mesh_study",
    "scale_study": "analysis.mesh_study",
    "Network": "relu.network",
    "as_network": "relu.network",
    "load_network": "relu.network",
}
# short public names of submodules -> where they live in the layered layout
_SUBMODULES = {
    "complexes": "topology.complexes",
    "cubical": "topology.cubical",
    "chains": "topology.homology",
    "linalg": "algebra.linalg",
    "networks": "relu.networks",
    "rank": "relu.rank",
    "polytopes": "relu.polytopes",
    "classifying": "paper.classifying",
    "mnist": "datasets.mnist",
    "experiments": "experiments",
    "cli": "cli",
    "constructions": "relu.constructions",
}
_PACKAGES = {"topology", "algebra", "relu", "paper", "datasets", "plotting", "analysis"}

__all__ = sorted(set(_ATTRIBUTES) | set(_SUBMODULES) | _PACKAGES)


def __getattr__(name):
    if name in _ATTRIBUTES:
        value = getattr(import_module(f".{_ATTRIBUTES[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = import_module(f".{_SUBMODULES[name]}", __name__)
    elif name in _PACKAGES:
        value = import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'topodestruct' has no attribute {name!r}")
    globals()[name] = value  # cache: later look-ups bypass __getattr__
    return value


def __dir__():
    return __all__
