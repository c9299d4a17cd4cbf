"""reproduce naitzat runs its models through the shared runner (issue 23 item 4).

Records written here one per model, identical whether the models are profiled in this
process or in worker processes; --budget bounds the exact route per model and is part of
the records' key; misuse is one line (exit 2).
"""
import json

import pytest

from topodestruct.cli import main
from topodestruct.experiments import naitzat, reproduce, runner
from test_naitzat import _tiny_folder


def _records(path):
    out = []
    for line in path.read_text().splitlines():
        r = json.loads(line)
        out.append((r["params"], r["result"]))
    return sorted(out, key=lambda pr: pr[0]["model"])


def test_worker_processes_give_the_same_records(tmp_path, monkeypatch):
    folder = _tiny_folder(tmp_path / "set")
    common = ["reproduce", "naitzat", "--data", str(folder), "--dataset", "R", "--exact"]
    routes = []
    real = runner.iter_jobs

    def spy(fn, items, n_jobs=1, backend="serial", **kw):
        routes.append((n_jobs, backend))
        return real(fn, items, n_jobs=n_jobs, backend=backend, **kw)
    monkeypatch.setattr(runner, "iter_jobs", spy)
    assert main(common + ["--out", str(tmp_path / "here")]) == 0
    assert main(common + ["--out", str(tmp_path / "two"), "--jobs", "2"]) == 0
    # --jobs reaches the runner (it had been dropped on the way: every run was serial)
    assert routes == [(1, "serial"), (2, "processes")]
    here = _records(tmp_path / "here" / "naitzat-R.jsonl")
    two = _records(tmp_path / "two" / "naitzat-R.jsonl")
    assert [p["model"] for p, _ in here] == ["R_model_0.pth", "R_model_1.pth"]
    assert here == two


def test_budget_is_part_of_the_key_and_needs_exact(tmp_path, capsys):
    folder = _tiny_folder(tmp_path / "set")
    common = ["reproduce", "naitzat", "--data", str(folder), "--dataset", "R",
              "--out", str(tmp_path / "out")]
    assert main(common + ["--exact", "--budget", "300"]) == 0
    records = _records(tmp_path / "out" / "naitzat-R.jsonl")
    assert all(p["budget_s"] == 300.0 and p["exact"] for p, _ in records)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(common + ["--budget", "300"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--budget" in err[0] and "--exact" in err[0]


def test_reproduce_passes_jobs_and_scheduler_to_naitzat(monkeypatch):
    seen = {}
    monkeypatch.setattr(naitzat, "reproduce_naitzat", lambda **kw: seen.update(kw) or "run")
    assert reproduce("naitzat", jobs=3, scheduler="local:2", data="d", dataset="D-I") == {
        "naitzat": "run"}
    assert seen["jobs"] == 3 and seen["scheduler"] == "local:2"
