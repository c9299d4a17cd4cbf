"""Drawing embedded simplicial complexes (edges and triangles) with highlighted subcomplexes."""
import numpy as np

__all__ = ["plot_complex", "new_axes"]


def new_axes(ax=None, three_d=False, figsize=(5, 4)):
    """The given axes, or new ones on a fresh ``matplotlib.figure.Figure`` (no pyplot, no backend change).

    Examples
    --------
    >>> ax = new_axes()
    >>> type(ax.figure).__name__
    'Figure'
    """
    if ax is not None:
        return ax
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig.add_subplot(projection="3d" if three_d else None)


def plot_complex(K, highlight=(), ax=None, path=None, title=None):
    """Draw a 2D or 3D embedded complex (edges and triangles), subcomplexes highlighted.

    Parameters
    ----------
    K : SimplicialComplex with ``coordinates`` (2 or 3 columns)
    highlight : sequence of SimplicialComplex
        Subcomplexes of ``K`` drawn in colour on top (edges thick, vertices marked).
    ax : matplotlib Axes, optional
        Created (3D if needed) on a new figure when omitted.
    path : str, optional
        If given, the figure is saved there as a PNG.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from topodestruct.topology.spaces import torus
    >>> fig = plot_complex(torus(4, 4))
    >>> len(fig.axes)
    1
    """
    if K.coordinates is None or K.coordinates.shape[1] not in (2, 3):
        raise ValueError("K needs 2D or 3D vertex coordinates to be plotted")
    dim3 = K.coordinates.shape[1] == 3
    ax = new_axes(ax, three_d=dim3)
    pos = {v: p for v, p in zip(K.vertices.tolist(), K.coordinates)}

    def segments(L):
        return [[pos[a], pos[b]] for a, b in L.simplices(1).tolist()]
    if dim3:
        from mpl_toolkits.mplot3d.art3d import Line3DCollection, Poly3DCollection
        tris = [[pos[v] for v in t] for t in K.simplices(2).tolist()]
        ax.add_collection3d(Poly3DCollection(tris, facecolor="0.85", edgecolor="0.6",
                                             linewidth=0.3, alpha=0.5))
        ax.add_collection3d(Line3DCollection(segments(K), colors="0.5", linewidths=0.3))
        lim = np.abs(K.coordinates).max()
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), zlim=(-lim, lim))
    else:
        from matplotlib.collections import LineCollection, PolyCollection
        tris = [[pos[v] for v in t] for t in K.simplices(2).tolist()]
        ax.add_collection(PolyCollection(tris, facecolor="0.85", edgecolor="0.6", linewidth=0.3))
        ax.add_collection(LineCollection(segments(K), colors="0.5", linewidths=0.5))
        ax.set_aspect("equal")
        ax.autoscale()
    for i, A in enumerate(highlight):
        colour = f"C{i}"
        coll = segments(A)
        if dim3:
            ax.add_collection3d(Line3DCollection(coll, colors=colour, linewidths=2.5))
            ax.scatter(*A.coordinates.T, color=colour, s=12)
        else:
            ax.add_collection(LineCollection(coll, colors=colour, linewidths=2.5))
            ax.scatter(*A.coordinates.T, color=colour, s=12, zorder=3)
    if title:
        ax.set_title(title)
    if path is not None:
        ax.figure.savefig(path, dpi=100, bbox_inches="tight")
    return ax.figure


def __dir__():  # dir() shows the public names only
    return __all__
