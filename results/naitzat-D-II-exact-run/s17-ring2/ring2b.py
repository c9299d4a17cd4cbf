"""Independent check of a ring's exact image homology: dense sample + sparse Rips persistence."""
import sys, time, numpy as np, gudhi, torch
import pathlib
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / 'benchmarks'))  # run from the repository root
from study_d2_rings import rings
from topodestruct.analysis.refine import refine
from topodestruct.geometry.sizes import _farthest_points
torch.set_num_threads(1)
model, ring, layer, nland, dense, maxe = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
net, comps, note = rings('../shared/data/naitzat', model, 0)
K = comps[ring]
R = refine(net, K, layer)
Y = np.asarray(R.values(layer), float); S = np.asarray(R.simplices)
V = Y[S]                                   # (T, 4, n)
E = V[:, 1:] - V[:, :1]
G = np.einsum('tin,tjn->tij', E, E)
vol = np.sqrt(np.maximum(np.linalg.det(G), 0)) / 6
rng = np.random.default_rng(0)
w = vol / vol.sum()
cnt = rng.multinomial(dense, w)
idx = np.repeat(np.arange(len(S)), cnt)
B = rng.dirichlet(np.ones(4), size=len(idx))
D = np.einsum('tk,tkn->tn', B, V[idx])
D = np.concatenate([Y, D])
print("pieces", len(S), "dense", D.shape, "extent", np.ptp(D, 0).max(), "zero-volume pieces", (vol < 1e-12).sum(), flush=True)
L, cov = _farthest_points(D, nland)
P = D[L]
print("landmarks", len(P), "covering radius of dense sample", round(cov, 4), flush=True)
t = time.time()
st = gudhi.RipsComplex(points=P, max_edge_length=maxe, sparse=0.2).create_simplex_tree(max_dimension=2)
print("simplices", st.num_simplices(), f"{time.time()-t:.1f}s", flush=True)
st.compute_persistence()
for d in (0, 1):
    bars = sorted(st.persistence_intervals_in_dimension(d).tolist(), key=lambda b: -(b[1] - b[0]))
    print("H%d" % d, [(round(a, 3), round(b, 3)) for a, b in bars[:8]], flush=True)
