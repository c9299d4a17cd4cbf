"""Pictures of a :class:`~topodestruct.analysis.represent.Representation` and paper Figure 1.

Every picture colours by rank with one colour per rank (the same in every
panel of a figure) and a legend; a panel whose data were not computed is not
drawn (no empty axes); titles show the exact image homology where it was
computed and the persistent reading only where it was not.
"""
import numpy as np

__all__ = ["classical_mds", "plot_ranks", "plot_image", "plot_barcode", "plot_representation",
           "summary_title", "figure1", "FIGURE1_SEED"]

# mlp([2, 3, 2], kaiming) seed of Figure 1A/B: all three ranks occur at layers 1 and 2
FIGURE1_SEED = 13


def _axes(ax, projection=None):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 4.5), layout="constrained")
    return fig, fig.add_subplot(111, projection=projection)


def classical_mds(Y, dim=2):
    """Classical (Torgerson) MDS of points ``Y`` into ``dim`` dimensions (= PCA scores)."""
    Y = np.asarray(Y, dtype=np.float64)
    Yc = Y - Y.mean(axis=0)
    U, s, _ = np.linalg.svd(Yc, full_matrices=False)
    out = U[:, :dim] * s[:dim]
    return np.pad(out, ((0, 0), (0, max(0, dim - out.shape[1]))))


def _rank_colour(rank, top):
    from matplotlib import colormaps

    return colormaps["plasma"](0.1 + 0.8 * rank / max(int(top), 1))


def _rank_colours(ranks, top):
    return [_rank_colour(r, top) for r in np.asarray(ranks).tolist()]


def _rank_legend(ax, ranks, top, title):
    """A legend entry ``rank r (count)`` for every rank present, in the scatter's colours."""
    from matplotlib.lines import Line2D

    values, counts = np.unique(np.asarray(ranks), return_counts=True)
    handles = [Line2D([], [], ls="", marker="o", ms=6, color=_rank_colour(v, top),
                      label=f"rank {v} ({c})") for v, c in zip(values.tolist(), counts.tolist())]
    ax.legend(handles=handles, title=title, fontsize=7, title_fontsize=7, loc="best",
              framealpha=0.8)


def _top_rank(rep):
    return int(np.max(rep.ranks)) if len(rep.ranks) else 1


def _edges(ax, P, edges):
    """Light grey segments between rows of ``P`` (a curve's edges: its shape at a glance)."""
    from matplotlib.collections import LineCollection

    ax.add_collection(LineCollection(P[np.asarray(edges)][:, :, :2], colors="0.75",
                                     linewidths=0.8, zorder=1))


def plot_ranks(rep, ax=None):
    """The labelled complex in its input coordinates, coloured by rank.

    A point cloud is drawn through the complex built on it.  Simplices are
    drawn at their centroids (first two or three coordinates), vertices at
    their places; for a curve its edges are drawn too.  The legend counts
    each rank.
    """
    C = rep.complex
    if C is None or C.coordinates is None:
        raise ValueError("the representation holds no complex with coordinates")
    X = C.coordinates
    three = X.shape[1] >= 3
    fig, ax = _axes(ax, "3d" if three else None)
    top = _top_rank(rep)
    P = X[C.simplices(C.dimension)].mean(axis=1) if rep.labels == "simplices" else X
    what = {"simplices": "pieces (centroids)", "vertices": "vertices"}[rep.labels]
    if not three and C.dimension == 1:
        _edges(ax, X, np.searchsorted(C.vertices, C.simplices(1)))
    ranks = np.asarray(rep.ranks)
    low = ranks < ranks.max()
    for part, faint in ((~low, three and low.any()), (low, False)):   # low ranks on top
        Q = P[part]
        style = dict(c=_rank_colours(ranks[part], top), alpha=0.4 if faint else 1.0,
                     s=(4 if faint else 5) if three else 8, zorder=2)
        ax.scatter(*(Q[:, i] for i in range(3 if three else 2)), **style)
    if three:
        ax.set_zlabel("$x_3$")
    else:
        ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"input: rank at layer {rep.layer} ({rep.rank})", fontsize=10)
    _rank_legend(ax, rep.ranks, top, what)
    return fig


def _image_points(rep):
    """``(Y, ranks, edges)``: the image of the vertices, each one's lowest rank."""
    R, C = rep.refinement, rep.complex
    if R is not None:
        Y = R.values(rep.layer)
        vr = np.full(len(Y), np.iinfo(np.int64).max)
        tops = C.simplices(C.dimension)
        for i in range(tops.shape[1]):
            np.minimum.at(vr, tops[:, i], rep.ranks)
        edges = C.simplices(1) if C.dimension == 1 else None
        return np.asarray(Y, dtype=np.float64), vr, edges
    if rep.point_images is not None:
        return np.asarray(rep.point_images, dtype=np.float64), np.asarray(rep.ranks), None
    return None, None, None


def plot_image(rep, ax=None, color_by_rank=True):
    """The image ``Phi^K`` of the vertices, by classical MDS, coloured by lowest rank.

    An image in at most two dimensions is drawn in its own coordinates.
    Without a refinement or stored vertex images there is nothing to draw:
    ValueError.
    """
    Y, vr, edges = _image_points(rep)
    if Y is None:
        raise ValueError("no image to draw: it needs the exact refinement or the vertex "
                         "route's images of the vertices")
    fig, ax = _axes(ax)
    n = Y.shape[1]
    Z = Y if n <= 2 else classical_mds(Y)
    Z = np.pad(Z, ((0, 0), (0, 2 - Z.shape[1])))
    if edges is not None:
        _edges(ax, Z, edges)
    top = _top_rank(rep)
    ax.scatter(Z[:, 0], Z[:, 1], c=_rank_colours(vr, top) if color_by_rank else "k", s=6,
               zorder=2)
    if n <= 2:
        ax.set_xlabel("$y_1$")
        ax.set_ylabel("$y_2$" if n == 2 else "")
        ax.set_title(f"image at layer {rep.layer} (in $R^{n}$)", fontsize=10)
    else:
        ax.set_xlabel("MDS 1")
        ax.set_ylabel("MDS 2")
        ax.set_title(f"image at layer {rep.layer} (MDS of $R^{{{n}}}$)", fontsize=10)
    if color_by_rank:
        _rank_legend(ax, vr, top, "lowest rank at the vertex")
    return fig


