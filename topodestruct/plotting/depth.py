"""Betti numbers against depth: one profile, or the mean and spread over many networks."""
import numpy as np

__all__ = ["plot_profile", "plot_depth_curves"]

_STYLE = {"predicted": ("rank source", "C0", "o"), "quotient": ("rank + overlap", "C3", "s"),
          "image_homology": ("exact image", "k", "D"), "image": ("Naitzat kNN", "C2", "^")}


def _axes(ax, ncols=1):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure
    fig = Figure(figsize=(5.5, 3.4))
    return fig, fig.add_subplot(1, 1, 1)


def plot_profile(profile, ax=None, dims=None):
    """Betti numbers of each column of a :class:`Profile` against the layer.

    Parameters
    ----------
    profile : Profile
    ax : matplotlib Axes, optional
    dims : iterable of int, optional
        Homology dimensions (default: all reported); line style per dimension.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _axes(ax)
    layers = [r["layer"] for r in profile.rows]
    dims = range(profile.info.get("max_dim", 1) + 1) if dims is None else dims
    styles = ["-", "--", ":"]
    for key, (label, color, marker) in _STYLE.items():
        for q in dims:
            y = profile.column(key, q)
            if np.isnan(y).all():
                continue
            ax.plot(layers, y, styles[q % 3], color=color, marker=marker, ms=4,
                    label=f"b{q} {label}", alpha=0.8)
    ax.set_xlabel("layer (0 = input)")
    ax.set_ylabel("Betti number")
    ax.set_xticks(layers)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    return fig


def plot_depth_curves(curves, ax=None, title=None):
    """Mean Betti number against depth with the spread over networks, per method.

    Parameters
    ----------
    curves : dict
        ``label -> (n_networks, n_layers) array`` (NaN where not computed).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _axes(ax)
    for i, (label, values) in enumerate(curves.items()):
        v = np.asarray(values, dtype=float)
        if v.size == 0 or np.isnan(v).all():
            continue
        x = np.flatnonzero(~np.isnan(v).all(0))   # layers where the method has values
        v = v[:, x]
        mean = np.nanmean(v, 0)
        lo, hi = np.nanpercentile(v, 25, 0), np.nanpercentile(v, 75, 0)
        ax.plot(x, mean, "-o", color=f"C{i}", ms=3, label=label)
        ax.fill_between(x, np.nanmin(v, 0), np.nanmax(v, 0), color=f"C{i}", alpha=0.08)
        ax.fill_between(x, lo, hi, color=f"C{i}", alpha=0.25)
    ax.set_xlabel("layer (0 = input)")
    ax.set_ylabel("Betti number (mean; IQR and range)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return fig
