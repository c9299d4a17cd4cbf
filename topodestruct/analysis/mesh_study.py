"""Resolution and scale studies: exact and stable image homology as the complex changes.

A triangulation of a smooth manifold is an approximation: its exact image
homology is that of the polyhedron, and classes smaller than the mesh as mapped
by the layer may be features of the mesh rather than of the network.
:func:`mesh_study` runs the exact route (:mod:`.depth_routes`) on several
triangulations of the same space and tabulates, per resolution and layer, the
exact Betti numbers, the stable ones (classes larger than the mapped mesh,
:mod:`topodestruct.geometry.sizes`) and the size of the largest unstable class; what agrees across
resolutions is a property of the network acting on the space.  A point cloud
has no triangulation of its own: :func:`scale_study` does the same with the
complexes built on the points at several scales (alpha radii, by default;
:func:`~topodestruct.topology.point_clouds.point_complex`), each row recording
its scale and the homology of the complex itself.

Examples
--------
>>> import topodestruct as td
>>> net = td.networks.mlp([2, 4, 3], init="kaiming", random_state=0)
>>> study = td.mesh_study(net, [td.complexes.disk(n) for n in (6, 10)])
>>> [row["layer"] for row in study.rows]
[1, 2, 1, 2]
>>> study.stable_agrees()
{1: True, 2: True}
"""
import dataclasses

import numpy as np

__all__ = ["MeshStudy", "mesh_study", "scale_study", "scale_complexes"]

# what varies across a study -> the plot's x axis and the table's first column
_AXES = {"resolutions": ("triangulation", "mesh"), "scales": ("scale of the complex", "complex")}
# complex on points -> the name of its scale in labels and reports
_SCALE_NAMES = {"alpha": "r", "rips": "edge", "knn": "hops"}


@dataclasses.dataclass
class MeshStudy:
    """Exact and stable image homology per triangulation (or scale) and layer.

    Attributes
    ----------
    rows : list of dict
        One per (triangulation, layer): ``mesh`` (index in the input list),
        ``label``, ``n_simplices`` (of the input), ``input_homology`` (Betti
        numbers of the complex itself), ``layer``, ``pieces``, ``predicted``,
        ``quotient``, ``image_homology``, ``image_stable``, ``resolution``
        (largest image of a simplex), ``image_sizes``; in a scale study also
        ``complex`` and ``scale``.
    labels : list of str
    across : {"resolutions", "scales"}
        What varies from one complex to the next (:func:`mesh_study`,
        :func:`scale_study`): the words of the table and the plot.
    """

    rows: list
    labels: list
    across: str = "resolutions"

    def layers(self):
        return sorted({r["layer"] for r in self.rows})

    def _agrees(self, key):
        return self._agrees_values(key)

    def _agrees_values(self, key):
        out = {}
        for layer in self.layers():
            values = [r[key] for r in self.rows if r["layer"] == layer]
            out[layer] = None if any(v is None for v in values) else \
                len({tuple(v) for v in values}) == 1
        return out

    def exact_agrees(self):
        """Per layer: the exact image homology is the same at every resolution."""
        return self._agrees("image_homology")

    def stable_agrees(self):
        """Per layer: the stable Betti numbers are the same at every resolution (None where
        some resolution left them undecided)."""
        out = self._agrees_values("image_stable")
        return out

    def to_dict(self):
        return {"labels": list(self.labels), "across": self.across,
                "rows": [dict(r) for r in self.rows]}

    def __str__(self):
        head = f"{_AXES[self.across][1]:<14} {'input':<10} {'layer':>5} {'pieces':>7}  " \
               f"{'exact image':<14} {'stable':<12} " \
               f"{'sizes (largest per dim)':<26} {'mesh as mapped':>14} {'delta':>7}"
        lines = [head]
        for r in self.rows:
            lines.append(f"{r['label']:<14} {_fmt(r['input_homology']):<10} {r['layer']:>5} "
                         f"{r['pieces']:>7}  "
                         f"{_fmt(r['image_homology']):<14} {_fmt(r['image_stable']):<12} "
                         f"{_largest(r):<26} {r['resolution']:>14.3g} {r['size_delta']:>7.2g}")
        exact, stable = self.exact_agrees(), self.stable_agrees()
        word = {True: "yes", False: "no", None: "undecided"}
        lines.append(f"agrees across {self.across}: " + ", ".join(
            f"layer {k}: exact {word[exact[k]]}, stable {word[stable[k]]}"
            for k in self.layers()))
        return "\n".join(lines)

    def plot(self, ax=None, dims=None):
        """Exact (solid) and stable (dashed) Betti numbers against the triangulation (or scale),
        per layer."""
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        layers = self.layers()
        dims = range(max(len(r["image_homology"]) for r in self.rows)) if dims is None else dims
        fig = None
        if ax is None:
            fig = Figure(figsize=(4.2 * len(layers), 4.0))
            axes = fig.subplots(1, len(layers), squeeze=False)[0]
        else:
            axes = np.atleast_1d(ax)
        x = np.arange(len(self.labels))
        for a, layer in zip(axes, layers):
            rows = [r for r in self.rows if r["layer"] == layer]
            for d, colour in zip(dims, ("C0", "C1", "C2", "C3")):
                exact = [_get(r["image_homology"], d) for r in rows]
                stable = [np.nan if r["image_stable"] is None else _get(r["image_stable"], d)
                          for r in rows]
                off = 0.06 * (d - 1)                # equal Betti numbers stay apart
                a.plot(x, np.asarray(exact, float) + off, "-o", color=colour,
                       label=f"b{d} exact")
                a.plot(x + 0.05, np.asarray(stable, float) + off, "--s", color=colour,
                       mfc="none", label=f"b{d} stable (> mapped mesh)")
            a.set_xticks(x, self.labels, rotation=30)
            a.set_xlabel(_AXES[self.across][0])
            a.set_ylabel("Betti number (offset per dimension)")
            top = max(max(_get(r["image_homology"], d) for d in dims) for r in rows)
            a.set_ylim(-0.4, top + 0.6)
            a.yaxis.set_major_locator(MaxNLocator(integer=True))
            a.set_title(f"layer {layer}")
        if fig is not None:
            handles, names = axes[0].get_legend_handles_labels()
            fig.legend(handles, names, loc="lower center", ncol=3, fontsize=7)
            fig.tight_layout(rect=(0, 0.16, 1, 1))
        else:
            axes[0].legend(fontsize=7)
        return fig if fig is not None else axes[0].figure


