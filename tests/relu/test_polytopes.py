"""Exact 2-D polytope decomposition: areas, counting formula, grid sampling, ranks."""
from fractions import Fraction

import numpy as np
import pytest

import topodestruct as td
from topodestruct import networks
from topodestruct import polytopes as P


def test_areas_sum_to_box_exactly():
    net = networks.mlp([2, 5, 4, 3], random_state=1)
    pd = P.polytope_decomposition(net, box=(-3, 2, -1.5, 4))
    assert sum(r.area for r in pd.regions) == Fraction(5) * Fraction(11, 2)
    assert all(r.area > 0 for r in pd.regions)


def test_custom_convex_bounds_area():
    tri = [(0, 0), (4, 0), (0, 3)]
    pd = P.polytope_decomposition(networks.mlp([2, 6], random_state=2), bounds=tri)
    assert sum(r.area for r in pd.regions) == 6


@pytest.mark.parametrize("n, seed", [(1, 0), (5, 1), (9, 2)])
def test_generic_lines_region_count(n, seed):
    # n lines in general position: 1 + n + n(n-1)/2 regions once the box holds every
    # pairwise intersection (computed independently with numpy)
    rng = np.random.default_rng(seed)
    W, b = rng.normal(size=(n, 2)), rng.normal(size=n)
    pts = [np.linalg.solve(W[[i, j]], -b[[i, j]]) for i in range(n) for j in range(i + 1, n)]
    pts += [-b[i] * W[i] / (W[i] @ W[i]) for i in range(n)]     # each line meets the box
    half = 2 * max([np.abs(p).max() for p in pts] + [1.0])
    pd = P.polytope_decomposition([(W, b)], box=half)
    assert len(pd.regions) == 1 + n + n * (n - 1) // 2
    assert len({r.codewords[0] for r in pd.regions}) == len(pd.regions)


def test_grid_codewords_are_regions_and_points_land_in_their_region():
    net = networks.mlp([2, 6, 5], random_state=3)
    pd = P.polytope_decomposition(net, box=2)
    s = np.linspace(-1.99, 1.99, 31)
    grid = np.array([(a, b) for a in s for b in s])
    rd = td.rank_decomposition(net, grid)
    found = {tuple(g) for g in rd.global_codewords}
    assert found <= {r.global_codeword for r in pd.regions}
    where = pd.locate(grid)
    inside = where >= 0
    assert inside.mean() > 0.95
    for i in np.flatnonzero(inside):
        reg = pd.regions[where[i]]
        assert reg.global_codeword == tuple(rd.global_codewords[i])
        np.testing.assert_array_equal(reg.ranks, rd.ranks[i])


def test_slice_through_three_points_matches_pointwise_ranks():
    net = networks.mlp([6, 8, 7], random_state=4)
    plane = np.random.default_rng(5).normal(size=(3, 6))
    pd = P.polytope_decomposition(net, box=1.5, plane=plane)
    cents = np.array([[float(c) for c in r.centroid] for r in pd.regions])
    rd = td.rank_decomposition(net, pd.to_input(cents))
    same = [tuple(g) == r.global_codeword for g, r in zip(rd.global_codewords, pd.regions)]
    assert np.mean(same) > 0.95            # float rounding of centroids may cross a boundary
    for ok, r, ranks in zip(same, pd.regions, rd.ranks):
        if ok:
            np.testing.assert_array_equal(r.ranks, ranks)
    assert (np.array([r.plane_ranks for r in pd.regions]) <= 2).all()


def test_layerwise_and_rank_regions_partition():
    net = networks.mlp([2, 3, 2], random_state=0)
    pd = P.polytope_decomposition(net, box=4)
    for K in (1, 2):
        groups = pd.layer_regions(K)
        assert sum(len(v) for v in groups.values()) == len(pd.regions)
        assert sum(len(v) for v in pd.rank_regions(K).values()) == len(pd.regions)
    # layer 1 of a 2-3 network: at most 1 + 3 + 3 = 7 codeword sets
    assert len(pd.layer_regions(1)) <= 7
    with pytest.raises(ValueError, match="1-based"):
        pd.layer_regions(0)
    assert "global regions" in repr(pd)


def test_plot_writes_png(tmp_path):
    pd = P.polytope_decomposition(networks.mlp([2, 4, 3], random_state=6), box=2)
    for by, K in (("codeword", 1), ("codeword", None), ("rank", 2)):
        out = tmp_path / f"{by}{K}.png"
        P.plot_regions(pd, color_by=by, layer=K, path=out)
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="color_by"):
        P.plot_regions(pd, color_by="area")


def test_plot_leaves_the_backend_alone_and_returns_the_figure(tmp_path):
    # drawing must not change the user's matplotlib backend (a global side effect)
    import matplotlib
    from matplotlib.figure import Figure

    pd = P.polytope_decomposition(networks.mlp([2, 3], random_state=1), box=1)
    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        fig = P.plot_regions(pd, path=tmp_path / "r.png")
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)
    assert isinstance(fig, Figure) and (tmp_path / "r.png").stat().st_size > 1000


def test_validation():
    net3 = networks.mlp([3, 4], random_state=0)
    with pytest.raises(ValueError, match="plane"):
        P.polytope_decomposition(net3)
    with pytest.raises(ValueError, match="collinear"):
        P.polytope_decomposition(net3, plane=[[0, 0, 0], [1, 1, 1], [2, 2, 2]])
    with pytest.raises(ValueError, match="box"):
        P.polytope_decomposition(networks.mlp([2, 3], random_state=0), box=(1, 0, 0, 1))
    with pytest.raises(ValueError, match="convex"):
        P.polytope_decomposition(networks.mlp([2, 3], random_state=0),
                                 bounds=[(0, 0), (2, 0), (1, 0.0), (1, 2)])
