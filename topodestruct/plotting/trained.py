"""Figures 3 and 4 of the paper: ranks and codeword sizes of trained networks.

Every function takes ``ax=None`` (a new :class:`matplotlib.figure.Figure` is
made; otherwise ``ax`` is one axes or a sequence of as many axes as the figure
needs) and returns the figure; none of them touches the matplotlib backend.
"""
import numpy as np

__all__ = ["PANELS", "plot_panel", "write_pngs", "plot_rank_histograms", "plot_rank_vs_loss",
           "plot_discretisations", "plot_test_functions", "function_surface"]

PANELS = ("fig3a", "fig3b", "fig3c", "fig4")


def _axes(ax, shape, figsize):
    """A figure with a ``shape`` grid of axes, or the given axes (flattened) and their figure."""
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize, layout="constrained")
        axes = fig.subplots(*shape, squeeze=False).ravel()
        return fig, list(axes)
    axes = list(np.ravel(ax))
    need = int(np.prod(shape))
    if len(axes) != need:
        raise ValueError(f"expected {need} axes, got {len(axes)}")
    return axes[0].figure, axes


def _band(ax, band, label=None):
    """The MNIST intrinsic-dimension band: shaded, its edges drawn and labelled with their rank."""
    ax.axvspan(*band, color="0.92", zorder=0,
               label=label or f"MNIST intrinsic dimension {band[0]}-{band[1]}")
    for b in band:
        ax.axvline(b, color="black", lw=1)
        ax.text(b, 1.0, f" {b}", transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", fontsize=8)


def plot_rank_histograms(records, band=(7, 13), layer=4, ax=None):
    """Figure 3A: layer ranks of test images (top) and noise (bottom) before/after training."""
    fig, axes = _axes(ax, (2, 1), (6, 5))
    pre, post = records[0]["result"], records[-1]["result"]
    colours = {"test": ("tab:blue", "tab:orange"), "noise": ("tab:green", "tab:purple")}
    names = {"test": "MNIST test images", "noise": "uniform noise"}
    for a, kind in zip(axes, ("test", "noise")):
        for res, colour, when in ((pre, colours[kind][0], "before"),
                                  (post, colours[kind][1], f"after {post['epoch']} epochs")):
            h = np.asarray(res[kind]["rank_hist"])
            a.bar(np.arange(len(h)), h / h.sum(), width=1.0, color=colour, alpha=0.6,
                  label=f"{when} (mean {res[kind]['mean_rank']:.1f})")
        _band(a, band)
        a.set_ylabel("fraction of inputs")
        a.set_title(f"{names[kind]}: rank at layer {layer}", pad=14)
        a.legend(fontsize=8)
    axes[-1].set_xlabel("rank")
    return fig


def plot_rank_vs_loss(records, band=(7, 13), layer=4, ax=None):
    """Figure 3B: mean layer rank of the test images against test loss, one dot per epoch."""
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    fig, (a,) = _axes(ax, (1, 1), (5, 4))
    loss = np.array([r["result"]["test_loss"] for r in records])
    rank = np.array([r["result"]["test"]["mean_rank"] for r in records])
    epoch = np.array([r["result"]["epoch"] for r in records])
    a.axhspan(*band, color="0.85", label=f"MNIST intrinsic dimension {band[0]}-{band[1]}")
    a.plot(loss, rank, color="0.6", lw=0.8)
    sc = a.scatter(loss, rank, c=epoch, cmap="viridis", zorder=3)
    bar = fig.colorbar(sc, ax=a, label="epoch")
    bar.locator = MaxNLocator(integer=True, nbins=min(len(epoch), 8))   # epochs are whole
    bar.update_ticks()
    a.set_xscale("log")
    # labels at 1, 2 and 5 per decade, written as 0.05 rather than 5e-2; unlabelled minor
    # ticks (minor labels crowded each other over a decade and a half of losses)
    a.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    a.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    a.xaxis.set_minor_formatter(NullFormatter())
    a.set_title("test images: mean rank against test loss, one dot per epoch", fontsize=9)
    a.set_xlabel("test loss (cross-entropy, log scale)")
    a.set_ylabel(f"mean rank at layer {layer}")
    a.legend(fontsize=8)
    return fig


def function_surface(name, n=120, levels=None):
    """``(x, y, Z)``: a test function on a grid over its 2-D domain, discretised to ``levels``."""
    from ..datasets.test_functions import FUNCTIONS, discretise

    f = FUNCTIONS[name]
    t = np.linspace(*f.domain, n)
    xx, yy = np.meshgrid(t, t)
    Z = f(np.stack([xx.ravel(), yy.ravel()], 1))
    if levels is not None:
        Z = discretise(Z, Z, levels)
    return t, t, Z.reshape(n, n)


def _stars(rows, key):
    return {(r["function"], r["target"], r["layer"]): r for r in rows}[key]


def plot_discretisations(records, rows, ax=None):
    """Figure 3C: mean codeword size per layer before (black) / after (orange) training.

    Top row: the 2-D sphere function at each discretisation; bottom row: one
    axes per hidden layer, stars at Bonferroni-corrected p < 0.001 (``rows``
    from :func:`topodestruct.experiments.regression.statistics`).
    """
    from ..experiments.statistics import expand_histogram

    DISCRETISATIONS = list(dict.fromkeys(r["params"]["target"] for r in records))
    HIDDEN = len(records[0]["result"]["pre"]["size_hist"])
    n = len(DISCRETISATIONS)
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(12, 6), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=[1, 2])
        pics = list(top.subplots(1, n))
        axes = list(bottom.subplots(1, HIDDEN))
    else:
        fig, all_axes = _axes(ax, (1, n + HIDDEN), None)
        pics, axes = all_axes[:n], all_axes[n:]
    for a, t in zip(pics, DISCRETISATIONS):
        x, y, Z = function_surface("sphere", levels=None if t == "inf" else int(t))
        a.imshow(Z, extent=[x[0], x[-1], y[0], y[-1]], origin="lower", cmap="viridis")
        sub = r"\infty" if t == "inf" else t
        a.set_title(f"$f_{{{sub}}}$")
        a.set_xticks([])
        a.set_yticks([])
    xs = np.arange(n)
    for k, a in enumerate(axes, start=1):
        for when, colour in (("pre", "black"), ("post", "tab:orange")):
            means, sds = [], []
            for t in DISCRETISATIONS:
                per_net = [expand_histogram(r["result"][when]["size_hist"][k - 1]).mean()
                           for r in records if r["params"]["target"] == t]
                means.append(np.mean(per_net))
                sds.append(np.std(per_net))
            a.errorbar(xs, means, yerr=sds, color=colour, marker="o", capsize=3,
                       label="before" if when == "pre" else "after training")
        lo, hi = a.get_ylim()
        a.set_ylim(lo, hi + 0.12 * (hi - lo))
        for i, t in enumerate(DISCRETISATIONS):
            if _stars(rows, ("sphere", t, k))["significant"]:
                a.text(i, hi + 0.02 * (hi - lo), "*", ha="center", va="bottom", fontsize=14)
        a.set_xticks(xs, [r"$\infty$" if t == "inf" else t for t in DISCRETISATIONS])
        a.set_xlabel("discretisation n")
        a.set_title(f"layer {k}")
        a.axhline(20, color="0.5", ls="--", lw=0.8)
    axes[0].set_ylabel("mean codeword size (test points)")
    axes[0].plot([], [], color="0.5", ls="--", lw=0.8, label="input dimension d = 20")
    axes[0].plot([], [], ls="", marker="$*$", color="k", label="Bonferroni p < 0.001")
    axes[0].legend(fontsize=8)
    return fig


