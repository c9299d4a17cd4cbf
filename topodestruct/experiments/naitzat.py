"""Naitzat datasets under trained ReLU classifiers: topology of one class through every layer.

``topodestruct reproduce naitzat --data DIR --dataset NAME`` runs, for every
saved model of ``DIR/models`` (default ``NAME_model_*.pth``) and for the
test points of one class that the model classifies correctly, a
:func:`~topodestruct.analysis.profile.profile` on an alpha complex, and stores
one JSONL record per model (resumable).  It writes ``summary.md`` and a PNG of
the mean Betti numbers against depth for each method with the spread over
the models.

Choices, all stated in the summary:

* class: the one whose alpha complex (at its own scale) has the larger total
  Betti number, ties to the smaller label (``--class`` overrides);
* complex: alpha complex of the model's correctly classified points of the
  class, at one radius for all models, chosen on all test points of the class
  by :func:`~topodestruct.topology.point_clouds.choose_alpha_scale` (pieces
  connected, not merged, holes open: the first Betti plateau);
* Naitzat's estimator: hop scale 2.5, ``k`` the middle of the longest run of k
  in 5..30 at which it reads the input class's Betti numbers (the authors
  tuned k on the input the same way);
* quotient by both sources: exact on the layers the exact route reaches (2-D and
  3-D data); otherwise overlaps detected
  at the vertices (see :mod:`topodestruct.analysis.vertex_overlaps`);
* ``--exact`` on a complex that is not pure (alpha complexes of 3-D data often
  hold triangles in no tetrahedron): the exact route runs on its pure part (the
  closure of its top simplices) only where that has the full complex's integer
  homology, checked exactly, and the record says so (``"complex"``); elsewhere
  the model's rows come from the vertex route and the record says why
  (:func:`pure_part`).
"""
import math
import pathlib

import numpy as np

from .._parallel import check_n_jobs
from ..analysis.estimate import betti_of, choose_k
from ..topology.point_clouds import choose_alpha_scale, point_complex
from ..analysis.profile import profile
from ..datasets.naitzat import load_points, model_paths
from ..relu.load import format_description, load_network
from .naitzat_complex import QUICK_SUBSET, exact_complex, pure_part
from .runner import run_sweep
from .store import ResultStore

__all__ = ["reproduce_naitzat", "choose_class", "choose_k", "summarize", "plot_records", "load_run",
           "plot_depth_curves", "pure_part",
           "METHODS", "QUICK_BUDGET_S", "QUICK_NOTE_3D"]

METHODS = {"predicted": "rank source", "quotient": "rank + overlap sources",
           "image_homology": "exact image homology", "estimate": "Naitzat kNN estimate"}


def row_betti(row, key):
    """Betti numbers of one column of a stored row (None where not computed).

    Records written before the estimate was renamed hold it under ``"image"``
    (a Betti list); newer ones under ``"estimate"`` (``{"betti": ...}``).
    """
    if key == "estimate":
        return betti_of(row.get("estimate", row.get("image")))
    return betti_of(row.get(key))


def choose_class(X, y):
    """Class with the larger total Betti number of its alpha complex; ties to the smaller label."""
    best = None
    for c in np.unique(y):
        scale, info = choose_alpha_scale(X[y == c])
        key = (sum(info["betti"]), -int(c))
        if best is None or key > best[0]:
            best = (key, int(c), scale, info)
    return best[1:]


def _predict(net, X):
    import torch
    with torch.no_grad():
        dtype = next(net.parameters()).dtype
        return net(torch.as_tensor(X, dtype=dtype)).argmax(1).numpy()


def _stem(dataset, models, quick):
    tag = "" if models is None else "-" + "".join(ch if ch.isalnum() or ch in "-_" else "_"
                                                  for ch in models)
    return f"naitzat-{dataset}{tag}" + ("-quick" if quick else "")


def _params(setup, path):
    """A model's record key: every setting that changes its numbers."""
    return {"dataset": setup["dataset"], "model": path.name, "class": setup["class"],
            "scale": setup["scale"], "k": setup["k"], "image_scale": setup["image_scale"],
            "max_dim": setup["max_dim"], **({"exact": True} if setup["exact"] else {}),
            **({"subset": setup["subset"]} if setup.get("subset") else {}),
            **({"budget_s": setup["budget_s"]} if math.isfinite(setup.get("budget_s",
                                                                          math.inf)) else {})}


