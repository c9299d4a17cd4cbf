"""Exact means exact: one set, one answer, whatever its triangulation (issue 23).

Metamorphic tests of the exact route.  Each set here is exactly piecewise linear
with float64 coordinates (faces exactly planar, grid points exactly on the
squares' sides), triangulated in several ways; the exact image homology and the
exact quotient by both sources are properties of the set and the network, so
every triangulation must give the same answer at every layer.  Before the
refinement's cut points were exact rationals, the octagonal torus gave
(1, 9, 8) for one diagonal and (1, 8, 8) for the other (seed 0, layer 2).
"""
import numpy as np
import pytest

import topodestruct as td


def octagonal_torus(diagonal):
    """Square cross-section [1.5, 2.5] x [-0.5, 0.5] revolved in 8 steps (issue 23's torus)."""
    prof = [(1.5, -0.5), (2.5, -0.5), (2.5, 0.5), (1.5, 0.5)]
    th = 2 * np.pi * np.arange(8) / 8
    X = np.array([[r * np.cos(t), r * np.sin(t), z] for t in th for r, z in prof])
    tris = []
    for i in range(8):
        for j in range(4):
            a, b = 4 * i + j, 4 * ((i + 1) % 8) + j
            c, d = 4 * ((i + 1) % 8) + (j + 1) % 4, 4 * i + (j + 1) % 4
            tris += [(a, b, c), (a, c, d)] if diagonal == "A" else [(a, b, d), (b, c, d)]
    return td.SimplicialComplex(tris, coordinates=X)


def _quad_triangles(quads, split):
    """Triangles of planar quads (corner coordinates in cyclic order), split one of three ways."""
    points, index, tris = [], {}, []

    def vid(p):
        key = tuple(float(x) for x in p)
        if key not in index:
            index[key] = len(points)
            points.append(key)
        return index[key]

    for q in quads:
        a, b, c, d = (vid(p) for p in q)
        if split == "A":
            tris += [(a, b, c), (a, c, d)]
        elif split == "B":
            tris += [(a, b, d), (b, c, d)]
        else:                                           # fan from the exact centre
            m = vid(np.mean(np.asarray(q, dtype=float), axis=0))
            tris += [(a, b, m), (b, c, m), (c, d, m), (d, a, m)]
    return td.SimplicialComplex(tris, coordinates=np.array(points))


def voxel_torus(split="A"):
    """Boundary of the ring of 8 unit cubes around [1, 2]^2 x [0, 1]: a torus, integer corners."""
    cubes = {(i, j) for i in range(3) for j in range(3)} - {(1, 1)}
    quads = []
    for i, j in cubes:
        for axis in range(3):
            for side in (0, 1):
                step = [0, 0, 0]
                step[axis] = 2 * side - 1
                if axis < 2 and (i + step[0], j + step[1]) in cubes:
                    continue                           # shared with a neighbour cube
                o = np.array([i, j, 0.0])
                o[axis] += side
                u, v = [np.eye(3)[k] for k in range(3) if k != axis]
                quads.append([o, o + u, o + u + v, o + v])
    return _quad_triangles(quads, split)


def nine_squares(n, split="A", half=1.25):
    """Nine filled squares (D-I class 1's shape), each an n x n grid of split cells."""
    centres = [(0, 0), (0, 7), (-5, 5), (7, 0), (-5, -5), (-7, 0), (5, 5), (0, -7), (5, -5)]
    quads = []
    for cx, cy in centres:
        xs = np.linspace(cx - half, cx + half, n + 1)
        ys = np.linspace(cy - half, cy + half, n + 1)
        for i in range(n):
            for j in range(n):
                quads.append([(xs[i], ys[j]), (xs[i + 1], ys[j]), (xs[i + 1], ys[j + 1]),
                              (xs[i], ys[j + 1])])
    return _quad_triangles(quads, split)