def plot_test_functions(records, rows, ax=None):
    """Figure 4: per function, its 2-D surface and codeword-size histograms per layer.

    Columns: surface, classification layers 1-3, regression layers 1-3; black
    before, red after training (legend at the bottom); a star marks a
    Bonferroni significant difference (p < 0.001).
    """
    HIDDEN = len(records[0]["result"]["pre"]["size_hist"])
    functions = list(dict.fromkeys(r["params"]["function"] for r in records))
    ncol = 1 + 2 * HIDDEN
    fig, axes = _axes(ax, (len(functions), ncol), (2.1 * ncol, 1.9 * len(functions) + 0.8))
    axes = np.array(axes, dtype=object).reshape(len(functions), ncol)
    for i, name in enumerate(functions):
        x, y, Z = function_surface(name)
        axes[i, 0].imshow(Z, extent=[x[0], x[-1], y[0], y[-1]], origin="lower", cmap="viridis")
        axes[i, 0].set_ylabel(name.replace("_", "-"))
        axes[i, 0].set_xticks([])
        axes[i, 0].set_yticks([])
        for j, task in enumerate(("classification", "regression")):
            rs = [r for r in records if r["params"]["function"] == name
                  and r["params"]["target"] == task]
            for k in range(1, HIDDEN + 1):
                _size_histograms(axes[i, 1 + j * HIDDEN + k - 1], rs, k,
                                 _stars(rows, (name, task, k))["significant"])
    axes[0, 0].set_title("function (d = 2)", fontsize=8)
    for j, task in enumerate(("classification", "regression")):
        for k in range(1, HIDDEN + 1):
            axes[0, 1 + j * HIDDEN + k - 1].set_title(f"{task}, layer {k}", fontsize=8)
            axes[-1, 1 + j * HIDDEN + k - 1].set_xlabel("codeword size", fontsize=7)
    for i in range(len(functions)):
        axes[i, 1].set_ylabel("density", fontsize=7)
    fig.legend(handles=[_patch("black", "before training"), _patch("tab:red", "after training"),
                        _patch("none", "* Bonferroni p < 0.001")],
               loc="outside lower center", ncol=3, fontsize=8)
    return fig


