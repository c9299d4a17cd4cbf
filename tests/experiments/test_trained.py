"""Tests of the trained-network experiments that need no data files (Figures 3C, 4).

Test-function values are checked against the minima and hand-computed values of
Surjanovic & Bingham's library (../shared/paper/sfu_test_functions.md), the
rank-sum statistics against hand-computed z-scores and scipy, the
discretisations against their definition, and resumed runs against
uninterrupted ones.
"""
import math

import numpy as np
import pytest
import torch
from torch import nn

from topodestruct import experiments
from topodestruct.cli import build_parser
from topodestruct.datasets import test_functions as tf
from topodestruct.experiments import mnist_training, regression as reg
from topodestruct.experiments.statistics import bonferroni, expand_histogram, rank_sum_tests
from topodestruct.experiments.training import seeded, sequential_mlp, train
from topodestruct.plotting import trained


def _strip(record):
    return {k: record[k] for k in ("params", "seed", "result")}


# -- test functions -------------------------------------------------------------
D = 20
# f(x*) = f_min from the table (Schwefel's rounded constants leave ~1.27e-5 per
# dimension, Styblinski-Tang's exact minimum is -39.166166 d)
MINIMA = {"sphere": (0.0, 1e-12), "ackley": (0.0, 1e-12), "rastrigin": (0.0, 1e-12),
          "griewank": (0.0, 1e-12), "schwefel": (1.27e-5 * D, 2e-6 * D),
          "levy": (0.0, 1e-12), "rosenbrock": (0.0, 1e-12),
          "styblinski_tang": (-39.166166 * D, 1e-5 * D), "zakharov": (0.0, 1e-12),
          "dixon_price": (0.0, 1e-10), "sum_of_different_powers": (0.0, 1e-12)}
DOMAINS = {"sphere": (-5.12, 5.12), "ackley": (-32.768, 32.768), "rastrigin": (-5.12, 5.12),
           "griewank": (-600, 600), "schwefel": (-500, 500), "levy": (-10, 10),
           "rosenbrock": (-5, 10), "styblinski_tang": (-5, 5), "zakharov": (-5, 10),
           "dixon_price": (-10, 10), "michalewicz": (0, math.pi),
           "sum_of_different_powers": (-1, 1)}


@pytest.mark.parametrize("name", sorted(MINIMA))
def test_function_minimum(name):
    f = tf.FUNCTIONS[name]
    value, tol = MINIMA[name]
    assert f(f.minimiser(D)) == pytest.approx(value, abs=tol)
    # the minimum is a minimum: random points of the domain are not lower
    X, y = tf.sample(name, 2000, d=D, random_state=1)
    assert (y > value - tol).all()


def test_domains_and_sampling():
    assert {k: tuple(v.domain) for k, v in tf.FUNCTIONS.items()} == pytest.approx(DOMAINS)
    for name, (lo, hi) in DOMAINS.items():
        X, y = tf.sample(name, 300, d=D, random_state=0)
        assert X.shape == (300, D) and y.shape == (300,)
        assert (X >= lo).all() and (X <= hi).all()
        assert np.array_equal(y, tf.FUNCTIONS[name](X))
    assert set(tf.FIGURE4_FUNCTIONS) == {"dixon_price", "rosenbrock", "zakharov", "michalewicz",
                                         "schwefel", "styblinski_tang", "sphere"}


def test_hand_computed_values():
    assert tf.rosenbrock(np.zeros(20)) == 19.0  # 19 terms (0 - 1)^2
    assert tf.zakharov(np.ones(2)) == 2 + 1.5 ** 2 + 1.5 ** 4  # s = 0.5 + 1
    assert tf.dixon_price(np.zeros(3)) == 1.0
    assert tf.styblinski_tang(np.ones(1)) == 0.5 * (1 - 16 + 5)
    assert tf.schwefel(np.zeros(4)) == pytest.approx(4 * 418.9829)
    assert tf.michalewicz(np.array([np.pi / 2])) == pytest.approx(-2.0 ** -10)
    # d = 2: x* = (2.20, 1.57) (rounded), f* = -1.8013; f is separable, so its
    # minimum is the sum of the two coordinate minima (searched on a fine grid)
    assert tf.michalewicz(np.array([2.20, 1.57])) == pytest.approx(-1.8013, abs=5e-4)
    t = np.linspace(0, np.pi, 400001)
    ref = tf.michalewicz(np.array([2.20, 1.57]))
    g1 = tf.michalewicz(np.stack([t, np.full_like(t, 1.57)], 1)).min()
    g2 = tf.michalewicz(np.stack([np.full_like(t, 2.20), t], 1)).min()
    assert g1 + g2 - ref == pytest.approx(-1.801303, abs=1e-6)
    assert tf.sum_of_different_powers(np.array([0.5, -0.5])) == 0.25 + 0.125
    assert tf.griewank(np.array([0.0, 0.0])) == 0.0
    assert tf.sphere(np.array([[1.0, 2.0], [3.0, 0.0]])).tolist() == [5.0, 9.0]
    with pytest.raises(ValueError, match="unknown test function"):
        tf.sample("nope", 3)
    with pytest.raises(ValueError, match="shape"):
        tf.sphere(np.zeros((2, 2, 2)))