def _get(b, d):
    return b[d] if d < len(b) else 0


def _fmt(b):
    return "undecided" if b is None else "(" + ", ".join(str(int(x)) for x in b) + ")"


def _largest(row):
    """The largest finite size per dimension ('small' where none was resolved: every
    class of that dimension is smaller than about 4 delta, or 7.4 delta with Rips;
    :func:`~topodestruct.geometry.sizes.found_factor`)."""
    if row["image_sizes"] is None:
        return "not measured"
    out = []
    for sizes in row["image_sizes"]:
        sizes = [float(s) for s in sizes]       # read back from JSON, inf is "inf"
        finite = [s for s in sizes if np.isfinite(s) and s > 0]
        out.append(f"{max(finite):.3g}" if finite else "inf" if sizes and sizes[0] == np.inf
                   else "small" if sizes else "-")
    return " ".join(out)


def mesh_study(net, complexes, layers=None, labels=None, random_state=0):
    """Exact and stable image homology of several triangulations of one space.

    Parameters
    ----------
    net : Network or anything :func:`topodestruct.as_network` takes
    complexes : list of SimplicialComplex
        Triangulations of the same space (dimension 1 or 2, pure, with
        coordinates), e.g. ``[td.complexes.torus(r, r) for r in (8, 12, 16)]``.
    layers : list of int, optional
        1-based; default every hidden layer.
    labels : list of str, optional
        One per complex (default: its f-vector).
    random_state : int
        Seeds the certified ranks' sketch.

    Returns
    -------
    MeshStudy

    See Also
    --------
    scale_study : the same for the complexes of one point cloud at several scales.
    """
    from ..relu.network import as_network

    net = as_network(net)
    complexes = list(complexes)
    if not complexes:
        raise ValueError("mesh_study needs at least one complex")
    labels = [str(tuple(K.f_vector)) for K in complexes] if labels is None else list(labels)
    for i, K in enumerate(complexes):
        if not 1 <= K.dimension <= 2:
            raise ValueError(f"complex {i} has dimension {K.dimension}; the exact route "
                             "needs 1 or 2")
    return _study(net, complexes, layers, labels, random_state)


