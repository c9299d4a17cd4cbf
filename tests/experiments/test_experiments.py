"""Tests of the experiment machinery (result store, resumable sweeps) and of the
paper's Figure 2 claims on the quick sweeps.

The claims are checked against the numbers the sweeps produce, in forms that
fail if the claim (or the rank routine) is wrong; the analytic ends of 2D
(positive inputs with all-inhibitory / all-excitatory weights) are exact.
"""
import json
import pathlib

import numpy as np
import pytest

from topodestruct import experiments
from topodestruct.experiments import fig2 as rn
from topodestruct.plotting.fig2 import write_pngs
from topodestruct.experiments.store import ResultStore, config_key

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _strip(record):
    """The reproducible part of a record (no timestamps, timings)."""
    return {k: record[k] for k in ("params", "seed", "result")}


# -- store ----------------------------------------------------------------------
def test_store_round_trip_and_versions(tmp_path):
    path = tmp_path / "sub" / "s.jsonl"
    store = ResultStore(path)
    store.add({"m": 2, "trial": np.int64(0)}, {"ranks": np.arange(3), "x": np.float32(0.5)},
              seed=11, elapsed_s=0.1)
    store.add({"m": 2, "trial": 1}, {"ranks": [1]}, seed=12)
    again = ResultStore(path)
    assert len(again) == 2
    assert {"trial": 0, "m": 2} in again and {"m": 3, "trial": 0} not in again
    rec = again.get({"m": 2, "trial": 0})
    assert rec["result"] == {"ranks": [0, 1, 2], "x": 0.5} and rec["seed"] == 11
    assert set(rec["versions"]) >= {"python", "numpy", "torch", "topodestruct"}
    assert again.pending([{"m": 2, "trial": 1}, {"m": 2, "trial": 2}]) == [{"m": 2, "trial": 2}]
    with pytest.raises(KeyError, match="not in"):
        again.results([{"m": 2, "trial": 2}])
    # one line per record, each a complete JSON document
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["params"] for line in lines)


def test_store_drops_truncated_last_line_and_repairs(tmp_path):
    path = tmp_path / "s.jsonl"
    store = ResultStore(path)
    for t in range(3):
        store.add({"trial": t}, {"v": t})
    good = path.read_bytes()
    path.write_bytes(good + b'{"params": {"trial": 3}, "res')  # crash mid-write
    store = ResultStore(path)
    assert len(store) == 3 and path.read_bytes() == good
    store.add({"trial": 3}, {"v": 3})
    assert [r["result"]["v"] for r in ResultStore(path)] == [0, 1, 2, 3]


def test_store_keeps_complete_last_line_without_newline(tmp_path):
    path = tmp_path / "s.jsonl"
    ResultStore(path).add({"trial": 0}, {"v": 0})
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    store = ResultStore(path)
    assert len(store) == 1 and path.read_bytes().endswith(b"\n")
    store.add({"trial": 1}, {"v": 1})
    assert len(ResultStore(path)) == 2


def test_store_rejects_corruption_and_bad_arguments(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"params": {"a": 1}, "result": {}}\nnot json\n{"params": {"a": 2}}\n')
    with pytest.raises(ValueError, match="line 2"):
        ResultStore(path)
    with pytest.raises(TypeError, match="path"):
        ResultStore(3)
    with pytest.raises(TypeError, match="result"):
        ResultStore(tmp_path / "t.jsonl").add({"a": 1}, [1, 2])
    with pytest.raises(TypeError, match="params"):
        config_key([1])


# -- configurations and seeds --------------------------------------------------
def test_config_seeds_are_deterministic_and_distinct():
    configs = rn.panel_configs("fig2a", quick=True, seed=0)
    seeds = [rn.config_seed(p) for p in configs]
    assert len(set(seeds)) == len(seeds)
    assert seeds == [rn.config_seed(dict(p)) for p in rn.panel_configs("fig2a", True, 0)]
    other = [rn.config_seed(p) for p in rn.panel_configs("fig2a", quick=True, seed=1)]
    assert not set(seeds) & set(other)
    # the same (m, n1, trial) in another panel gets another seed
    p = configs[0]
    assert rn.config_seed(dict(p, panel="fig2c")) != rn.config_seed(p)


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown panel"):
        experiments.reproduce("fig9", quick=True, out=tmp_path)
    with pytest.raises(ValueError, match="non-negative"):
        rn.panel_configs("fig2a", seed=-1)
    with pytest.raises(TypeError, match="seed"):
        rn.panel_configs("fig2a", seed=1.5)
    with pytest.raises(ValueError, match="jobs"):
        rn.run_panel("fig2d", quick=True, out=tmp_path, jobs=0)


# -- resume -------------------------------------------------------------------
class _Interrupt(Exception):
    pass