# -- discretisations and targets -----------------------------------------------
@pytest.mark.parametrize("n", [2, 3, 4, 5, 8])
def test_discretisation_has_n_balanced_levels(n):
    _, ftr = tf.sample("sphere", 10000, d=20, random_state=0)
    _, fte = tf.sample("sphere", 10000, d=20, random_state=1)
    ytr, yte = reg.make_targets(ftr, fte, str(n))
    levels = np.arange(n) / n
    assert np.array_equal(np.unique(ytr), levels) and set(np.unique(yte)) <= set(levels)
    counts = np.array([(ytr == v).sum() for v in levels])
    assert counts.max() - counts.min() <= 1 and counts.sum() == 10000  # percentiles
    test_counts = np.array([(yte == v).sum() for v in levels])
    assert np.all(np.abs(test_counts - 10000 / n) < 5 * np.sqrt(10000 / n))
    # monotone in f: a larger value never gets a lower level
    order = np.argsort(ftr)
    assert np.all(np.diff(ytr[order]) >= 0)


def test_classification_and_regression_targets():
    f = np.array([0.0, 1.0, 2.0, 5.0])  # mean 2
    ytr, yte = reg.make_targets(f, np.array([1.9, 2.0, 7.0]), "classification")
    assert ytr.tolist() == [0, 0, 1, 1] and yte.tolist() == [0, 1, 1]
    ytr, yte = reg.make_targets(f, np.array([2.0]), "regression")
    assert ytr.mean() == pytest.approx(0) and ytr.std() == pytest.approx(1) and yte[0] == 0


# -- statistics -----------------------------------------------------------------
def test_rank_sum_hand_computed():
    # post = [3, 4], pre = [1, 2]: post rank sum 7, mean 2*5/2 = 5, var 2*2*5/12
    row = rank_sum_tests({"a": ([3, 4], [1, 2])})[0]
    z = (7 - 5) / math.sqrt(5 / 3)
    assert row["statistic"] == pytest.approx(z)
    assert row["p"] == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert row["direction"] == "up"
    # ties get average ranks: values 1, 2, 2, 2, 3 -> ranks 1, 3, 3, 3, 5;
    # post = [1, 2, 2] sums 7, mean 3*6/2 = 9, var 3*2*6/12 = 3
    row = rank_sum_tests({"t": ([1, 2, 2], [2, 3])})[0]
    assert row["statistic"] == pytest.approx(-2 / math.sqrt(3)) and row["direction"] == "down"


def test_rank_sum_equals_scipy_and_bonferroni():
    from scipy import stats

    rng = np.random.default_rng(0)
    samples = {f"c{i}": (rng.integers(0, 20, 300 + i), rng.integers(1, 21, 200)) for i in range(4)}
    rows = rank_sum_tests(samples, alpha=0.01)
    for row, (post, pre) in zip(rows, samples.values()):
        ref = stats.ranksums(post, pre)
        assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
        assert row["p"] == pytest.approx(ref.pvalue, rel=1e-12)
        assert row["p_bonferroni"] == pytest.approx(min(1.0, 4 * ref.pvalue))
        assert row["significant"] == (min(1.0, 4 * ref.pvalue) < 0.01)
        assert row["p_mannwhitney"] == pytest.approx(
            stats.mannwhitneyu(post, pre, alternative="two-sided").pvalue)
    assert rows[0]["direction"] == "down"  # pre is shifted up by one
    assert bonferroni([0.2, 0.5]).tolist() == [0.4, 1.0]
    assert expand_histogram([0, 2, 1]).tolist() == [1, 1, 2]
    with pytest.raises(ValueError):
        rank_sum_tests({"e": ([], [1])})