def exact_rows(net, K, layers):
    """(image homology, quotient) Betti numbers per layer, on one refinement."""
    from topodestruct.analysis.depth_routes import exact_route

    out = exact_route(td.as_network(net), K, list(layers), sizes=False)
    return {k: (tuple(r["image_homology"].betti), tuple(r["quotient"].betti))
            for k, r in out.items()}


def test_the_shapes_are_what_they_claim():
    for K in (octagonal_torus("A"), octagonal_torus("B"), voxel_torus("A"), voxel_torus("fan")):
        assert td.homology(K).betti == [1, 2, 1]
    assert td.homology(nine_squares(3)).betti == [9, 0, 0]
    assert td.homology(td.complexes.edge_subdivision(voxel_torus("B"))).betti == [1, 2, 1]


@pytest.mark.parametrize("seed", [0, 1])
def test_octagonal_torus_either_diagonal(seed):
    net = td.networks.mlp([3, 5, 5], init="kaiming", random_state=seed)
    assert exact_rows(net, octagonal_torus("A"), [1, 2]) == \
        exact_rows(net, octagonal_torus("B"), [1, 2])


@pytest.mark.parametrize("seed", [0, 3])
def test_voxel_torus_any_triangulation(seed):
    net = td.networks.mlp([3, 4, 4, 3], init="kaiming", random_state=seed)
    net[0].bias.data += 1.5                 # hyperplanes through the torus, not beside it
    variants = [voxel_torus("A"), voxel_torus("fan") if seed else voxel_torus("B"),
                td.complexes.edge_subdivision(voxel_torus("B"))]
    answers = [exact_rows(net, K, [1, 2, 3]) for K in variants]
    assert all(a == answers[0] for a in answers[1:]), answers


@pytest.mark.parametrize("seed", [1, 2])
def test_nine_squares_any_grid(seed):
    net = td.networks.mlp([2, 4, 4, 3], init="kaiming", random_state=seed)
    variants = [nine_squares(2, "A"), nine_squares(3, "fan"),
                td.complexes.edge_subdivision(nine_squares(2, "B"))]
    answers = [exact_rows(net, K, [1, 2, 3]) for K in variants]
    assert all(a == answers[0] for a in answers[1:]), answers
    # b0 of a continuous image never grows with depth
    b0 = [9] + [answers[0][k][0][0] for k in (1, 2, 3)]
    assert all(x >= y for x, y in zip(b0, b0[1:])), b0


def test_vertex_order_does_not_matter():
    """Relabelling the vertices (a permutation) changes nothing."""
    K = nine_squares(2, "A")
    perm = np.random.default_rng(0).permutation(K.n_vertices)
    tops = perm[np.searchsorted(K.vertices, K.simplices(2))]
    X = np.empty_like(K.coordinates)
    X[perm] = K.coordinates
    net = td.networks.mlp([2, 4, 4, 3], init="kaiming", random_state=2)
    assert exact_rows(net, td.SimplicialComplex(tops, coordinates=X), [1, 2, 3]) == \
        exact_rows(net, K, [1, 2, 3])


def test_profile_flags_a_growing_b0():
    from topodestruct.analysis.profile import _b0_violations

    rows = [{"image_homology": [2, 0]}, {"image_homology": [1, 0]}, {"image_homology": [2, 0]}]
    with pytest.warns(RuntimeWarning, match="b0 grows at layer"):
        assert _b0_violations(rows, [1, 2]) == [2]
    assert _b0_violations(rows[:2], [1]) == []


def test_profile_b0_never_grows_on_the_squares():
    net = td.networks.mlp([2, 4, 4, 3, 3], init="kaiming", random_state=1)
    prof = td.profile(net, nine_squares(2, "B"), exact=True, n_neighbors=3)
    assert prof.info["b0_violations"] == []
    b0 = [row["image_homology"].betti[0] for row in prof.rows]
    assert b0[0] == 9 and all(x >= y for x, y in zip(b0, b0[1:]))
