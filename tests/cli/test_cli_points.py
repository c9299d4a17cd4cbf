"""``topodestruct analyze --points``: the options ``td.analyze`` accepts for a point cloud pass
through the CLI (issue 22: one route), and what it prints is the library's answer.

The network's first layer is ``x -> ReLU(x, -x, y, -y)``, injective (``x = r_1 - r_2``,
``y = r_3 - r_4``): the image of the circle at layer 1 is a circle, so its exact homology
is (Z, Z), known without the package.  The circle's 40 points lie 0.157 apart, so the
alpha complex (automatic radius) and the Rips complex at edge 0.4 are 40-gons (plus
triangles for Rips), both circles.
"""
import json

import numpy as np
import pytest
import torch
from torch import nn

import topodestruct as td
from topodestruct.cli import main

CIRCLE = "H0 = Z, H1 = Z"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A saved 2-4-3-2 network (injective first layer) and a 40-point circle."""
    d = tmp_path_factory.mktemp("cli_points")
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 0], [-1, 0], [0, 1], [0, -1]]))
        net[0].bias.zero_()
    torch.save(net, d / "net.pt")
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    np.save(d / "circle.npy", np.c_[np.cos(t), np.sin(t)])
    return d


def _analyze(files, capsys, *options):
    argv = ["analyze", "--model", str(files / "net.pt"), "--points",
            str(files / "circle.npy"), "--no-estimate", *options]
    assert main(argv) == 0
    return capsys.readouterr().out


def _line(text, key):
    """The value printed after ``key`` in the report (``input``, ``image (exact)``, ...)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith(key + "  ")]
    assert len(lines) == 1, text
    return lines[0][len(key):].strip()


@pytest.mark.parametrize("options, complex_line", [
    ((), "alpha complex on the point cloud"),
    (("--exact",), "alpha complex on the point cloud"),
    (("--exact", "--rank", "intrinsic"), "alpha complex on the point cloud"),
    (("--budget", "30", "--complex", "alpha", "--scale", "0.3"),
     "alpha complex on the point cloud, scale 0.3, f-vector [40, 40]"),
    (("--complex", "rips", "--scale", "0.4", "--budget", "30"),
     "rips complex on the point cloud, scale 0.4, f-vector [40, 80, 40]"),
])
def test_options_pass_through_and_the_input_is_a_circle(files, capsys, options, complex_line):
    text = _analyze(files, capsys, "--layer", "1", *options)
    assert _line(text, "complex").startswith(complex_line)
    assert _line(text, "input").startswith(CIRCLE)
    assert _line(text, "input") in (CIRCLE, CIRCLE + ", H2 = 0")      # a circle: no H2
    assert _line(text, "image (exact)").split("  ")[0] in (CIRCLE, CIRCLE + ", H2 = 0")
    assert ("intrinsic rank" if "intrinsic" in options else "ambient rank") in text


def test_no_exact_and_knn_are_accepted(files, capsys):
    text = _analyze(files, capsys, "--no-exact", "--complex", "knn", "--scale", "1")
    assert _line(text, "complex").startswith("knn complex on the point cloud, scale 1")
    assert _line(text, "image (exact)") == "not computed: exact=False"
    assert "(ambient rank, vertex labels)" in text


@pytest.mark.parametrize("exact", [None, True])
def test_printed_exact_image_is_the_library_s(files, capsys, exact):
    options = ["--layer", "1"] + (["--exact"] if exact else [])
    printed = json.loads(_analyze(files, capsys, *options, "--json"))
    rep = td.analyze(td.load_network(files / "net.pt"), np.load(files / "circle.npy"), layer=1,
                     estimate=None, exact=exact)
    assert printed["image_homology"] == rep.to_dict()["image_homology"]
    assert printed["input"] == rep.to_dict()["input"]
    assert str(rep.image_homology) == CIRCLE              # injective layer: the image is a circle
    assert printed["image_homology"]["betti"] == [1, 1]
    text = _analyze(files, capsys, *options)
    assert _line(text, "image (exact)").split("  ")[0] == str(rep.image_homology)


@pytest.mark.parametrize("args, phrase", [
    (["--rank", "intrinsic", "--no-exact"], "--rank intrinsic needs the exact route"),
    (["--complex", "rips"], "--complex rips needs --scale"),
    (["--manifold", "circle"], "--manifold does not apply with --points"),
])
def test_invalid_combinations_are_one_line(files, capsys, args, phrase):
    argv = ["analyze", "--model", str(files / "net.pt"), "--points",
            str(files / "circle.npy"), *args]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("topodestruct: error: ") and phrase in err[0]


@pytest.mark.parametrize("args, phrase", [
    (["--complex", "alpha"], "--complex does not apply without --points"),
    (["--scale", "0.5"], "--scale does not apply without --points"),
    (["--resolutions", "4,6", "--complex", "knn"], "--complex does not apply with --resolutions"),
])
def test_complex_options_need_points(capsys, args, phrase):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--manifold", "circle", "--widths", "2,3", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and phrase in err[0]


def test_help_says_no_subsample_and_shares_profile_s_complex_options(capsys):
    for command in ("analyze", "profile"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--complex {alpha,knn,rips}" in text and "--scale SCALE" in text
        assert "radius (alpha) / hops (knn) / edge length (rips)" in text
        assert "1500" not in text and "subsampled" not in text
