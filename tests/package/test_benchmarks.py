"""The benchmark scripts state, per goal, whether it was met."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_rank_prints_met_or_not_met_per_goal():
    bench = _load("bench_rank")
    assert bench.goal_line("speed-up, layer 4", 20.0, 20).endswith(": MET (measured 20.0x)")
    assert ": NOT MET (measured 19.9x)" in bench.goal_line("speed-up, layer 4", 19.94, 20)
    assert bench.goal_line("speed-up, layers 1-4", 31.0, 10).startswith(
        "goal speed-up, layers 1-4 >= 10x: MET")
    assert bench.agreement_line("ranks agree", True) == "goal ranks agree: MET"
    assert bench.agreement_line("ranks agree", False) == "goal ranks agree: NOT MET"


def test_bench_fig2_prints_met_or_not_met():
    bench = _load("bench_fig2")
    assert bench.goal_line("four full panels", 120.0, 120).endswith(": MET (measured 120.0s)")
    assert ": NOT MET (measured 120.1s)" in bench.goal_line("four full panels", 120.06, 120)


def test_bench_rank_mnist_prints_met_or_not_met():
    bench = _load("bench_rank_mnist")
    assert bench.goal_line(30.0, 700.0).startswith(
        "goal rank analysis < 10% of one training epoch: MET (measured 4.3%")
    assert ": NOT MET (measured 10.0%" in bench.goal_line(70.0, 700.0)
    assert ": NOT MET (measured 62.5%" in bench.goal_line(25.0, 40.0)
