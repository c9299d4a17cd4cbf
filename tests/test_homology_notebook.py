"""The homology tour notebook runs top to bottom and prints the analytic answers."""
import pathlib

import pytest

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "homology_tour.ipynb"


@pytest.mark.slow
def test_homology_tour_notebook(run_notebook, tmp_path):
    import shutil
    nb_path = tmp_path / NOTEBOOK.name
    shutil.copy(NOTEBOOK, nb_path)   # outputs (the PNG) go to a temporary folder
    nb = run_notebook(nb_path)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "H0 = Z, H1 = Z ⊕ Z/2, H2 = 0" in text          # Klein bottle
    assert "T / (a ∪ b)     H0 = Z, H1 = 0, H2 = Z" in text  # torus / both loops = S^2
    assert "H(M, ∂M)  H0 = 0, H1 = Z/2, H2 = 0" in text
    assert (tmp_path / "torus_loops.png").stat().st_size > 1000
