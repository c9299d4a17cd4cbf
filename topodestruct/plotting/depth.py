"""Betti numbers against depth: the picture of a :class:`~topodestruct.analysis.profile.Profile`.

One panel per Betti number (b0 and b1 never share axes, so equal values do
not hide each other); within a panel each method has its own colour, marker
and line style and a small horizontal offset, so methods that agree stay
visible side by side.  A method that was not computed beyond the input has no
line and no legend entry.

Examples
--------
>>> import numpy as np, topodestruct as td
>>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
>>> prof = td.profile([(np.eye(2), np.array([0.0, 5.0]))], np.c_[np.cos(t), np.sin(t)],
...                   complex="knn", scale=1, n_neighbors=2, estimate_scale=1)
>>> fig = plot_profile(prof)
>>> [ax.get_title() for ax in fig.axes]
['b0', 'b1']
"""
import numpy as np

__all__ = ["plot_profile", "STYLE"]

# column -> (legend label, colour, marker, line style, horizontal offset)
STYLE = {"predicted": ("rank source (prediction)", "C0", "o", "-", -0.09),
         "quotient": ("rank + overlap sources (quotient)", "C3", "s", "--", -0.03),
         "image_homology": ("exact image homology", "k", "D", ":", 0.03),
         "estimate": ("estimate (Naitzat kNN)", "C2", "^", "-.", 0.09)}


def _computed(prof, key):
    """Whether a column has a value at some layer >= 1 (layer 0 is the input for all)."""
    return not np.isnan(prof.column(key, 0)[1:]).all()


def plot_profile(prof, ax=None, dims=None, title=None):
    """Betti numbers of each computed column against the layer, one panel per dimension.

    Parameters
    ----------
    prof : Profile
    ax : sequence of matplotlib Axes, optional
        One per dimension; a new figure if omitted.
    dims : iterable of int, optional
        Betti numbers to draw (default ``0..max_dim``).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import MaxNLocator

    dims = list(range(prof.info.get("max_dim", 1) + 1) if dims is None else dims)
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(4.2 * len(dims), 3.6), layout="constrained")
        axes = list(np.ravel(fig.subplots(1, len(dims), squeeze=False)))
    else:
        axes = list(np.ravel(ax))
        if len(axes) != len(dims):
            raise ValueError(f"expected {len(dims)} axes (one per dimension), got {len(axes)}")
        fig = axes[0].figure
    layers = np.array([r["layer"] for r in prof.rows], dtype=float)
    keys = [k for k in STYLE if _computed(prof, k)]
    est = (prof.info.get("estimate") or {}).get("method")
    for a, q in zip(axes, dims):
        top = 1.0
        for key in keys:
            label, colour, marker, ls, dx = STYLE[key]
            if key == "estimate" and est == "persistent":
                label = "estimate (persistent)"
            y = prof.column(key, q)
            a.plot(layers + dx, y, ls=ls, color=colour, marker=marker, ms=5, lw=1.3,
                   alpha=0.85, label=label)
            top = max(top, np.nanmax(y, initial=0.0))
        a.set_title(f"b{q}")
        a.set_xlabel("layer (0 = input)")
        a.set_xticks(layers)
        a.set_ylim(-0.4, top + 0.4 + 0.05 * top)       # 0 always shown: a vanished b_q
        a.yaxis.set_major_locator(MaxNLocator(integer=True))
        a.grid(alpha=0.3)
    axes[0].set_ylabel("Betti number")
    if keys:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
                   ncol=min(len(keys), 2), fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def __dir__():  # dir() shows the public names only
    return __all__
