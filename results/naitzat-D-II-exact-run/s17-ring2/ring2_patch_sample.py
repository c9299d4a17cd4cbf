"""D-II model 11, ring 2: Rips persistence (H1) of a dense random sample of the image of the patch
around the folds (tetrahedra within MARGIN of the folds' box), at layers 1 and 2: an estimate of
how large the loop is that the exact route finds there at layer 2 (random sample: no guarantee).

    python results/naitzat-D-II-exact-run/s17-ring2/ring2_patch_sample.py MARGIN LANDMARKS EDGE_FRACTION
"""
import sys
import pathlib
import numpy as np
import torch
import gudhi
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / 'benchmarks'))  # run from the repository root
from study_d2_rings import rings
from topodestruct.analysis.refine import refine
from topodestruct.geometry.sizes import _farthest_points
import topodestruct as td
torch.set_num_threads(1)
margin, nland, frac = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
net, comps, note = rings('../shared/data/naitzat', 11, 0)
K = comps[2]
lo, hi = np.array([0.262, -0.002, -1]) - margin, np.array([0.304, 0.125, 1]) + margin
X = K.coordinates
tets = K.simplices(3)
keep = ((X[np.searchsorted(K.vertices, tets)] >= lo) & (X[np.searchsorted(K.vertices, tets)] <= hi)).all(axis=(1, 2))
rows = [tuple(t) for t in tets[keep].tolist()]
P = td.SimplicialComplex(rows, coordinates=X[np.searchsorted(K.vertices, td.SimplicialComplex(rows).vertices)])
rng = np.random.default_rng(0)
for layer in (1, 2):
    R = refine(net, P, layer)
    Y = np.asarray(R.values(layer), float)
    S = np.asarray(R.simplices)
    W = Y[S]
    E = W[:, 1:] - W[:, :1]
    vol = np.sqrt(np.maximum(np.linalg.det(np.einsum('tin,tjn->tij', E, E)), 0))
    idx = np.repeat(np.arange(len(S)), rng.multinomial(100_000, vol / vol.sum()))
    D = np.concatenate([Y, np.einsum('tk,tkn->tn', rng.dirichlet(np.ones(4), len(idx)), W[idx])])
    L, cov = _farthest_points(D, nland)
    extent = float(np.ptp(D, 0).max())
    st = gudhi.RipsComplex(points=D[L], max_edge_length=frac * extent,
                           sparse=0.2).create_simplex_tree(max_dimension=2)
    st.compute_persistence()
    bars = sorted(st.persistence_intervals_in_dimension(1).tolist(), key=lambda b: b[0] - b[1])
    print(f"margin {margin} layer {layer}: pieces {len(S)}, image extent {extent:.3f}, "
          f"{len(L)} landmarks covering the sample within {cov:.4f}, Rips edges <= {frac * extent:.3f}, "
          f"{st.num_simplices()} simplices; longest H1 bars (edge lengths):",
          [(round(a, 4), round(b, 4)) for a, b in bars[:5]], flush=True)
