"""Figure 3A/B of the paper: layer-4 ranks of an MNIST classifier before, during and after training.

Setup (paper §4; full run / ``quick``):

* MLP 784-2000-1000-500-100-10 with ReLU after every hidden layer (quick:
  784-256-128-64-32-10, a narrower net so that the tests run in seconds),
  torch's default ``nn.Linear`` initialisation, Adam with default parameters
  (lr 0.001), batch 64, cross-entropy, 50 epochs (quick: 2) on the 60 000
  training images (quick: the first 2 000); inputs scaled to [0, 1].
* Before training and after every epoch (one :class:`~.store.ResultStore`
  record per epoch): test loss and accuracy, training loss, and the certified
  layer-4 rank (:func:`topodestruct.rank_decomposition`) and codeword size of
  the 10 000 test images (quick: the first 500; the paper used 1 000; size
  ``n_rank``) and of as many inputs uniform on [0, 1]^784 (``n_noise``, drawn
  once per run seed).
* Every epoch writes a checkpoint (model, optimiser, RNG states) to
  ``<out>/checkpoints/``; an interrupted run resumes from it and produces the
  same records as an uninterrupted one (see :mod:`.training` for what is not
  bit-reproducible across machines).

fig3a and fig3b are two views of the same run (same store).  Figure 3A:
histograms of layer-4 ranks before/after training for test images and noise,
with the MNIST intrinsic-dimension band 7-13 [21] marked.  Figure 3B: mean
layer-4 rank against test loss across epochs.
"""
import os
import pathlib
import time

import numpy as np

from .._validation import check_integer
from .store import ResultStore, config_key

__all__ = ["PANELS", "BAND", "SIZES", "panel_configs", "run_config", "run_panel",
           "result_paths", "summarize", "layer_rank_stats"]

PANELS = ("fig3a", "fig3b")
BAND = (7, 13)  # intrinsic dimension estimate of MNIST (Pope et al. / paper ref. 21)
RANK_LAYER = 4
SIZES = {
    "full": dict(widths=[784, 2000, 1000, 500, 100, 10], epochs=50, n_train=60000,
                 n_test=10000, n_rank=10000, n_noise=10000, batch_size=64, lr=1e-3),
    "quick": dict(widths=[784, 256, 128, 64, 32, 10], epochs=2, n_train=2000,
                  n_test=500, n_rank=500, n_noise=500, batch_size=64, lr=1e-3),
}
ENV_DATA = "TOPODESTRUCT_MNIST"


def result_paths(panel, out="results", quick=False):
    """``{"store", "png", "summary", "checkpoint"}`` of a panel; fig3a/b share store and run."""
    if panel not in PANELS:
        raise ValueError(f"unknown panel {panel!r}; expected one of {', '.join(PANELS)}")
    out = pathlib.Path(out)
    q = "-quick" if quick else ""
    return {"store": out / f"fig3ab-mnist{q}.jsonl", "png": out / f"{panel}{q}.png",
            "summary": out / f"{panel}{q}.md",
            "checkpoint": out / "checkpoints" / f"fig3ab-mnist{q}.pt"}


def layer_rank_stats(net, X, layer, band=BAND):
    """Certified rank and codeword-size statistics of ``net`` at ``X`` in one layer.

    Returns
    -------
    dict
        ``rank_hist`` and ``size_hist`` (counts of each value 0..width),
        ``mean_rank``, ``mean_size``, ``frac_band`` (rank within ``band``,
        inclusive), ``frac_below_band``, ``uncertified`` and ``uncertain``
        (points whose rank is not proven / whose activation pattern has a
        pre-activation within rounding of 0 at some layer <= ``layer``).
    """
    from ..relu.rank import rank_decomposition
    from torch import nn

    sub = nn.Sequential(*list(net)[:2 * layer])  # first `layer` Linear+ReLU pairs
    rd = rank_decomposition(sub, X, layers=[layer])
    ranks, sizes = rd.ranks[:, layer - 1], rd.codeword_sizes[:, layer - 1]
    width = rd.widths[layer - 1]
    return {"rank_hist": np.bincount(ranks, minlength=width + 1).tolist(),
            "size_hist": np.bincount(sizes, minlength=width + 1).tolist(),
            "mean_rank": float(ranks.mean()), "mean_size": float(sizes.mean()),
            "frac_band": float(np.mean((ranks >= band[0]) & (ranks <= band[1]))),
            "frac_below_band": float(np.mean(ranks < band[0])),
            "uncertified": int((~rd.certified[:, layer - 1]).sum()),
            "uncertain": int(np.logical_or.accumulate(
                rd.uncertain_codewords, axis=1)[:, layer - 1].sum())}


