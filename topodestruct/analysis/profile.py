"""Topology through depth: one row per layer with what each theory says, and an estimate.

``td.profile(net, K)`` (a complex with coordinates) or ``td.profile(net, X)``
(a point cloud, turned into a complex at a stated scale) runs the one
pipeline (:mod:`.pipeline`) at the input (layer 0) and every hidden layer:

``predicted``
    the rank-source prediction of the paper: ``K`` with ``Omega_0`` and each
    component of ``Omega_1`` collapsed (regions as closed sets; components of
    ``Omega_0`` with distinct images to distinct points), the convention of
    :func:`topodestruct.analyze` (:func:`.quotient.low_rank_quotient`);
``quotient``
    ``K`` modulo both sources, rank and overlap;
``image_homology``
    the exact integer homology of the image ``Phi^k(K)``;
``estimate``
    an estimate, not the homology: Naitzat's kNN estimator (default, k
    calibrated on the input) or a persistent reading (:mod:`.estimate`).

The first three are :class:`~topodestruct.Homology` objects (torsion kept),
exact on the layers the exact route reached within its budget (complexes of
dimension 1 or 2, and of dimension 3 for the image alone where no solid pieces
overlap; ``row["route"] == "exact"``), else read from the vertices
(``"vertex"``: certified vertex ranks, the vertex-level overlap test, no
exact image); ``row["skipped"]`` says what was not computed and why.
:attr:`Profile.verdict` says whether, where, how and into what the topology
changes (:mod:`.verdict`).

Examples
--------
>>> import numpy as np, topodestruct as td
>>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
>>> X = np.c_[np.cos(t), np.sin(t)]
>>> W = [(np.eye(2), np.array([0.0, 5.0])), (np.ones((1, 2)), None)]
>>> prof = td.profile(W, X, complex="knn", scale=1, n_neighbors=2, estimate_scale=1)
>>> [row["predicted"].betti for row in prof.rows]
[[1, 1], [1, 1], [1, 0]]
>>> prof.verdict["first_layer"], prof.verdict["source"]
(2, 'rank')
"""
import dataclasses
import warnings

import numpy as np

from .._budget import DEFAULT_MAX_MEMORY_GB
from .._parallel import check_n_jobs
from .estimate import betti_of, check_estimate
from .pipeline import DEFAULT_BUDGET_S, HOMOLOGY_KEYS, SIZE_KEYS, run  # noqa: F401
from .quotient import glue_vertices  # noqa: F401 - kept importable from here

__all__ = ["profile", "Profile", "glue_vertices"]

KEYS = HOMOLOGY_KEYS + ("estimate",)


