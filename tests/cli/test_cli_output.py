"""Output a person can use (issue 24): where files went, what was resumed, one setting per
summary, honest quick runs, JSON of a readable size, a help text for every option."""
import argparse
import json

import numpy as np
import pytest
import torch

import topodestruct as td
from topodestruct.cli import build_parser, main

from test_naitzat import _tiny_folder


def _written(text, folder):
    """The ``files written to FOLDER: a, b`` line of a command's output, as a list of names."""
    lines = [ln for ln in text.splitlines() if ln.startswith("files written to ")]
    assert len(lines) == 1, text
    where, names = lines[0][len("files written to "):].split(": ", 1)
    assert where == str(folder.resolve())
    return names.split(", ")


# -- every command that writes files says where -----------------------------------------------
def test_analyze_out_says_where(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["analyze", "--manifold", "circle", "--widths", "2,5,5", "--no-image",
                 "--out", str(out)]) == 0
    names = _written(capsys.readouterr().out, out)
    assert names == ["representation.json", "representation.png"]
    assert all((out / n).stat().st_size > 0 for n in names)


def test_analyze_json_keeps_stdout_json_and_says_where_on_stderr(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["analyze", "--manifold", "circle", "--widths", "2,5,5", "--no-image",
                 "--json", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["architecture"] == "2-5-5"
    assert _written(captured.err, out) == ["representation.json", "representation.png"]


def test_profile_out_says_where(tmp_path, capsys):
    folder = _tiny_folder(tmp_path / "set")
    out = tmp_path / "prof"
    assert main(["profile", "--model", str(folder / "models" / "R_model_0.pth"),
                 "--points", str(folder / "data" / "R-test.npy"), "--labels",
                 str(folder / "data" / "R-test-labels.npy"), "--class", "0",
                 "--out", str(out)]) == 0
    assert _written(capsys.readouterr().out, out) == ["profile.json", "profile.png"]


def test_figure_says_where(tmp_path, capsys):
    assert main(["figure", "1", "--out", str(tmp_path)]) == 0
    names = _written(capsys.readouterr().out, tmp_path)
    assert names == [f"figure1{k}.png" for k in "ABCD"]


# -- reproduce naitzat: where, what was resumed, one setting per summary ----------------------
def test_naitzat_says_where_and_what_it_resumed(tmp_path, capsys):
    folder = _tiny_folder(tmp_path / "set")
    out = tmp_path / "out"
    argv = ["reproduce", "naitzat", "--data", str(folder), "--dataset", "R", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert _written(text, out) == ["naitzat-R.jsonl", "naitzat-R.md", "naitzat-R.png"]
    assert "resumed:" not in text
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert f"naitzat R: resumed: 2 of 2 records present in {out / 'naitzat-R.jsonl'}" in text


def test_naitzat_never_mixes_settings(tmp_path, capsys):
    """An --exact run, then one without, in the same folder: each summary holds its own
    two models, and the plain run's exact columns stay empty (issue 24: 'models: 8')."""
    folder = _tiny_folder(tmp_path / "set")
    out = tmp_path / "out"
    argv = ["reproduce", "naitzat", "--data", str(folder), "--dataset", "R", "--out", str(out)]
    assert main(argv + ["--exact"]) == 0
    assert main(argv) == 0
    capsys.readouterr()
    exact, plain = (out / "naitzat-R-exact.md").read_text(), (out / "naitzat-R.md").read_text()
    assert "- models: 2;" in exact and "- models: 2;" in plain
    assert "- exact image homology: not computed" in plain
    assert "- exact image homology: not computed" not in exact
    assert len((out / "naitzat-R.jsonl").read_text().splitlines()) == 4   # one store
    from topodestruct.experiments.naitzat import load_run
    records, setup = load_run(out / "naitzat-R.jsonl")
    assert len(records) == 2 and setup["exact"] is False     # the last setting written
    records, setup = load_run(out / "naitzat-R.jsonl", exact=True)
    assert len(records) == 2 and all(r["params"]["exact"] for r in records)


def test_naitzat_quick_summary_says_it_is_not_the_papers_scale(tmp_path, capsys):
    folder = _tiny_folder(tmp_path / "set")
    out = tmp_path / "out"
    assert main(["reproduce", "naitzat", "--data", str(folder), "--dataset", "R", "--quick",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    assert "not at the paper's scale" in (out / "naitzat-R-quick.md").read_text()


def test_quick_figure_summary_says_it_is_not_the_papers_scale(tmp_path, capsys):
    assert main(["reproduce", "fig2d", "--quick", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "not at the paper's scale" in (tmp_path / "fig2d-quick.txt").read_text()
    assert "not at the paper's scale" in text


def test_training_shows_progress_inside_an_epoch(capsys):
    from torch import nn

    from topodestruct.experiments.training import train

    X = torch.randn(256, 3)
    y = X.sum(1, keepdim=True)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    train(net, X, y, nn.MSELoss(), epochs=1, batch_size=16, progress=True,
          batch_progress=True)
    assert "epoch 1 batches" in capsys.readouterr().err


# -- analyze: JSON of a readable size, subsampling said, a picture for points -----------------
def test_analyze_json_lists_summaries_unless_full_json(capsys):
    argv = ["analyze", "--manifold", "circle", "--resolution", "96", "--widths", "2,5,5",
            "--layer", "2", "--exact-image", "--no-image", "--json"]
    assert main(argv) == 0
    short = json.loads(capsys.readouterr().out)
    assert short["n_overlaps"] > 20 and len(short["overlaps"]) == 20
    assert "--full-json" in short["listed"]["overlaps"]
    assert main(argv + ["--full-json"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert len(full["overlaps"]) == full["n_overlaps"] == short["n_overlaps"]
    assert "listed" not in full


def test_analyze_points_says_which_complex_and_draws(tmp_path, capsys):
    net, _ = td.constructions.circle_arcs(2)
    torch.save(net, tmp_path / "net.pt")
    t = np.random.default_rng(0).uniform(0, 2 * np.pi, 1600)
    np.save(tmp_path / "x.npy", np.c_[np.cos(t), np.sin(t)])
    out = tmp_path / "rep"
    assert main(["analyze", "--model", str(tmp_path / "net.pt"), "--points",
                 str(tmp_path / "x.npy"), "--no-image", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "complex             alpha complex on the point cloud, scale " in text
    assert _written(text, out) == ["representation.json", "representation.png"]
    assert (out / "representation.png").stat().st_size > 5000


# -- help --------------------------------------------------------------------------------------
def _subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_every_command_and_option_has_a_help_text(command):
    sub = _subparsers()[command]
    assert sub.description, f"`topodestruct {command} --help` has no description"
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help and len(action.help) > 10, f"{command} {name}: no help text"


def test_quick_help_says_what_it_costs():
    text = _subparsers()["reproduce"].format_help()
    assert "fig3a" in " ".join(text.split()).split("--quick", 1)[1][:600]
    assert "not at the paper's scale" in " ".join(text.split())
