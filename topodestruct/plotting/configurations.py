"""Drawing the appendix 7.2 configurations: pieces of Ω_0 coloured by kind on their surface."""
import numpy as np

from ..paper.configurations import Configuration
from .complexes import new_axes

__all__ = ["plot_configuration", "plot_configurations"]

_COLOURS = {"arc": "tab:red", "whole": "tab:red", "disk": "tab:red", "null_loop": "tab:orange",
            "meridian": "tab:blue", "longitude": "tab:green", "fibre": "tab:blue",
            "one_sided_loop": "tab:purple", "mobius_boundary": "tab:green"}


def _rows(K, ids):
    return np.searchsorted(K.vertices, ids)


def _draw(config, ax, flat):
    K = config.complex
    if config.space == "circle":
        xy = K.coordinates
        for e in K.simplices(1):
            ax.plot(*xy[_rows(K, e)].T, color="0.8", lw=1)
        for p in config.pieces:
            P = K.full_subcomplex(p.vertices)
            for e in P.simplices(1):
                ax.plot(*xy[_rows(K, e)].T, color=_COLOURS[p.kind], lw=3)
            ax.scatter(*xy[_rows(K, p.vertices)].T, color=_COLOURS[p.kind], s=12, zorder=3)
        ax.set_aspect("equal")
        ax.set_axis_off()
        return
    if flat:
        if config.grid_shape is None:
            raise ValueError("flat drawing needs a grid surface (torus or Klein bottle)")
        M = config.grid_shape[1]
        ij = np.stack([K.vertices // M, K.vertices % M], 1).astype(float)
        for p in config.pieces:
            P = K.full_subcomplex(p.vertices)
            for e in P.simplices(1):
                a, b = ij[_rows(K, e)]
                if np.abs(a - b).max() <= 1:          # skip edges that wrap around
                    ax.plot([a[0], b[0]], [a[1], b[1]], color=_COLOURS[p.kind], lw=2.5)
            ax.scatter(*ij[_rows(K, p.vertices)].T, color=_COLOURS[p.kind], s=8, zorder=3)
        ax.set_xlabel("i")
        ax.set_ylabel("j")
        ax.set_aspect("equal")
        return
    xyz = K.coordinates
    tri = _rows(K, K.simplices(2))
    ax.plot_trisurf(*xyz.T, triangles=tri, color="0.85", alpha=0.35, linewidth=0.1,
                    edgecolor="0.6")
    for p in config.pieces:
        P = K.full_subcomplex(p.vertices)
        for e in P.simplices(1):
            ax.plot(*xyz[_rows(K, e)].T, color=_COLOURS[p.kind], lw=2.5)
    lim = np.abs(xyz).max()
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_zlim(-lim, lim)
    ax.set_box_aspect((1, 1, 1))
    ax.set_axis_off()


def plot_configuration(config, path=None, ax=None, flat=None, title=None):
    """Draw a configuration with its pieces coloured by kind; optionally write a PNG.

    Circle: in the plane. Torus and sphere: the 3D embedding. Klein bottle: the
    fundamental square (grid coordinates i, j), since its R^3 picture self-intersects.

    Parameters
    ----------
    config : Configuration
    path : str or path-like, optional
        Write the figure there as PNG (Agg backend).
    ax : matplotlib Axes, optional
        Draw into it (3D axes for torus and sphere unless ``flat``).
    flat : bool, optional
        Draw grid surfaces in the (i, j) square. Default: only the Klein bottle.
    title : str, optional
        Default: the configuration's name.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(config, Configuration):
        raise TypeError(f"expected a Configuration, got {type(config).__name__}")
    flat = (config.space == "klein_bottle") if flat is None else bool(flat)
    ax = new_axes(ax, three_d=config.space != "circle" and not flat, figsize=(4, 4))
    fig = ax.figure
    _draw(config, ax, flat)
    ax.set_title(config.name if title is None else title, fontsize=8)
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def plot_configurations(configs, path=None, ncols=3, flat=None):
    """Several configurations side by side in one figure (PNG if ``path``)."""
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    configs = list(configs)
    nrows = -(-len(configs) // ncols)
    fig = Figure(figsize=(3.2 * ncols, 3.2 * nrows))
    FigureCanvasAgg(fig)
    for k, cfg in enumerate(configs):
        fl = (cfg.space == "klein_bottle") if flat is None else flat
        ax = fig.add_subplot(nrows, ncols, k + 1,
                             projection=None if cfg.space == "circle" or fl else "3d")
        plot_configuration(cfg, ax=ax, flat=fl)
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def __dir__():  # dir() shows the public names only
    return __all__