def _study(net, complexes, layers, labels, random_state, extra=None, across="resolutions"):
    """The rows of a study: the exact route on each complex, ``extra[i]`` added to its rows."""
    from ..topology.homology import homology
    from .depth_routes import exact_route

    layers = list(range(1, net.n_hidden + 1)) if layers is None else \
        sorted({net.check_layer(k) for k in layers})
    if len(labels) != len(complexes):
        raise ValueError(f"{len(labels)} labels for {len(complexes)} complexes")
    rows = []
    for i, (K, label) in enumerate(zip(complexes, labels)):
        out = exact_route(net, K, layers, random_state=random_state)
        head = {"mesh": i, "label": label, **(extra[i] if extra else {}),
                "n_simplices": int(K.f_vector[-1]),
                "input_homology": [int(b) for b in homology(K).betti]}
        for layer in layers:
            r = dict(out[layer])
            for key in ("predicted", "image_homology", "quotient"):   # Betti lists here
                r[key] = [int(b) for b in r[key].betti]
            rows.append({**head, "layer": layer, **r})
    return MeshStudy(rows=rows, labels=labels, across=across)


def _scale_label(complex, scale):
    """``"alpha r=0.12"``: the complex and its scale, as a study's label."""
    return f"{complex} {_SCALE_NAMES[complex]}={scale:g}"


def scale_complexes(points, scales, complex="alpha", n_neighbors=None):
    """The complexes of one point cloud at several scales, checked for a scale study.

    Parameters
    ----------
    points : (N, d) array_like
    scales : sequence of float
        Distinct positive scales: radius (alpha), longest edge (rips) or hops
        (knn), as in :func:`~topodestruct.topology.point_clouds.point_complex`.
    complex : {"alpha", "knn", "rips"}
    n_neighbors : int, optional
        Neighbours of the knn complex (default 13, as in :func:`topodestruct.profile`).

    Returns
    -------
    list of SimplicialComplex
        One per scale, in the order given.

    Raises
    ------
    ValueError
        One line: no scales, a scale that is not a positive finite number or is
        listed twice, points that are not a non-empty finite (N, d) array, or a
        complex the exact route cannot take (no edge at that scale, dimension 3,
        or not pure with a pure part of other homology). Where the complex has
        isolated points or edges in no triangle and its pure part (the closure of
        its triangles) has the same integer homology, the pure part is returned.
    TypeError
        Points that are not numbers.

    Examples
    --------
    Sixteen points on the unit circle: the 16-gon at radius 0.3; at 1.5 (beyond the
    circumradius 1 of every triangle) the triangulated disk, 14 triangles.

    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    >>> [K.f_vector for K in scale_complexes(np.c_[np.cos(t), np.sin(t)], [0.3, 1.5])]
    [(16, 16), (16, 29, 14)]
    """
    from ..topology.point_clouds import COMPLEXES, _points, point_complex

    if complex not in COMPLEXES:
        raise ValueError(f"complex must be one of {COMPLEXES}, got {complex!r}")
    X = _points(points, "points")
    scales = _check_scales(scales)
    k = 13 if n_neighbors is None else n_neighbors
    return [_exact_input(point_complex(X, complex, scale=s, k=k), _scale_label(complex, s),
                         len(X)) for s in scales]


def _check_scales(scales):
    if isinstance(scales, (str, bytes)) or not np.iterable(scales):
        raise ValueError(f"scales must be a list of positive numbers, got {scales!r}")
    scales = list(scales)
    if not scales:
        raise ValueError("scales is empty: a scale study needs at least one scale")
    for s in scales:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, float, np.integer,
                                                                  np.floating)) \
                or not np.isfinite(s) or s <= 0:
            raise ValueError(f"every scale must be a positive finite number, got {s!r}")
    if len(set(map(float, scales))) != len(scales):
        raise ValueError(f"a scale is listed twice in {scales}: list each once")
    return [float(s) for s in scales]


