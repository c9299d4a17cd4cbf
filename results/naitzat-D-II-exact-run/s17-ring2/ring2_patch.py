"""D-II model 11, ring 2: the fold at layer 2 on a patch of the ring around it (its tetrahedra within
MARGIN of the box that holds every fold's preimage); exact image homology of the patch at layers 1, 2."""
import sys, time, numpy as np, torch
import pathlib
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / 'benchmarks'))  # run from the repository root
from study_d2_rings import rings
from topodestruct.analysis.depth_routes import exact_route
import topodestruct as td
torch.set_num_threads(1)
margin = float(sys.argv[1]) if len(sys.argv) > 1 else 0.05
net, comps, note = rings('../shared/data/naitzat', 11, 0)
K = comps[2]
lo, hi = np.array([0.262, -0.002, -1]) - margin, np.array([0.304, 0.125, 1]) + margin
X = K.coordinates
tets = K.simplices(3)
V = X[np.searchsorted(K.vertices, tets)]
keep = ((V >= lo) & (V <= hi)).all(axis=(1, 2))
P = td.SimplicialComplex([tuple(t) for t in tets[keep].tolist()])
pos = np.searchsorted(K.vertices, P.vertices)
P = td.SimplicialComplex([tuple(t) for t in tets[keep].tolist()], coordinates=X[pos])
print("margin", margin, "patch", P, "homology", td.homology(P), flush=True)
t = time.time()
out = exact_route(net, P, [1, 2], sizes=False)
for l in (1, 2):
    print("layer", l, "image", out[l]["image_homology"], "overlaps", out[l]["overlaps"], "predicted", out[l]["predicted"], f"{time.time()-t:.0f}s", flush=True)
