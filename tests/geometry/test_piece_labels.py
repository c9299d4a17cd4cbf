"""The caller's promise, piece by piece: each piece gets the label of the top simplex of K it
is the image of (vectorised lookup), -1 for lower faces and for simplices not in K."""
import numpy as np
import pytest

from topodestruct.geometry._image_pairs import _piece_labels


@pytest.mark.parametrize("seed", range(5))
def test_piece_labels_are_those_of_their_top_simplices(seed):
    rng = np.random.default_rng(seed)
    k = 2 + seed % 3
    top = np.unique(np.sort(rng.choice(40 + 10 * seed, size=(60, k)), axis=1), axis=0)
    top = top[(np.diff(top, axis=1) > 0).all(1)]
    labels = rng.integers(-1, 5, len(top))
    pieces = [tuple(r) for r in top[rng.permutation(len(top))[:40]].tolist()]
    pieces += [tuple(r[:-1]) for r in top[:10].tolist()]              # lower faces
    pieces += [tuple(range(1000, 1000 + k))]                          # not in K
    pieces = [pieces[i] for i in rng.permutation(len(pieces))]
    want = {tuple(t): int(lab) for t, lab in zip(top.tolist(), labels)}
    got = _piece_labels(top, labels, pieces)
    assert got.tolist() == [want.get(p, -1) for p in pieces]