def reproduce_naitzat(data, dataset, cls=None, models=None, quick=False, out="results",
                      max_dim=1, image_scale=2.5, k=None, exact=False, progress=True, log=print,
                      budget_s=None, jobs=1, scheduler=None, layer_jobs=1):
    """Profile one class of a dataset folder through every layer of every saved model.

    Parameters
    ----------
    data : str or os.PathLike
        Folder laid out as ``data/NAME-test[-labels].npy``, ``models/*.pth``.
    dataset : str
        ``NAME``.
    cls : int, optional
        Class to analyse (default: :func:`choose_class`).
    models : str, optional
        Glob relative to ``data/models`` (default ``NAME_model_*.pth``).
    quick : bool
        Only the first 5 models; with ``exact`` on 3-D data, CI-sized: the first model
        only, one ring of the class (:data:`QUICK_SUBSET`) and the exact route within
        :data:`QUICK_BUDGET_S` seconds unless ``budget_s`` is given.
    out : str or os.PathLike
        Results folder: records in ``<stem>.jsonl`` (one store for every setting:
        a record's key holds all of them), summary and picture of this setting in
        ``<stem>[-exact].md`` and ``<stem>[-exact].png``.
    max_dim : int
        Betti numbers b_0..b_max_dim.
    image_scale : float
        Hop scale of Naitzat's estimator.
    k : int, optional
        Neighbours of Naitzat's estimator (default: :func:`choose_k`).
    exact : bool
        Also compute the exact image homology at every layer, and the exact quotient
        by both sources (2-D data; on 3-D data it is not built: None on the exact
        layers), data of dimension <= 3; slow on networks that fold a lot.  Default
        False: the quotient uses the vertex-level overlap test.
    progress : bool
        Progress bar and the summary printed.
    log : callable
        Where the resume note goes (``"naitzat D-I: resumed: 3 of 5 records present
        in ...``).
    budget_s : float, optional
        With ``exact``: the exact route's time per model (default: no limit); a model
        past it falls back from the layer it reached, and its record says so
        (``exact_stopped``). A finite budget is part of the records' key.
    jobs, scheduler : int, str or distributed.Client
        Where the models are profiled: here (``jobs=1``), in ``jobs`` local worker
        processes, or on Dask (an address, ``"local:N"`` or a client), through the
        shared runner (:func:`.runner.run_sweep`): records are written here, one per
        model as it finishes, so an interrupted run resumes.
    layer_jobs : int
        With ``exact``: layers of each model's exact route computed at once, in forked
        processes (``td.profile``'s ``n_jobs``; default 1).  The same records, sooner
        for one model on a machine with cores to spare; ``jobs * layer_jobs``
        processes run at once.

    Returns
    -------
    dict
        ``records`` (this setting's only), ``summary`` (markdown), ``paths`` and ``setup``.
    """
    X, y, paths, setup = _setup(data, dataset, cls, models, quick, max_dim, image_scale, k,
                                exact)
    if budget_s is None and setup["subset"]:
        budget_s = QUICK_BUDGET_S
    if budget_s is not None:
        if not exact:
            raise ValueError("budget_s is the exact route's time per model: it needs exact=True")
        if not float(budget_s) > 0:
            raise ValueError(f"budget_s must be a positive number of seconds, got {budget_s!r}")
        setup["budget_s"] = float(budget_s)
    out = pathlib.Path(out)
    stem = _stem(dataset, models, quick)
    store = ResultStore(out / f"{stem}.jsonl")
    keys = [_params(setup, path) for path in paths]
    present = sum(key in store for key in keys)
    if present:
        log(f"naitzat {dataset}: resumed: {present} of {len(keys)} records present in "
            f"{store.path}")
    # the per-layer bar of the exact route (elapsed time per layer) only where it is readable
    task = _ModelTask(data, dataset, setup, progress and jobs == 1 and scheduler is None,
                      check_n_jobs(layer_jobs, "layer_jobs"))
    run_sweep(keys, task, store, seed_of=lambda params: 0,
              jobs=jobs, scheduler=scheduler, progress=progress, desc=f"naitzat {dataset}")
    records = [store.get(key) for key in keys]     # this setting's records, nothing else
    summary = summarize(records, setup)
    if quick:
        note = QUICK_NOTE_3D if setup["subset"] else QUICK_NOTE
        summary = summary.replace("\n", f"\n\n{note}\n", 1)
    stem += "-exact" if exact else ""
    md, png = out / f"{stem}.md", out / f"{stem}.png"
    md.write_text(summary)
    plot_records(records, setup).savefig(png, dpi=120, bbox_inches="tight")
    if progress:
        print(summary)
    return {"records": records, "summary": summary, "setup": setup,
            "paths": {"store": store.path, "summary": md, "png": png}}


