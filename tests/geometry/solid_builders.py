"""Triangulated solids for the tests of the exact 3-D image (copied from test_refine_3d, plus
mirror-symmetric and prism-ring variants).

Kuhn (Freudenthal) triangulations of unions of unit cubes: 6 tetrahedra per cube along the
main diagonal, consistent across neighbouring cubes.  ``mirrored=True`` triangulates the
cubes with x < 0 as the mirror images (x -> -x) of the cubes with x >= 0, so that the
complex and its coordinates are exactly symmetric under the reflection in the plane x = 0
(the plane x = 0 is a grid plane: both sides triangulate it alike).
"""
import itertools

import numpy as np

import topodestruct as td

KUHN = [[(0, 0, 0)] + [tuple(int(i in perm[:k]) for i in range(3)) for k in (1, 2, 3)]
        for perm in itertools.permutations(range(3))]


def cubes_complex(cubes, mirrored=False):
    """Union of unit cubes (integer lower corners), Kuhn-triangulated."""
    index, tets = {}, []
    for c in cubes:
        flip = mirrored and c[0] < 0
        base = (-c[0] - 1,) + tuple(c[1:]) if flip else tuple(c)
        for tet in KUHN:
            ids = []
            for corner in tet:
                p = [int(a + b) for a, b in zip(base, corner)]
                if flip:
                    p[0] = -p[0]
                ids.append(index.setdefault(tuple(p), len(index)))
            tets.append(tuple(ids))
    X = np.array(sorted(index, key=index.get), dtype=float)
    return td.SimplicialComplex(tets, coordinates=X)


def ring(n, lo=0, mirrored=False):
    """A square ring of unit cubes, one layer thick: the n x n square of cubes with lower
    corners ``lo .. lo + n - 1`` minus its (n - 2) x (n - 2) middle (a solid torus)."""
    keep = [(i, j, 0) for i in range(lo, lo + n) for j in range(lo, lo + n)
            if i in (lo, lo + n - 1) or j in (lo, lo + n - 1)]
    return cubes_complex(keep, mirrored)


def solid_torus():
    """The 8-cube ring of test_refine_3d (48 tetrahedra)."""
    return ring(3)


def cube_shell(n=3, lo=0, mirrored=False):
    """A thick cubical shell: the n^3 cube of cubes minus its (n - 2)^3 middle."""
    keep = [c for c in itertools.product(range(lo, lo + n), repeat=3)
            if any(x in (lo, lo + n - 1) for x in c)]
    return cubes_complex(keep, mirrored)


def prism_ring(m=6, radius=3.0):
    """A small solid torus: a triangle swept around the z-axis through ``m`` positions, each
    prism cut into 3 tetrahedra by the diagonals from the smaller vertex id of each square
    (a global order, so neighbouring prisms agree); 3 m tetrahedra."""
    section = [(radius, 0.0), (radius + 1.0, 0.0), (radius + 0.5, 1.0)]   # (r, z)
    X = []
    for k in range(m):
        a = 2 * np.pi * k / m
        X += [(r * np.cos(a), r * np.sin(a), z) for r, z in section]
    tets = []
    for k in range(m):
        bottom = [3 * k + i for i in range(3)]
        top = [3 * ((k + 1) % m) + i for i in range(3)]
        tets += _prism(bottom, top)
    return td.SimplicialComplex(tets, coordinates=np.round(np.array(X), 12))


def _prism(bottom, top):
    """Three tetrahedra filling the prism ``bottom`` x ``top`` (vertex i above vertex i):
    pulled from its smallest vertex id ``v`` (cone from ``v`` over the opposite triangle and
    the opposite square, that square cut by the diagonal through its smallest id), so every
    square face is cut by the diagonal through its smallest id and neighbours agree."""
    v = min(bottom + top)
    b, t = (bottom, top) if v in bottom else (top, bottom)
    i = b.index(v)
    b, t = b[i:] + b[:i], t[i:] + t[:i]
    out = [(b[0], t[0], t[1], t[2])]
    if min(b[1], b[2], t[1], t[2]) in (b[1], t[2]):   # diagonal b1-t2
        out += [(b[0], b[1], b[2], t[2]), (b[0], b[1], t[1], t[2])]
    else:                                              # diagonal b2-t1
        out += [(b[0], b[1], b[2], t[1]), (b[0], b[2], t[1], t[2])]
    return out