def _exact_input(K, label, n):
    """The complex the exact route takes (pure, dimension 1 or 2): ``K``, or its pure part
    where ``K`` has loose lower simplices and the pure part has its homology (checked
    exactly by :func:`~topodestruct.topology.operations.pure_part`; the complex then
    carries ``pure_part = True``)."""
    from ..topology.operations import pure_part

    if K.dimension < 1:
        raise ValueError(f"{label}: the complex on the {n} points has no edge (every point "
                         "isolated): choose a larger scale")
    if K.dimension > 2:
        raise ValueError(f"{label}: the complex has dimension {K.dimension}; the exact route "
                         "of a study needs dimension 1 or 2 (for points in R^3 use "
                         "complex='rips' or 'knn', whose flag complexes stop at triangles)")
    try:
        P, H = pure_part(K)
    except ValueError as err:
        raise ValueError(f"{label}: {err}; choose another scale") from None
    if H is not None:
        P.pure_part = True
    return P


def scale_study(net, points, scales, complex="alpha", layers=None, labels=None,
                n_neighbors=None, random_state=0):
    """Exact and stable image homology of one point cloud's complexes at several scales.

    The point-cloud counterpart of :func:`mesh_study`: the complex of
    ``points`` is built at each scale (as :func:`topodestruct.profile` builds
    it at one) and the exact route runs on each.  Where the complexes have the
    same homology (the row's ``input_homology``), an answer that agrees across
    scales is a property of the network acting on the cloud's shape rather
    than of one complex.

    Parameters
    ----------
    net : Network or anything :func:`topodestruct.as_network` takes
    points : (N, d) array_like
        In the network's input space.
    scales : sequence of float
        Distinct positive scales, in the order to tabulate: radius (alpha),
        longest edge (rips) or hops (knn).  Each complex must have dimension 1 or 2
        and be pure, or have a pure part of the same homology, which then stands in
        for it (label ``"... (pure part)"``, row ``pure_part``).
    complex : {"alpha", "knn", "rips"}
    layers : list of int, optional
        1-based; default every hidden layer.
    labels : list of str, optional
        One per scale (default ``"alpha r=0.12"``, ``"rips edge=0.3"``,
        ``"knn hops=2"``).
    n_neighbors : int, optional
        Neighbours of the knn complex (default 13).
    random_state : int
        Seeds the certified ranks' sketch.

    Returns
    -------
    MeshStudy
        Rows as :func:`mesh_study`'s, with ``complex`` and ``scale``; ``across == "scales"``.

    Raises
    ------
    ValueError
        One line, before anything is computed (:func:`scale_complexes`), and
        where the points' dimension is not the network's input width.

    See Also
    --------
    mesh_study, scale_complexes

    Examples
    --------
    Sixteen points on a circle under an injective layer (positive on the
    data, so ReLU does nothing): the image is a circle at both radii.

    >>> import numpy as np
    >>> import topodestruct as td
    >>> t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    >>> net = td.networks.from_weights([(np.eye(2), [2.0, 2.0])])
    >>> study = td.scale_study(net, np.c_[np.cos(t), np.sin(t)], [0.3, 0.6])
    >>> study.labels
    ['alpha r=0.3', 'alpha r=0.6']
    >>> [(row["scale"], row["image_homology"]) for row in study.rows]
    [(0.3, [1, 1]), (0.6, [1, 1])]
    >>> study.exact_agrees()
    {1: True}
    """
    from ..relu.network import as_network

    net = as_network(net)
    complexes = scale_complexes(points, scales, complex, n_neighbors)
    scales = [float(s) for s in scales]
    if complexes[0].coordinates.shape[1] != net.input_dim:
        raise ValueError(f"the points have dimension {complexes[0].coordinates.shape[1]} but "
                         f"the network expects {net.input_dim} inputs")
    pure = [getattr(K, "pure_part", False) for K in complexes]
    labels = [_scale_label(complex, s) + (" (pure part)" if p else "")
              for s, p in zip(scales, pure)] if labels is None else list(labels)
    extra = [{"complex": complex, "scale": s, "pure_part": p} for s, p in zip(scales, pure)]
    return _study(net, complexes, layers, labels, random_state, extra=extra, across="scales")
