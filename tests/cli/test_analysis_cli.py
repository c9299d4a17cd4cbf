"""``topodestruct analyze`` and ``topodestruct figure 1`` print and write what they claim."""
import json

import numpy as np

from topodestruct.cli import main


def test_analyze_json(capsys, tmp_path):
    assert main(["analyze", "--manifold", "circle", "--widths", "2,5,5", "--layer", "2",
                 "--seed", "0", "--json", "--out", str(tmp_path)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["input"]["betti"] == [1, 1] and d["layer"] == 2
    assert d["architecture"] == "2-5-5"
    assert (tmp_path / "representation.png").stat().st_size > 1000


def test_analyze_model_and_points(capsys, tmp_path):
    import torch

    import topodestruct as td
    net, _ = td.constructions.circle_arcs(2)
    torch.save(net, tmp_path / "net.pt")
    t = np.linspace(0, 2 * np.pi, 300, endpoint=False)
    np.save(tmp_path / "x.npy", np.stack([np.cos(t), np.sin(t)], 1))
    assert main(["analyze", "--model", str(tmp_path / "net.pt"), "--points",
                 str(tmp_path / "x.npy"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["predicted"]["betti"] == [1, 2]                       # wedge of 2 circles
    assert d["labels"] == "simplices" and d["built"]["complex"] == "alpha"   # the 300-gon
    assert d["built"]["f_vector"] == [300, 300] and d["image_homology"]["betti"] == [1, 2]


def test_figure1(tmp_path, capsys):
    assert main(["figure", "1", "--out", str(tmp_path)]) == 0
    for k in "ABCD":
        assert (tmp_path / f"figure1{k}.png").stat().st_size > 5000
