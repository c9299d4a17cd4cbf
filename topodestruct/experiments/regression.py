"""Figures 3C and 4 of the paper: codeword sizes and ranks of small MLPs trained on test functions.

Setup (paper §4 and appendix 7.3; full run / ``quick``):

* **fig3c** -- the sphere function ``f(x) = sum x_i^2``, ``d = 20``, points
  uniform on [-5.12, 5.12]^20 (10 000 training and 10 000 test points; quick:
  500 each), targets the n-th discretisations ``f_n = k/n`` for
  ``P_{k/n} <= f < P_{(k+1)/n}`` (percentiles of the training values),
  n in {2, 3, 4, 5, 8}, and the continuous ``f_inf``.
* **fig4** -- Dixon-Price, Rosenbrock, Zakharov, Michalewicz, Schwefel,
  Styblinski-Tang and the sphere on their SSJ domains
  (:mod:`topodestruct.datasets.test_functions`), ``d = 20``, as regression and
  as classification (target 1 where ``f >= mean f`` over the training set,
  else 0).
* 10 networks 20-160-80-40-1 per target (quick: 2), torch's default
  initialisation, Adam lr 0.001, batch 64, MSE loss for every target (the
  paper names MSE for 3C and is silent for Figure 4; the 0/1 classification
  targets are fitted by MSE too, like f_2).
* For every network: codeword sizes and certified ranks
  (:func:`topodestruct.rank_decomposition`) of the test points at the three
  hidden layers, before and after training; one record per network.
* Statistics: Wilcoxon rank-sum tests (:func:`.statistics.rank_sum_tests`) of
  post vs pre codeword sizes pooled over the networks of a target, per layer,
  Bonferroni-corrected over all (target, layer) pairs of the panel, stars at
  corrected ``p < 0.001``; the same for ranks as a second family.

Choices where the paper is silent (summaries repeat them):

* **epochs: 50** (quick: 3) -- the paper states 50 epochs only for MNIST.
* inputs are mapped affinely onto [-1, 1]^20 before the network.  An
  invertible affine map before the first layer changes neither codewords nor
  ranks of the composite network, so the measured quantities are those of a
  network on the raw domain; it only makes training well conditioned across
  domains as different as [0, pi] and [-500, 500].
* continuous regression targets (``f_inf`` and Figure 4's regression) are
  standardised with the training mean and standard deviation (raw Rosenbrock
  or Zakharov values reach 1e6-1e12, where MSE training does not converge);
  discretised targets are the levels ``k/n`` themselves, as in the paper.
* one dataset per (run seed, function), shared by that function's networks;
  networks differ in initialisation and batch order.
"""
import pathlib
import zlib

import numpy as np

from .._validation import check_integer
from ..datasets.test_functions import discretise
from .store import ResultStore

__all__ = ["PANELS", "DISCRETISATIONS", "SIZES", "discretise", "make_targets", "panel_configs",
           "evaluate_config", "run_panel", "result_paths", "statistics", "summarize"]

PANELS = ("fig3c", "fig4")
DISCRETISATIONS = ("2", "3", "4", "5", "8", "inf")
WIDTHS = [20, 160, 80, 40, 1]
HIDDEN = 3
ALPHA = 0.001
SIZES = {"full": dict(n_nets=10, n_train=10000, n_test=10000, epochs=50),
         "quick": dict(n_nets=2, n_train=500, n_test=500, epochs=3)}


def result_paths(panel, out="results", quick=False):
    """``{"store", "png", "summary"}`` paths of a panel's results in `out`."""
    if panel not in PANELS:
        raise ValueError(f"unknown panel {panel!r}; expected one of {', '.join(PANELS)}")
    stem = panel + ("-quick" if quick else "")
    out = pathlib.Path(out)
    return {"store": out / f"{stem}.jsonl", "png": out / f"{stem}.png",
            "summary": out / f"{stem}.md"}


def make_targets(f_train, f_test, target):
    """Training and test targets for ``target`` in {"2".."8", "inf", "regression", "classification"}."""
    if target in ("inf", "regression"):
        mu, sd = f_train.mean(), f_train.std()
        return (f_train - mu) / sd, (f_test - mu) / sd
    if target == "classification":
        mean = f_train.mean()
        return (f_train >= mean).astype(np.float64), (f_test >= mean).astype(np.float64)
    n = int(target)
    return discretise(f_train, f_train, n), discretise(f_train, f_test, n)


