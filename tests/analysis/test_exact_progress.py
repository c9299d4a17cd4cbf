"""Issue 22, item 3: ``exact=True`` always answers (never a silent None) and shows its progress.

Expected groups are known without the code: an injective map of a compact space is a
homeomorphism onto its image, so an embedding keeps the homology of the torus; the README's
fold (x, y) -> (|x|, y+, y-) sends a mirror-symmetric circle onto a half circle, an arc.
"""
import numpy as np
import pytest

import topodestruct as td
from test_one_route import fold_circle

TORUS, CIRCLE, ARC = [1, 2, 1], [1, 1], [1, 0]


def embedding_of_the_torus():
    """The issue's case: a 1600-triangle torus, layer 2 of an injective 3-6-3 network.

    Layer 1 is (x+, y+, z+, x-, y-, z-), which determines (x, y, z); layer 2 is
    (x, y, z) + 10, positive on the torus (|coordinates| <= 3), so its ReLU is the identity.
    """
    K = td.complexes.torus(20, 40)
    eye = np.eye(3)
    net = td.as_network([(np.r_[eye, -eye], np.zeros(6)), (np.c_[eye, -eye], np.full(3, 10.0))])
    return net, K


def test_the_issue_torus_is_computed_not_skipped():
    net, K = embedding_of_the_torus()
    assert len(K.simplices(2)) == 1600
    rep = td.analyze(net, K, layer=2, exact=True, estimate=None, progress=False)
    assert rep.image_homology is not None and rep.image_homology.betti == TORUS
    assert rep.labels == "simplices" and not rep.skipped
    prof = td.profile(net, K, exact=True, estimate=None, progress=False)
    assert [r["image_homology"].betti for r in prof.rows[1:]] == [TORUS, TORUS]


def test_exact_true_gives_every_layer_an_image_or_raises():
    net, K = fold_circle()
    prof = td.profile(net, K, exact=True, estimate=None, progress=False)
    assert [r["route"] for r in prof.rows[1:]] == ["exact", "exact"]
    assert [r["image_homology"].betti for r in prof.rows[1:]] == [CIRCLE, ARC]
    for layer, betti in ((1, CIRCLE), (2, ARC)):
        rep = td.analyze(net, K, layer=layer, exact=True, estimate=None, progress=False)
        assert rep.image_homology is not None and rep.image_homology.betti == betti
    with pytest.raises(RuntimeError, match="exact=True"):     # no time: an error, not a None
        td.analyze(net, K, layer=2, exact=True, budget_s=0, progress=False)


class _Bar:
    """Records what the pipeline asks of tqdm."""

    made = []

    def __init__(self, total=None, disable=None, **kwargs):
        self.total, self.disable, self.kwargs = total, disable, kwargs
        self.n, self.closed = 0, False
        _Bar.made.append(self)

    def update(self, n=1):
        self.n += n

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True


def test_the_bar_counts_the_layers_the_route_passes(monkeypatch):
    import tqdm.auto

    monkeypatch.setattr(tqdm.auto, "tqdm", _Bar)
    net, K = fold_circle()
    _Bar.made.clear()
    td.profile(net, K, exact=True, estimate=None, progress=True)
    td.analyze(net, K, layer=2, exact=True, estimate=None)   # layer 1 refined on the way
    td.profile(net, K, exact=False, estimate=None, progress=True)    # no exact route: no bar
    assert [(b.total, b.n, b.closed) for b in _Bar.made] == [(2, 2, True), (2, 2, True)]
    assert [b.disable for b in _Bar.made] == [False, None]   # None: tqdm shows it on a terminal
    assert all(b.kwargs["desc"] == "exact route" for b in _Bar.made)


def test_progress_on_stderr_only_when_asked_or_on_a_terminal(capsys):
    net, K = fold_circle()
    td.profile(net, K, exact=True, estimate=None, progress=True)
    err = capsys.readouterr().err
    assert "exact route:" in err and "0/2" in err
    td.profile(net, K, exact=True, estimate=None, progress=False)
    td.analyze(net, K, layer=2, exact=True, estimate=None)     # captured stderr: no terminal
    assert capsys.readouterr().err == ""
