"""The folding-and-depth notebook runs top to bottom (on a tiny synthetic reproduction)."""
import pathlib

import pytest

from test_naitzat import _tiny_folder

from topodestruct.cli import main

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "folding_and_depth.ipynb"


@pytest.mark.slow
def test_folding_notebook(run_notebook, tmp_path, monkeypatch):
    folder = _tiny_folder(tmp_path / "set")
    out = tmp_path / "results"
    assert main(["reproduce", "naitzat", "--data", str(folder), "--dataset", "R",
                 "--out", str(out)]) == 0
    monkeypatch.setenv("TOPODESTRUCT_RESULTS", str(out))
    monkeypatch.setenv("TOPODESTRUCT_NAITZAT_RUN", "naitzat-R")
    nb = run_notebook(NOTEBOOK)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs)
    # the fold: rank source sees nothing (b1 stays 1), the overlap source and the image an arc
    row = text.split("predicted:")[0].splitlines()[3].split()
    assert row[0] == "2" and row[4:8] == ["1", "1", "1", "0"] and row[-2:] == ["1", "0"]
    assert row[8:-2] in (["-"], ["1", "0"])   # exact image homology where available: an arc
