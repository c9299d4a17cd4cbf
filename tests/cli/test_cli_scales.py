"""``topodestruct analyze --points --scales``: a scale study from the CLI, and its mistakes.

Class 1 of the points is 8 clusters of 3 points on the unit circle (as in
``tests/analysis/test_scale_study.py``): its alpha complex is eight paths at radius 0.1 and
the 24-gon at 0.8; class 0 is ten points elsewhere, left out by ``--class 1``.  The saved
layer ``ReLU(1.5 R x + (5, 5))`` is injective on the unit disk, so the exact image is (8, 0)
at radius 0.1 and (1, 1) at 0.8.  The run must print the numbers that
:func:`topodestruct.scale_study` computes when called directly on class 1, write them to
``--out`` and end with the study's summary line; each misuse ends in one line
``topodestruct: error: ...`` and exit status 2, before anything is computed or written.
"""
import contextlib
import io
import json
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

import topodestruct as td
from topodestruct.cli import main

ROW = re.compile(r"^(alpha r=[\d.]+)\s+\(([\d, ]+)\)\s+(\d+)\s+(\d+)\s+\(([\d, ]+)\)\s+"
                 r"(\(([\d, ]+)\)|undecided)")
ROTATION = np.array([[np.cos(0.6), -np.sin(0.6)], [np.sin(0.6), np.cos(0.6)]])


def _betti(text):
    return [int(b) for b in text.split(",")]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The saved layer, the points (class 1 the clustered circle, class 0 elsewhere), labels."""
    d = tmp_path_factory.mktemp("scale_files")
    t = (2 * np.pi * np.arange(8)[:, None] / 8 + np.array([-0.05, 0.0, 0.05])).ravel()
    circle = np.c_[np.cos(t), np.sin(t)]
    others = 3.0 + np.c_[np.arange(10), np.arange(10) % 3] / 10
    np.save(d / "X.npy", np.r_[others[:4], circle, others[4:]])
    np.save(d / "y.npy", np.r_[np.zeros(4, int), np.ones(24, int), np.zeros(6, int)])
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(1.5 * ROTATION, dtype=torch.float32))
        net[0].bias.copy_(torch.tensor([5.0, 5.0]))
    torch.save(net, d / "net.pt")
    return {"dir": d, "circle": circle, "net": net}


@pytest.fixture(scope="module")
def run(files, tmp_path_factory):
    """The CLI's status, stdout, stderr and --out folder."""
    d, out = files["dir"], tmp_path_factory.mktemp("scale_study")
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(["analyze", "--model", str(d / "net.pt"), "--points", str(d / "X.npy"),
                       "--labels", str(d / "y.npy"), "--class", "1",
                       "--scales", "0.8,0.1",            # given unsorted: the study sorts them
                       "--out", str(out)])
    return {"status": status, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
            "out": out}


@pytest.fixture(scope="module")
def direct(files):
    """The same study, computed by the library on class 1."""
    return td.scale_study(files["net"], files["circle"], [0.1, 0.8])


def test_output_ends_with_the_studys_summary(run):
    assert run["status"] == 0, run["stderr"]
    lines = run["stdout"].strip().splitlines()
    assert lines[0].startswith("files written to ") and lines[0].endswith(
        ": scale_study.json, scale_study.png")               # before the report
    assert lines[1].startswith("scale study of ") and "(class 1): 24 points, alpha complex " \
        "at scales 0.1, 0.8 (radius of the alpha complex), network 2-2 (" in lines[1]
    assert lines[-1] == "agrees across scales: layer 1: exact no, stable no"


def test_printed_numbers_are_those_of_scale_study(run, direct):
    rows = [m.groups() for m in map(ROW.match, run["stdout"].splitlines()) if m]
    assert [r[0] for r in rows] == ["alpha r=0.1", "alpha r=0.8"]
    assert len(direct.rows) == 2
    for (label, given, layer, pieces, exact, _, stable), want in zip(rows, direct.rows):
        assert int(layer) == want["layer"] == 1
        assert int(pieces) == want["pieces"]
        assert _betti(given) == want["input_homology"]
        assert _betti(exact) == want["image_homology"]
        assert (None if stable is None else _betti(stable)) == want["image_stable"]
    # known by hand: eight paths, then the 24-gon, both kept by an injective layer
    assert [_betti(r[4]) for r in rows] == [[8, 0], [1, 1]]
    assert run["stdout"].strip().splitlines()[-1] == str(direct).splitlines()[-1]


