"""Exact refinement of 3-complexes (issue 25, part 1): tetrahedra cut by bent hyperplanes.

Checked: the refinement is a simplicial complex with the homology of K (solid torus,
thick cubical shell), every piece lies in one closed activation region (exact signs at
its vertices; the codeword at its barycentre), the pieces fill K exactly (volumes add
up in exact arithmetic), and faces shared by two tetrahedra are cut alike (the
refinement is pure and every triangle has at most two cofaces in the interior).
"""
import itertools
from fractions import Fraction

import numpy as np
import pytest

import topodestruct as td
from topodestruct.analysis.refine import refine

# Kuhn (Freudenthal) triangulation of the unit cube: 6 tetrahedra along the main diagonal,
# consistent across neighbouring cubes
_KUHN = [[(0, 0, 0)] + [tuple(int(i in perm[:k]) for i in range(3)) for k in (1, 2, 3)]
         for perm in itertools.permutations(range(3))]


def cubes_complex(cubes):
    """Union of unit cubes (integer corners), Kuhn-triangulated."""
    index, tets = {}, []
    for c in cubes:
        tet_ids = []
        for tet in _KUHN:
            ids = []
            for corner in tet:
                p = tuple(int(a + b) for a, b in zip(c, corner))
                ids.append(index.setdefault(p, len(index)))
            tet_ids.append(tuple(ids))
        tets += tet_ids
    X = np.array(sorted(index, key=index.get), dtype=float)
    return td.SimplicialComplex(tets, coordinates=X)


def solid_torus():
    return cubes_complex([(i, j, 0) for i in range(3) for j in range(3) if (i, j) != (1, 1)])


def cube_shell():
    return cubes_complex([c for c in itertools.product(range(3), repeat=3) if c != (1, 1, 1)])


def _volume6(P):
    """Six times the (unsigned) volume of a tetrahedron with exact rational corners."""
    a, b, c, d = (np.array([Fraction(int(x.p), int(x.q)) for x in row], dtype=object)
                  for row in P)
    M = np.array([b - a, c - a, d - a], dtype=object)
    det = (M[0, 0] * (M[1, 1] * M[2, 2] - M[1, 2] * M[2, 1])
           - M[0, 1] * (M[1, 0] * M[2, 2] - M[1, 2] * M[2, 0])
           + M[0, 2] * (M[1, 0] * M[2, 1] - M[1, 1] * M[2, 0]))
    return abs(det)


def test_the_solids_are_what_they_claim():
    assert td.homology(solid_torus()).betti == [1, 1, 0, 0]
    assert td.homology(cube_shell()).betti == [1, 0, 1, 0]


@pytest.mark.parametrize("make, seed", [(solid_torus, 0), (solid_torus, 1), (cube_shell, 2)])
def test_refinement_of_solids(make, seed):
    K = make()
    net = td.networks.mlp([3, 6, 5], init="kaiming", random_state=seed)
    net[0].bias.data += 1.5                      # planes through the solid, not beside it
    R = refine(net, K, 2)
    assert R.n_added_vertices > 0 and R.simplices.shape[1] == 4
    C = R.complex()
    assert td.homology(C).betti == td.homology(K).betti
    # a 3-manifold with boundary: every triangle has one or two tetrahedra
    tris = C.simplices(2)
    cofaces = np.zeros(len(tris), dtype=int)
    from topodestruct.algebra.rows import locate_rows
    for drop in range(4):
        faces = np.delete(C.simplices(3), drop, axis=1)
        idx, found = locate_rows(tris, faces)
        assert found.all()
        np.add.at(cofaces, idx, 1)
    assert set(np.unique(cofaces)) <= {1, 2}
    # the pieces fill K: volumes add up exactly (K's cubes are unit cubes, 6 tets of 1/6)
    vol6 = sum(_volume6(R.exact_points[t]) for t in R.simplices)
    assert vol6 == len(K.simplices(3))
    # each piece in one closed region: exact pre-activations of one sign at its vertices
    H = np.array([[Fraction(int(x.p), int(x.q)) for x in row] for row in R.exact_points],
                 dtype=object)
    for k in range(2):
        W, b, _ = R.layers[k]
        Wq = np.array([[Fraction(float(w)) for w in row] for row in W], dtype=object)
        Z = H @ Wq.T + np.array([Fraction(float(x)) for x in b], dtype=object)
        H = np.where(Z > 0, Z, Fraction(0))
        for j in range(Z.shape[1]):
            vals = Z[R.simplices, j]
            on = R.codewords[k][:, j]
            assert all(x >= 0 for x in vals[on].ravel())
            assert all(x <= 0 for x in vals[~on].ravel())