def plot_barcode(rep, ax=None):
    """Barcode of the image's persistent homology with the reading threshold.

    ValueError where the persistent estimate was not computed.
    """
    pb = _barcode(rep)
    if pb is None:
        raise ValueError("no persistent estimate of the image (estimate=None or 'knn')")
    fig, ax = _axes(ax)
    stop = 2 * pb.threshold
    bars = sorted((b for b in pb.bars if min(b[2], stop) - b[1] > 1e-3 * stop),
                  key=lambda b: (b[0], b[1]))
    if bars:
        d, b, e = (np.array(x, dtype=float) for x in zip(*bars))
        ax.hlines(np.arange(len(bars)), b, np.minimum(e, stop),
                  colors=[f"C{int(k)}" for k in d], lw=1.5)
        for k in sorted(set(d.astype(int).tolist())):
            ax.plot([], [], color=f"C{k}", lw=2, label=f"$H_{k}$ bars")
    ax.axvline(pb.threshold, color="k", ls="--", lw=0.8, label="reading threshold")
    ax.set_xlabel("scale")
    ax.set_ylabel("bar")
    ax.set_yticks([])
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4,
              frameon=False)
    ax.set_title(f"estimate, persistent: Betti {pb.betti}", fontsize=10)
    return fig


def summary_title(rep):
    """One line: input -> rank-source prediction, the quotient by both sources, the image.

    The image is the exact homology where it was computed, else the
    persistent reading, else "not computed".
    """
    parts = [f"input {_hom(rep.input)}", f"predicted (rank) {_hom(rep.predicted)}"]
    if rep.quotient is not None:
        parts.append(f"quotient (rank + overlap) {rep.quotient}")
    if rep.image_homology is not None:
        parts.append(f"image (exact) {rep.image_homology}")
    elif rep.estimate is not None and rep.estimate.betti is not None:
        parts.append(f"estimate ({rep.estimate.method}) Betti {rep.estimate.betti}")
    else:
        parts.append("image not computed")
    return "   |   ".join(parts)


def _hom(H):
    return str(H) if hasattr(H, "group") else f"Betti {H.betti}"


def _barcode(rep):
    """The persistent estimate's barcode (PersistentBetti), or None."""
    est = rep.estimate
    return None if est is None or est.method != "persistent" else est.detail


def _panels(rep):
    panels = []
    if rep.complex is not None:
        panels.append("ranks")
    if _image_points(rep)[0] is not None:
        panels.append("image")
    if _barcode(rep) is not None:
        panels.append("barcode")
    return panels


def plot_representation(rep, fig=None, title=None):
    """Side by side: ranks on the input, the image, the barcode; only the panels computed.

    The title (default :func:`summary_title`) shows the exact image homology
    where it was computed.
    """
    from matplotlib.figure import Figure

    panels = _panels(rep)
    if fig is None:
        fig = Figure(figsize=(4.9 * max(len(panels), 1), 4.7), layout="constrained")
    three = rep.complex is not None and rep.complex.coordinates.shape[1] >= 3
    draw = {"ranks": plot_ranks, "image": plot_image, "barcode": plot_barcode}
    for i, name in enumerate(panels, start=1):
        ax = fig.add_subplot(1, len(panels), i,
                             projection="3d" if name == "ranks" and three else None)
        draw[name](rep, ax)
    fig.suptitle(title or summary_title(rep), fontsize=10)
    return fig


def figure1(random_state=FIGURE1_SEED):
    """Paper Figure 1 (A-D) as four figures ``{"A": fig, ...}``.

    A: polytope decomposition at layers 1 and 2 of a 2-3-2 network (seed
    ``random_state``); B: its rank decomposition at layer 2; C: a circle (the
    3-arc construction) with its ranks and its image, the prediction and the
    exact image homology; D: the same for a torus (meridian band).
    """
    from matplotlib.figure import Figure

    from ..analysis.represent import analyze
    from ..relu import constructions, networks, polytopes

    net = networks.mlp([2, 3, 2], random_state=random_state)
    pd = polytopes.polytope_decomposition(net, box=3)
    figs = {}
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    for k in (1, 2):
        polytopes.plot_regions(pd, color_by="codeword", layer=k, ax=fig.add_subplot(1, 2, k),
                               title=f"A: linear regions, codewords of layer {k}")
    figs["A"] = fig
    fig = Figure(figsize=(6, 4.5), layout="constrained")
    polytopes.plot_regions(pd, color_by="rank", layer=2, ax=fig.add_subplot(111),
                           title="B: rank decomposition, layer 2")
    figs["B"] = fig
    for key, what, (n, K) in (
            ("C", "a circle through one layer", constructions.circle_arcs(3)),
            ("D", "a torus through one layer",
             constructions.torus_band("meridian", resolution=12, n_units=16))):
        rep = analyze(n, K, layer=1, estimate=None, exact=True)
        figs[key] = plot_representation(rep, title=f"{key}: {what}\n{summary_title(rep)}")
    return figs
