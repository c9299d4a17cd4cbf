"""A mistake at the command line ends in one line ``topodestruct: error: ...`` and exit status 2.

Each case runs the CLI as a user would (a subprocess: exit status, stderr, no
traceback); the cases that argparse rejects before any work run in-process.
"""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from topodestruct.cli import main

from conftest import SHARED

NAITZAT = SHARED / "data" / "naitzat"
needs_naitzat = pytest.mark.skipif(not (NAITZAT / "data").is_dir(),
                                   reason="shared Naitzat data not present")


class Custom(nn.Module):
    """A user's own module: not a Sequential of supported layers."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(x)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Tiny models and point clouds, good and bad."""
    d = tmp_path_factory.mktemp("cli_inputs")
    torch.manual_seed(0)
    torch.save(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)), d / "net.pt")
    torch.save(nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2)), d / "sigmoid.pt")
    torch.save(nn.Sequential(nn.Conv2d(1, 2, 3)), d / "conv.pt")
    torch.save(nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(), nn.Linear(3, 2)), d / "leaky.pt")
    torch.save(Custom(), d / "custom.pt")
    (d / "notamodel.pt").write_bytes(b"these are not the bytes of a model\n" * 4)
    whole = (d / "net.pt").read_bytes()
    (d / "truncated.pt").write_bytes(whole[:len(whole) // 2])
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    circle = np.c_[np.cos(t), np.sin(t)]
    np.save(d / "circle.npy", circle)
    np.savetxt(d / "circle.csv", circle, delimiter=",")
    np.save(d / "labels.npy", np.arange(40) % 2)
    np.save(d / "labels5.npy", np.zeros(5))
    np.save(d / "x3.npy", np.random.default_rng(0).random((20, 3)))
    bad = circle.copy()
    bad[3, 0], bad[7, 1] = np.nan, np.inf
    np.save(d / "nan.npy", bad)
    np.save(d / "empty.npy", np.zeros((0, 2)))
    np.save(d / "threeway.npy", np.zeros((4, 2, 2)))
    np.save(d / "one.npy", np.zeros((1, 2)))
    (d / "afile.txt").write_text("not a folder\n")
    (d / "wrongdata" / "data").mkdir(parents=True)
    return d


def run_cli(args, cwd, env=None):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("TOPODESTRUCT_DEBUG", "TOPODESTRUCT_MNIST")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "topodestruct", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=environ)


def assert_one_line_error(returncode, stderr, phrase):
    assert returncode == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("topodestruct: error: "), stderr
    assert phrase in lines[0], stderr


P = ["profile", "--model", "net.pt", "--points", "circle.npy"]   # a valid profile call
SUBPROCESS_CASES = {
    # files
    "missing model": (["profile", "--model", "missing.pt", "--points", "circle.npy"],
                      "missing.pt: no such file"),
    "missing points": (["analyze", "--model", "net.pt", "--points", "missing.npy"],
                       "missing.npy: no such file"),
    "not a model": (["profile", "--model", "notamodel.pt", "--points", "circle.npy"],
                    "notamodel.pt is not a model written by torch.save"),
    "truncated model": (["profile", "--model", "truncated.pt", "--points", "circle.npy"],
                        "truncated.pt is truncated or corrupted"),
    "npy as model": (["analyze", "--model", "circle.npy", "--points", "circle.npy"],
                     "circle.npy is a NumPy array (.npy), not a model"),
    "csv as points": (["profile", "--model", "net.pt", "--points", "circle.csv"],
                      "circle.csv is not a .npy file"),
    # points
    "wrong dimension": (["analyze", "--model", "net.pt", "--points", "x3.npy"],
                        "the points have 3 coordinates but the network expects 2 inputs"),
    "nan points": (["profile", "--model", "net.pt", "--points", "nan.npy"],
                   "2 point(s) contain NaN or inf"),
    "empty cloud": (["analyze", "--model", "net.pt", "--points", "empty.npy"],
                    "holds no points"),
    "three-way array": (["profile", "--model", "net.pt", "--points", "threeway.npy"],
                        "expected an (N, d) array"),
    "one point (profile)": (["profile", "--model", "net.pt", "--points", "one.npy"],
                            "1 point(s), but the k-NN estimate (k calibrated from 5 up) needs "
                            "at least 6"),
    "one point (analyze)": (["analyze", "--model", "net.pt", "--points", "one.npy"],
                            "1 point(s), but a point cloud needs at least 3"),
    # modules
    "Sigmoid": (["analyze", "--model", "sigmoid.pt", "--manifold", "circle"],
                "unsupported module Sigmoid: a model must be an nn.Sequential of Linear and ReLU"),
    "Conv2d": (["profile", "--model", "conv.pt", "--points", "circle.npy"],
               "unsupported module Conv2d"),
    "LeakyReLU": (["analyze", "--model", "leaky.pt", "--points", "circle.npy"],
                  "unsupported module LeakyReLU"),
    "custom module": (["analyze", "--model", "custom.pt", "--points", "circle.npy"],
                      "unsupported module Custom"),
    # analyze options
    "layer out of range": (["analyze", "--model", "net.pt", "--manifold", "circle",
                            "--layer", "3"], "--layer 3 is out of range"),
    "resolution too small": (["analyze", "--manifold", "torus", "--resolution", "2"],
                             "--resolution 2 is too small for the torus: at least 3"),
    "circle with default widths": (["analyze", "--manifold", "circle"],
                                   "must start with the manifold's ambient dimension, "
                                   "e.g. --widths 2,5,5"),
    "model on the wrong manifold": (["analyze", "--model", "net.pt"],
                                    "expects 2 inputs but the torus lies in R^3"),
    "widths with a model": (["analyze", "--model", "net.pt", "--widths", "2,4"],
                            "--widths does not apply with --model"),
    "rank intrinsic without the exact route": (["analyze", "--model", "net.pt", "--points",
                                                "circle.npy", "--rank", "intrinsic",
                                                "--no-exact"], "--rank intrinsic needs"),
    # labels
    "labels of the wrong length": (P + ["--labels", "labels5.npy", "--class", "0"],
                                   "5 labels for 40 points"),
    "class absent": (P + ["--labels", "labels.npy", "--class", "7"],
                     "--class 7 does not occur in --labels labels.npy (classes present: 0, 1)"),
    # reproduce
    "fig3a without data": (["reproduce", "fig3a", "--quick"],
                           "reproduce fig3a needs the MNIST folder"),
    "fig3b with a wrong folder": (["reproduce", "fig3b", "--quick", "--data", "wrongdata"],
                                  "wrongdata is not an MNIST folder"),
    "naitzat wrong folder": (["reproduce", "naitzat", "--data", "wrongdata", "--dataset", "D-I"],
                             "--data wrongdata holds no dataset"),
    "device cuda": (["reproduce", "fig4", "--quick", "--device", "cuda"],
                    "--device cuda: CUDA is not available"),
    "out is a file": (["reproduce", "fig2a", "--quick", "--out", "afile.txt"],
                      "--out afile.txt is an existing file, not a folder"),
    "option not for the panel": (["reproduce", "fig2a", "--dataset", "D-I"],
                                 "--dataset does not apply to reproduce fig2a"),
    "out is a file (analyze)": (["analyze", "--manifold", "circle", "--widths", "2,3",
                                 "--out", "afile.txt"], "--out afile.txt is an existing file"),
}


@pytest.mark.parametrize("case", list(SUBPROCESS_CASES))
def test_cli_error_is_one_line(case, files):
    args, phrase = SUBPROCESS_CASES[case]
    if case == "device cuda" and torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    proc = run_cli(args, cwd=files)
    assert_one_line_error(proc.returncode, proc.stderr, phrase)
    assert proc.stdout == ""


NAITZAT_CASES = {
    "unknown dataset": (["--dataset", "D-X"], "unknown dataset 'D-X'"),
    "models glob matches nothing": (["--dataset", "D-I", "--models", "nothing_*.pth"],
                                    "--models 'nothing_*.pth' matches no file"),
    "budget without exact on 3-D data": (["--dataset", "D-II", "--budget", "10"],
                                         "--budget is the exact route's time per model"),
    "layer jobs without exact": (["--dataset", "D-I", "--layer-jobs", "2"],
                                 "--layer-jobs runs the exact route's layers at once"),
    "class absent": (["--dataset", "D-I", "--class", "4"], "--class 4 does not occur"),
    "seed does not apply": (["--dataset", "D-I", "--seed", "1"],
                            "--seed does not apply to reproduce naitzat"),
}


@needs_naitzat
@pytest.mark.parametrize("case", list(NAITZAT_CASES))
def test_reproduce_naitzat_error_is_one_line(case, tmp_path):
    args, phrase = NAITZAT_CASES[case]
    proc = run_cli(["reproduce", "naitzat", "--data", NAITZAT, "--quick", *args], cwd=tmp_path)
    assert_one_line_error(proc.returncode, proc.stderr, phrase)
    assert not (tmp_path / "results").exists()


IN_PROCESS_CASES = {
    "layer 0": (["analyze", "--layer", "0"], "argument --layer: layers are numbered from 1"),
    "layer not a number": (["analyze", "--layer", "two"], "expected a layer number"),
    "resolution 0": (["analyze", "--resolution", "0"],
                     "argument --resolution: expected a positive integer, got '0'"),
    "resolution negative": (["analyze", "--resolution", "-4"], "expected a positive integer"),
    "widths 3,a": (["analyze", "--widths", "3,a"],
                   "argument --widths: expected comma-separated positive integers"),
    "labels without class": (P + ["--labels", "labels.npy"], "--labels needs --class"),
    "class without labels": (P + ["--class", "0"], "--class needs --labels"),
    "rips without scale": (P + ["--complex", "rips"], "--complex rips needs --scale"),
    "scale 0": (P + ["--scale", "0"], "argument --scale: expected a positive finite number"),
    "scale negative": (P + ["--scale", "-1.5"], "expected a positive finite number"),
    "scale nan": (P + ["--scale", "nan"], "expected a positive finite number"),
    "jobs 0": (["reproduce", "fig2a", "--jobs", "0"], "argument --jobs: expected a positive"),
    "cluster local:0": (["reproduce", "fig2a", "--cluster", "local:0"],
                        "expected local:N with N >= 1 workers"),
    "negative seed": (["reproduce", "fig2a", "--seed", "-1"], "expected a non-negative integer"),
    "jobs for fig3a": (["reproduce", "fig3a", "--jobs", "2"],
                       "--jobs does not apply to reproduce fig3a"),
    "device for fig2": (["reproduce", "fig2", "--device", "cpu"],
                        "--device does not apply to reproduce fig2"),
    "naitzat without data": (["reproduce", "naitzat"], "reproduce naitzat needs --data DIR"),
    "naitzat missing folder": (["reproduce", "naitzat", "--data", "nowhere", "--dataset", "D"],
                               "--data nowhere: no such folder"),
    "figure out is a file": (["figure", "1", "--out", "afile.txt"], "is an existing file"),
    "missing required option": (["profile", "--model", "net.pt"],
                                "the following arguments are required: --points"),
    "unknown command": (["reproduce-all"], "invalid choice: 'reproduce-all'"),
}


@pytest.mark.parametrize("case", list(IN_PROCESS_CASES))
def test_argument_error_is_one_line(case, files, capsys, monkeypatch):
    args, phrase = IN_PROCESS_CASES[case]
    monkeypatch.chdir(files)
    monkeypatch.delenv("TOPODESTRUCT_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(args)
    captured = capsys.readouterr()
    assert_one_line_error(exc.value.code, captured.err, phrase)
    assert captured.out == ""


def test_debug_flag_shows_the_traceback(files):
    proc = run_cli(["--debug", "profile", "--model", "notamodel.pt", "--points", "circle.npy"],
                   cwd=files)
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr and "UsageError" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("topodestruct: error: ")


def test_debug_environment_variable_and_flag_after_the_command(files, capsys, monkeypatch):
    monkeypatch.chdir(files)
    monkeypatch.setenv("TOPODESTRUCT_DEBUG", "1")
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--layer", "0"])
    assert exc.value.code == 2 and "Traceback" in capsys.readouterr().err
    monkeypatch.delenv("TOPODESTRUCT_DEBUG")
    with pytest.raises(SystemExit):
        main(["analyze", "--model", "missing.pt", "--debug"])
    assert "Traceback" in capsys.readouterr().err


def test_unexpected_error_is_short_with_a_hint(monkeypatch, capsys):
    import topodestruct.cli as cli

    def broken(args):
        raise RuntimeError("something inside\nbroke")

    monkeypatch.delenv("TOPODESTRUCT_DEBUG", raising=False)
    monkeypatch.setattr(cli, "_cmd_spaces", broken)
    assert cli.main(["spaces"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[0] == "topodestruct: error: RuntimeError: something inside broke"
    assert "--debug" in err
    with pytest.raises(RuntimeError):
        cli.main(["--debug", "spaces"])


def test_valid_models_still_load(files, capsys, monkeypatch):
    """BatchNorm1d after a Linear, Dropout and a state_dict pass the loader's checks."""
    monkeypatch.chdir(files)
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Dropout(0.1),
                        nn.Linear(3, 2)).eval()
    torch.save(net, "bn.pt")
    torch.save(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)).state_dict(), "sd.pt")
    for model in ("bn.pt", "sd.pt"):
        assert main(["analyze", "--model", model, "--points", "circle.npy", "--no-image"]) == 0
    assert "Representation" in capsys.readouterr().out


def test_no_warning_leaks_from_the_exact_image(tmp_path):
    """``analyze --exact-image`` once printed RuntimeWarning (invalid value in divide)."""
    proc = run_cli(["analyze", "--manifold", "sphere", "--widths", "3,5,5", "--resolution", "3",
                    "--exact-image", "--no-image"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "exact" in proc.stdout