@dataclasses.dataclass
class Profile:
    """Homology against depth, and the verdict.

    Attributes
    ----------
    rows : list of dict
        One per layer (0 = the input) with keys ``layer``, ``width``, ``route``
        (``"input"``, ``"exact"`` or ``"vertex"``), ``predicted``, ``quotient``,
        ``image_homology`` (Homology or None), ``estimate``
        (:class:`~.estimate.Estimate` or None), ``low_rank`` (vertices of rank
        <= 1), ``glued`` (vertices in vertex-level overlap gluings) or
        ``overlaps`` (overlapping pairs on the exact route), ``skipped`` (what
        was not computed at this layer, and why); on the exact route also
        ``pieces`` and the sizes ``image_sizes``, ``image_stable``,
        ``resolution``, ``size_delta``.
    info : dict
        How each column was computed: complex, scale and its rule, the estimate's
        k and scale, the exact route's budget and where it stopped, methods.
    """

    rows: list
    info: dict

    @property
    def verdict(self):
        """``{"changes", "first_layer", "source", "before", "after", "geometric_layers"}``
        (:func:`.verdict.verdict`)."""
        from .verdict import verdict

        return verdict(self.rows, self.info.get("max_dim", 1))

    def to_dict(self):
        """JSON-ready copy: ``{"rows", "info", "verdict"}``; homology as Betti lists
        ``b_0..b_max_dim`` with the torsion beside them (``row["torsion"][key]``)."""
        from .verdict import verdict_dict

        n = self.info.get("max_dim", 1) + 1
        return {"rows": [row_dict(r, n) for r in self.rows], "info": dict(self.info),
                "verdict": verdict_dict(self.verdict, n)}

    def column(self, key, dim):
        """``b_dim`` of one column through the layers (NaN where not computed)."""
        out = []
        for r in self.rows:
            b = betti_of(r.get(key))
            out.append(np.nan if b is None else b[dim] if dim < len(b) else 0)
        return np.array(out, dtype=float)

    def __str__(self):
        from .verdict import verdict_lines

        n = self.info.get("max_dim", 1) + 1
        est = self.info.get("estimate") or {}
        head = ["layer", "width", "route", "rank<=1", "overlap", "predicted", "quotient",
                "exact image", "estimate" + (" (kNN)" if est.get("method") == "knn" else
                                             " (persistent)" if est else "")]
        body = [[str(r["layer"]), str(r["width"]), r["route"], str(r["low_rank"]),
                 _overlap_cell(r)] + [_cell(r[k], n) for k in KEYS] for r in self.rows]
        widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths)).rstrip() for b in body]
        lines += [f"{k}: {v}" for k, v in self.info.get("methods", {}).items()]
        lines += [f"skipped at layer {r['layer']}: {s}" for r in self.rows for s in r["skipped"]]
        reads = est.get("calibrated", True) if est.get("method") == "knn" else True
        return "\n".join(lines + verdict_lines(self.verdict, self.rows, reads, n))

    def __repr__(self):
        return f"Profile({len(self.rows)} layers, complex={self.info.get('complex')!r})"

    def plot(self, ax=None, dims=None):
        """Betti numbers of each column against the layer, in one axes; returns the figure.

        A column computed only at the input (layer 0) is not drawn; each line is
        shifted a little so that equal values stay visible.  The clearer picture,
        one panel per Betti number, is :func:`topodestruct.plotting.depth.plot_profile`
        (what ``topodestruct profile --out`` writes).
        """
        if ax is None:
            from matplotlib.figure import Figure
            ax = Figure(figsize=(5.5, 3.4)).add_subplot(1, 1, 1)
        layers = [r["layer"] for r in self.rows]
        dims = range(self.info.get("max_dim", 1) + 1) if dims is None else dims
        style = {"predicted": ("rank source", "C0", "o"), "quotient": ("rank + overlap", "C3", "s"),
                 "image_homology": ("exact image", "k", "D"),
                 "estimate": ("estimate (Naitzat kNN)" if (self.info.get("estimate") or {})
                              .get("method") == "knn" else "estimate (persistent)", "C2", "^")}
        for i, (key, (label, color, marker)) in enumerate(style.items()):
            for q in dims:
                y = self.column(key, q)
                if not np.isnan(y[1:]).all():
                    ax.plot(np.add(layers, 0.04 * (4 * q + i) - 0.14), y, ["-", "--", ":"][q % 3],
                            color=color, marker=marker, ms=4, label=f"b{q} {label}", alpha=0.8)
        ax.set_xlabel("layer (0 = input)")
        ax.set_ylabel("Betti number")
        ax.set_xticks(layers)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        return ax.figure


def row_dict(r, n):
    """A JSON-ready row: Betti lists (``b_0..b_{n-1}``) with ``torsion`` beside them."""
    d = {}
    for key, v in r.items():
        if key in HOMOLOGY_KEYS:
            d[key] = betti_of(v, n)
        elif key == "estimate":
            d[key] = None if v is None else v.to_dict()
        else:
            d[key] = v
    d["torsion"] = {key: [list(r[key].torsion_in(q)) for q in range(n)]
                    for key in HOMOLOGY_KEYS if r.get(key) is not None}
    return d


def _cell(value, n):
    if value is None:
        return "-"
    if hasattr(value, "torsion_in"):
        return " ".join(str(value.rank(q)) + "".join(f"+Z/{t}" for t in value.torsion_in(q))
                        for q in range(n))
    b = betti_of(value, n)
    return "none" if b is None else " ".join(map(str, b))


def _overlap_cell(r):
    if r.get("overlaps") is not None:
        return f"{r['overlaps']} pairs"
    if r.get("glued"):
        return f"{r['glued']} glued"
    return "-"


def _deprecated(old, new, value):
    if value is not None:
        warnings.warn(f"{old}= is deprecated; use {new}=", DeprecationWarning, stacklevel=3)
    return value