QUICK_NOTE = ("Quick run (--quick): the first 5 models only, so the counts below are not "
              "at the paper's scale; run without --quick for every model.")
#: Seconds of the exact route per model in a quick exact run on 3-D data.
QUICK_BUDGET_S = 15.0
QUICK_NOTE_3D = (f"Quick run (--quick --exact on 3-D data): the first model only, {QUICK_SUBSET}"
                 f", the exact route within {QUICK_BUDGET_S:g} s unless --budget is given; not "
                 "at the paper's scale: run without --quick for every model and the whole class.")


def _setup(data, dataset, cls, models, quick, max_dim, image_scale, k, exact):
    """Test points, model files and the stated choices (class, radius, k) of a run."""
    X, y = load_points(data, dataset, "test")
    if exact and X.shape[1] > 3:
        raise ValueError(f"exact=True needs data of dimension <= 3 (the exact route refines "
                         f"complexes of dimension <= 3); {dataset} is {X.shape[1]}-D")
    paths = model_paths(data, dataset, models)
    subset = QUICK_SUBSET if quick and exact and X.shape[1] == 3 else None
    if quick:
        paths = paths[:1] if subset else paths[:5]
    if cls is None:
        cls, scale, how = choose_class(X, y)
        class_rule = "default: the class with more homology (total Betti number)"
    else:
        if cls not in set(y.tolist()):
            raise ValueError(f"class {cls} does not occur in the labels of {dataset}")
        scale, how = choose_alpha_scale(X[y == cls])
        class_rule = "given"
    target = how["betti"][:max_dim + 1]
    if k is None:
        k = choose_k(X[y == cls], target, image_scale)
        k_rule = (f"middle of the longest run of k in 5..30 at which the estimator reads the "
                  f"input class's {target}" if k is not None else
                  "no k in 5..30 reads the input class: 13")
        k = 13 if k is None else k
    else:
        k_rule = "given"
    setup = {"dataset": dataset, "class": int(cls), "class_rule": class_rule,
             "scale": float(scale), "scale_rule": how["rule"], "input_betti": how["betti"],
             "k": int(k), "k_rule": k_rule, "image_scale": float(image_scale),
             "max_dim": int(max_dim), "n_models": len(paths), "models": models,
             "exact": bool(exact), "subset": subset}
    return X, y, paths, setup


class _ModelTask:
    """Picklable ``(params, seed) -> record`` of one model (a worker reads the points itself)."""

    def __init__(self, data, dataset, setup, progress=False, layer_jobs=1):
        self.data, self.dataset, self.setup = str(data), dataset, setup
        self.progress, self.layer_jobs = bool(progress), layer_jobs
        self._points = None

    def __call__(self, params, seed):
        if self._points is None:
            self._points = load_points(self.data, self.dataset, "test")
        path = pathlib.Path(self.data) / "models" / params["model"]
        return _profile_model(path, *self._points, self.setup, self.progress,
                              self.layer_jobs)


def _profile_model(path, X, y, setup, progress=False, layer_jobs=1):
    """One model's record: accuracy, the class's points kept, the profile's rows."""
    net, info = load_network(path)
    pred = _predict(net, X)
    cls = setup["class"]
    keep = (pred == y) & (y == cls)
    K = point_complex(X[keep], "alpha", scale=setup["scale"])
    used = None
    if setup["exact"]:
        K, used = exact_complex(K, setup.get("subset"))
    # --exact: the exact route with no time limit, falling back where an image is too large
    prof = profile(net, K, n_neighbors=setup["k"], estimate_scale=setup["image_scale"],
                   max_dim=setup["max_dim"], exact=None if setup["exact"] else False,
                   budget_s=setup.get("budget_s", math.inf) if setup["exact"] else None,
                   sizes=setup["exact"], progress=True if progress else None,
                   n_jobs=layer_jobs)
    d = prof.to_dict()
    return {"accuracy": float((pred == y).mean()), "n_points": int(keep.sum()),
            "architecture": format_description(info), "rows": d["rows"],
            "verdict": d["verdict"], "methods": prof.info["methods"],
            "exact_stopped": prof.info.get("exact_stopped") if setup["exact"] else None,
            **({"complex": used} if used is not None else {})}


