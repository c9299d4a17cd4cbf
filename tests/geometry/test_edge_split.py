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


@pytest.mark.parametrize("n", [2, 5, 12])
def test_near_segments_finds_every_point_on_an_edge(n):
    """The float search of :func:`_near_segments` (balls searched in up to 6 principal
    directions where the points have more) keeps every (edge, point) pair with the point
    inside the edge: points put on random edges at dyadic parameters (exact in floats),
    among others off them, in R^2, R^5 and R^12."""
    from topodestruct.geometry._image_cells import _near_segments

    rng = np.random.default_rng(n)
    pts = rng.normal(size=(300, n)) * rng.uniform(0.1, 10, n) + 5   # uneven: principal
    E = rng.integers(0, 300, size=(400, 2))                     # directions matter
    E = E[E[:, 0] != E[:, 1]]
    on, extra = [], []
    for e in rng.choice(len(E), 150):
        t = rng.integers(1, 8) / 8
        on.append((int(e), 300 + len(extra)))
        extra.append(pts[E[e, 0]] + t * (pts[E[e, 1]] - pts[E[e, 0]]))
    pts = np.concatenate([pts, np.array(extra)])
    found = {tuple(p) for p in _near_segments(pts, E)}
    assert set(on) <= found


@pytest.mark.parametrize("seed", range(10))
def test_no_meeting_pairs_means_no_point_inside_an_edge(seed, monkeypatch):
    """Without interactions or overlaps the pieces are the image complex (no cells, no edge
    search); those would have changed nothing: on random projections of tori (to R^2,
    where they fold; to R^3 and R^4), some with a vertex placed on another edge, the complex
    is the one built with the search (seeds 2, 7 and 8 have no meeting pairs, the others
    do)."""
    rng = np.random.default_rng(seed)
    K = td.complexes.torus(5 + seed % 2, 6)
    X = np.asarray(K.coordinates, dtype=float)
    images = np.round(X @ rng.normal(size=(X.shape[1], 2 + seed % 3)), 1 + seed // 2)
    if seed in (4, 5):     # a vertex on the midpoint of an edge not its own
        u, (a, b) = 0, next(e for e in K.simplices(1).tolist() if 0 not in e)
        images[u] = (images[a] + images[b]) / 2
    got = refine_image(K, images)

    def general(pc):        # the cells and the edge search, as where pieces meet
        nothing = lambda *a, **k: None  # noqa: E731
        cells, _, known = ic._cells(pc, [], {}, nothing)
        return ic._assemble(pc, cells, known, nothing)
    monkeypatch.setattr(ic, "_unmet", general)
    want = refine_image(K, images)
    for d in range(3):
        assert got.complex.simplices(d).tolist() == want.complex.simplices(d).tolist()
    assert np.array_equal(got.complex.coordinates, want.complex.coordinates)
    assert got.exact == want.exact and got.carriers == want.carriers
    assert np.array_equal(got.vertex_map, want.vertex_map)



def test_given_floats_are_used_and_checked():
    """The caller's floats of exact images give the same complex; floats that are not the
    rounding of the images are refused, naming the entry."""
    from flint import fmpq

    K = td.complexes.torus(4, 5)
    X = np.asarray(K.coordinates, dtype=float)
    images = np.array([[fmpq(*float(v).as_integer_ratio()) / 3 for v in row] for row in X],
                      dtype=object)
    floats = np.array([[float(v) for v in row] for row in images])
    a, b = refine_image(K, images), refine_image(K, images, floats=floats)
    assert a.complex.simplices(2).tolist() == b.complex.simplices(2).tolist()
    assert np.array_equal(a.complex.coordinates, b.complex.coordinates)
    with pytest.raises(ValueError, match="shape"):
        refine_image(K, images, floats=floats[:, :2])
    bad = floats.copy()
    bad[:, 1] = np.nextafter(bad[:, 1], np.inf)
    with pytest.raises(ValueError, match="not the rounding"):
        refine_image(K, images, floats=bad)