def _b0_violations(rows, exact_layers):
    """Exact layers whose image has more components than the previous layer's image.

    ``Phi^k(K)`` is a continuous image of ``Phi^(k-1)(K)``, so b0 cannot grow; a
    growth means a defect of the exact route, flagged with a warning rather than
    reported as a finding.
    """
    at = {r.get("layer", i): betti_of(r["image_homology"]) for i, r in enumerate(rows)}
    bad = [k for k in exact_layers if (k - 1 == 0 or k - 1 in exact_layers) and k - 1 in at
           and at[k][0] > at[k - 1][0]]
    if bad:
        warnings.warn(f"exact image b0 grows at layer(s) {bad}: impossible for a continuous "
                      "map, a defect of the exact route (please report it)", RuntimeWarning)
    return bad


def profile(net, data, layers=None, complex="alpha", scale=None, n_neighbors=None,
            estimate="knn", estimate_scale=2.5, max_dim=None, overlaps=True,
            overlap_radius=None, exact=None, budget_s=None, max_memory_gb=DEFAULT_MAX_MEMORY_GB,
            max_exact_pairs=None, rank="ambient", separate_images=True, random_state=0,
            sizes=False, progress=None, n_jobs=1, k=None, image_k=None, image_scale=None):
    """Per-layer topology of a complex or point cloud under a ReLU network.

    Parameters
    ----------
    net : Network, torch.nn.Sequential, list of (W, b), state_dict or path
        Converted once (:func:`topodestruct.as_network`).
    data : SimplicialComplex with coordinates, or (N, m) array_like
        A point cloud is first turned into a complex (``complex``, ``scale``).
    layers : iterable of int, optional
        1-based layers (default: every layer up to the last one followed by a
        ReLU; the logits layer of a classifier is not a row).  Row 0 (the
        input) is always there.
    complex : {"alpha", "knn", "rips"}
        Complex on a point cloud; ``"alpha"`` picks its radius by
        :func:`~topodestruct.topology.point_clouds.choose_alpha_scale` when
        ``scale`` is None; ``"knn"`` defaults to 2.5 hops.
    scale : float, optional
    n_neighbors : int, optional
        k-NN neighbours: of the ``"knn"`` complex (default 13), of the kNN
        estimate (default: calibrated on the input, :func:`.estimate.knn_reader`)
        and of the vertex-level overlap test's broad phase (default 13).
    estimate : {"knn", "persistent"} or None
        The estimate beside the exact columns (:mod:`.estimate`).
    estimate_scale : float
        Hop scale of the kNN estimate (default 2.5).
    max_dim : int, optional
        Betti numbers ``b_0..b_max_dim`` shown and compared (default
        ``min(dim K, 2)``, 1 for flag complexes).
    overlaps : bool
        Compute the quotient by both sources on the vertex route.
    overlap_radius : float, optional
        Input-space radius of the vertex gluings (default: the longest edge).
    exact : bool, optional
        The exact route (image homology, quotient by both sources and the
        prediction on one refinement; pure complexes of dimension 1 or 2;
        dimension 3: the image where no solid pieces overlap, no quotient).
        ``None`` (default): within the time budget ``budget_s`` (default
        :data:`DEFAULT_BUDGET_S` seconds for the whole call); the layers it does
        not reach fall back to the vertex route and their rows say so and why.
        ``True``: every layer, no time limit unless ``budget_s`` is given, and an
        error where a layer cannot be computed.  ``False``: the vertex route.
    budget_s : float, optional
        Seconds for the exact route (``math.inf``: no limit, still a fallback).
    max_memory_gb : float or None
        The exact route stops where this process's resident memory passes it.
    max_exact_pairs : int or None
        Also stop at the first layer that leaves more pairs of image simplices
        than this to intersect exactly.
    rank : {"ambient", "intrinsic"}
        As in :func:`topodestruct.analyze` (intrinsic: exact route only).
    separate_images : bool
        Components of ``Omega_0`` with distinct images go to distinct points.
    random_state : int
        Seeds the certified rank computation's sketch.
    sizes : bool
        On the exact route, also the size of every class of the image and the
        stable Betti numbers (:mod:`topodestruct.geometry.sizes`; row keys
        ``image_sizes``, ``image_stable``, ``resolution``, ``size_delta``).  Off
        by default: it can cost more than the exact image itself (72 of 77 s for
        ``torus_meridians(2, resolution=8)``, whose layer-1 image lies in R^7),
        and its time counts against ``budget_s``.
    progress : bool, optional
        A progress bar (tqdm, on stderr) over the layers the exact route
        refines, wherever the route is taken.  ``None`` (default): shown where
        stderr is a terminal; ``True``: always; ``False``: never.
    n_jobs : int
        Layers of the exact route computed at once, in forked processes (default 1:
        one after the other; :func:`~.depth_routes.exact_route`).  The same rows;
        each process is held to ``max_memory_gb``.
    k, image_k, image_scale
        Deprecated names of ``n_neighbors``, the estimate's neighbours and
        ``estimate_scale``.

    Returns
    -------
    Profile
    """
    n_neighbors = _deprecated("k", "n_neighbors", k) if k is not None else n_neighbors
    estimate_k = _deprecated("image_k", "n_neighbors", image_k)
    if image_scale is not None:
        estimate_scale = _deprecated("image_scale", "estimate_scale", image_scale)
    check_estimate(estimate)
    s, rows, info, _ = run(net, data, layers, complex, scale, n_neighbors, max_dim, overlaps,
                           overlap_radius, exact, budget_s, max_memory_gb, max_exact_pairs,
                           rank, separate_images, random_state, estimate, estimate_k,
                           estimate_scale, sizes=sizes, progress=progress,
                           n_jobs=check_n_jobs(n_jobs))
    info["b0_violations"] = _b0_violations(rows, info["exact_layers"])
    info["methods"] = methods(info, s.layers, overlaps)
    return Profile(rows, info)