# -- training loop ----------------------------------------------------------------
def test_training_resume_is_bit_identical(tmp_path):
    g = torch.Generator().manual_seed(0)
    X = torch.rand(300, 5, generator=g)
    y = (X ** 2).sum(1, keepdim=True)

    def fresh():
        with seeded(1):
            return sequential_mlp([5, 16, 8, 1])

    full = fresh()
    log = train(full, X, y, nn.MSELoss(), epochs=3, batch_size=32, seed=7, progress=False)

    class Stop(Exception):
        pass

    def stop(epoch, model, info):
        if epoch == 2:
            raise Stop
    ck = tmp_path / "ck.pt"
    with pytest.raises(Stop):
        train(fresh(), X, y, nn.MSELoss(), epochs=3, batch_size=32, seed=7, checkpoint=ck,
              tag="t", on_epoch=stop, progress=False)
    resumed = fresh()
    log2 = train(resumed, X, y, nn.MSELoss(), epochs=3, batch_size=32, seed=7, checkpoint=ck,
                 tag="t", progress=False)
    assert [r["epoch"] for r in log2] == [2, 3]
    assert log2[-1]["train_loss"] == log[-1]["train_loss"]
    for a, b in zip(full.parameters(), resumed.parameters()):
        assert torch.equal(a, b)
    assert log[-1]["train_loss"] < log[0]["train_loss"]
    with pytest.raises(ValueError, match="belongs to configuration"):
        train(fresh(), X, y, nn.MSELoss(), epochs=3, checkpoint=ck, tag="other", progress=False)


# -- panels ---------------------------------------------------------------------
TINY = dict(n_nets=1, n_train=200, n_test=100, epochs=2)


def test_fig3c_resume_identical_records_and_outputs(tmp_path):
    class Stop(Exception):
        pass

    seen = []

    def stop(record):
        seen.append(record)
        if len(seen) == 3:
            raise Stop
    with pytest.raises(Stop):
        reg.run_panel("fig3c", quick=True, out=tmp_path / "a", progress=False, on_record=stop,
                      **TINY)
    resumed = reg.run_panel("fig3c", quick=True, out=tmp_path / "a", progress=False, **TINY)
    straight = reg.run_panel("fig3c", quick=True, out=tmp_path / "b", progress=False, **TINY)
    assert len(resumed) == 6 and {r["params"]["target"] for r in resumed} == set(
        reg.DISCRETISATIONS)
    assert [_strip(r) for r in resumed] == [_strip(r) for r in straight]
    r = resumed[0]["result"]
    for when in ("pre", "post"):
        assert [len(h) for h in r[when]["size_hist"]] == [161, 81, 41]
        assert all(sum(h) == 100 for h in r[when]["size_hist"] + r[when]["rank_hist"])
        # a rank never exceeds the input dimension nor the codeword size
        ranks = [expand_histogram(h).mean() for h in r[when]["rank_hist"]]
        sizes = [expand_histogram(h).mean() for h in r[when]["size_hist"]]
        assert all(rk <= min(20, s) + 1e-9 for rk, s in zip(ranks, sizes))
    text = reg.summarize("fig3c", resumed)
    assert "f_inf" in text and "Claims" in text
    fig = trained.plot_panel("fig3c", resumed, path=tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 0 and fig.axes


def test_quick_regression_learns():
    """f_2 (two balanced levels) is learned well above the 50% of guessing."""
    params = reg.panel_configs("fig3c", quick=True, seed=0, n_train=2000, n_test=500,
                               epochs=10)[0]
    res = reg.evaluate_config(params, 5)
    assert params["target"] == "2"
    assert res["post"]["accuracy"] > 0.75 and res["post"]["test_mse"] < res["pre"]["test_mse"]


def test_reproduce_registration_and_cli():
    args = build_parser().parse_args(["reproduce", "fig4", "--quick", "--device", "cpu",
                                      "--data", "x", "--seed", "3"])
    assert (args.panel, args.device, args.data, args.seed) == ("fig4", "cpu", "x", 3)
    for panel in ("fig3a", "fig3b"):
        assert build_parser().parse_args(["reproduce", panel]).panel == panel
    with pytest.raises(ValueError, match="unknown panel"):
        experiments.reproduce("fig9", quick=True)
    with pytest.raises(ValueError, match="jobs must be 1"):
        mnist_training.run_panel("fig3a", quick=True, jobs=2)
    assert all(c["device"] == "cpu" for c in reg.panel_configs("fig4", quick=True))