def _data_dir(data):
    data = data if data is not None else os.environ.get(ENV_DATA)
    if data is None:
        raise ValueError(f"MNIST folder not given: pass --data DIR (data=...) or set {ENV_DATA}")
    return pathlib.Path(data)


def run_config(params, data, out, device="cpu", progress=True, on_record=None):
    """Train (or resume) one MNIST run; store one record per epoch; return all records.

    The total number of epochs is not part of the records' keys nor of the
    checkpoint's tag (epoch ``e`` does not depend on how many follow), so a
    longer run continues a shorter one.
    """
    import torch
    from torch import nn
    from tqdm.auto import tqdm

    from ..datasets.mnist import load_mnist
    from .training import deterministic, evaluate, seeded, sequential_mlp, train

    seed = params["seed"]
    deterministic(device)
    folder = _data_dir(data)
    Xtr, ytr = load_mnist(folder, kind="train")
    Xte, yte = load_mnist(folder, kind="test")
    Xtr, ytr = Xtr[:params["n_train"]], ytr[:params["n_train"]]
    Xte, yte = Xte[:params["n_test"]], yte[:params["n_test"]]
    noise = np.random.default_rng([seed, 3]).uniform(
        0.0, 1.0, (params["n_noise"], Xte.shape[1])).astype(np.float32)
    dev = torch.device(device)
    Xtr_t, ytr_t = torch.from_numpy(Xtr).to(dev), torch.from_numpy(ytr.astype(np.int64)).to(dev)
    Xte_t, yte_t = torch.from_numpy(Xte).to(dev), torch.from_numpy(yte.astype(np.int64)).to(dev)
    noise_t = torch.from_numpy(noise).to(dev)
    with seeded(seed):
        net = sequential_mlp(params["widths"]).to(dev)
    loss_fn = nn.CrossEntropyLoss()
    store = ResultStore(out["store"])
    epochs = params["epochs"]
    params = {k: v for k, v in params.items() if k != "epochs"}

    def on_epoch(epoch, model, info):
        key = dict(params, epoch=epoch)
        if key in store:
            return
        t0 = time.perf_counter()
        steps = tqdm(total=3, desc=f"epoch {epoch} analysis", unit="step", leave=False,
                     disable=not progress, dynamic_ncols=True)
        ev = evaluate(model, Xte_t, yte_t, loss_fn, classify=True)
        steps.update()
        steps.set_postfix_str(f"layer-{RANK_LAYER} ranks of {params['n_rank']} test images")
        test = layer_rank_stats(model, Xte_t[:params["n_rank"]], RANK_LAYER)
        steps.update()
        steps.set_postfix_str(f"layer-{RANK_LAYER} ranks of {params['n_noise']} noise inputs")
        noise = layer_rank_stats(model, noise_t, RANK_LAYER)
        steps.update()
        steps.close()
        result = {"epoch": epoch, "test_loss": ev["loss"], "test_accuracy": ev["accuracy"],
                  "train_loss": info["train_loss"], "test": test, "noise": noise}
        rank_s = time.perf_counter() - t0
        record = store.add(key, result, seed=seed,
                           elapsed_s=round(info["seconds"] + rank_s, 3),
                           train_s=round(info["seconds"], 3), analysis_s=round(rank_s, 3))
        if on_record is not None:
            on_record(record)

    if not all(dict(params, epoch=e) in store for e in range(epochs + 1)):
        tag = config_key(params)
        train(net, Xtr_t, ytr_t, loss_fn, epochs=epochs, batch_size=params["batch_size"],
              lr=params["lr"], seed=seed, checkpoint=out["checkpoint"], tag=tag,
              on_epoch=on_epoch, progress=progress, desc="fig3 MNIST", batch_progress=True)
    return store.results([dict(params, epoch=e) for e in range(epochs + 1)])


