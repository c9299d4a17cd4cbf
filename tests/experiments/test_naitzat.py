"""Naitzat datasets, saved-network inference, the k-NN estimator, profiles and the reproduction."""
import json

import numpy as np
import pytest
import torch
from torch import nn

import topodestruct as td
from topodestruct.topology.point_clouds import (choose_alpha_scale, naitzat_betti, point_complex,
                                              rips_betti)
from topodestruct.analysis.quotient import vertex_quotient
from topodestruct.analysis.vertex_overlaps import vertex_overlaps
from topodestruct.cli import main
from topodestruct.datasets.naitzat import load_labels, load_points, model_paths
from topodestruct.relu.load import infer_network, load_network

from conftest import SHARED

NAITZAT = SHARED / "data" / "naitzat"
needs_shared = pytest.mark.skipif(not (NAITZAT / "data").is_dir(),
                                  reason="shared Naitzat data not present")


def circle(n=60, r=1.0, cx=0.0, rng=None):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    X = np.c_[r * np.cos(t) + cx, r * np.sin(t)]
    if rng is not None:
        X += rng.normal(scale=0.01, size=X.shape)
    return X


# -- architecture inference ----------------------------------------------------------------
def test_infer_state_dict_other_prefix_and_order():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    sd = {f"model.fc.{k}": v for k, v in net.state_dict().items()}
    rebuilt, info = infer_network(dict(reversed(list(sd.items()))))
    assert info["widths"] == [3, 4, 5, 2] and info["n_hidden"] == 2
    assert info["final_activation"] is None and "ReLU" in info["assumed"]
    x = torch.randn(7, 3)
    assert torch.equal(rebuilt(x), net(x))


def test_infer_natural_order_beyond_ten_layers():
    mods = []
    for i in range(11):
        mods += [nn.Linear(2, 2), nn.ReLU()]
    net = nn.Sequential(*mods[:-1])
    rebuilt, info = infer_network(net.state_dict())
    x = torch.randn(4, 2)
    assert info["keys"][:3] == ["0", "2", "4"] and torch.equal(rebuilt(x), net(x))


