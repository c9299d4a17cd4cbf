"""Pictures that explain themselves (issue 24): legends, axis labels, titles that show the
exact result, no empty panels, integer epochs, distinguishable lines."""
import numpy as np
import pytest

import topodestruct as td
from topodestruct.analysis.profile import Profile
from topodestruct.plotting import depth, representation, trained


def _legend_texts(ax):
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def _fig_legend_texts(fig):
    return [t.get_text() for leg in fig.legends for t in leg.get_texts()]


# -- analyze and Figure 1 ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def arcs_exact():
    net, K = td.constructions.circle_arcs(3)
    return td.analyze(net, K, layer=1, estimate=None, exact=True)


def test_representation_has_a_rank_legend_and_no_empty_panel(arcs_exact):
    fig = representation.plot_representation(arcs_exact)
    assert len(fig.axes) == 2                   # persistent homology skipped: no barcode axes
    for ax in fig.axes:
        assert {"rank 0", "rank 1", "rank 2"} <= {t.split(" (")[0] for t in _legend_texts(ax)}
        assert ax.get_xlabel() and ax.get_ylabel()


def test_title_shows_the_exact_image_where_computed():
    square = td.SimplicialComplex([(0, 1), (1, 2), (2, 3), (0, 3)],
                                  coordinates=[[0.0, 1], [1, 0], [0, -1], [-1, 0]])
    fold = td.networks.from_weights([([[1.0, 0], [-1, 0], [0, 1], [0, -1]], [0.0] * 4),
                                     ([[1.0, 1, 0, 0], [0, 0, 1, -1]], [0.0, 2])])
    rep = td.analyze(fold, square, layer=2, exact=True)
    assert rep.estimate is not None             # both computed: the exact one is shown
    title = representation.plot_representation(rep)._suptitle.get_text()
    assert "image (exact) H0 = Z, H1 = 0" in title and "persistent" not in title
    rep = td.analyze(fold, square, layer=2, exact=False)   # no exact image: the estimate
    title = representation.plot_representation(rep)._suptitle.get_text()
    assert f"estimate (persistent) Betti {rep.estimate.betti}" in title
    assert "image (exact)" not in title


def test_point_cloud_is_drawn_with_its_image():
    net, _ = td.constructions.circle_arcs(2)
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    rep = td.analyze(net, np.c_[np.cos(t), np.sin(t)], estimate=None)
    fig = representation.plot_representation(rep)
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == [
        "input", "image at layer 1 (MDS of $R^{4}$)"]
    assert all(_legend_texts(ax) for ax in fig.axes)


def test_figure1_panels_are_readable():
    figs = representation.figure1()
    b = figs["B"].axes[0]
    assert {t.get_text() for t in b.get_legend().get_texts()} == {"rank 0", "rank 1", "rank 2"}
    for key in "CD":
        fig = figs[key]
        assert len(fig.axes) == 2 and all(_legend_texts(ax) for ax in fig.axes)
        assert "image (exact)" in fig._suptitle.get_text()


# -- Figures 3 and 4 ---------------------------------------------------------------------------
def _mnist_records(n_epochs=12, width=32):
    rng = np.random.default_rng(0)
    out = []
    for e in range(n_epochs + 1):
        hists = {k: np.bincount(rng.integers(5, 25, 300), minlength=width + 1).tolist()
                 for k in ("test", "noise")}
        out.append({"result": {"epoch": e, "test_loss": 2.3 / (1 + e),
                               **{k: {"rank_hist": h, "mean_rank": 20.0 - e / 2}
                                  for k, h in hists.items()}}})
    return out


def test_fig3a_band_edges_are_labelled():
    fig = trained.plot_rank_histograms(_mnist_records())
    for ax in fig.axes:
        assert {"7", "13"} <= {t.get_text().strip() for t in ax.texts}
        assert any("7-13" in t for t in _legend_texts(ax))
        assert ax.get_ylabel()


def test_fig3b_colour_bar_shows_whole_epochs():
    fig = trained.plot_rank_vs_loss(_mnist_records(2))     # a quick run: epochs 0, 1, 2
    bar = fig.axes[1]
    ticks = [t for t in bar.get_yticks() if bar.get_ylim()[0] <= t <= bar.get_ylim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)


def _fig4_records():
    rng = np.random.default_rng(1)
    out = []
    for function in ("sphere", "rosenbrock"):
        for target in ("classification", "regression"):
            for net in range(2):
                res = {when: {"size_hist": [np.bincount(rng.integers(lo, lo + 20, 200),
                                                        minlength=161).tolist()
                                            for lo in (70, 30, 10)]} for when in ("pre", "post")}
                out.append({"params": {"function": function, "target": target, "net": net},
                            "result": res})
    return out


def test_fig4_has_a_legend_and_labelled_axes():
    from topodestruct.experiments import regression

    records = _fig4_records()
    fig = trained.plot_test_functions(records, regression.statistics("fig4", records))
    assert {"before training", "after training"} <= set(_fig_legend_texts(fig))
    grid = np.array(fig.axes).reshape(2, 7)
    assert all(ax.get_xlabel() for ax in grid[-1, 1:])
    assert all(ax.get_ylabel() for ax in grid[:, 1])
    assert [ax.get_title() for ax in grid[0, 1:4]] == [f"classification, layer {k}"
                                                       for k in (1, 2, 3)]


# -- profile and naitzat depth curves ----------------------------------------------------------
def _profile(exact):
    rows = [{"layer": k, "width": 4, "low_rank": 0, "glued": 0, "predicted": [1, 1],
             "quotient": [1, 1], "image_homology": [1, 1] if exact or k == 0 else None,
             "estimate": [1, 1]} for k in range(4)]
    return Profile(rows, {"max_dim": 1, "estimate": {"method": "knn"}})


def test_profile_lines_are_distinguishable():
    fig = depth.plot_profile(_profile(exact=True))
    assert [ax.get_title() for ax in fig.axes] == ["b0", "b1"]   # b0 and b1 apart
    for ax in fig.axes:
        styles = {(line.get_marker(), line.get_linestyle()) for line in ax.lines}
        xs = {tuple(line.get_xdata()) for line in ax.lines}
        assert len(styles) == len(ax.lines) == len(xs) == 4      # equal values, own place
        assert ax.get_xlabel()
    assert "exact image homology" in _fig_legend_texts(fig)


def test_profile_has_no_exact_entry_where_not_computed():
    fig = depth.plot_profile(_profile(exact=False))
    assert "exact image homology" not in _fig_legend_texts(fig)
    assert all(len(ax.lines) == 3 for ax in fig.axes)


def test_naitzat_depth_curves_are_distinguishable():
    from topodestruct.experiments.naitzat import plot_depth_curves

    same = np.ones((3, 5))
    fig = plot_depth_curves({"a": same, "b": same, "c": same})
    ax = fig.axes[0]
    assert len({(ln.get_marker(), ln.get_linestyle(), tuple(ln.get_xdata()))
                for ln in ax.lines}) == 3
    assert all(float(t).is_integer() for t in ax.get_xticks())


def test_profile_plot_method_separates_lines_and_skips_what_was_not_computed():
    ax = _profile(exact=False).plot().axes[0]
    assert not any("exact image" in t for t in _legend_texts(ax))
    assert len({tuple(line.get_xdata()) for line in ax.lines}) == len(ax.lines) == 6
