"""Resolution study of issue 23: the torus grid under mlp([3, 5, 5]) seeds 0-4, layers 1-2.

Prints, per seed, the exact and stable image homology at each resolution
(td.mesh_study) and writes results/torus-mesh-study/seed-S.json and .png.
Resumable: seeds whose JSON exists are read back.  --quick: seeds 0-1, r = 8, 12.
"""
import argparse
import json
import pathlib
import sys
import time

# the code of this checkout first, not the installed one's
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import topodestruct as td  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="results/torus-mesh-study")
    args = ap.parse_args(argv)
    seeds, res = ((0, 1), (8, 12)) if args.quick else ((0, 1, 2, 3, 4), (8, 12, 16, 24))
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        path = out / f"seed-{seed}{'-quick' if args.quick else ''}.json"
        if path.exists():
            study = td.MeshStudy(**json.loads(path.read_text()))
            print(f"seed {seed}: resumed from {path}")
        else:
            net = td.networks.mlp([3, 5, 5], init="kaiming", random_state=seed)
            t = time.time()
            study = td.mesh_study(net, [td.complexes.torus(r, r) for r in res],
                                  labels=[f"torus {r}x{r}" for r in res])
            path.write_text(json.dumps(study.to_dict()))
            print(f"seed {seed}: {time.time() - t:.0f} s")
            study.plot().savefig(path.with_suffix(".png"), dpi=110)
        print(study, flush=True)


if __name__ == "__main__":
    main()