def curves(records, key, dim):
    """(n_models, n_layers) array of ``b_dim`` of one method (NaN where not computed)."""
    def value(r):
        b = row_betti(r, key)
        return np.nan if b is None else b[dim] if dim < len(b) else 0

    rows = [[value(r) for r in rec["result"]["rows"]] for rec in records]
    return np.array(rows, dtype=float).reshape(len(records), -1)


def plot_records(records, setup):
    """Figure: one panel per homology dimension, mean and spread per method."""
    from matplotlib.figure import Figure

    n = setup["max_dim"] + 1
    fig = Figure(figsize=(5 * n, 3.4))
    for q in range(n):
        ax = fig.add_subplot(1, n, q + 1)
        plot_depth_curves({f"{label}": curves(records, key, q)
                           for key, label in METHODS.items()}, ax=ax,
                          title=f"{setup['dataset']} class {setup['class']}: b{q} "
                                f"({len(records)} models"
                                + (", exact image" if setup.get("exact") else "") + ")")
    return fig


_MARKERS, _LINES = ("o", "s", "D", "^"), ("-", "--", ":", "-.")


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
    if ax is None:
        from matplotlib.figure import Figure
        ax = Figure(figsize=(5.5, 3.4)).add_subplot(1, 1, 1)
    from matplotlib.ticker import MaxNLocator

    fig = ax.figure
    top = 1.0
    for i, (label, values) in enumerate(curves.items()):
        v = np.asarray(values, dtype=float)
        if v.size == 0 or np.isnan(v).all():
            continue
        x = np.flatnonzero(~np.isnan(v).all(0))   # layers where the method has values
        if len(x) <= 1:                            # only the input: nothing to draw
            continue
        v = v[:, x]
        mean = np.nanmean(v, 0)
        lo, hi = np.nanpercentile(v, 25, 0), np.nanpercentile(v, 75, 0)
        # own marker, line style and a small shift: methods that agree stay visible
        ax.plot(x + 0.06 * (i - 1.5), mean, ls=_LINES[i % 4], marker=_MARKERS[i % 4],
                color=f"C{i}", ms=4, label=label)
        ax.fill_between(x, np.nanmin(v, 0), np.nanmax(v, 0), color=f"C{i}", alpha=0.08)
        ax.fill_between(x, lo, hi, color=f"C{i}", alpha=0.25)
        top = max(top, float(np.nanmax(v)))
    ax.set_xlabel("layer (0 = input)")
    ax.set_ylabel("Betti number (mean; IQR and range)")
    ax.set_ylim(-0.4, top * 1.05 + 0.4)           # 0 always shown: a vanished b_q
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return fig


def _first_change(rows, key):
    base = row_betti(rows[0], key)
    for r in rows[1:]:
        b = row_betti(r, key)
        if b is not None and b != base:
            return r["layer"]
    return None