def _interrupt_after(n):
    seen = []

    def callback(record):
        seen.append(record)
        if len(seen) == n:
            raise _Interrupt

    return callback


def test_interrupted_run_resumes_to_identical_results(tmp_path):
    full = rn.run_panel("fig2a", quick=True, out=tmp_path / "full", progress=False)
    out = tmp_path / "interrupted"
    with pytest.raises(_Interrupt):
        rn.run_panel("fig2a", quick=True, out=out, progress=False, on_record=_interrupt_after(7))
    store_path = rn.result_paths("fig2a", out, quick=True)["store"]
    assert len(ResultStore(store_path)) == 7  # everything finished was saved
    # a second crash, this time in the middle of writing a record
    with pytest.raises(_Interrupt):
        rn.run_panel("fig2a", quick=True, out=out, progress=False, on_record=_interrupt_after(5))
    data = store_path.read_bytes()
    store_path.write_bytes(data[:-40])
    assert len(ResultStore(store_path)) == 11
    computed = []
    resumed = rn.run_panel("fig2a", quick=True, out=out, progress=False,
                           on_record=computed.append)
    assert len(computed) == len(full) - 11  # only the missing ones were computed
    assert [_strip(r) for r in resumed] == [_strip(r) for r in full]


def test_parallel_run_matches_serial(tmp_path):
    serial = rn.run_panel("fig2d", quick=True, out=tmp_path / "a", progress=False)
    parallel = rn.run_panel("fig2d", quick=True, out=tmp_path / "b", progress=False, jobs=2)
    assert [_strip(r) for r in parallel] == [_strip(r) for r in serial]


# -- the quick reproduction and the paper's claims -----------------------------------
@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    runs = experiments.reproduce("fig2", quick=True, out=out, progress=False)
    write_pngs(runs, figure="fig2")
    return out, runs


def test_files_written(quick_runs):
    out, runs = quick_runs
    assert set(runs) == {"fig2a", "fig2b", "fig2c", "fig2d"}
    for name in ["fig2a", "fig2b", "fig2c", "fig2d", "fig2"]:
        png = out / f"{name}-quick.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    for run in runs.values():
        assert run.summary_path.read_text() == run.summary
        assert len(run.records) == len(rn.panel_configs(run.panel, quick=True))
        assert sum(r["result"]["n_uncertified"] for r in run.records) == 0


def _svd_rank_counts(record):
    """Rank histogram by an independent route: float64 SVD of the active rows."""
    import torch

    params = record["params"]
    rng = np.random.default_rng(record["seed"])
    net = rn._network(params, rng)
    X = rn._points(params, rng)
    W = net[0].weight.detach().to(torch.float64).numpy()
    b = net[0].bias.detach().to(torch.float64).numpy()
    active = X @ W.T + b > 0
    ranks = np.linalg.matrix_rank(active[:, :, None] * W[None])
    return np.bincount(ranks, minlength=len(record["result"]["rank_counts"])).tolist()


@pytest.mark.parametrize("panel, select", [
    ("fig2a", {"m": 10}), ("fig2c", {"k": 50}), ("fig2c", {"k": 10}), ("fig2d", {"k": 40})])
def test_stored_ranks_agree_with_independent_svd(quick_runs, panel, select):
    records = [r for r in quick_runs[1][panel].records
               if all(r["params"][k] == v for k, v in select.items())]
    assert records
    for r in records:
        if r["result"]["n_uncertain_codewords"] == 0:
            assert r["result"]["rank_counts"] == _svd_rank_counts(r), r["params"]


def test_fig2a_mean_min_rank_bounded_by_m_and_grows_with_width(quick_runs):
    records = quick_runs[1]["fig2a"].records
    curves = rn.aggregate("fig2a", records)
    assert sorted(curves) == [2, 5, 10]
    for m, c in curves.items():
        assert np.all(c.mean_min <= m)
        assert np.all(np.diff(c.mean_min) >= 0), (m, c.mean_min)  # grows with n1 ...
        assert c.mean_min[-1] >= 0.9 * m  # ... toward m (n1 = 100 >> m)
        assert c.mean_min[0] < c.mean_min[-1]
    # n1 <= m: a rank-m point needs m active units among n1, impossible for n1 < m
    for r in records:
        if r["params"]["n1"] < r["params"]["m"]:
            assert r["result"]["max_rank"] <= r["params"]["n1"]


def test_fig2b_raising_mu_lowers_min_rank(quick_runs):
    curves = rn.aggregate("fig2b", quick_runs[1]["fig2b"].records)
    for n1, c in curves.items():
        assert c.x[0] == 0.0 and c.x[-1] == pytest.approx(0.2)
        assert c.mean_min[-1] <= c.mean_min[0]
    for n1 in (10, 50):  # wide enough to have rank > 0 at mu = 0
        c = curves[n1]
        assert c.mean_min[0] > 0 and c.mean_min[-1] < c.mean_min[0]
        assert np.all(np.diff(c.mean_min) <= 0), c.mean_min


