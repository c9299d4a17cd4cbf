"""Splitting the image complex's edges: points that the collinear meets report inside a
segment are a shortcut past the exact test, never a change of the complex."""
import numpy as np
import pytest

import topodestruct as td
import topodestruct.geometry.image_complex as ic
from topodestruct.geometry import exact as ex
from topodestruct.geometry.image_complex import refine_image


@pytest.mark.parametrize("seed", range(4))
def test_points_known_inside_collinear_segments_are_inside_and_change_nothing(seed):
    """Edges piled on three lines of R^3 (many overlapping collinear pairs) and edges across
    them: every point that the collinear meets report inside a segment lies strictly inside
    it (exact test), and the image complex is the one built without those reports."""
    rng = np.random.default_rng(seed)
    lines = [(np.array([0.0, 0, 0]), np.array([1.0, 2, 0])),
             (np.array([1.0, 0, 1]), np.array([0.0, 1, -1])),
             (np.array([0.0, 3, 0]), np.array([2.0, -1, 1]))]
    X = np.concatenate([a + np.arange(12)[:, None] / 4 * d for a, d in lines])
    edges = {tuple(sorted(e)) for e in (12 * int(rng.integers(3)) + rng.choice(12, 2, False)
                                        for _ in range(40))}
    edges |= {tuple(sorted(rng.choice(36, 2, False))) for _ in range(8)}
    K = td.SimplicialComplex(sorted(edges))
    images = X[K.vertices]
    seen = []
    real = ic._inside_segments

    def spy(pairs, rows, lo, hi, pc):
        out = real(pairs, rows, lo, hi, pc)
        for f, ids in out.items():
            a, b = (pc.P.exact[u] for u in pc.feats[f])
            assert all(ex.on_segment(pc.P.exact[u], a, b) is not None for u in ids)
            seen.append(len(ids))
        return out
    ic._inside_segments = spy
    try:
        R = refine_image(K, images)
    finally:
        ic._inside_segments = real
    ic._inside_segments = lambda *a: {}
    try:
        R0 = refine_image(K, images)
    finally:
        ic._inside_segments = real
    assert sum(seen) > 20                                     # the case has such points
    assert R.complex.simplices(1).tolist() == R0.complex.simplices(1).tolist()
    assert R.exact == R0.exact
