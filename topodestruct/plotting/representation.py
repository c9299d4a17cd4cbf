"""Pictures of a :class:`~topodestruct.analysis.represent.Representation` and paper Figure 1."""
import numpy as np

__all__ = ["classical_mds", "plot_ranks", "plot_image", "plot_barcode", "plot_representation",
           "figure1"]


def _axes(ax, projection=None):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 4.5))
    return fig, fig.add_subplot(111, projection=projection)


def classical_mds(Y, dim=2):
    """Classical (Torgerson) MDS of points ``Y`` into ``dim`` dimensions (= PCA scores)."""
    Y = np.asarray(Y, dtype=np.float64)
    Yc = Y - Y.mean(axis=0)
    U, s, _ = np.linalg.svd(Yc, full_matrices=False)
    out = U[:, :dim] * s[:dim]
    return np.pad(out, ((0, 0), (0, max(0, dim - out.shape[1]))))


def _rank_colors(ranks):
    from matplotlib import colormaps

    cmap = colormaps["plasma"]
    top = max(int(np.max(ranks)), 1)
    return [cmap(0.1 + 0.8 * r / top) for r in ranks]


def plot_ranks(rep, ax=None):
    """The labelled complex in its input coordinates (first two or three), coloured by rank."""
    C = rep.complex
    X = C.coordinates
    three = X.shape[1] >= 3
    fig, ax = _axes(ax, "3d" if three else None)
    if rep.labels == "simplices":
        tops = C.simplices(C.dimension)
        P, col = X[tops].mean(axis=1), _rank_colors(rep.ranks)
    else:
        P, col = X, _rank_colors(rep.ranks)
    if three:
        ax.scatter(P[:, 0], P[:, 1], P[:, 2], c=col, s=4)
    else:
        ax.scatter(P[:, 0], P[:, 1], c=col, s=6)
        ax.set_aspect("equal")
    ax.set_title(f"ranks at layer {rep.layer} ({rep.rank})")
    return fig


def plot_image(rep, ax=None, color_by_rank=True):
    """The image ``Phi^K`` of the vertices by classical MDS, coloured by the vertex's lowest rank."""
    fig, ax = _axes(ax)
    R = rep.refinement
    C = rep.complex
    if R is not None:
        Y = R.values(rep.layer)
        vr = np.full(len(Y), 99)
        tops = C.simplices(C.dimension)
        for i in range(tops.shape[1]):
            np.minimum.at(vr, tops[:, i], rep.ranks)
    else:
        from ..analysis._network import forward, network_layers  # noqa: F401
        return fig
    Z = classical_mds(Y)
    ax.scatter(Z[:, 0], Z[:, 1], c=_rank_colors(vr) if color_by_rank else "k", s=5)
    ax.set_title(f"image at layer {rep.layer} (MDS)")
    return fig


def plot_barcode(rep, ax=None):
    """Barcode of the image with the reading threshold."""
    fig, ax = _axes(ax)
    if rep.image is None:
        ax.set_title("image skipped")
        return fig
    stop = 2 * rep.image.threshold
    bars = sorted((b for b in rep.image.bars if min(b[2], stop) - b[1] > 1e-3 * stop),
                  key=lambda b: (b[0], b[1]))
    if bars:
        d, b, e = (np.array(x, dtype=float) for x in zip(*bars))
        ax.hlines(np.arange(len(bars)), b, np.minimum(e, stop), colors=[f"C{int(k)}" for k in d],
                  lw=1.5)
    ax.axvline(rep.image.threshold, color="k", ls="--", lw=0.8)
    ax.set_xlabel("scale")
    ax.set_title(f"image barcode: Betti {rep.image.betti}")
    return fig


def plot_representation(rep, fig=None):
    """Three panels: ranks on the manifold, image by MDS, barcode."""
    from matplotlib.figure import Figure

    fig = fig or Figure(figsize=(14, 4.5))
    three = rep.complex is not None and rep.complex.coordinates.shape[1] >= 3
    a = fig.add_subplot(131, projection="3d" if three else None)
    if rep.complex is not None:
        plot_ranks(rep, a)
        plot_image(rep, fig.add_subplot(132))
    plot_barcode(rep, fig.add_subplot(133))
    fig.suptitle(f"predicted {rep.predicted}   image Betti "
                 f"{None if rep.image is None else rep.image.betti}")
    return fig


def figure1(random_state=0):
    """Paper Figure 1 (A-D) as four figures ``{"A": fig, ...}``.

    A: polytope decomposition at layers 1 and 2 of a 2-3-2 network; B: its rank
    decomposition at layer 2; C: a circle (the 3-arc construction) with its ranks, the
    image by MDS and the quotient's homology; D: the same for a torus (meridian band).
    """
    from matplotlib.figure import Figure

    from ..analysis.represent import analyze
    from ..relu import constructions, networks, polytopes

    net = networks.mlp([2, 3, 2], random_state=random_state)
    pd = polytopes.polytope_decomposition(net, box=3)
    figs = {}
    fig = Figure(figsize=(11, 4.5))
    for k in (1, 2):
        polytopes.plot_regions(pd, color_by="codeword", layer=k, ax=fig.add_subplot(1, 2, k),
                               legend=False, title=f"A: polytopes, layer {k}")
    figs["A"] = fig
    fig = Figure(figsize=(5.5, 4.5))
    polytopes.plot_regions(pd, color_by="rank", layer=2, ax=fig.add_subplot(111),
                           title="B: rank decomposition, layer 2")
    figs["B"] = fig
    for key, (n, K) in (("C", constructions.circle_arcs(3)),
                        ("D", constructions.torus_band("meridian", resolution=12,
                                                       n_units=32))):
        rep = analyze(n, K, layer=1, image=False)
        fig = Figure(figsize=(14, 4.5))
        plot_representation(rep, fig)
        fig.suptitle(f"{key}: input {rep.input}  ->  quotient {rep.predicted}")
        figs[key] = fig
    return figs
