"""Figure 2 of the paper: topological destruction in random single-layer networks.

Each panel is a sweep over *configurations* (one random network each); a
configuration draws its network and its sample points from a seed derived from
``(seed, panel, configuration)``, ranks every point with the project's rank
routine (:func:`topodestruct.rank_decomposition`) and stores the minimum and
maximum rank and the rank histogram in a :class:`~.store.ResultStore`.  The
numbers therefore do not depend on the order of evaluation, on ``jobs`` or on
how often a run was interrupted and resumed.

Panels (paper §3.1-3.2; full run / ``quick``):

* **fig2a** -- Kaiming-normal weights, input width ``m`` and output width
  ``n1`` in {2, 5, 10, 25, 50, 100}, 100 networks per pair (quick: m in
  {2, 5, 10}, 10 networks), 1000 points uniform on [-5, 5]^m (quick: 200);
  mean minimum rank vs ``n1`` per ``m`` with the bound ``m`` dashed.
* **fig2b** -- ``m = 10``, weights N(mu, 0.1) with mu in 20 values
  ``linspace(0, 0.2, 20)`` (quick: 5 values), ``n1`` over the same sequence as
  2A (quick: {2, 10, 50}), 100 networks per pair (quick: 10), points as 2A;
  mean minimum rank vs mu.
* **fig2c** -- strictly positive weights multiplied from the left by the
  rank-selection matrix R(k, n1) of eq. (10), ``n1 = 100``, ``m`` in {25, 50},
  every ``k`` in 0..100 (quick: every 10th), 10 networks per ``k`` (quick: 2),
  points as 2A; minimum rank vs ``k`` with the bound min(k, n1 - k, m).
* **fig2d** -- Dale's principle W R(k, m) (columns ``j <= k`` excitatory, the
  others inhibitory and 4x stronger), ``m = 50``, ``n1 = 100``, every ``k`` in
  0..50 (quick: every 5th), 10 networks per ``k`` (quick: 3), 1000 points
  uniform on (0, 5]^m (quick: 300); minimum and maximum rank vs ``k``.

Choices where the paper is silent (the summaries repeat the setup):

* **biases are zero** in every panel.  The paper never mentions biases in §3;
  the constructions of §3.2 (panels C, D) need zero bias for their argument,
  and zero bias makes all panels comparable.  With zero bias the rank at x
  depends only on the direction of x, so the sampling box only matters through
  the directions it samples, and 2B at mu = 0 samples the same distribution of
  networks (up to scale) as 2A's m = 10 row: a free consistency check.
  ``params["bias"] = "default"`` would use the network builders' own biases.
* the weight distribution of the "strictly positive" (2C) and Dale (2D)
  networks is the one of :func:`topodestruct.networks.rank_selection_layer`
  and :func:`topodestruct.networks.dale_layer`.
* 2C uses the same points as 2A (uniform on [-5, 5]^m), not only the two
  orthants where the bound is attained, so a sampled minimum *can* exceed
  the bound and the check "minimum <= min(k, n1 - k, m)" is a real test.
* 2D: the curves are the per-network minimum and maximum rank averaged over
  the networks at each k; the purple range is the k where more than half of
  the networks have points of rank < m *and* points of rank m.
* numbers of networks for 2B-2D as listed above.

Where the text is ambiguous we follow it and say so in the summary: §3.2
says both "multiply the strictly negative weights" and "starting with
strictly positive weights" (2C uses positive weights, as the bound's
argument needs); with R(k, m) of eq. (10) ``k`` counts *excitatory* inputs, so
in 2D the strongly excitatory networks lie right of the purple range, while
the text places them "before" it.

Ranks are those of :func:`topodestruct.rank_decomposition` (layer 1, certified
mode).  Every record stores how many points were not certified and how many
had an uncertain activation pattern (a pre-activation within rounding of 0),
and the minimum rank over the remaining points; the summaries report them.

Sweeps run through :func:`.runner.run_sweep` (here, in ``jobs`` local
processes, or on Dask with ``scheduler=``), in runs of consecutive
configurations ranked together by :func:`evaluate_many` (records identical to
:func:`evaluate`'s, one configuration at a time); the panels are drawn by
:mod:`topodestruct.plotting.fig2`.
"""
import dataclasses
import hashlib
import pathlib