def panel_configs(panel, quick=False, seed=0, device="cpu", data=None, **sizes):
    """One configuration (one network) per target and network index (``data`` is unused)."""
    from ..datasets.test_functions import FIGURE4_FUNCTIONS

    seed = check_integer(seed, "seed", minimum=0)
    unknown = set(sizes) - set(SIZES["full"])
    if unknown:
        raise TypeError(f"unknown size override(s) {sorted(unknown)}")
    s = dict(SIZES["quick" if quick else "full"], **sizes)
    base = {"panel": panel, "seed": seed, "n_train": s["n_train"], "n_test": s["n_test"],
            "epochs": s["epochs"], "widths": WIDTHS, "batch_size": 64, "lr": 1e-3,
            "device": str(device)}
    if panel == "fig3c":
        targets = [("sphere", t) for t in DISCRETISATIONS]
    elif panel == "fig4":
        targets = [(f, t) for f in FIGURE4_FUNCTIONS for t in ("classification", "regression")]
    else:
        raise ValueError(f"unknown panel {panel!r}; expected one of {', '.join(PANELS)}")
    return [dict(base, function=f, target=t, net=k) for f, t in targets
            for k in range(s["n_nets"])]


_DATA = {}


def _dataset(function, seed, n_train, n_test):
    """Scaled inputs and raw function values of the training and test sets (cached)."""
    from ..datasets.test_functions import FUNCTIONS, sample

    key = (function, seed, n_train, n_test)
    if key not in _DATA:
        rng = np.random.default_rng([seed, zlib.crc32(function.encode())])
        Xtr, ftr = sample(function, n_train, d=WIDTHS[0], random_state=rng)
        Xte, fte = sample(function, n_test, d=WIDTHS[0], random_state=rng)
        low, high = FUNCTIONS[function].domain
        scale = lambda X: (2.0 * (X - low) / (high - low) - 1.0).astype(np.float32)  # noqa: E731
        _DATA.clear()  # keep one dataset in memory
        _DATA[key] = (scale(Xtr), ftr, scale(Xte), fte)
    return _DATA[key]


def _layer_stats(net, X):
    from torch import nn

    from ..relu.rank import rank_decomposition

    hidden = nn.Sequential(*list(net)[:2 * HIDDEN])
    rd = rank_decomposition(hidden, X)
    sizes, widths = rd.codeword_sizes, rd.widths
    return {"size_hist": [np.bincount(sizes[:, k], minlength=widths[k] + 1).tolist()
                          for k in range(HIDDEN)],
            "rank_hist": [np.bincount(rd.ranks[:, k], minlength=WIDTHS[0] + 1).tolist()
                          for k in range(HIDDEN)],
            "uncertified": int((~rd.certified).sum())}


def _fit_stats(net, X, y, target):
    import torch

    with torch.no_grad():
        out = net(X).squeeze(1)
    stats = {"test_mse": float(((out - y) ** 2).mean())}
    if target == "classification":
        stats["accuracy"] = float(((out >= 0.5).to(y.dtype) == y).float().mean())
    elif target not in ("inf", "regression"):
        n = int(target)
        level = torch.clamp(torch.round(out * n), 0, n - 1)
        stats["accuracy"] = float((level == torch.round(y * n)).float().mean())
    return stats


def evaluate_config(params, seed):
    """Train one network (on ``params["device"]``); codeword/rank statistics before and after."""
    import torch
    from torch import nn

    from .training import deterministic, seeded, sequential_mlp, train

    device = params["device"]
    deterministic(device)
    Xtr, ftr, Xte, fte = _dataset(params["function"], params["seed"], params["n_train"],
                                  params["n_test"])
    ytr, yte = make_targets(ftr, fte, params["target"])
    dev = torch.device(device)
    Xtr_t, Xte_t = torch.from_numpy(Xtr).to(dev), torch.from_numpy(Xte).to(dev)
    ytr_t = torch.from_numpy(ytr.astype(np.float32)).to(dev).unsqueeze(1)
    yte_t = torch.from_numpy(yte.astype(np.float32)).to(dev)
    with seeded(seed):
        net = sequential_mlp(params["widths"]).to(dev)
    pre = dict(_layer_stats(net, Xte_t), **_fit_stats(net, Xte_t, yte_t, params["target"]))
    log = train(net, Xtr_t, ytr_t, nn.MSELoss(), epochs=params["epochs"],
                batch_size=params["batch_size"], lr=params["lr"], seed=seed, progress=False)
    post = dict(_layer_stats(net, Xte_t), **_fit_stats(net, Xte_t, yte_t, params["target"]))
    return {"pre": pre, "post": post,
            "train_loss": [round(r["train_loss"], 8) for r in log]}


