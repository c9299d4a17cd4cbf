"""Figure 2 of the paper drawn from stored sweep records (one panel, or all four side by side).

The numbers come from :mod:`topodestruct.experiments.fig2`; these functions only
draw them.  Convention of :mod:`topodestruct.plotting`: ``ax=None`` makes a new
``matplotlib.figure.Figure`` (no pyplot, the backend is never changed), the
figure is returned, and ``path=`` also writes it as PNG.

Examples
--------
>>> from topodestruct.experiments import fig2
>>> records = fig2.load_panel("fig2d", "results")   # doctest: +SKIP
>>> plot_panel("fig2d", records, path="fig2d.png")  # doctest: +SKIP
<Figure size 450x360 with 1 Axes>
"""
import pathlib

from ..experiments.fig2 import PANELS, WIDTHS, aggregate, mixed_range

__all__ = ["plot_panel", "plot_figure2", "write_pngs"]


# the paper's colours: blue, light blue, orange, light orange, green, light green
_PAIRED = ["#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a"]


def _colour(value):
    return _PAIRED[WIDTHS.index(value) % 6] if value in WIDTHS else None


def plot_panel(panel, records, ax=None, path=None):
    """Draw one Figure 2 panel in the paper's layout.

    Parameters
    ----------
    panel : {"fig2a", "fig2b", "fig2c", "fig2d"}
    records : list of dict
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    path : str or os.PathLike, optional
        Write the (new) figure as PNG there.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax`` (or the new one).
    """
    from matplotlib.figure import Figure

    curves = aggregate(panel, records)
    if ax is None:
        ax = Figure(figsize=(4.5, 3.6), layout="constrained").add_subplot()
    _PLOTTERS[panel](ax, curves)
    ax.set_title({"fig2a": "A", "fig2b": "B", "fig2c": "C", "fig2d": "D"}[panel], loc="left",
                 fontweight="bold")
    if path is not None:
        pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        ax.figure.savefig(path, dpi=150)
    return ax.figure


def _plot_2a(ax, curves):
    for m, c in curves.items():
        col = _colour(m)
        ax.plot(c.x, c.mean_min, "o-", color=col, label=f"m={m}")
        ax.axhline(m, color=col, ls="--", lw=1)
    ax.plot([], [], color="0.4", ls="--", lw=1, label="full rank m")
    ax.set_xscale("log")
    ax.set_xlabel("output width $n_1$")
    ax.set_ylabel("mean minimum rank")
    ax.legend(fontsize="small", loc="upper left")


def _plot_2b(ax, curves):
    for n1, c in curves.items():
        ax.plot(c.x, c.mean_min, "o-", ms=3, color=_colour(n1), label=f"$n_1$={n1}")
    ax.axhline(10, color="black", lw=1.5, label="m=10")
    ax.set_xlabel(r"weight mean $\mu$ ($\sigma$ = 0.1)")
    ax.set_ylabel("mean minimum rank")
    ax.legend(fontsize="small")


def _plot_2c(ax, curves):
    cols = {25: "c", 50: "tab:orange"}
    for m, c in curves.items():
        ax.plot(c.x, c.mean_min, "o-", ms=3, color=cols.get(m), label=f"m={m}")
        ax.plot(c.x, c.bound, "k-", lw=1)
    ax.plot([], [], "k-", lw=1, label="min(k, $n_1$-k, m)")
    ax.set_xlabel("k of R(k, $n_1$)")
    ax.set_ylabel("minimum rank")
    ax.legend(fontsize="small")


def _plot_2d(ax, curves):
    (m, c), = curves.items()
    mixed = mixed_range(c)
    if mixed.size:
        ax.axvspan(mixed.min(), mixed.max(), color="purple", alpha=0.25,
                   label="destructive and preserving")
    ax.plot(c.x, c.mean_min, "o-", ms=3, color="tab:blue", label="minimum rank")
    ax.plot(c.x, c.mean_max, "o-", ms=3, color="tab:red", label="maximum rank")
    ax.axhline(m, color="gray", ls="--", lw=1, label=f"full rank m = {m}")
    ax.set_xlabel("k of R(k, m) (excitatory inputs)")
    ax.set_ylabel("rank")
    ax.legend(fontsize="small")


_PLOTTERS = {"fig2a": _plot_2a, "fig2b": _plot_2b, "fig2c": _plot_2c, "fig2d": _plot_2d}


def plot_figure2(records_by_panel, path=None):
    """All available panels side by side (2 x 2), as in the paper's Figure 2.

    Parameters
    ----------
    records_by_panel : dict
        ``{panel: records}``; missing panels are left blank.
    path : str or os.PathLike, optional
        Write the figure as PNG there.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 8), layout="constrained")
    for ax, panel in zip(fig.subplots(2, 2).ravel(), PANELS):
        if records_by_panel.get(panel):
            plot_panel(panel, records_by_panel[panel], ax=ax)
        else:
            ax.set_axis_off()
    if path is not None:
        pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=150)
    return fig


def write_pngs(runs, figure=None):
    """Write the PNG of every reproduced panel and, for a whole figure, the combined one.

    Parameters
    ----------
    runs : dict
        ``{panel: PanelRun}`` from :func:`topodestruct.experiments.reproduce`;
        each PNG goes to its ``png`` path.
    figure : str, optional
        ``"fig2"``: also write all panels side by side, next to the panels'
        PNGs as ``fig2[-quick].png``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    written = []
    for run in runs.values():
        plot_panel(run.panel, run.records, path=run.png)
        written.append(pathlib.Path(run.png))
    if figure is not None:
        first = next(iter(runs.values()))
        path = pathlib.Path(first.png).parent / (figure + ("-quick" if first.quick else "") + ".png")
        plot_figure2({p: r.records for p, r in runs.items()}, path=path)
        written.append(path)
    return written


def __dir__():  # dir() shows the public names only
    return __all__
