"""reproduce naitzat --exact takes data of dimension <= 3 (issue 25, item 4): D-II runs (its
CI-sized --quick variant), 4-D data is one line and exit status 2."""
import json

import numpy as np
import pytest

from topodestruct.cli import main

from test_cli_errors import NAITZAT, assert_one_line_error, needs_naitzat, run_cli


def test_exact_on_4d_data_is_one_line(tmp_path):
    (tmp_path / "set" / "data").mkdir(parents=True)
    (tmp_path / "set" / "models").mkdir()
    rng = np.random.default_rng(0)
    np.save(tmp_path / "set" / "data" / "F-test.npy", rng.random((20, 4)))
    np.save(tmp_path / "set" / "data" / "F-test-labels.npy", np.arange(20) % 2)
    (tmp_path / "set" / "models" / "F_model_0.pth").write_bytes(b"")
    proc = run_cli(["reproduce", "naitzat", "--data", tmp_path / "set", "--dataset", "F",
                    "--exact"], cwd=tmp_path)
    assert_one_line_error(proc.returncode, proc.stderr, "--exact needs data of dimension <= 3")
    assert "F is 4-D" in proc.stderr and not (tmp_path / "results").exists()


@needs_naitzat
@pytest.mark.slow
def test_d2_exact_quick_runs(tmp_path, capsys):
    """The refusal is gone: one model, one ring (a solid torus: H = (Z, Z)), exact rows."""
    out = tmp_path / "out"
    assert main(["reproduce", "naitzat", "--data", str(NAITZAT), "--dataset", "D-II",
                 "--exact", "--quick", "--out", str(out)]) == 0
    capsys.readouterr()
    (record,) = [json.loads(line) for line in
                 (out / "naitzat-D-II-quick.jsonl").read_text().splitlines()]
    assert record["params"]["exact"] and record["params"]["model"] == "D-II_model_0.pth"
    rows = record["result"]["rows"]
    assert rows[0]["image_homology"] == [1, 1]               # one ring of the class
    assert rows[1]["route"] == "exact" and rows[1]["image_homology"] is not None
    assert rows[1]["quotient"] is not None                   # exact in 3-D too
    assert len(rows) == 10                                   # 9 hidden layers, all reported
    assert (out / "naitzat-D-II-quick-exact.md").is_file()