def run_panel(panel, quick=False, out="results", seed=0, jobs=1, progress=True, device="cpu",
              data=None, scheduler=None, on_record=None, **sizes):
    """Compute every missing network of a panel (resumable); return all its records.

    Parameters
    ----------
    panel : {"fig3c", "fig4"}
    quick : bool
        2 networks per target, 500 points, 3 epochs.
    out : str or os.PathLike
    seed : int
        Run seed; datasets and per-network seeds derive from it.
    jobs : int
        Local worker processes (one torch thread each; the numbers do not depend on it).
    progress : bool
        tqdm bar over networks.
    device : str
        ``"cpu"`` or ``"cuda"``.
    data : None
        Unused (the data are generated); accepted for a uniform interface.
    scheduler : str or distributed.Client, optional
        Dask, as in :func:`topodestruct.experiments.runner.run_sweep`.
    on_record : callable, optional
        Called with every new record.
    **sizes
        Overrides of :data:`SIZES` (``n_nets``, ``n_train``, ``n_test``, ``epochs``).

    Returns
    -------
    list of dict
    """
    from .fig2 import config_seed
    from .runner import run_sweep

    configs = panel_configs(panel, quick, seed, device=device, **sizes)
    store = ResultStore(result_paths(panel, out, quick)["store"])
    return run_sweep(configs, evaluate_config, store, seed_of=config_seed, jobs=jobs,
                     scheduler=scheduler, progress=progress, desc=panel, on_record=on_record)


def _groups(records):
    out = {}
    for r in records:
        out.setdefault((r["params"]["function"], r["params"]["target"]), []).append(r)
    return out


def _label(function, target, panel):
    if panel == "fig3c":
        return f"f_{target}"
    return f"{function} {target[:5]}."


def statistics(panel, records, measure="size"):
    """Rank-sum rows (post vs pre, pooled over networks) per (target, layer), Bonferroni-corrected.

    Each row also has ``function``, ``target``, ``layer``, ``measure``,
    ``nets_up`` (networks whose mean rose) and ``n_nets``.
    """
    from .statistics import expand_histogram, rank_sum_tests

    key = {"size": "size_hist", "rank": "rank_hist"}[measure]
    comparisons, meta = {}, []
    for (function, target), rs in _groups(records).items():
        for k in range(HIDDEN):
            post = np.concatenate([expand_histogram(r["result"]["post"][key][k]) for r in rs])
            pre = np.concatenate([expand_histogram(r["result"]["pre"][key][k]) for r in rs])
            ups = sum(np.mean(expand_histogram(r["result"]["post"][key][k]))
                      > np.mean(expand_histogram(r["result"]["pre"][key][k])) for r in rs)
            label = f"{_label(function, target, panel)} layer {k + 1}"
            comparisons[label] = (post, pre)
            meta.append({"function": function, "target": target, "layer": k + 1,
                         "measure": measure, "nets_up": int(ups), "n_nets": len(rs)})
    rows = rank_sum_tests(comparisons, alpha=ALPHA)
    return [dict(r, **m) for r, m in zip(rows, meta)]


