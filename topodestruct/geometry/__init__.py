"""Exact piecewise-linear geometry that knows nothing of networks (between topology and relu).

* :mod:`.exact`          floats as exact rationals; exact predicates on points,
                         segments and triangles, with float certificates;
* :mod:`.planar`         vertical decomposition of overlapping coplanar triangles;
* :mod:`.image_complex`  the exact image of a simplexwise-affine map on a complex
                         of dimension <= 2, as a simplicial complex (its cells:
                         ``_image_cells``);
* :mod:`.overlap`        simplices whose images meet, and the quotient by both
                         sources of topological change;
* :mod:`.sizes`          how large each homology class of a polyhedron is.
"""
