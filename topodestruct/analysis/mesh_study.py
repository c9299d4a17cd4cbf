"""Resolution studies: the exact and stable image homology of one space triangulated ever finer.

A triangulation of a smooth manifold is an approximation: its exact image
homology is that of the polyhedron, and classes smaller than the mesh as mapped
by the layer may be features of the mesh rather than of the network.
:func:`mesh_study` runs the exact route (:mod:`.depth_routes`) on several
triangulations of the same space and tabulates, per resolution and layer, the
exact Betti numbers, the stable ones (classes larger than the mapped mesh,
:mod:`topodestruct.geometry.sizes`) and the size of the largest unstable class; what agrees across
resolutions is a property of the network acting on the space.

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

__all__ = ["MeshStudy", "mesh_study"]


@dataclasses.dataclass
class MeshStudy:
    """Exact and stable image homology per triangulation and layer.

    Attributes
    ----------
    rows : list of dict
        One per (triangulation, layer): ``mesh`` (index in the input list),
        ``label``, ``n_simplices`` (of the input), ``layer``, ``pieces``,
        ``predicted``, ``quotient``, ``image_homology``, ``image_stable``,
        ``resolution`` (largest image of a simplex), ``image_sizes``.
    labels : list of str
    """

    rows: list
    labels: list

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
        return {"labels": list(self.labels), "rows": [dict(r) for r in self.rows]}

    def __str__(self):
        head = f"{'mesh':<14} {'layer':>5} {'pieces':>7}  {'exact image':<14} {'stable':<12} " \
               f"{'sizes (largest per dim)':<26} {'mesh as mapped':>14} {'delta':>7}"
        lines = [head]
        for r in self.rows:
            lines.append(f"{r['label']:<14} {r['layer']:>5} {r['pieces']:>7}  "
                         f"{_fmt(r['image_homology']):<14} {_fmt(r['image_stable']):<12} "
                         f"{_largest(r):<26} {r['resolution']:>14.3g} {r['size_delta']:>7.2g}")
        exact, stable = self.exact_agrees(), self.stable_agrees()
        word = {True: "yes", False: "no", None: "undecided"}
        lines.append("agrees across resolutions: " + ", ".join(
            f"layer {k}: exact {word[exact[k]]}, stable {word[stable[k]]}"
            for k in self.layers()))
        return "\n".join(lines)

    def plot(self, ax=None, dims=None):
        """Exact (solid) and stable (dashed) Betti numbers against the triangulation, per layer."""
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
            a.set_xlabel("triangulation")
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
    """The largest finite size per dimension ('<delta' where none was resolved)."""
    if row["image_sizes"] is None:
        return "not measured"
    out = []
    for sizes in row["image_sizes"]:
        finite = [s for s in sizes if np.isfinite(s) and s > 0]
        out.append(f"{max(finite):.3g}" if finite else "inf" if sizes and sizes[0] == np.inf
                   else "<delta" if sizes else "-")
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
    """
    from ..relu.network import as_network
    from .depth_routes import exact_route

    net = as_network(net)
    complexes = list(complexes)
    if not complexes:
        raise ValueError("mesh_study needs at least one complex")
    layers = list(range(1, net.n_hidden + 1)) if layers is None else \
        sorted({net.check_layer(k) for k in layers})
    labels = [str(tuple(K.f_vector)) for K in complexes] if labels is None else list(labels)
    if len(labels) != len(complexes):
        raise ValueError(f"{len(labels)} labels for {len(complexes)} complexes")

    rows = []
    for i, (K, label) in enumerate(zip(complexes, labels)):
        if not 1 <= K.dimension <= 2:
            raise ValueError(f"complex {i} has dimension {K.dimension}; the exact route "
                             "needs 1 or 2")
        out = exact_route(net, K, layers, random_state=random_state)
        for layer in layers:
            r = dict(out[layer])
            for key in ("predicted", "image_homology", "quotient"):   # Betti lists here
                r[key] = [int(b) for b in r[key].betti]
            rows.append({"mesh": i, "label": label, "n_simplices": int(K.f_vector[-1]),
                         "layer": layer, **r})
    return MeshStudy(rows=rows, labels=labels)