def _table(rows):
    lines = ["| target | layer | mean pre | mean post | z | p (Bonferroni) | nets up | "
             "verdict |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        star = f"{'*' if r['significant'] else ''}{r['direction'] if r['significant'] else 'n.s.'}"
        lines.append(f"| {r['label'].rsplit(' layer', 1)[0]} | {r['layer']} | "
                     f"{r['mean_pre']:.2f} | {r['mean_post']:.2f} | {r['statistic']:.1f} | "
                     f"{r['p_bonferroni']:.2g} | {r['nets_up']}/{r['n_nets']} | {star} |")
    return lines


def _fit_line(records):
    by = _groups(records)
    parts = []
    for (function, target), rs in by.items():
        acc = [r["result"]["post"].get("accuracy") for r in rs]
        mse = np.mean([r["result"]["post"]["test_mse"] for r in rs])
        mse0 = np.mean([r["result"]["pre"]["test_mse"] for r in rs])
        txt = f"{function}/{target}: test MSE {mse0:.3g} -> {mse:.3g}"
        if acc[0] is not None:
            txt += f", accuracy {np.mean(acc):.3f}"
        parts.append(txt)
    return parts


def _verdict(ok):
    return "**supported**" if ok else "**not supported**"


def summarize(panel, records):
    """Markdown summary: setup, per-(target, layer) tests and a verdict per claim."""
    from scipy import stats as sstats

    p = records[0]["params"]
    size_rows = statistics(panel, records, "size")
    rank_rows = statistics(panel, records, "rank")
    n_nets = size_rows[0]["n_nets"]
    lines = [f"# {panel}: codeword sizes of {'-'.join(map(str, p['widths']))} networks trained "
             f"on test functions", "",
             f"Run: seed {p['seed']}, device {p['device']}, {n_nets} networks per target, "
             f"{p['n_train']} training / {p['n_test']} test points, d = 20, {p['epochs']} "
             f"epochs (the paper does not state the number), Adam lr {p['lr']}, batch "
             f"{p['batch_size']}, MSE; inputs mapped onto [-1, 1]^20 (codewords and ranks "
             "unchanged), continuous targets standardised. Tests: Wilcoxon rank-sum post vs "
             f"pre of the pooled test-point values per (target, layer), Bonferroni over "
             f"{len(size_rows)} tests per measure, significant at corrected p < {ALPHA} (*). "
             "Points within a network are not independent samples: 'nets up' counts the "
             "networks whose mean rose.", "",
             "Fit: " + "; ".join(_fit_line(records)) + ".", "",
             "## Codeword sizes", ""] + _table(size_rows) + \
            ["", "## Certified ranks (at most 20)", ""] + _table(rank_rows) + \
            ["", "## Claims", ""]
    sig = {(r["target"], r["function"], r["layer"]): r for r in size_rows}
    uncert = sum(r["result"][w]["uncertified"] for r in records for w in ("pre", "post"))
    if panel == "fig3c":
        for t, want in (("2", "down"), ("3", "down"), ("inf", "up")):
            rs = [sig[(t, "sphere", k)] for k in range(1, HIDDEN + 1)]
            hits = [r["layer"] for r in rs if r["significant"] and r["direction"] == want]
            lines.append(f"- f_{t}: codeword size {'lower' if want == 'down' else 'higher'} "
                         f"after training than before (significant at layers {hits or 'none'}"
                         f" of 1-{HIDDEN}; mean pre -> post "
                         + ", ".join(f"{r['mean_pre']:.1f} -> {r['mean_post']:.1f}" for r in rs)
                         + f") -> {_verdict(len(hits) == HIDDEN)} "
                         f"({'all' if len(hits) == HIDDEN else 'not all'} layers).")
        order = np.arange(len(DISCRETISATIONS))
        for k in range(1, HIDDEN + 1):
            post = [sig[(t, "sphere", k)]["mean_post"] for t in DISCRETISATIONS]
            rho, pv = sstats.spearmanr(order, post)
            lines.append(f"- Layer {k}: mean post-training codeword size grows with the number "
                         f"of output values (2, 3, 4, 5, 8, inf): "
                         + ", ".join(f"{v:.1f}" for v in post)
                         + f"; Spearman rho {rho:.2f} (p {pv:.2g}, 6 points) -> "
                         f"{_verdict(rho > 0.8)} (criterion rho > 0.8).")
    else:
        for task, want in (("classification", "down"), ("regression", "up")):
            rs = [r for r in size_rows if r["target"] == task]
            hits = [r for r in rs if r["significant"] and r["direction"] == want]
            against = [r for r in rs if r["significant"] and r["direction"] != want]
            lines.append(f"- {task}: codeword size {'lower' if want == 'down' else 'higher'} "
                         f"after training: significant in the expected direction for "
                         f"{len(hits)}/{len(rs)} function-layer pairs, against it for "
                         f"{len(against)} ("
                         + (", ".join(r["label"] for r in against) or "none")
                         + f") -> {_verdict(len(hits) == len(rs))} for all pairs"
                         + (", " + _verdict(len(hits) > len(rs) / 2) + " for the majority"
                            if len(hits) != len(rs) else "") + ".")
        sch = [r for r in size_rows if r["function"] == "schwefel"]
        lines.append("- Schwefel (the paper: classification strongly lowers, regression does "
                     "not raise the codeword size): "
                     + ", ".join(f"{r['target'][:5]}. layer {r['layer']} "
                                 f"{r['mean_pre']:.1f} -> {r['mean_post']:.1f} "
                                 f"({'*' + r['direction'] if r['significant'] else 'n.s.'})"
                                 for r in sch) + ".")
    lines += ["", f"Uncertified ranks: {uncert} of "
              f"{sum(r['params']['n_test'] for r in records) * 2 * HIDDEN} point-layers.",
              f"Wall time: {sum(r.get('elapsed_s') or 0 for r in records):.0f} s for "
              f"{len(records)} networks ({np.mean([r['elapsed_s'] for r in records]):.1f} s "
              "per network, training and rank analysis)."]
    return "\n".join(lines) + "\n"


def __dir__():  # dir() shows the public names only
    return __all__