def _run_params(quick, seed, device, sizes):
    seed = check_integer(seed, "seed", minimum=0)
    unknown = set(sizes) - set(SIZES["full"])
    if unknown:
        raise TypeError(f"unknown size override(s) {sorted(unknown)}")
    params = dict(SIZES["quick" if quick else "full"], **sizes)
    return {"experiment": "fig3ab-mnist", "seed": seed, "device": str(device),
            **{k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}}


def panel_configs(panel, quick=False, seed=0, device="cpu", data=None, **sizes):
    """The record keys of a run: its parameters (without the epoch count) and ``epoch``."""
    params = _run_params(quick, seed, device, sizes)
    epochs = params.pop("epochs")
    return [dict(params, epoch=e) for e in range(epochs + 1)]


def run_panel(panel, quick=False, out="results", seed=0, jobs=1, progress=True, data=None,
              device="cpu", scheduler=None, on_record=None, **sizes):
    """Run (or resume) the MNIST training of Figure 3A/B; return its per-epoch records.

    Parameters
    ----------
    panel : {"fig3a", "fig3b"}
        Both share one run.
    quick : bool
        Narrow net, 2 000 training images, 2 epochs.
    out : str or os.PathLike
        Results folder.
    seed : int
        Seeds the initialisation, the batch order and the noise inputs.
    jobs : int
        Must be 1 (training is sequential; torch threads decide the speed).
    progress : bool
    data : str or os.PathLike, optional
        MNIST folder; default: the ``TOPODESTRUCT_MNIST`` environment variable.
    device : str
        ``"cpu"`` or ``"cuda"`` (a GPU is used only when asked for).
    scheduler : None
        Dask is not supported for this one training run.
    on_record : callable, optional
        Called with every new record (the resume tests interrupt through it).
    **sizes
        Overrides of :data:`SIZES` (``epochs``, ``n_train``, ``widths``, ...).

    Returns
    -------
    list of dict
        Records of epochs ``0..epochs`` (0 = before training).
    """
    if jobs != 1 or scheduler is not None:
        raise ValueError(f"{panel} is one sequential training run: jobs must be 1 and no "
                         "scheduler can be given")
    params = _run_params(quick, seed, device, sizes)
    paths = result_paths(panel, out, quick)
    _data_dir(data)  # fail before any work if no folder is given
    return run_config(params, data, paths, device=device, progress=progress,
                      on_record=on_record)


def _first_last(records):
    return records[0]["result"], records[-1]["result"]