import numpy as np

from .._validation import check_integer
from .runner import run_sweep
from .fig2_summary import mixed_range, summarize_curves
from .store import ResultStore, config_key

__all__ = [
    "PANELS", "WIDTHS", "panel_configs", "config_seed", "evaluate", "evaluate_many",
    "run_panel",
    "aggregate", "summarize", "load_panel", "result_paths", "rank_selection_bound",
    "mixed_range", "BOX", "SIGMA_2B", "INHIBITION_RATIO",
]

PANELS = ("fig2a", "fig2b", "fig2c", "fig2d")
WIDTHS = (2, 5, 10, 25, 50, 100)  # the paper's sequence for m and n1
BOX = 5.0  # points uniform on [-BOX, BOX]^m (2D: (0, BOX]^m)
SIGMA_2B = 0.1
INHIBITION_RATIO = 4.0

# (full, quick) sweep sizes; see the module docstring
_SIZES = {
    "fig2a": dict(full=dict(ms=WIDTHS, n1s=WIDTHS, trials=100, n_points=1000),
                  quick=dict(ms=(2, 5, 10), n1s=WIDTHS, trials=10, n_points=200)),
    "fig2b": dict(full=dict(n1s=WIDTHS, mus=20, trials=100, n_points=1000),
                  quick=dict(n1s=(2, 10, 50), mus=5, trials=10, n_points=200)),
    "fig2c": dict(full=dict(ms=(25, 50), k_step=1, trials=10, n_points=1000),
                  quick=dict(ms=(25, 50), k_step=10, trials=2, n_points=200)),
    "fig2d": dict(full=dict(k_step=1, trials=10, n_points=1000),
                  quick=dict(k_step=5, trials=3, n_points=300)),
}


def _check_panel(panel):
    if panel not in PANELS:
        raise ValueError(f"unknown panel {panel!r}; expected one of {', '.join(PANELS)}")


def panel_configs(panel, quick=False, seed=0):
    """The configurations (one random network each) of a Figure 2 panel.

    Parameters
    ----------
    panel : {"fig2a", "fig2b", "fig2c", "fig2d"}
    quick : bool
        The small sweep the tests run instead of the paper's.
    seed : int
        Non-negative run seed, part of every configuration (so runs with
        different seeds can share a results file).

    Returns
    -------
    list of dict
        JSON-serialisable parameters; each is one resumable unit of work.

    Examples
    --------
    >>> cfgs = panel_configs("fig2a")
    >>> len(cfgs), cfgs[0]["m"], cfgs[0]["n1"], cfgs[-1]["trial"], cfgs[0]["n_points"]
    (3600, 2, 2, 99, 1000)
    """
    _check_panel(panel)
    _check_seed(seed)
    size = _SIZES[panel]["quick" if quick else "full"]
    trials, n_points = range(size["trials"]), size["n_points"]
    base = dict(panel=panel, seed=int(seed))
    if panel == "fig2a":
        return [dict(base, m=m, n1=n1, trial=t, n_points=n_points, bias="zero")
                for m in size["ms"] for n1 in size["n1s"] for t in trials]
    if panel == "fig2b":
        mus = [round(float(mu), 6) for mu in np.linspace(0.0, 0.2, size["mus"])]
        return [dict(base, m=10, n1=n1, mu=mu, sigma=SIGMA_2B, trial=t, n_points=n_points,
                     bias="zero")
                for n1 in size["n1s"] for mu in mus for t in trials]
    if panel == "fig2c":
        n1 = 100
        ks = _k_grid(n1, size["k_step"])
        return [dict(base, m=m, n1=n1, k=k, trial=t, n_points=n_points, bias="zero")
                for m in size["ms"] for k in ks for t in trials]
    m, n1 = 50, 100
    return [dict(base, m=m, n1=n1, k=k, inhibition_ratio=INHIBITION_RATIO, trial=t,
                 n_points=n_points, bias="zero")
            for k in _k_grid(m, size["k_step"]) for t in trials]


