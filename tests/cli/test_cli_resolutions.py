"""``topodestruct analyze --resolutions``: a mesh study from the command line, and its mistakes.

The run (a 3-3 network on the torus at resolutions 3 and 4, about ten seconds) must
print the numbers that :func:`topodestruct.mesh_study` computes when called
directly, write them to ``--out``, and end with the study's summary line; each
misuse of the flag ends in one line ``topodestruct: error: ...`` and exit status 2.
"""
import contextlib
import io
import json
import re
import subprocess
import sys

import pytest

import topodestruct as td
from topodestruct.cli import main

ARGS = ["analyze", "--manifold", "torus", "--widths", "3,3", "--seed", "0",
        "--resolutions", "4,3"]                      # given unsorted: the study sorts them
ROW = re.compile(r"^(torus r=\d+)\s+\(1, 2, 1\)\s+(\d+)\s+(\d+)\s+\(([\d, ]+)\)\s+"  # input: torus
                 r"(\(([\d, ]+)\)|undecided)")


def _betti(text):
    return [int(b) for b in text.split(",")]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The CLI's stdout and files, and the same study computed directly."""
    out = tmp_path_factory.mktemp("mesh_study")
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(ARGS + ["--out", str(out)])
    net = td.networks.mlp([3, 3], init="kaiming", random_state=0)
    direct = td.mesh_study(net, [td.complexes.torus(r, r) for r in (3, 4)], random_state=0)
    return {"status": status, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
            "out": out, "direct": direct}


def test_printed_numbers_are_those_of_mesh_study(run):
    assert run["status"] == 0, run["stderr"]
    rows = [m.groups() for m in map(ROW.match, run["stdout"].splitlines()) if m]
    direct = run["direct"].rows
    assert [r[0] for r in rows] == ["torus r=3", "torus r=4"]         # one layer: 3-3
    assert len(rows) == len(direct) == 2
    for (label, layer, pieces, exact, _, stable), want in zip(rows, direct):
        assert int(layer) == want["layer"] == 1
        assert int(pieces) == want["pieces"]
        assert _betti(exact) == want["image_homology"]
        assert (None if stable is None else _betti(stable)) == want["image_stable"]
        assert _betti(exact)[0] == 1        # the image of the connected torus is connected


def test_output_ends_with_the_studys_summary(run):
    lines = run["stdout"].strip().splitlines()
    assert lines[0].startswith("files written to ") and lines[0].endswith(
        ": mesh_study.json, mesh_study.png")                 # before the report
    assert lines[1].startswith("mesh study of the torus at resolutions 3, 4")
    assert lines[-1] == str(run["direct"]).splitlines()[-1]
    assert lines[-1].startswith("agrees across resolutions: layer 1: exact ")


def test_files_hold_the_same_study(run):
    data = json.loads((run["out"] / "mesh_study.json").read_text())
    assert data["manifold"] == "torus" and data["resolutions"] == [3, 4]
    assert data["labels"] == ["torus r=3", "torus r=4"]
    assert len(data["rows"]) == len(run["direct"].rows)
    for got, want in zip(data["rows"], run["direct"].rows):
        for key in ("layer", "pieces", "predicted", "quotient", "image_homology",
                    "image_stable", "n_simplices"):
            assert got[key] == want[key], key
        assert got["resolution"] == pytest.approx(want["resolution"])
    assert [r["n_simplices"] for r in data["rows"]] == [2 * 3 * 3, 2 * 4 * 4]   # triangles
    assert (run["out"] / "mesh_study.png").stat().st_size > 1000


ERRORS = {
    "not a number": (["--resolutions", "8,x"], "argument --resolutions: expected comma-"
                                               "separated positive integers"),
    "zero": (["--resolutions", "0"], "expected comma-separated positive integers"),
    "empty": (["--resolutions", ""], "got ''"),
    "trailing comma": (["--resolutions", "8,"], "got '8,'"),
    "listed twice": (["--resolutions", "8,8"], "a resolution is listed twice"),
    "too small": (["--resolutions", "2,8"],
                  "--resolutions: resolution 2 is too small for the torus: at least 3"),
    "with points": (["--resolutions", "3,4", "--points", "x.npy"],
                    "--points does not apply with --resolutions"),
    "with resolution": (["--resolutions", "3,4", "--resolution", "5"],
                        "--resolution does not apply with --resolutions"),
    "with no-exact": (["--resolutions", "3,4", "--no-exact"],
                      "--no-exact does not apply with --resolutions"),
    "with budget": (["--resolutions", "3,4", "--budget", "5"],
                    "--budget does not apply with --resolutions"),
    "with rank intrinsic": (["--resolutions", "3,4", "--rank", "intrinsic"],
                            "--rank intrinsic does not apply with --resolutions"),
    "layer out of range": (["--resolutions", "3,4", "--layer", "3"],
                           "--layer 3 is out of range: this network has 2 layer(s)"),
    "manifold in another space": (["--manifold", "circle", "--resolutions", "6,8"],
                                  "the circle lies in R^2"),
}


def _assert_one_line(code, err, phrase):
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("topodestruct: error: "), err
    assert phrase in lines[0], err


@pytest.mark.parametrize("case", list(ERRORS))
def test_misuse_is_one_line(case, capsys, monkeypatch, tmp_path):
    args, phrase = ERRORS[case]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOPODESTRUCT_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["analyze", *args])
    captured = capsys.readouterr()
    _assert_one_line(exc.value.code, captured.err, phrase)
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []            # nothing computed, nothing written


def test_misuse_from_the_shell_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "topodestruct", "analyze", "--resolutions",
                           "8,x"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    _assert_one_line(proc.returncode, proc.stderr, "argument --resolutions")
    assert proc.stdout == ""
