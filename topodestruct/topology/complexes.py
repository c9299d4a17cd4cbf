"""Public namespace of simplicial complexes (``td.complexes``): the class, standard spaces, operations.

The code lives in :mod:`~topodestruct.topology.simplicial` (the class and
simplex-tree conversion), :mod:`~topodestruct.topology.spaces` (builders with
vertex ``coordinates``: :func:`circle`, :func:`sphere`, :func:`torus`,
:func:`klein_bottle`, :func:`projective_plane`, :func:`mobius_band`,
:func:`disk`, :func:`simplex`, :func:`cube_sphere`) and
:mod:`~topodestruct.topology.operations` (unions, wedge, cone, subdivision).
Drawing is in :func:`topodestruct.plotting.plot_complex`.

Examples
--------
>>> import topodestruct as td
>>> td.complexes.torus(6, 6).f_vector
(36, 108, 72)
"""
from .operations import (barycentric_subdivision, cone, disjoint_union, edge_subdivision,
                         pure_part, union, wedge)
from .simplicial import SimplicialComplex, from_simplex_tree, to_simplex_tree
from .spaces import (circle, cube_sphere, disk, klein_bottle, mobius_band, projective_plane,
                     simplex, sphere, torus)

__all__ = [
    "SimplicialComplex", "circle", "sphere", "torus", "klein_bottle", "projective_plane",
    "mobius_band", "disk", "simplex", "cube_sphere", "disjoint_union", "wedge", "union", "cone",
    "barycentric_subdivision", "edge_subdivision", "pure_part", "to_simplex_tree",
    "from_simplex_tree",
]


def __dir__():  # dir() shows the public names only
    return __all__