def test_load_pickled_sequential_and_errors(tmp_path):
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2), nn.ReLU())
    torch.save(net, tmp_path / "seq.pth")
    loaded, info = load_network(tmp_path / "seq.pth")
    assert info["format"] == "module" and info["final_activation"] == "relu"
    assert info["widths"] == [2, 3, 2]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_network(tmp_path / "missing.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="junk.pth"):
        load_network(tmp_path / "junk.pth")
    with pytest.raises(ValueError, match="do not chain"):
        infer_network({"a.weight": torch.zeros(3, 2), "b.weight": torch.zeros(2, 4)})
    with pytest.raises(ValueError, match="only Linear"):
        infer_network({"conv.weight": torch.zeros(3, 2, 2, 2)})


# -- dataset folders ---------------------------------------------------------------------------
def test_labels():
    assert load_labels(np.eye(3)[[2, 0, 1]]).tolist() == [2, 0, 1]
    with pytest.raises(ValueError, match="one-hot"):
        load_labels([[1, 1], [0, 1]])
    with pytest.raises(ValueError, match="3 labels for 2 points"):
        load_labels([0, 1, 1], n=2)
    with pytest.raises(ValueError, match="non-negative integers"):
        load_labels([0.5, 1])


def test_missing_files_are_named(tmp_path):
    (tmp_path / "data").mkdir()
    np.save(tmp_path / "data" / "T-test.npy", np.zeros((3, 2)))
    with pytest.raises(FileNotFoundError, match="T-test-labels.npy"):
        load_points(tmp_path, "T")
    np.save(tmp_path / "data" / "T-test-labels.npy", np.zeros(4))
    with pytest.raises(ValueError, match="4 labels for 3 points"):
        load_points(tmp_path, "T")
    with pytest.raises(FileNotFoundError, match="models"):
        model_paths(tmp_path, "T")


@needs_shared
def test_shared_models_load_and_classify():
    """Architecture as in the README (2-15x9-2, no final ReLU) and its accuracy table."""
    X, y = load_points(NAITZAT, "D-I", "test")
    assert X.shape == (2200, 2) and set(y.tolist()) == {0, 1}
    paths = model_paths(NAITZAT, "D-I")
    assert len(paths) == 30 and paths[2].name == "D-I_model_2.pth"
    accs = []
    for path in paths:
        net, info = load_network(path)
        assert info["widths"] == [2] + [15] * 9 + [2] and info["final_activation"] is None
        with torch.no_grad():
            pred = net(torch.as_tensor(X, dtype=torch.float32)).argmax(1).numpy()
        accs.append((pred == y).mean())
    assert min(accs) >= 0.997 - 5e-4 and abs(np.median(accs) - 0.999) <= 5e-4
    X2, y2 = load_points(NAITZAT, "D-II", "test")
    net, info = load_network(model_paths(NAITZAT, "D-II", "D-II-2_model_*.pth")[0])
    assert info["widths"] == [3] + [25] * 9 + [2]


# -- estimators --------------------------------------------------------------------------------
def test_naitzat_estimator_known_topology():
    rng = np.random.default_rng(0)
    assert naitzat_betti(circle(80, rng=rng), k=4) == [1, 1]
    two = np.r_[circle(80, rng=rng), circle(80, cx=5, rng=rng)]
    assert naitzat_betti(two, k=4)[0] == 2
    # hop distances ignore uniform stretching: a scaled circle reads the same
    assert naitzat_betti(100 * circle(80), k=4) == [1, 1]
    assert rips_betti(circle(40), scale=0.3) == [1, 1]
    with pytest.raises(ValueError, match="k must be"):
        naitzat_betti(circle(10), k=0)
    with pytest.raises(ValueError, match="NaN"):
        naitzat_betti(np.full((5, 2), np.nan), k=2)


def test_point_complexes_of_an_annulus():
    rng = np.random.default_rng(1)
    r, t = rng.uniform(1, 2, 1500), rng.uniform(0, 2 * np.pi, 1500)
    X = np.c_[r * np.cos(t), r * np.sin(t)]
    scale, info = choose_alpha_scale(X)
    assert info["betti"] == [1, 1]
    assert td.homology(point_complex(X, "alpha", scale)).betti[:2] == [1, 1]
    assert td.homology(point_complex(X, "knn", 2, k=13)).betti[:2] == [1, 1]


@needs_shared
def test_naitzat_estimator_on_d1():
    X, y = load_points(NAITZAT, "D-I", "test")
    assert naitzat_betti(X[y == 0], k=13, scale=2.5) == [1, 9]   # README: b0 = 1, b1 = 9
    assert naitzat_betti(X[y == 1], k=13, scale=2.5)[0] == 9      # 9 squares


# -- sources and profiles ----------------------------------------------------------------------
def test_vertex_quotient_by_hand():
    """The vertex route's rank-source quotient has analyze's convention: closed regions,
    components of Omega_0 with distinct images apart (issue 22: one convention)."""
    C = td.complexes.circle(8)
    one = np.zeros((8, 1))                              # every rank-0 vertex at one image

    def q(ranks, images=one, glue=()):
        return vertex_quotient(C, ranks, images, glue)[0].betti

    assert q([2] * 8) == [1, 1]
    assert q([1, 1, 2, 2, 1, 1, 2, 2]) == [1, 1]                     # two arcs, 2 points
    assert q([0, 0, 2, 2, 0, 0, 2, 2]) == [1, 2]                     # one image: one point
    assert q([0, 0, 2, 2, 0, 0, 2, 2], np.arange(8.0)[:, None]) == [1, 1]   # two images
    assert q([2] * 8, glue=[[0, 4]]) == [1, 2]                       # pinch
    assert q([2] * 8, glue=[[1, 7], [2, 6], [3, 5]]) == [1, 0]       # fold


def test_fold_glues_the_two_halves():
    """x -> (|x|, y) folds the circle onto an arc: every left vertex glued to a right one."""
    X = np.round(circle(40), 6)   # mirror-symmetric bit for bit
    W1 = np.array([[1.0, 0], [-1.0, 0], [0, 1.0], [0, -1.0]])
    W2 = np.array([[1.0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]])
    net = [(W1, np.zeros(4)), (W2, np.zeros(3))]
    glued = vertex_overlaps(net, X, radius=0.5, k=4)
    assert glued[1] == []
    left = {i for i in range(40) if X[i, 0] < -1e-9}
    in_class = {v for cls in glued[2] for v in cls}
    assert left <= in_class
    prof = td.profile(net, td.complexes.SimplicialComplex(
        [(i, (i + 1) % 40) for i in range(40)], coordinates=X), n_neighbors=4, exact=False)
    rows = prof.rows
    assert rows[0]["predicted"].betti == [1, 1] and rows[2]["predicted"].betti == [1, 1]
    assert rows[2]["quotient"].betti == [1, 0] and rows[2]["estimate"].betti == [1, 0]  # arc
    assert rows[2]["route"] == "vertex" and "exact=False" in rows[2]["skipped"][0]
    text = str(prof)
    assert "predicted" in text and "kNN" in text and "verdict" in text
    assert json.loads(json.dumps(prof.to_dict()))["rows"][2]["layer"] == 2
    fig = prof.plot()
    assert fig.axes


def test_profile_errors():
    with pytest.raises(ValueError, match="coordinates"):
        td.profile([(np.eye(2), None)], td.SimplicialComplex([(0, 1), (1, 2), (0, 2)]))
    with pytest.raises(ValueError, match="network expects 3"):
        td.profile([(np.ones((2, 3)), None)], circle(20), complex="knn", scale=1,
                   n_neighbors=2)


# -- command line and reproduction on a tiny synthetic folder ----------------------------------
def _tiny_folder(tmp_path):
    rng = np.random.default_rng(0)
    ring = circle(90, rng=rng)
    blob = rng.normal(scale=0.15, size=(40, 2))
    X = np.r_[ring, blob]
    y = np.r_[np.zeros(90), np.ones(40)]
    (tmp_path / "data").mkdir(parents=True)
    (tmp_path / "models").mkdir()
    for split in ("train", "test"):
        np.save(tmp_path / "data" / f"R-{split}.npy", X)
        np.save(tmp_path / "data" / f"R-{split}-labels.npy", np.eye(2)[y.astype(int)])
    torch.manual_seed(0)
    for i in range(2):
        W1 = torch.randn(6, 2)
        net = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 6), nn.ReLU(),
                            nn.Linear(6, 2))
        with torch.no_grad():   # classify by radius: |x|^2 > 0.25 -> class 0
            net[0].weight.copy_(torch.cat([W1[:3], -W1[:3]]))
            net[0].bias.zero_()
            net[2].weight.copy_(torch.eye(6) + 0.1 * i)
            net[2].bias.zero_()
            net[4].weight.zero_()
            net[4].weight[0] = 1.0
            net[4].bias.copy_(torch.tensor([0.0, 0.3]))
        torch.save(net.state_dict(), tmp_path / "models" / f"R_model_{i}.pth")
    return tmp_path