def methods(info, layers, overlaps=True):
    """How each column was computed, in words (the report's notes)."""
    exact = info["exact_layers"]
    on = (f"layer{'s' if len(exact) > 1 else ''} {_span(exact)}" if exact else "")
    rest = [k for k in layers if k not in exact]
    budget = info["budget_s"]
    stop = (info["exact_stopped"] or "").replace("exact route stopped", "stopped")
    if not exact:
        took = stop if stop.startswith("stopped") else f"not taken: {stop}"
    else:
        took = f"on {on}" + (f" within a time budget of {budget:g} s for the whole call "
                             "(budget_s)" if budget is not None and np.isfinite(budget)
                             else ", no time limit")
        if rest:
            took += f"; {stop}"
    vertex = (f"layer{'s' if len(rest) > 1 else ''} {_span(rest)}: " if exact else "") + \
        "certified vertex ranks" if rest else ""
    est = info.get("estimate")
    if est is None:
        estimate = "not computed (estimate=None)"
    elif est["method"] == "knn":
        estimate = (f"an estimate, not the homology: Naitzat's kNN estimator on the images of "
                    f"the vertices, k = {est['k']} ({est['rule']}), flag complex at "
                    f"{est['scale']:g} hops")
    else:
        estimate = f"an estimate, not the homology: persistent reading ({est['rule']})"
    out = {"exact route": took,
           "predicted": "rank source: Omega_0 (split by image) and each component of Omega_1 "
                        "collapsed, regions as closed sets" + (f"; {vertex}" if vertex else ""),
           "quotient": ("rank and overlap sources" + (
               f"; {'vertex layers' if exact else 'all layers'}: overlaps detected at the "
               f"vertices (radius {info['overlap_radius']:.4g}, k {info['overlap_k']}) "
               "identified simplicially" if rest and overlaps else "")
               + ("; not computed off the exact route (overlaps=False)"
                  if rest and not overlaps else "")),
           "image_homology": (f"exact on {on}" if exact else "not computed")
           + (f"; not computed on {_span(rest)}" if exact and rest else ""),
           "estimate": estimate,
           "complex": f"{info['complex']} at scale {info['scale']}: {info['scale_rule']}"}
    return out


def _span(layers):
    layers = list(layers)
    if not layers:
        return "-"
    if layers == list(range(layers[0], layers[-1] + 1)) and len(layers) > 1:
        return f"{layers[0]}-{layers[-1]}"
    return ", ".join(map(str, layers))
