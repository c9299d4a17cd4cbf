"""The exact route's layers computed at once (``n_jobs``): the same rows and stops as one
after the other.

The reference is the serial route of the same code, which the rest of the suite checks
against hand-worked and independent answers; here only the scheduling changes, so every
row (homology, quotient, prediction, sizes) and every note must be identical.
"""
import os

import numpy as np
import pytest

import topodestruct as td
from topodestruct.analysis.depth_routes import exact_route


def _folding_net(seed):
    # narrow random layers fold the torus at depth: the image homology changes
    return td.networks.mlp([3, 5, 5, 4, 4], init="kaiming", random_state=seed)


def _rows(out):
    return {layer: {k: (v.betti if hasattr(v, "betti") else v) for k, v in row.items()}
            for layer, row in out.items()}


@pytest.mark.parametrize("seed", [1])
def test_layers_at_once_give_the_serial_rows(seed):
    net, K = _folding_net(seed), td.complexes.torus(5, 7)
    layers = [1, 2, 3, 4]
    serial = exact_route(net, K, layers, sizes=True)
    both = exact_route(net, K, layers, sizes=True, n_jobs=2)
    assert list(both) == layers
    assert _rows(both) == _rows(serial)
    # not a vacuous comparison: the network changes the image's homology on the way
    assert {tuple(r["image_homology"].betti) for r in serial.values()} != {(1, 2, 1)}


def test_a_stop_at_a_middle_layer_is_the_serial_stop():
    net, K = _folding_net(0), td.complexes.torus(5, 7)
    serial_notes, both_notes = [], []
    full = exact_route(net, K, [1, 2, 3, 4], sizes=False)
    pairs = [r["pieces"] for r in full.values()]
    # a piece budget between layer 2's and layer 3's refinement: the route stops at 3
    cap = (pairs[1] + pairs[2]) // 2
    assert pairs[1] < cap < pairs[2]
    serial = exact_route(net, K, [1, 2, 3, 4], max_pieces=cap, notes=serial_notes, sizes=False)
    both = exact_route(net, K, [1, 2, 3, 4], max_pieces=cap, notes=both_notes, sizes=False,
                       n_jobs=2)
    assert list(serial) == list(both) == [1, 2]
    assert _rows(both) == _rows(serial) and both_notes == serial_notes
    assert "stopped at layer 3" in serial_notes[0]


def test_a_layer_that_fails_drops_the_rows_after_it(monkeypatch, tmp_path):
    from topodestruct.analysis import depth_routes
    from topodestruct.geometry.image_complex import ImageTooLarge

    net, K = _folding_net(1), td.complexes.torus(5, 7)
    real, seen = depth_routes._exact_layer, []

    def layer_3_too_large(net, R, layer, *args):
        seen.append(layer)
        with open(tmp_path / "pids", "a") as f:       # which process computed which layer
            f.write(f"{layer} {os.getpid()}\n")
        if layer == 3:
            raise ImageTooLarge("too many pairs (test)")
        return real(net, R, layer, *args)
    # forked children inherit the patched module
    monkeypatch.setattr(depth_routes, "_exact_layer", layer_3_too_large)
    serial_notes, both_notes = [], []
    serial = exact_route(net, K, [1, 2, 3, 4], notes=serial_notes, sizes=False)
    assert sorted(seen) == [1, 2, 3]
    (tmp_path / "pids").unlink()
    both = exact_route(net, K, [1, 2, 3, 4], notes=both_notes, sizes=False, n_jobs=2)
    # layer 4, computed beside layer 3, is dropped: the serial route never reaches it
    assert list(both) == list(serial) == [1, 2]
    assert _rows(both) == _rows(serial)
    assert both_notes == serial_notes == [
        "exact route stopped at layer 3: too many pairs (test)"]
    pids = dict(line.split() for line in (tmp_path / "pids").read_text().splitlines())
    assert sorted(pids) == ["1", "2", "3", "4"] and len(set(pids.values())) == 2


def test_profile_n_jobs():
    net, K = _folding_net(1), td.complexes.torus(4, 6)
    one = td.profile(net, K, exact=True, estimate=None, progress=False)
    two = td.profile(net, K, exact=True, estimate=None, progress=False, n_jobs=2)
    assert one.to_dict()["rows"] == two.to_dict()["rows"]
    with pytest.raises(ValueError, match="n_jobs must be positive"):
        td.profile(net, K, exact=True, estimate=None, progress=False, n_jobs=0)


def test_details_stay_serial(monkeypatch):
    import topodestruct._parallel as parallel

    def no_fan_out(*args, **kwargs):
        raise AssertionError("where-details must be computed here, not in workers")
    monkeypatch.setattr(parallel, "iter_jobs", no_fan_out)
    net, K = _folding_net(0), td.complexes.torus(5, 7)
    out = exact_route(net, K, [1, 2], keep=(2,), sizes=False, n_jobs=2)
    assert "details" in out[2] and out[2]["details"]["refinement"].layer == 2
    assert np.all(out[2]["details"]["ranks"] >= 0)


def test_balanced_shards_by_pieces():
    from types import SimpleNamespace

    from topodestruct.analysis.depth_routes import _balanced

    refs = {layer: SimpleNamespace(simplices=np.zeros((n, 3))) for layer, n in
            {1: 10, 2: 20, 3: 40, 4: 70, 5: 100}.items()}
    # largest first, each to the lighter shard: 100 | 70; 40 -> 100 | 110; 20 -> 120 | 110;
    # 10 -> 120 | 120; each share computed from its shallowest layer
    assert _balanced(refs, 2) == [[2, 5], [1, 3, 4]]
    assert _balanced(refs, 1) == [[1, 2, 3, 4, 5]]
    assert _balanced({1: refs[1]}, 3) == [[1]]