def summarize(records, setup):
    """Markdown summary: setup, mean Betti numbers per layer, depth and source of changes."""
    lines = [f"# {setup['dataset']}: class {setup['class']} through the layers", "",
             f"- models: {len(records)}; class {setup['class']} ({setup['class_rule']}); "
             f"input Betti numbers {setup['input_betti']}",
             f"- complex: alpha, radius {setup['scale']:.4g} for every model ({setup['scale_rule']})",
             f"- Naitzat estimator: k = {setup['k']} ({setup['k_rule']}), "
             f"{setup['image_scale']} hops"]
    if records:
        for key, how in records[0]["result"]["methods"].items():
            if key != "complex":   # stated above
                lines.append(f"- {key}: {how}")
        stopped = [r["result"].get("exact_stopped") for r in records]
        stopped = [t for t in stopped if t]
        if stopped:
            lines.append(f"- exact route stopped early in {len(stopped)}/{len(records)} models "
                         f"(deeper layers: vertex-level route), e.g. {stopped[0]}")
        lines += _complex_lines(records)
        acc = [r["result"]["accuracy"] for r in records]
        lines.append(f"- test accuracy: min {min(acc):.4f}, median {np.median(acc):.4f}")
    lines += ["", "## Mean Betti numbers per layer (min-max over models)", ""]
    if not records:
        return "\n".join(lines + ["no records"])
    n_layers = len(records[0]["result"]["rows"])
    head = "| layer | " + " | ".join(f"{lab} b{q}" for lab in METHODS.values()
                                       for q in range(setup["max_dim"] + 1)) + " |"
    lines += [head, "|" + "---|" * (1 + len(METHODS) * (setup["max_dim"] + 1))]
    cols = {(key, q): curves(records, key, q) for key in METHODS
            for q in range(setup["max_dim"] + 1)}
    for layer in range(n_layers):
        cells = []
        for (key, q), v in cols.items():
            col = v[:, layer]
            cells.append("-" if np.isnan(col).all() else
                         f"{np.nanmean(col):.2f} ({np.nanmin(col):.0f}-{np.nanmax(col):.0f})")
        lines.append(f"| {layer} | " + " | ".join(cells) + " |")
    lines += ["", "## Where the class's topology changes", ""]
    for key, label in METHODS.items():
        first = [_first_change(rec["result"]["rows"], key) for rec in records]
        if all(row_betti(r, key) is None for rec in records for r in rec["result"]["rows"][1:]):
            lines.append(f"- {label}: not computed")
            continue
        seen = [f for f in first if f is not None]
        lines.append(f"- {label}: changes in {len(seen)}/{len(records)} models; first layer "
                     + (f"median {np.median(seen):.0f}, range {min(seen)}-{max(seen)}"
                        if seen else "-"))
    src = {"rank": 0, "overlap": 0, "none": 0}
    for rec in records:
        rows = rec["result"]["rows"]
        fp, fq = _first_change(rows, "predicted"), _first_change(rows, "quotient")
        if fp is not None and (fq is None or fp <= fq):
            src["rank"] += 1
        elif fq is not None:
            src["overlap"] += 1
        else:
            src["none"] += 1
    lines.append(f"- source of the first change of the quotient (rank source first, or only "
                 f"the overlap source): rank {src['rank']}, overlap {src['overlap']}, "
                 f"no change {src['none']}")
    lines += ["", "## Agreement (fraction of model-layer pairs with equal Betti numbers, "
              "layers >= 1)", ""]
    pairs = [("predicted", "estimate"), ("quotient", "estimate"), ("predicted", "quotient"),
             ("image_homology", "estimate"), ("image_homology", "quotient")]
    for a, b in pairs:
        both = [(row_betti(r, a), row_betti(r, b)) for rec in records
                for r in rec["result"]["rows"][1:]
                if row_betti(r, a) is not None and row_betti(r, b) is not None]
        if both:
            agree = sum(u == v for u, v in both) / len(both)
            lines.append(f"- {METHODS[a]} vs {METHODS[b]}: {agree:.2f} ({len(both)} pairs)")
    lines += _theorem_test(records)
    return "\n".join(lines + topological_or_geometric(records)) + "\n"


def _complex_lines(records):
    """Summary lines: the complex the exact route ran on (a quick subset, the pure part)."""
    notes = [r["result"].get("complex") for r in records]
    notes = [n for n in notes if n]
    lines = []
    if notes and notes[0].get("subset"):
        lines.append(f"- quick subset: {notes[0]['subset']}, f-vector "
                     f"{notes[0]['f_vector_used']} (its own input homology is row 0, not the "
                     f"class's above)")
    pure = [n for n in notes if n["used"] == "pure part"]
    if pure:
        lines.append(f"- exact route on the pure part of the complex (the closure of its top "
                     f"simplices; the complex has lower-dimensional maximal simplices) in "
                     f"{len(pure)}/{len(records)} models, its integer homology checked equal "
                     f"to the complex's (e.g. f-vector {pure[0]['f_vector']} -> "
                     f"{pure[0]['f_vector_used']}); every column of those models describes the "
                     f"pure part")
    refused = [n["refused"] for n in notes if n.get("refused")]
    if refused:
        lines.append(f"- pure part refused in {len(refused)}/{len(records)} models (vertex "
                     f"route on the complex as built), e.g. {refused[0]}")
    return lines


