"""Intrinsic ranks and the rank-source quotient: full intrinsic rank is never collapsed.

A circle (a 1-complex) under the injective first layer ReLU(x, -x, y, -y): every edge has
intrinsic rank 1 = dim K, i.e. it is mapped injectively, so the rank source predicts no
change, H = (Z, Z), as the exact image says (found by the CLI tests: the quotient used
to collapse every rank-1 piece, as it does for ambient rank 1 of a 2-D input).
"""
import numpy as np
import torch
from torch import nn

import topodestruct as td


def _net():
    lin = nn.Linear(2, 4)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]))
        lin.bias.zero_()
    return nn.Sequential(lin, nn.ReLU())


def test_full_intrinsic_rank_of_a_circle_is_not_collapsed():
    K = td.complexes.circle(12)
    for rank in ("ambient", "intrinsic"):
        rep = td.analyze(_net(), K, layer=1, rank=rank, estimate=None)
        assert rep.image_homology.betti == [1, 1]
        assert rep.predicted.betti == [1, 1], rank
        assert rep.quotient.betti == [1, 1], rank


def test_intrinsic_rank_zero_is_still_collapsed():
    # a dead layer: every piece has intrinsic rank 0 and the circle goes to one point
    net = td.networks.from_weights([(np.zeros((3, 2)), -np.ones(3))])
    rep = td.analyze(net, td.complexes.circle(8), layer=1, rank="intrinsic", estimate=None)
    pad = lambda h: (list(h.betti) + [0, 0])[:2]  # noqa: E731  (trailing zeros are trimmed)
    assert pad(rep.predicted) == [1, 0] and pad(rep.image_homology) == [1, 0]