def summarize(panel, records):
    """Markdown summary with a verdict per claim of §4 (Figure 3A/B)."""
    from scipy import stats

    pre, post = _first_last(records)
    p = records[0]["params"]
    width = p["widths"][RANK_LAYER]
    n_epochs = records[-1]["result"]["epoch"]
    lines = [f"# {panel}: MNIST classifier, layer-{RANK_LAYER} ranks "
             f"({'-'.join(map(str, p['widths']))}, {n_epochs} epochs)", "",
             f"Run: seed {p['seed']}, device {p['device']}, {p['n_train']} training images, "
             f"{p['n_test']} test images (ranks of the first {p.get('n_rank', p['n_test'])}), "
             f"{p['n_noise']} uniform-noise inputs, Adam lr "
             f"{p['lr']}, batch {p['batch_size']}. Ranks certified "
             f"(uncertified points after training: test {post['test']['uncertified']}, "
             f"noise {post['noise']['uncertified']}).", "",
             "| epoch | test loss | test acc | mean rank test | in band 7-13 | "
             "mean rank noise | mean codeword test |", "|---|---|---|---|---|---|---|"]
    for r in records:
        x = r["result"]
        lines.append(f"| {x['epoch']} | {x['test_loss']:.4f} | {x['test_accuracy']:.4f} | "
                     f"{x['test']['mean_rank']:.2f} | {x['test']['frac_band']:.3f} | "
                     f"{x['noise']['mean_rank']:.2f} | {x['test']['mean_size']:.2f} |")
    t0, t1 = pre["test"]["mean_rank"], post["test"]["mean_rank"]
    n0, n1 = pre["noise"]["mean_rank"], post["noise"]["mean_rank"]
    lines += ["", "## Claims", ""]

    def verdict(ok):
        return "**supported**" if ok else "**not supported**"

    ok = abs(t0 - width / 2) <= 0.2 * width and abs(n0 - width / 2) <= 0.2 * width
    lines.append(f"- Before training, test images and noise sit at mean rank about width/2 "
                 f"= {width / 2:g} (criterion: within 20% of the width): test {t0:.2f}, "
                 f"noise {n0:.2f} -> {verdict(ok)}.")
    ok = t1 < t0 and t1 <= BAND[1]
    lines.append(f"- After training, test images sit at much lower rank, close to the lower "
                 f"band edge {BAND[0]} (criterion: mean after <= {BAND[1]} and below before): "
                 f"{t0:.2f} -> {t1:.2f}; fraction in band 7-13 {pre['test']['frac_band']:.3f} "
                 f"-> {post['test']['frac_band']:.3f}, below 7 "
                 f"{pre['test']['frac_below_band']:.3f} -> "
                 f"{post['test']['frac_below_band']:.3f} -> {verdict(ok)}.")
    ok = n1 < n0 and (n0 - n1) < 0.5 * (t0 - t1)
    lines.append(f"- Noise ranks drop too, but much less (criterion: noise drops, by less "
                 f"than half the drop of the test images): noise {n0:.2f} -> {n1:.2f} "
                 f"(drop {n0 - n1:.2f}) vs "
                 f"test drop {t0 - t1:.2f} -> {verdict(ok)}.")
    acc = post["test_accuracy"]
    lines.append(f"- Test accuracy > 98.4%: {100 * acc:.2f}% -> {verdict(acc > 0.984)}"
                 + (f" ({n_epochs} epochs, the paper 50: not comparable)"
                    if n_epochs < 50 else "") + ".")
    if len(records) >= 5:
        loss = [r["result"]["test_loss"] for r in records]
        rank = [r["result"]["test"]["mean_rank"] for r in records]
        rho, pval = stats.spearmanr(loss, rank)
        best = int(np.argmin(loss))
        ok = rho > 0 and pval < 0.05
        lines.append(f"- (3B) Lower test loss goes with lower mean layer-{RANK_LAYER} rank "
                     f"across epochs (criterion: Spearman rho > 0, p < 0.05): rho = {rho:.3f}, "
                     f"p = {pval:.3g}; lowest test loss {loss[best]:.4f} at epoch {best} "
                     f"(mean rank {rank[best]:.2f}) -> {verdict(ok)}.")
    else:
        lines.append("- (3B) Rank vs test-loss trend: fewer than 5 records (epochs 0..), not "
                     "tested; test loss " + ", ".join(f"{r['result']['test_loss']:.4f}"
                                                      for r in records)
                     + " with mean rank " + ", ".join(f"{r['result']['test']['mean_rank']:.2f}"
                                                       for r in records) + ".")
    total = sum(r.get("elapsed_s") or 0 for r in records)
    train_s = [r.get("train_s") for r in records[1:] if r.get("train_s")]
    ana_s = [r.get("analysis_s") for r in records if r.get("analysis_s")]
    lines += ["", f"Wall time: {total:.0f} s in all; per epoch: training "
              f"{np.mean(train_s) if train_s else float('nan'):.1f} s, rank analysis "
              f"{np.mean(ana_s) if ana_s else float('nan'):.1f} s (mean)."]
    return "\n".join(lines) + "\n"


def __dir__():  # dir() shows the public names only
    return __all__