def _theorem_test(records):
    """Where the exact quotient by both sources is a test of the quotient theorem: only
    where the rank source collapses something (with nothing to collapse it is the exact
    image's homology by construction)."""
    rows = [r for rec in records for r in rec["result"]["rows"][1:]
            if r["image_homology"] is not None and r["quotient"] is not None]
    if not rows:
        return []
    tested = [r for r in rows if r["low_rank"] > 0]
    agree = sum(row_betti(r, "image_homology") == row_betti(r, "quotient") for r in tested)
    return ["", "Exact quotient vs exact image: the quotient collapses the rank source's "
            "pieces inside the image complex, so with none to collapse it is the image by "
            f"construction. Model-layers with a vertex of rank <= 1 (a test of the quotient "
            f"theorem): {len(tested)}, agreeing in {agree}; without: {len(rows) - len(tested)}."]


def topological_or_geometric(records):
    """Markdown lines: is each change that Naitzat's estimator reads a change of the image?

    A model-layer pair where the estimator's Betti numbers differ from the
    input class's is *topological* where the exact image homology differs from
    the input's too, and *geometric* where it does not (pieces drawn close or
    stretched until one scale merges them). Empty without exact image homology.
    """
    rows = [({key: row_betti(r0, key) for key in METHODS}, {key: row_betti(r, key)
                                                          for key in METHODS})
            for rec in records for r0 in rec["result"]["rows"][:1]
            for r in rec["result"]["rows"][1:]
            if r["image_homology"] is not None and row_betti(r, "estimate") is not None]
    if not rows:
        return []
    n = len(rows[0][0]["image_homology"])
    lines = ["", "## Topological or geometric? (exact image homology where the estimator "
             "reads a change)", "",
             "| Betti number | estimator lower than input | also lower in the exact image "
             "(topological) | exact image unchanged (geometric) |", "|---|---|---|---|"]
    for q in range(n):
        fell = [(r0, r) for r0, r in rows if r["estimate"][q] < r0["image_homology"][q]]
        topo = sum(r["image_homology"][q] < r0["image_homology"][q] for r0, r in fell)
        same = sum(r["image_homology"][q] == r0["image_homology"][q] for r0, r in fell)
        lines.append(f"| b{q} | {len(fell)} model-layers | {topo} | {same} |")
    last = [rec["result"]["rows"][-1] for rec in records]
    ends = {}
    for r in last:
        if r["image_homology"] is not None:
            key = tuple(r["image_homology"])
            ends[key] = ends.get(key, 0) + 1
    if ends:
        lines += ["", "Exact image homology at the last hidden layer (Betti numbers: models): "
                  + ", ".join(f"{list(k)}: {v}" for k, v in sorted(ends.items(),
                                                                    key=lambda kv: -kv[1]))]
    return lines


def load_run(path, exact=None):
    """Records of one setting of a stored run and the setup needed to plot them.

    A store can hold several settings (``--exact`` or not, another class);
    only one setting's records are returned, never a mix: the setting of the
    last record written, among those with the requested ``exact``.

    Parameters
    ----------
    path : str or os.PathLike
        A ``naitzat-*.jsonl`` file written by :func:`reproduce_naitzat`.
    exact : bool, optional
        Only records computed with (True) or without (False) ``exact``.

    Returns
    -------
    records : list of dict
    setup : dict
        ``dataset``, ``class``, ``max_dim``, ``exact``.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no stored run {str(path)!r}: run `topodestruct reproduce "
                                "naitzat` first")
    records = [r for r in ResultStore(path)
               if exact is None or bool(r["params"].get("exact")) == exact]
    if not records:
        raise ValueError(f"{path} holds no records" + ("" if exact is None else
                                                       f" with exact={exact}"))

    def setting(r):
        return {k: v for k, v in r["params"].items() if k != "model"}

    last = setting(records[-1])
    records = [r for r in records if setting(r) == last]
    p = records[0]["params"]
    return records, {"dataset": p["dataset"], "class": p["class"], "max_dim": p["max_dim"],
                     "exact": bool(p.get("exact"))}
