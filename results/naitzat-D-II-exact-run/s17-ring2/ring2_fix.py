import sys, time, numpy as np, torch, collections
import pathlib
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / 'benchmarks'))  # run from the repository root
from study_d2_rings import rings
from topodestruct.analysis.depth_routes import exact_route
torch.set_num_threads(1)
net, comps, note = rings('../shared/data/naitzat', 11, 0)
K = comps[2]
t = time.time()
out = exact_route(net, K, [1, 2], keep=(2,), sizes=False)
for l in (1, 2):
    print(l, out[l]["image_homology"], out[l]["overlaps"], out[l]["predicted"], out[l]["quotient"])
F = out[2]["details"]["folding"]
print(collections.Counter(o.dimension for o in F.overlaps), f"{time.time()-t:.0f}s")
fo = [o for o in F.overlaps if o.dimension == 3]
pre = np.concatenate([np.concatenate(o.preimages) for o in fo])
print("fold preimages in R^3: min", pre.min(0).round(3), "max", pre.max(0).round(3))
X = K.coordinates; print("ring: min", X.min(0).round(3), "max", X.max(0).round(3))
img = np.concatenate([o.image for o in fo]); print("fold images extent", np.ptp(img, 0).max().round(3))
