"""The exact route of td.profile on 3-complexes (issue 25, part 2): exact image rows, or the
named fallback where solid pieces overlap; and an independent check of the exact image
homology against the persistent homology of a dense sample of the image.
"""
import numpy as np
import pytest

import topodestruct as td
from topodestruct.analysis.exact_route import exact_folding
from topodestruct.analysis.labels import piece_ranks
from topodestruct.analysis.refine import refine

from solid_builders import prism_ring, ring

gudhi = pytest.importorskip("gudhi")


def fold_net(c=3.0):
    """3 -> 4 -> 3, both ReLU: layer 1 is (relu(x), relu(-x), y + c, z + c), injective;
    layer 2 is (|x|, y + c, z + c), the reflection fold through the plane x = 0."""
    W1 = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    W2 = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=float)
    return td.networks.from_weights([(W1, [0, 0, c, c]), (W2, np.zeros(3))])


def test_profile_of_a_symmetric_fold_gives_exact_image_rows():
    K = ring(4, lo=-2, mirrored=True)                  # exactly symmetric in x = 0
    prof = td.profile(fold_net(), K, estimate=None, exact=True)
    rows = prof.rows
    assert [r["route"] for r in rows] == ["input", "exact", "exact"]
    assert rows[0]["image_homology"].betti[:2] == [1, 1]
    assert rows[1]["image_homology"].betti == [1, 1, 0, 0]     # injective: a solid torus
    assert rows[2]["image_homology"].betti == [1, 0, 0, 0]     # half of it: a ball
    assert rows[2]["overlaps"] > 0                             # the mirror halves overlap
    for r in rows[1:]:                   # full rank everywhere: nothing collapses, and the
        assert r["quotient"] == r["image_homology"]    # overlaps are identified in the image
        assert not r["skipped"]


def test_profile_names_the_fallback_where_solids_overlap():
    K = ring(4, lo=-2)                                 # Kuhn on both sides: not symmetric
    prof = td.profile(fold_net(), K, estimate=None)
    rows = prof.rows
    assert rows[1]["route"] == "exact" and rows[1]["image_homology"].betti == [1, 1, 0, 0]
    assert rows[2]["route"] == "vertex" and rows[2]["image_homology"] is None
    assert any("3-D overlap not supported" in s and "interior overlaps" in s
               for s in rows[2]["skipped"])
    with pytest.raises(RuntimeError, match="3-D overlap not supported"):
        td.profile(fold_net(), K, estimate=None, exact=True)


def _dense_sample(V, tets, h):
    """Points of the union of the image tetrahedra: barycentric grids of step <= h (every
    point of a tetrahedron lies within h of its grid)."""
    pts = [V]
    P = V[tets]
    d = np.max([np.linalg.norm(P[:, a] - P[:, b], axis=1)
                for a in range(4) for b in range(a + 1, 4)], axis=0)
    steps = np.maximum(1, np.ceil(d / h)).astype(int)
    for s in np.unique(steps):
        i, j, k = np.meshgrid(*(np.arange(s + 1),) * 3, indexing="ij")
        ok = i + j + k <= s
        g = np.stack([i[ok], j[ok], k[ok], s - i[ok] - j[ok] - k[ok]], 1) / s
        pts.append(np.einsum("gk,tkn->tgn", g, P[steps == s]).reshape(-1, V.shape[1]))
    return np.concatenate(pts)


def _persistent_betti(V, tets, n=800):
    """Betti numbers 0..2 of the union of the image tetrahedra, read from the alpha (Cech)
    persistence of a subsample within ``eps`` of all of it (Hausdorff), or None where the
    sample cannot decide.  By stability the diagrams are within ``eps``; bars of the sample
    longer than ``2 eps`` are read as classes and bars up to ``eps`` as noise (measured noise
    here: below ``0.5 eps``); a bar in between leaves the case undecided."""
    from scipy.spatial import cKDTree

    diam = float(np.linalg.norm(V.max(0) - V.min(0)))
    h = diam / 60
    dense = _dense_sample(V, tets, h)
    _, first = np.unique(np.floor(dense / (h / 2)), axis=0, return_index=True)
    P = dense[first]
    idx, dist = [0], np.linalg.norm(P - P[0], axis=1)
    for _ in range(min(n, len(P)) - 1):                 # farthest-point subsample
        i = int(dist.argmax())
        idx.append(i)
        dist = np.minimum(dist, np.linalg.norm(P - P[i], axis=1))
    eps = float(cKDTree(P[idx]).query(dense)[0].max()) + h
    st = gudhi.AlphaComplex(points=P[idx]).create_simplex_tree()
    st.compute_persistence()
    out = []
    for dim in (0, 1, 2):
        bars = np.sqrt(st.persistence_intervals_in_dimension(dim)).reshape(-1, 2)
        length = bars[:, 1] - bars[:, 0]
        if ((length > eps) & (length <= 2 * eps)).any():
            return None
        out.append(int((length > 2 * eps).sum()))
    return out


@pytest.mark.parametrize("seed, layer", [(1, 1), (3, 1), (5, 1), (5, 2)])
def test_exact_image_agrees_with_the_persistence_of_a_dense_sample(seed, layer):
    K = prism_ring(3)                                  # 9 tetrahedra, a solid torus
    net = td.networks.mlp([3, 4, 4], random_state=seed)
    R = refine(net, K, layer)
    F = exact_folding(net, R, layer, piece_ranks(net, R, layer))
    exact = F.image_homology.betti
    sampled = _persistent_betti(R.values(layer), R.simplices)
    assert sampled is not None, "the sample cannot decide: choose another case"
    assert exact[:3] == sampled


def test_analyze_refines_a_solid_and_agrees_with_profile():
    # ReLU(x, y, z, -x, -y, -z) is injective: the solid torus keeps H = (Z, Z) (by hand)
    from solid_builders import solid_torus

    K = solid_torus()
    net = td.networks.from_weights([(np.vstack([np.eye(3), -np.eye(3)]), np.zeros(6))])
    rep = td.analyze(net, K, layer=1, refine=True, estimate=None)
    assert rep.image_homology.betti[:2] == [1, 1] and not any(rep.image_homology.betti[2:])
    row = td.profile(net, K, estimate=None).rows[1]
    assert row["image_homology"] == rep.image_homology