def test_files_hold_the_same_study(run, direct):
    data = json.loads((run["out"] / "scale_study.json").read_text())
    assert data["complex"] == "alpha" and data["scales"] == [0.1, 0.8]
    assert data["class"] == 1 and data["n_points"] == 24 and data["across"] == "scales"
    assert data["labels"] == ["alpha r=0.1", "alpha r=0.8"]
    assert len(data["rows"]) == len(direct.rows)
    for got, want in zip(data["rows"], direct.rows):
        for key in ("scale", "complex", "layer", "pieces", "predicted", "quotient",
                    "input_homology", "image_homology", "image_stable", "n_simplices"):
            assert got[key] == want[key], key
        assert got["resolution"] == pytest.approx(want["resolution"])
    assert [r["n_simplices"] for r in data["rows"]] == [16, 24]     # edges: paths, 24-gon
    assert (run["out"] / "scale_study.png").stat().st_size > 1000


def _input_line(text):
    (line,) = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("input  ")]
    return line[len("input"):].strip()


def test_labels_and_class_also_select_the_points_of_one_analysis(files, capsys):
    """At radius 0.8 class 1 is the 24-gon; all 34 points add class 0's blob (its ten points
    span 0.9 x 0.2, 2.9 from the circle): a second component."""
    d = files["dir"]
    argv = ["analyze", "--model", str(d / "net.pt"), "--points", str(d / "X.npy"),
            "--scale", "0.8", "--no-estimate", "--no-exact"]
    assert main(argv + ["--labels", str(d / "y.npy"), "--class", "1"]) == 0
    assert _input_line(capsys.readouterr().out) == "H0 = Z, H1 = Z"
    assert main(argv) == 0
    assert _input_line(capsys.readouterr().out).startswith("H0 = Z^2, H1 = Z")


def _errors(d):
    files = ["--model", str(d / "net.pt"), "--points", str(d / "X.npy")]
    cls = ["--labels", str(d / "y.npy"), "--class", "1"]
    return {
        "not a number": (["--scales", "0.1,x"], "argument --scales: expected comma-separated "
                                                "positive numbers"),
        "zero": (["--scales", "0,0.2"], "got '0,0.2'"),
        "negative": (["--scales=-0.1"], "got '-0.1'"),
        "empty": (["--scales", ""], "got ''"),
        "listed twice": (["--scales", "0.1,0.10"], "a scale is listed twice"),
        "with manifold": (["--manifold", "circle", "--scales", "0.1,0.2"],
                          "--manifold does not apply with --scales"),
        "without points": (["--scales", "0.1,0.2"], "--scales needs --points"),
        "resolutions with points": ([*files, "--resolutions", "3,4"],
                                    "--points does not apply with --resolutions"),
        "with scale": ([*files, "--scales", "0.1,0.2", "--scale", "0.3"],
                       "--scale does not apply with --scales"),
        "with no-exact": ([*files, "--scales", "0.1,0.2", "--no-exact"],
                          "--no-exact does not apply with --scales"),
        "with budget": ([*files, "--scales", "0.1,0.2", "--budget", "5"],
                        "--budget does not apply with --scales"),
        "with rank intrinsic": ([*files, "--scales", "0.1,0.2", "--rank", "intrinsic"],
                                "--rank intrinsic does not apply with --scales"),
        "labels without class": ([*files, "--scales", "0.1", "--labels", str(d / "y.npy")],
                                 "--labels needs --class"),
        "class absent": ([*files, "--scales", "0.1", "--labels", str(d / "y.npy"),
                          "--class", "7"], "--class 7 does not occur in --labels"),
        "class without points": (["--manifold", "circle", "--class", "1"],
                                 "--class does not apply without --points"),
        "no edge": ([*files, *cls, "--scales", "0.01,0.8"],
                    "--scales: alpha r=0.01: the complex on the 24 points has no edge"),
        "not pure": ([*files, "--scales", "0.8"], "--scales: alpha r=0.8: the pure part of "
                                                  "the complex"),
        "layer out of range": ([*files, *cls, "--scales", "0.8", "--layer", "2"],
                               "--layer 2 is out of range: this network has 1 layer(s)"),
    }


CASES = list(_errors(pathlib.Path(".")))          # the names; the paths come per test


def _assert_one_line(code, err, phrase):
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("topodestruct: error: "), err
    assert phrase in lines[0], err


@pytest.mark.parametrize("case", CASES)
def test_misuse_is_one_line(case, files, capsys, monkeypatch, tmp_path):
    args, phrase = _errors(files["dir"])[case]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOPODESTRUCT_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["analyze", *args, "--out", "out"])
    captured = capsys.readouterr()
    _assert_one_line(exc.value.code, captured.err, phrase)
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []            # nothing computed, nothing written


def test_misuse_from_the_shell_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "topodestruct", "analyze", "--scales",
                           "0.1,x"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    _assert_one_line(proc.returncode, proc.stderr, "argument --scales")
    assert proc.stdout == ""