def test_reproduce_naitzat_on_a_tiny_folder(tmp_path, capsys):
    folder = _tiny_folder(tmp_path / "set")
    out = tmp_path / "out"
    assert main(["reproduce", "naitzat", "--data", str(folder), "--dataset", "R",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "class 0" in text and "input Betti numbers [1, 1]" in text
    records = [json.loads(line) for line in (out / "naitzat-R.jsonl").read_text().splitlines()]
    assert [r["params"]["model"] for r in records] == ["R_model_0.pth", "R_model_1.pth"]
    assert records[0]["result"]["rows"][0]["predicted"] == [1, 1]
    assert (out / "naitzat-R.png").stat().st_size > 1000
    assert "## Agreement" in (out / "naitzat-R.md").read_text()
    # resume: nothing recomputed, same file
    before = (out / "naitzat-R.jsonl").read_text()
    main(["reproduce", "naitzat", "--data", str(folder), "--dataset", "R", "--out", str(out)])
    assert (out / "naitzat-R.jsonl").read_text() == before


def test_reproduce_naitzat_layer_jobs_same_records(tmp_path, capsys):
    # --layer-jobs reaches td.profile's n_jobs through the runner: the same exact rows
    folder = _tiny_folder(tmp_path / "set")
    rows = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        assert main(["reproduce", "naitzat", "--data", str(folder), "--dataset", "R",
                     "--exact", "--layer-jobs", jobs, "--out", str(out)]) == 0
        records = [json.loads(line) for line in (out / "naitzat-R.jsonl").read_text().splitlines()]
        rows[jobs] = [r["result"]["rows"] for r in records]
    capsys.readouterr()
    assert rows["1"] == rows["2"] and len(rows["1"]) == 2
    assert all(row["image_homology"] is not None for r in rows["2"] for row in r[1:])


def test_profile_cli(tmp_path, capsys):
    folder = _tiny_folder(tmp_path)
    out = tmp_path / "prof"
    assert main(["profile", "--model", str(folder / "models" / "R_model_0.pth"),
                 "--points", str(folder / "data" / "R-test.npy"),
                 "--labels", str(folder / "data" / "R-test-labels.npy"), "--class", "0",
                 "--budget", "5", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "architecture 2-6-6-2" in text and "no activation after the last Linear" in text
    assert (out / "profile.png").stat().st_size > 1000
    data = json.loads((out / "profile.json").read_text())
    assert data["rows"][0]["estimate"]["betti"] == [1, 1]
    assert data["verdict"]["before"]["betti"][:2] == [1, 1]
    assert main(["profile", "--model", str(folder / "models" / "R_model_0.pth"),
                 "--points", str(folder / "data" / "R-test.npy"), "--complex", "knn",
                 "--k", "6", "--budget", "2", "--json"]) == 0   # --k: the old --n-neighbors
    d = json.loads(capsys.readouterr().out)
    assert d["info"]["complex"] == "knn" and d["info"]["estimate"]["k"] == 6
    assert d["info"]["budget_s"] == 2 and list(d)[-1] == "verdict"
