"""Per-layer cost of the exact route on one trained Naitzat network (issues 23 and 25).

    python benchmarks/bench_exact_layers.py --data ../shared/data/naitzat --dataset D-II \\
        --model 0 --cls 0 --upto 3

The complex is the one ``reproduce naitzat --exact`` builds (alpha complex of the correctly
classified test points of the class; in 3-D its pure part where that has the complex's
homology).  Each layer is refined exactly and its exact image computed as the profile does
(same function, no budget); one line per layer: refinement and exact-image seconds, pieces,
the exact image homology, candidate / certified / exact pairs, and the peak resident memory
so far.  One thread.  Stop it with Ctrl-C: the layers printed are complete.
"""
import argparse
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
# the code of this checkout, not whichever the environment installed (a clone run without
# PYTHONPATH had measured the installed checkout's code)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None):
    import topodestruct.experiments.naitzat as nz
    from topodestruct.analysis import depth_routes
    from topodestruct.analysis.refine import refine_next, start_refinement
    from topodestruct.experiments.naitzat_complex import exact_complex
    from topodestruct.relu.load import load_network
    from topodestruct.relu.network import as_network

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="Naitzat dataset folder (data/, models/)")
    ap.add_argument("--dataset", default="D-I", choices=["D-I", "D-II"])
    ap.add_argument("--model", type=int, default=0)
    ap.add_argument("--cls", type=int, default=0)
    ap.add_argument("--upto", type=int, default=9, help="last layer (default 9)")
    a = ap.parse_args(argv)
    X, y = nz.load_points(a.data, a.dataset, "test")
    path = nz.model_paths(a.data, a.dataset, f"{a.dataset}_model_{a.model}.pth")[0]
    scale = nz.choose_alpha_scale(X[y == a.cls])[0]
    net, _ = load_network(path)
    keep = (nz._predict(net, X) == y) & (y == a.cls)
    net = as_network(net)
    K = nz.point_complex(X[keep], "alpha", scale=scale)
    if K.dimension == 3:
        K, _ = exact_complex(K)
    import topodestruct
    print(f"{a.dataset} model {a.model} class {a.cls}: complex {K.f_vector} (code: "
          f"{Path(topodestruct.__file__).parents[1]})", flush=True)
    R = start_refinement(net, K)
    for layer in range(1, min(a.upto, net.n_hidden) + 1):
        t = time.perf_counter()
        R = refine_next(R)
        t_refine, t = time.perf_counter() - t, time.perf_counter()
        row = depth_routes._exact_layer(net, R, layer, None, "ambient", True, 0, None, None,
                                        True, True)
        t_exact = time.perf_counter() - t
        st = row["details"]["folding"].refinement.stats
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
        print(f"layer {layer}: refine {t_refine:.1f} s, exact image {t_exact:.1f} s, "
              f"{row['pieces']} pieces, {row['image_homology']}; pairs: "
              f"{st.get('candidate_pairs')} candidate, {st.get('certified_pairs')} certified, "
              f"{st.get('exact_pairs')} exact; peak {peak:.2f} GB", flush=True)


if __name__ == "__main__":
    main()