def _patch(colour, label):
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, alpha=0.5 if colour != "none" else 1, label=label,
                 edgecolor="none")


def _size_histograms(a, records, k, significant):
    """Codeword sizes at layer ``k`` before (black) and after (red) training, pooled."""
    from ..experiments.statistics import expand_histogram

    for when, colour in (("pre", "black"), ("post", "tab:red")):
        s = np.concatenate([expand_histogram(r["result"][when]["size_hist"][k - 1])
                            for r in records])
        a.hist(s, bins=np.arange(s.min(), s.max() + 2) - 0.5, density=True,
               histtype="stepfilled", alpha=0.5, color=colour)
    if significant:
        a.text(0.97, 0.95, "*", transform=a.transAxes, ha="right", va="top", fontsize=14)
    a.tick_params(labelsize=6)


def plot_panel(panel, records, ax=None, path=None):
    """Draw panel ``fig3a``, ``fig3b``, ``fig3c`` or ``fig4`` from its records; save to ``path``."""
    from ..experiments import regression
    from ..experiments.mnist_training import BAND

    if panel == "fig3a":
        fig = plot_rank_histograms(records, band=BAND, ax=ax)
    elif panel == "fig3b":
        fig = plot_rank_vs_loss(records, band=BAND, ax=ax)
    elif panel == "fig3c":
        fig = plot_discretisations(records, regression.statistics(panel, records), ax=ax)
    elif panel == "fig4":
        fig = plot_test_functions(records, regression.statistics(panel, records), ax=ax)
    else:
        raise ValueError(f"unknown panel {panel!r}; expected one of {', '.join(PANELS)}")
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


def write_pngs(runs, figure=None):
    """Write the PNG of every reproduced panel (``{panel: PanelRun}``); return the paths."""
    import pathlib

    written = []
    for run in runs.values():
        plot_panel(run.panel, run.records, path=run.png)
        written.append(pathlib.Path(run.png))
    return written


def __dir__():  # dir() shows the public names only
    return __all__
