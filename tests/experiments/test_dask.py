"""Figure 2 sweeps on dask.distributed: same records as a serial run, nothing lost when a
worker dies, resume completes only what is missing."""
import os
import signal

import pytest

from topodestruct import _parallel
from topodestruct.experiments import fig2
from topodestruct.experiments.store import ResultStore

distributed = pytest.importorskip("distributed")

# part of fig2a's quick sweep: m = 2, n1 in {2, 5}, 10 networks each, 200 points (fast)
_PANEL = "fig2a"
_PANEL_CONFIGS = fig2.panel_configs


def _configs():
    return [p for p in _PANEL_CONFIGS(_PANEL, quick=True) if p["m"] == 2 and p["n1"] <= 5]


def _strip(record):
    return {k: record[k] for k in ("params", "seed", "result")}


def _sweep(store, scheduler=None, on_record=None):
    from topodestruct.experiments.runner import run_sweep

    return run_sweep(_configs(), fig2.evaluate, store, fig2.config_seed, scheduler=scheduler,
                     progress=False, on_record=on_record)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return _sweep(ResultStore(tmp_path_factory.mktemp("serial") / "s.jsonl"))


def test_local_cluster_records_equal_serial_records(client, serial, tmp_path):
    path = tmp_path / "d.jsonl"
    records = _sweep(ResultStore(path), scheduler=client)
    assert [_strip(r) for r in records] == [_strip(r) for r in serial]
    # written by this process only: one complete line per configuration, no duplicates
    lines = path.read_text().splitlines()
    assert len(lines) == len(serial) == len({line.split('"result"')[0] for line in lines})
    # the workers really were separate processes
    pids = client.run(os.getpid)
    assert len(pids) == 2 and os.getpid() not in pids.values()


def test_tasks_run_torch_on_one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert _parallel._Chunk(abs)([-1, 2]) == [1, 2]
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


class _Stop(Exception):
    pass


def test_killed_worker_loses_no_finished_record_and_rerun_completes_the_rest(client, serial,
                                                                             tmp_path):
    path = tmp_path / "k.jsonl"
    seen = []

    def kill_then_stop(record):
        seen.append(record)
        if len(seen) == 2:          # a worker dies mid-run (its tasks are rerun elsewhere) ...
            pid = next(iter(client.run(os.getpid).values()))
            os.kill(pid, signal.SIGKILL)
        if len(seen) == 5:          # ... and later the client itself is interrupted
            raise _Stop

    with pytest.raises(_Stop):
        _sweep(ResultStore(path), scheduler=client, on_record=kill_then_stop)
    kept = ResultStore(path)
    assert len(kept) == 5           # every finished record is on disk, complete
    assert [_strip(r) for r in kept] == [_strip(r) for r in seen]
    client.wait_for_workers(2, timeout=60)     # the nanny restarts the killed worker
    computed = []
    records = _sweep(ResultStore(path), scheduler=client, on_record=computed.append)
    assert len(computed) == len(serial) - 5     # only what was missing
    assert [_strip(r) for r in records] == [_strip(r) for r in serial]


def test_scheduler_strings_are_checked():
    with pytest.raises(ValueError, match="local:N"):
        _parallel.dask_client("local:0")
    with pytest.raises(ValueError, match="scheduler"):
        list(_parallel.iter_jobs(abs, [1], backend="dask"))


def test_cli_runs_a_panel_on_a_scheduler(client, serial, tmp_path, capsys, monkeypatch):
    # the README's command: reproduce ... --scheduler ADDRESS; records as a serial run
    from topodestruct import cli

    monkeypatch.setattr(fig2, "panel_configs", lambda panel, quick=False, seed=0: _configs())
    assert cli.main(["reproduce", _PANEL, "--quick", "--out", str(tmp_path),
                     "--scheduler", client.scheduler.address]) == 0
    assert "files written to" in capsys.readouterr().out
    stored = ResultStore(tmp_path / f"{_PANEL}-quick.jsonl")
    assert sorted(map(str, map(_strip, stored))) == sorted(map(str, map(_strip, serial)))


@pytest.mark.parametrize("bad", ["local:0", "local:x", "tcp://h:1"])
def test_cli_cluster_option_needs_local_n(bad, capsys):
    from topodestruct import cli

    with pytest.raises(SystemExit):
        cli.main(["reproduce", _PANEL, "--quick", "--cluster", bad])
    assert "local:N" in capsys.readouterr().err