def _k_grid(n, step):
    """0, step, 2 step, ..., always including both ends 0 and n."""
    return sorted(set(range(0, n + 1, step)) | {n})


def _check_seed(seed):
    check_integer(seed, "seed", minimum=0)


def config_seed(params):
    """Seed of one configuration, derived from its run seed, panel and parameters.

    Parameters
    ----------
    params : dict
        The configuration, with its ``panel`` and run ``seed``.

    Returns
    -------
    int
        A 64-bit seed; equal inputs give equal seeds in every process.

    Examples
    --------
    >>> p = {"panel": "fig2a", "seed": 0, "m": 2, "n1": 5, "trial": 0}
    >>> config_seed(p) == config_seed(dict(reversed(list(p.items()))))
    True
    >>> config_seed(p) != config_seed(dict(p, seed=1))
    True
    """
    seed = params["seed"]
    _check_seed(seed)
    digest = hashlib.sha256(config_key(params).encode()).digest()
    words = np.frombuffer(digest[:16], dtype=np.uint32).tolist()
    state = np.random.SeedSequence([int(seed), *words]).generate_state(2, np.uint32)
    return int(state[0]) << 32 | int(state[1])


# -- one configuration ----------------------------------------------------
def _network(params, rng, as_weights=False):
    """The configuration's network; ``as_weights``: its ``[(W, b)]`` (float32, no torch)."""
    from ..relu import networks

    panel, m, n1 = params["panel"], params["m"], params["n1"]
    bias = {"zero": False, "default": True}[params["bias"]]  # "default": the builder's own
    if panel == "fig2a":
        return networks.mlp([m, n1], init="kaiming", bias=bias, random_state=rng,
                            as_weights=as_weights)
    if panel == "fig2b":
        return networks.mlp([m, n1], init="normal", mean=params["mu"], std=params["sigma"],
                            bias=bias, random_state=rng, as_weights=as_weights)
    if panel == "fig2c":
        return networks.rank_selection_layer(m, n1, params["k"], random_state=rng,
                                             as_weights=as_weights)
    return networks.dale_layer(m, n1, params["k"], inhibition_ratio=params["inhibition_ratio"],
                               random_state=rng, as_weights=as_weights)


def _points(params, rng):
    shape = (params["n_points"], params["m"])
    if params["panel"] == "fig2d":  # strictly positive samples, (0, BOX]^m
        return BOX - rng.uniform(0.0, BOX, size=shape)
    return rng.uniform(-BOX, BOX, size=shape)


def evaluate(params, seed):
    """Rank every sample point of one configuration's network.

    Parameters
    ----------
    params : dict
        One entry of :func:`panel_configs`.
    seed : int
        Its seed (see :func:`config_seed`); the network is drawn first, then
        the points, from one ``numpy.random.Generator``.

    Returns
    -------
    dict
        ``min_rank``, ``max_rank``, ``mean_rank``, ``rank_counts`` (number of
        points of each rank 0..min(m, n1)) and ``n_uncertified`` (points whose
        rank the rank routine did not certify) and ``n_uncertain_codewords``
        (points with a pre-activation within rounding of 0, whose activation
        pattern -- hence rank -- is not certain) and ``min_rank_certain``, the
        minimum over the other points.
    """
    from ..relu.rank import rank_decomposition

    rng = np.random.default_rng(seed)
    net = _network(params, rng)
    X = _points(params, rng)
    rd = rank_decomposition(net, X)
    return _result(params, rd.ranks[:, 0], rd.certified[:, 0], rd.uncertain_codewords[:, 0])


def evaluate_many(items):
    """:func:`evaluate` for many configurations at once, with identical results.

    The networks of configurations sharing ``(m, n1)`` are ranked together by
    :func:`topodestruct.relu.batched.one_layer_ranks` (the same certified
    ranks, without per-network setup).

    Parameters
    ----------
    items : list of (dict, int)
        ``(params, seed)`` pairs, as :func:`evaluate` takes them.

    Returns
    -------
    list of dict
        ``[evaluate(params, seed) for params, seed in items]``.
    """
    from ..relu.batched import one_layer_ranks

    groups = {}
    for i, (params, _) in enumerate(items):
        groups.setdefault((params["m"], params["n1"], params["n_points"]), []).append(i)
    out = [None] * len(items)
    for idx in groups.values():
        layers, points = [], []
        for i in idx:
            rng = np.random.default_rng(items[i][1])
            (layer,) = _network(items[i][0], rng, as_weights=True)     # one (W, b)
            layers.append(layer)
            points.append(_points(items[i][0], rng))
        W, B = (np.stack(a) for a in zip(*layers))
        ranks, certified, uncertain = one_layer_ranks(W, np.stack(points), B)
        for j, i in enumerate(idx):
            out[i] = _result(items[i][0], ranks[j], certified[j], uncertain[j])
    return out


