"""Execute the notebooks with nbclient and store their outputs, or check them.

From the repository root::

    python notebooks/run_all.py                    # execute every notebook, store its outputs
    python notebooks/run_all.py homology_tour      # only these (names or paths)
    python notebooks/run_all.py --check            # execute, compare with the stored outputs

Each notebook runs in a fresh temporary folder (the files it writes land there, never in
``notebooks/``), with this checkout first on ``PYTHONPATH``.  ``figure2`` and
``folding_and_depth`` draw results written by ``topodestruct reproduce``: the commands in
``RESULTS`` below are run first into ``--results DIR`` (default: a temporary folder; they
resume, so a kept folder is reused) and the notebooks read it through
``$TOPODESTRUCT_RESULTS``.  ``--check`` compares stdout and ``text/plain`` outputs after
normalising memory addresses and long floats, and that each stored image is still produced;
cells tagged ``nondeterministic`` (timings) are executed but not compared.  The test suite
runs the same check (``tests/package/test_notebooks.py``).
"""
import argparse
import difflib
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
NAITZAT = pathlib.Path(os.environ.get("TOPODESTRUCT_NAITZAT", ROOT.parent / "shared" / "data"
                                      / "naitzat"))
SKIP_TAG = "nondeterministic"

# The `topodestruct` commands whose results a notebook draws (run into $TOPODESTRUCT_RESULTS).
RESULTS = {
    "figure2": [["reproduce", "fig2"]],
    "folding_and_depth": [["reproduce", "naitzat", "--data", str(NAITZAT), "--dataset", "D-II",
                           "--quick"]],
}


def notebooks(names=()):
    """Paths of the named notebooks (all of ``notebooks/`` when none are named)."""
    if not names:
        return sorted(HERE.glob("*.ipynb"))
    paths = []
    for name in names:
        path = pathlib.Path(name)
        if not path.suffix:
            path = HERE / f"{name}.ipynb"
        if not path.is_file():
            raise SystemExit(f"run_all: error: no notebook {name}")
        paths.append(path.resolve())
    return paths


def prepare_results(path, results):
    """Run the commands whose results notebook ``path`` reads, into folder ``results``."""
    for args in RESULTS.get(pathlib.Path(path).stem, []):
        cmd = [sys.executable, "-m", "topodestruct", *args, "--out", str(results)]
        done = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")


def _env(results=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env.setdefault(var, "1")
    env.pop("MPLBACKEND", None)   # the kernel's inline backend: figures as image/png
    if results is not None:
        env["TOPODESTRUCT_RESULTS"] = str(results)
    return env


def execute(path, results=None, timeout=600):
    """The notebook at ``path`` executed top to bottom in a temporary folder (not written).

    Returns the notebook and the names of the files it left in its working folder.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="notebook-") as cwd:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": cwd}}).execute(env=_env(results))
        written = sorted(p.name for p in pathlib.Path(cwd).iterdir())
    for cell in nb.cells:
        cell.metadata.pop("execution", None)   # timestamps of an earlier run
    return nb, written


_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
_FLOAT = re.compile(r"(?<![\w.])-?\d+\.\d{5,}(?:e[-+]?\d+)?")


def normalise(text):
    """Text with memory addresses blanked and floats of 5+ decimals rounded to 4 digits."""
    text = _ADDRESS.sub("0x…", text)
    return _FLOAT.sub(lambda m: f"{float(m.group()):.4g}", text)


def cell_outputs(cell):
    """Comparable outputs of a code cell: merged stdout, each text/plain, a mark per image."""
    out, stdout = [], ""
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            if o["name"] == "stdout":
                stdout += o["text"]
            continue
        if stdout:
            out.append(("stdout", normalise(stdout)))
            stdout = ""
        if o["output_type"] == "error":
            out.append(("error", f"{o['ename']}: {o['evalue']}"))
            continue
        data = o.get("data", {})
        if "text/plain" in data:
            out.append(("text/plain", normalise(data["text/plain"])))
        for mime in sorted(data):
            if mime.startswith("image/"):
                out.append((mime, "<image>"))
    if stdout:
        out.append(("stdout", normalise(stdout)))
    return out


def compare(stored, fresh):
    """Differences (a list of strings) between the stored and freshly executed notebooks."""
    problems = []
    if stored.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append("no python3 kernelspec in the notebook's metadata")
    code = [(a, b) for a, b in zip(stored.cells, fresh.cells) if a.cell_type == "code"]
    if not any(old.get("outputs") for old, _ in code):
        problems.append("no stored outputs")
    for i, (old, new) in enumerate(code):
        if SKIP_TAG in old.metadata.get("tags", []):
            continue
        a, b = cell_outputs(old), cell_outputs(new)
        if a != b:
            diff = difflib.unified_diff(
                [f"{k}: {line}" for k, v in a for line in v.splitlines()],
                [f"{k}: {line}" for k, v in b for line in v.splitlines()],
                "stored", "executed", lineterm="", n=1)
            first = (old.source.splitlines() or [""])[0]
            problems.append(f"code cell {i} ({first!r}):\n" + "\n".join(diff))
    return problems


def run(path, results, check):
    """Execute one notebook and store its outputs (``check``: compare them instead).

    Returns a list of problems: differences from the stored outputs (``check``) and files
    that the notebook wrote into its working folder.
    """
    import nbformat

    prepare_results(path, results)
    stored = nbformat.read(path, as_version=4)
    fresh, written = execute(path, results)
    problems = compare(stored, fresh) if check else []
    if written:
        problems.append(f"wrote into its working folder (notebooks/ when opened there): "
                        f"{', '.join(written)}; write to a temporary folder instead")
    if not check:
        fresh.metadata.setdefault("kernelspec", {"display_name": "Python 3",
                                                 "language": "python", "name": "python3"})
        nbformat.write(fresh, path)
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks (default: all in notebooks/)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the stored outputs instead of storing them")
    parser.add_argument("--results", help="folder for the `reproduce` results the notebooks "
                        "draw (default: a temporary folder; a kept one is resumed)")
    args = parser.parse_args(argv)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="results-") as tmp:
        results = pathlib.Path(args.results or tmp).resolve()
        for path in notebooks(args.names):
            t0 = time.perf_counter()
            problems = run(path, results, args.check)
            status = "differs" if problems else "ok" if args.check else "stored"
            print(f"{path.name}: {status} ({time.perf_counter() - t0:.0f} s)", flush=True)
            for p in problems:
                print(p)
            failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
