"""reproduce naitzat --exact on 3-D data (issue 25, item 4): exact image rows for a solid ring,
the pure part of a complex that is not pure (used only where its homology is the complex's),
and the CI-sized --quick variant.

The folder's networks are injective on R^3 (answers worked out by hand): layer 1 is
``x -> (A x + c, relu(x_1))`` with ``A`` invertible and ``A x + c > 0`` on the data, so its
first three coordinates give ``x`` back, and it bends along the plane ``x_1 = 0``, which cuts
the ring; layer 2 is ``h -> relu(M h) = M h`` with ``M = I + t J`` (nonnegative entries,
invertible) on the nonnegative orthant.  An injective continuous map of a compact space is a
homeomorphism onto its image, so every layer's exact image has the ring's homology
``(Z, Z, 0)``, and nothing changes.
"""
import json

import numpy as np
import pytest
import torch
from torch import nn

import topodestruct as td
from topodestruct.cli import main
from topodestruct.experiments.naitzat import load_run, pure_part
from topodestruct.experiments.naitzat_complex import exact_complex

A = np.array([[1, 0.25, 0], [0, 1, 0.5], [0.25, 0, 1]])
C = 4.0                                   # A x + C > 0 on the ring and the blob


def solid_torus(n, seed, R=1.0, r=0.4):
    """``n`` points uniform in the solid torus around the z-axis (radii R, r)."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        p = rng.uniform([-R - r, -R - r, -r], [R + r, R + r, r])
        if (np.hypot(p[0], p[1]) - R) ** 2 + p[2] ** 2 <= r * r:
            out.append(p)
    return np.array(out)


def _injective_net(t):
    """3 -> 4 -> 4 -> 2 (module notes); the logits say class 0 where z < 1.5."""
    W1, b1 = np.r_[A, [[1.0, 0, 0]]], np.r_[C, C, C, 0.0]
    M = np.eye(4) + t
    # z from h2 = M h1: x = A^-1 (h1[:3] - C)
    z = np.linalg.inv(A)[2] @ np.c_[np.eye(3), np.zeros(3)] @ np.linalg.inv(M)
    z0 = -np.linalg.inv(A)[2] @ np.full(3, C)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    with torch.no_grad():
        for lin, (W, b) in zip(net[::2], [(W1, b1), (M, np.zeros(4)),
                                         (np.r_[[-z], [np.zeros(4)]], [1.5 - z0, 0.0])]):
            lin.weight.copy_(torch.as_tensor(W))
            lin.bias.copy_(torch.as_tensor(b))
    return net


def _ring_folder(path, n=100, seed=1):
    """Class 0: a solid ring (seed 1: its alpha complex has a triangle in no tetrahedron);
    class 1: a blob above it at z = 3."""
    X = np.r_[solid_torus(n, seed), np.random.default_rng(5).normal([0, 0, 3], 0.1, (30, 3))]
    y = np.r_[np.zeros(n), np.ones(30)].astype(int)
    (path / "data").mkdir(parents=True)
    (path / "models").mkdir()
    for split in ("train", "test"):
        np.save(path / "data" / f"S-{split}.npy", X)
        np.save(path / "data" / f"S-{split}-labels.npy", y)
    for i in range(2):
        torch.save(_injective_net(0.1 * i).state_dict(), path / "models" / f"S_model_{i}.pth")
    return path


def test_exact_rows_of_a_solid_ring_under_injective_layers(tmp_path):
    folder = _ring_folder(tmp_path / "set")
    out = tmp_path / "out"
    assert main(["reproduce", "naitzat", "--data", str(folder), "--dataset", "S", "--exact",
                 "--out", str(out)]) == 0
    records, setup = load_run(out / "naitzat-S.jsonl", exact=True)
    assert setup["exact"] and len(records) == 2
    for rec in records:
        res = rec["result"]
        assert res["n_points"] == 100                       # every ring point classified
        rows = res["rows"]
        assert [r["route"] for r in rows] == ["input", "exact", "exact"]
        assert all(r["image_homology"] == [1, 1] for r in rows)   # the ring's (Z, Z)
        assert all(r["predicted"] == [1, 1] for r in rows)
        for r in rows[1:]:             # injective layers: the quotient is the image's too
            assert r["quotient"] == [1, 1]
        for r in rows:        # sizes of the solid image's classes: one per class, measured
            sizes = r["image_sizes"]
            assert [len(x) for x in sizes[:2]] == [1, 1] and sizes[0][0] in ("inf", np.inf)
            assert not any("sizes" in s for s in r["skipped"])
            if r["image_stable"] is not None:               # decided: classes > resolution
                assert r["image_stable"][:2] == [1, int(float(sizes[1][0]) > r["resolution"])]
        assert 0 < float(rows[0]["image_sizes"][1][0]) < 1.4   # the hole: inside the ring
        assert res["verdict"]["changes"] is False
        assert res["complex"]["used"] == "pure part"        # the complex is not pure
        assert "equal" in res["complex"]["homology_checked"]
        built, used = res["complex"]["f_vector"], res["complex"]["f_vector_used"]
        assert built[3] == used[3] and built[2] > used[2]   # same tetrahedra, fewer triangles
    summary = (out / "naitzat-S-exact.md").read_text()
    assert "exact route on the pure part of the complex" in summary
    assert "in 2/2 models" in summary and "checked equal" in summary
    assert "not built for 3-complexes" not in summary
    assert "- rank + overlap sources: changes in 0/2 models" in summary


def test_quick_exact_on_3d_data_is_one_model_one_ring_and_a_budget(tmp_path, capsys):
    folder = _ring_folder(tmp_path / "set")
    out = tmp_path / "out"
    assert main(["reproduce", "naitzat", "--data", str(folder), "--dataset", "S", "--exact",
                 "--quick", "--out", str(out)]) == 0
    capsys.readouterr()
    lines = (out / "naitzat-S-quick.jsonl").read_text().splitlines()
    params = [json.loads(line)["params"] for line in lines]
    assert [p["model"] for p in params] == ["S_model_0.pth"]
    assert params[0]["budget_s"] == 15.0 and params[0]["subset"].startswith("one ring")
    summary = (out / "naitzat-S-quick-exact.md").read_text()
    assert "not at the paper's scale" in summary and "the first model only" in summary
    assert "- quick subset: one ring" in summary


# -- the pure part, by hand --------------------------------------------------------------------
TET = [(0, 1, 2, 3)]


def test_pure_part_stands_in_only_with_equal_homology():
    K = td.SimplicialComplex(TET + [(2, 3, 4)])             # a fin on an edge: contractible
    P, H = pure_part(K)
    assert P.f_vector == (4, 6, 4, 1) and K.f_vector == (5, 8, 5, 1)
    assert H.betti[:3] == [1, 0, 0]
    assert pure_part(td.SimplicialComplex(TET))[1] is None  # pure: taken as it is, unchecked
    loop = td.SimplicialComplex(TET + [(3, 4), (4, 5), (3, 5)])   # a loop hung at vertex 3
    apart = td.SimplicialComplex(TET + [(4, 5, 6)])        # a triangle of its own
    for K in (loop, apart):
        with pytest.raises(ValueError, match="pure part of the complex") as err:
            pure_part(K)
        assert "\n" not in str(err.value)


def test_a_refused_pure_part_leaves_the_complex_and_says_why():
    X = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [2, 0, 0], [2, 1, 0]], dtype=float)
    K = td.SimplicialComplex(TET + [(3, 4), (4, 5), (3, 5)], coordinates=X)
    used, note = exact_complex(K)
    assert used is K and note["used"] == "as built, not pure"
    assert "has homology" in note["refused"]
    prof = td.profile([(np.eye(3), np.full(3, 1.0))], used, estimate=None)
    assert prof.rows[1]["route"] == "vertex"
    assert any("not pure" in s for s in prof.rows[1]["skipped"])


def test_exact_route_on_the_pure_part_keeps_the_homology():
    """A tetrahedron with a fin, under an injective affine layer (all pre-activations > 0):
    the pure part is used and its image is a 3-simplex, H = (Z, 0, 0)."""
    X = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=float)
    K = td.SimplicialComplex(TET + [(2, 3, 4)], coordinates=X)
    used, note = exact_complex(K)
    assert note["used"] == "pure part" and used.f_vector == (4, 6, 4, 1)
    prof = td.profile([(A, np.full(3, C))], used, estimate=None, exact=True)
    assert prof.rows[1]["route"] == "exact"
    assert prof.rows[1]["image_homology"].betti[:3] == [1, 0, 0]