def _result(params, ranks, certified, uncertain):
    """The stored statistics of one configuration from its points' layer-1 ranks."""
    ranks, certified, uncertain = (np.asarray(a) for a in (ranks, certified, uncertain))
    counts = np.bincount(ranks, minlength=min(params["m"], params["n1"]) + 1)
    return {"min_rank": int(ranks.min()), "max_rank": int(ranks.max()),
            "mean_rank": float(ranks.mean()), "rank_counts": counts.tolist(),
            "n_uncertified": int((~certified).sum()),
            "n_uncertain_codewords": int(uncertain.sum()),
            "min_rank_certain": int(ranks[~uncertain].min()) if (~uncertain).any() else None}


# -- sweeps -----------------------------------------------------------------
def result_paths(panel, out="results", quick=False):
    """``{"store", "png", "summary"}`` paths of a panel's results in `out`."""
    stem = panel + ("-quick" if quick else "")
    out = pathlib.Path(out)
    return {"store": out / f"{stem}.jsonl", "png": out / f"{stem}.png",
            "summary": out / f"{stem}.txt"}


def run_panel(panel, quick=False, out="results", seed=0, jobs=1, progress=True,
              on_record=None, scheduler=None):
    """Compute every missing configuration of a panel and return all its records.

    Finished configurations are appended to ``<out>/<panel>[-quick].jsonl`` one
    at a time, by this process only (see :func:`.runner.run_sweep`), so an
    interrupted run resumes where it stopped.

    Parameters
    ----------
    panel : {"fig2a", "fig2b", "fig2c", "fig2d"}
    quick : bool
        Small sweep (seconds) instead of the paper's.
    out : str or os.PathLike
        Results folder.
    seed : int
        Non-negative run seed; per-configuration seeds derive from it.
    jobs : int
        Worker processes (each single-threaded); 1 computes in this process,
        also single-threaded, so every ``jobs`` gives identical numbers.
    progress : bool
        Show a tqdm progress bar.
    on_record : callable, optional
        Called with each newly stored record (used by the resume tests to
        interrupt a run).
    scheduler : str or distributed.Client, optional
        Compute on Dask: a scheduler address, ``"local:N"`` (a LocalCluster of
        ``N`` worker processes) or a client; records are still written here.

    Returns
    -------
    list of dict
        The stored records of all configurations of the panel, in sweep order.
    """
    configs = panel_configs(panel, quick, seed)
    store = ResultStore(result_paths(panel, out, quick)["store"])
    return run_sweep(configs, evaluate, store, config_seed, jobs=jobs, scheduler=scheduler,
                     progress=progress, desc=panel, on_record=on_record,
                     evaluate_many=evaluate_many)


# -- aggregation --------------------------------------------------------------
@dataclasses.dataclass
class _Curve:
    """Per-x statistics of per-network minimum/maximum ranks."""

    x: np.ndarray
    mean_min: np.ndarray
    sd_min: np.ndarray
    lowest_min: np.ndarray  # min over networks of the per-network minimum
    mean_max: np.ndarray
    frac_destructive: np.ndarray  # networks with some point of rank < m
    frac_mixed: np.ndarray  # networks with points of rank < m and of rank m
    n: np.ndarray
    bound: np.ndarray = None  # 2C only: min(k, n1 - k, m)


