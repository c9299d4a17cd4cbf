"""Every notebook runs on the current code and reproduces the outputs stored in it.

One mechanism for the suite and for a person: ``notebooks/run_all.py`` (``--check``).  Each
notebook executes with nbclient in a temporary folder (after the ``topodestruct reproduce``
runs it draws, into a temporary results folder); its stdout and ``text/plain`` outputs must
equal the stored ones (memory addresses blanked, long floats rounded), every stored image
must still be produced, and nothing may be written into the working folder.  Cells tagged
``nondeterministic`` run but are not compared.  A failure means the stored outputs are
stale: look at the diff, then ``python notebooks/run_all.py NAME`` stores fresh ones.
"""
import copy
import importlib.util
import pathlib

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("run_all", ROOT / "notebooks" / "run_all.py")
run_all = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_all)

NOTEBOOKS = [p.stem for p in run_all.notebooks()]
SLOW = {"figure2", "folding_and_depth", "network_topology"}   # 15-60 s each here
NEEDS_NAITZAT = {"folding_and_depth"}

# What the stored outputs state (analytic answers, the paper's claims), read without executing.
STATED = {
    "appendix_tables": ["43 paper entries checked: 34 agree, 9 disagree",
                        "(grid) 30 -> H0 = Z, H1 = 0, H2 = Z^6"],
    "figure2": ["'fig2a': 3600", "purple region (most networks have points of rank < m and "
                "of rank = m): k = 34 .. 44"],
    "folding_and_depth": ["Naitzat kNN estimate      changes in 5/5 models",
                          "verdict: The topology first changes at layer 2, by folding"],
    "homology_tour": ["H0 = Z, H1 = Z ⊕ Z/2, H2 = 0",                 # Klein bottle
                      "T / (a ∪ b)     H0 = Z, H1 = 0, H2 = Z",       # torus / both loops = S^2
                      "H(M, ∂M)  H0 = 0, H1 = Z/2, H2 = 0"],
    "network_topology": ["predicted (rank)    H0 = Z, H1 = Z^3",       # wedge of three circles
                         "H0 = Z, H1 = Z^2, H2 = Z -> H0 = Z, H1 = Z, H2 = Z"],   # T/a
    "rank_decomposition": ["rank agreement: True", "64 == box area 64"],
}


def _stored(name):
    return nbformat.read(run_all.HERE / f"{name}.ipynb", as_version=4)


def _text(nb):
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                   + o.get("data", {}).get("text/markdown", "")
                   for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """One results folder for the module: the `reproduce` runs the notebooks draw."""
    return tmp_path_factory.mktemp("results")


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
                                  for n in NOTEBOOKS])
def test_notebook_reproduces_its_stored_outputs(name, results):
    if name in NEEDS_NAITZAT and not (run_all.NAITZAT / "data").is_dir():
        pytest.skip(f"Naitzat data not present in {run_all.NAITZAT}")
    problems = run_all.run(run_all.HERE / f"{name}.ipynb", results, check=True)
    assert not problems, "\n".join(problems) + (
        f"\n-> if the new outputs are right: python notebooks/run_all.py {name}")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_stored_notebook_is_executed_and_states_the_answers(name):
    nb = _stored(name)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(o["output_type"] == "error" for c in code for o in c.outputs)
    assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert not any(o.get("data", {}).get("text/plain", "").startswith("<Figure") and
                   "image/png" not in o["data"] for c in code for o in c.outputs), \
        "a figure stored as its repr only: display it as an image"
    text = _text(nb)
    for claim in STATED[name]:
        assert claim in text, claim


def test_the_fold_in_the_stored_folding_notebook():
    # (x, y) -> (|x|, y): the rank source sees nothing (b1 stays 1); the quotient by both
    # sources, the exact image and the estimate see an arc at layer 2 (on the exact route,
    # with its overlapping pairs)
    text = _text(_stored("folding_and_depth"))
    row = text.split("exact route:")[0].splitlines()[3].split()
    assert row[:3] == ["2", "3", "exact"] and row[5] == "pairs"
    assert row[6:] == ["1", "1", "1", "0", "1", "0", "1", "0"]


def test_check_detects_a_stale_output_and_skips_tagged_cells():
    stored = _stored("homology_tour")
    fresh = copy.deepcopy(stored)
    cell = next(c for c in fresh.cells if c.cell_type == "code" and c.outputs
                and c.outputs[0].get("name") == "stdout")
    cell.outputs[0]["text"] = cell.outputs[0]["text"].replace("Z/2", "Z/3", 1)
    problems = run_all.compare(stored, fresh)
    assert len(problems) == 1 and "-stdout:" in problems[0] and "Z/3" in problems[0]
    tagged = copy.deepcopy(stored)
    next(c for c in tagged.cells if c.cell_type == "code" and c.outputs
         and c.outputs[0].get("name") == "stdout").metadata["tags"] = ["nondeterministic"]
    assert run_all.compare(tagged, fresh) == []
    # an address or the last digits of a float are no change
    assert run_all.normalise("<obj at 0x7f3a2c1d5e80> 0.27392261121133177") == \
        run_all.normalise("<obj at 0x7f00aa001234> 0.27392261121133180")


def test_readme_says_how_to_run_the_notebooks():
    readme = (ROOT / "README.md").read_text()
    assert "python notebooks/run_all.py" in readme