def test_fig2c_sampled_minimum_respects_bound(quick_runs):
    records = quick_runs[1]["fig2c"].records
    for r in records:
        p = r["params"]
        assert r["result"]["min_rank"] <= min(p["k"], p["n1"] - p["k"], p["m"]), p
    curves = rn.aggregate("fig2c", records)
    assert sorted(curves) == [25, 50]
    for m, c in curves.items():
        assert c.bound.tolist() == [min(k, 100 - k, m) for k in c.x]


def test_fig2d_mixed_region_between_the_ends(quick_runs):
    records = quick_runs[1]["fig2d"].records
    (m, c), = rn.aggregate("fig2d", records).items()
    assert m == 50
    # analytic ends on positive inputs with zero bias: all-inhibitory weights
    # silence every unit (rank 0); all-excitatory ones activate all 100 units
    for r in records:
        if r["params"]["k"] == 0:
            assert r["result"]["max_rank"] == 0
        if r["params"]["k"] == m:
            assert r["result"]["min_rank"] == m
    mixed = rn.mixed_range(c)
    assert mixed.size > 0
    assert 0 < mixed.min() and mixed.max() < m
    # ... and around the balance point k = m r / (1 + r) = 40, where the summed
    # excitatory and inhibitory weights are equal on average
    step = c.x[1] - c.x[0]
    assert mixed.min() - step <= 40 <= mixed.max() + step


def test_cli_reproduce_resumes_without_recomputing(quick_runs, capsys):
    from topodestruct import cli

    out, runs = quick_runs
    store = runs["fig2d"].store_path
    before = store.read_bytes()
    assert cli.main(["reproduce", "fig2d", "--quick", "--out", str(out)]) == 0
    assert store.read_bytes() == before
    said = capsys.readouterr().out
    assert "purple region" in said
    n = len(rn.panel_configs("fig2d", quick=True))
    assert f"fig2d: resumed: {n} of {n} records present in {store}" in said
    # says where it wrote its files, under the names the README promises for --quick
    assert (f"files written to {out.resolve()}: fig2d-quick.jsonl, fig2d-quick.txt, "
            "fig2d-quick.png") in said


def test_cli_reproduce_reports_a_partial_resume(tmp_path, capsys):
    from topodestruct import cli

    with pytest.raises(_Interrupt):
        rn.run_panel("fig2d", quick=True, out=tmp_path, progress=False,
                     on_record=_interrupt_after(4))
    assert cli.main(["reproduce", "fig2d", "--quick", "--out", str(tmp_path)]) == 0
    n = len(rn.panel_configs("fig2d", quick=True))
    assert f"fig2d: resumed: 4 of {n} records present" in capsys.readouterr().out


def test_readme_names_the_files_reproduce_writes():
    # the README promises file names; --quick writes <panel>-quick.*, the full run <panel>.*
    readme = (ROOT / "README.md").read_text()
    for name in ("fig2a-quick.jsonl", "fig2a-quick.png", "fig2a-quick.txt",
                 "fig2a.jsonl", "fig2a.png", "fig2a.txt"):
        assert name in readme, name
    for quick in (False, True):
        paths = rn.result_paths("fig2a", "results", quick)
        assert {p.name for p in paths.values()} == {
            f"fig2a{'-quick' if quick else ''}.{ext}" for ext in ("jsonl", "png", "txt")}


def test_load_panel_reads_what_was_stored(quick_runs):
    out, runs = quick_runs
    loaded = rn.load_panel("fig2c", out)
    assert [_strip(r) for r in loaded] == [_strip(r) for r in runs["fig2c"].records]
    assert rn.load_panel("fig2c", out / "nowhere") == []


def test_records_are_strict_json_with_inf_as_a_string(tmp_path):
    """Sizes of classes that never die are inf; JSON has no inf (Python writes the
    non-standard 'Infinity', which jq and JavaScript reject): records hold "inf"."""
    import json

    from topodestruct.experiments.store import ResultStore, json_safe

    store = ResultStore(tmp_path / "r.jsonl")
    store.add({"a": 1}, {"sizes": [[float("inf"), 0.5], []], "x": float("nan")})
    text = (tmp_path / "r.jsonl").read_text()
    assert "Infinity" not in text and "NaN" not in text

    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    record = json.loads(text, parse_constant=refuse)
    assert record["result"] == {"sizes": [["inf", 0.5], []], "x": "nan"}
    assert float(record["result"]["sizes"][0][0]) == float("inf")
    assert json_safe((1, float("-inf"))) == [1, "-inf"]