def _curve(records, xkey):
    xs = sorted({r["params"][xkey] for r in records})
    rows = {x: [] for x in xs}
    for r in records:
        rows[r["params"][xkey]].append(r)
    stats = {f: [] for f in ("mean_min", "sd_min", "lowest_min", "mean_max",
                             "frac_destructive", "frac_mixed", "n")}
    for x in xs:
        mins = np.array([r["result"]["min_rank"] for r in rows[x]])
        maxs = np.array([r["result"]["max_rank"] for r in rows[x]])
        m = np.array([r["params"]["m"] for r in rows[x]])
        stats["mean_min"].append(mins.mean())
        stats["sd_min"].append(mins.std())
        stats["lowest_min"].append(mins.min())
        stats["mean_max"].append(maxs.mean())
        stats["frac_destructive"].append(np.mean(mins < m))
        stats["frac_mixed"].append(np.mean((mins < m) & (maxs == m)))
        stats["n"].append(len(mins))
    return _Curve(np.array(xs), **{k: np.array(v) for k, v in stats.items()})


def _groups(records, key):
    out = {}
    for r in records:
        out.setdefault(r["params"][key], []).append(r)
    return dict(sorted(out.items()))


def aggregate(panel, records):
    """The statistics behind a panel's figure and claims.

    Parameters
    ----------
    panel : {"fig2a", "fig2b", "fig2c", "fig2d"}
    records : list of dict
        Stored records of that panel (e.g. from :func:`run_panel`).

    Returns
    -------
    dict
        One curve per line of the panel: fig2a ``{m: curve over n1}``, fig2b
        ``{n1: curve over mu}``, fig2c ``{m: curve over k}`` (with ``bound`` =
        min(k, n1 - k, m)), fig2d ``{m: curve over k}``.  A curve has arrays
        ``x, mean_min, sd_min, lowest_min, mean_max, frac_destructive,
        frac_mixed, n``: statistics over the networks at each x.
    """
    _check_panel(panel)
    if not records:
        raise ValueError(f"no records for {panel}")
    wrong = {r["params"].get("panel") for r in records} - {panel}
    if wrong:
        raise ValueError(f"records of panel(s) {sorted(wrong)} passed for {panel}")
    line, xkey = {"fig2a": ("m", "n1"), "fig2b": ("n1", "mu"),
                  "fig2c": ("m", "k"), "fig2d": ("m", "k")}[panel]
    curves = {}
    for value, rs in _groups(records, line).items():
        c = curves[value] = _curve(rs, xkey)
        if panel == "fig2c":
            c.bound = rank_selection_bound(c.x, rs[0]["params"]["n1"], value)
    return curves


def rank_selection_bound(k, n1, m):
    """The paper's bound min(k, n1 - k, m) on the minimum rank of R(k, n1) W, W > 0.

    Examples
    --------
    >>> rank_selection_bound(np.array([0, 10, 50, 90]), 100, 25).tolist()
    [0, 10, 25, 10]
    """
    k = np.asarray(k)
    return np.minimum(np.minimum(k, n1 - k), m)


def summarize(panel, records):
    """A short text report of the numbers behind the paper's claims for a panel.

    Parameters
    ----------
    panel : {"fig2a", "fig2b", "fig2c", "fig2d"}
    records : list of dict

    Returns
    -------
    str
    """
    return summarize_curves(panel, aggregate(panel, records), records)


def load_panel(panel, out="results", quick=None, seed=None):
    """Stored records of a panel's sweep from a results folder.

    Parameters
    ----------
    panel : {"fig2a", "fig2b", "fig2c", "fig2d"}
    out : str or os.PathLike
    quick : bool or None
        Which sweep; None prefers the full one and falls back to the quick one.
    seed : int or None
        Run seed; None takes the seed of the last stored record.

    Returns
    -------
    list of dict
        The records of the finished configurations of that sweep, in sweep
        order (a partial sweep gives the finished part); empty if none.
    """
    _check_panel(panel)
    for q in ([False, True] if quick is None else [quick]):
        path = result_paths(panel, out, q)["store"]
        if path.exists():
            store = ResultStore(path)
            records = list(store)
            if not records:
                continue
            s = records[-1]["params"]["seed"] if seed is None else seed
            return [store.get(p) for p in panel_configs(panel, q, s) if p in store]
    return []


def __dir__():  # dir() shows the public names only
    return __all__
