"""Resumable sweeps: compute the missing configurations of an experiment, store each record as it arrives.

A sweep is a list of configurations (JSON-serialisable parameter dicts), a
seed per configuration and an ``evaluate(params, seed) -> dict`` function.
:func:`run_sweep` skips what the :class:`~.store.ResultStore` already holds,
fans the rest out through :mod:`topodestruct._parallel` (in this process,
spawned worker processes, or a Dask cluster) and appends every finished record
from this process only -- the client, with Dask -- so records never
interleave, an interruption loses nothing that finished, and rerunning the
same call resumes.  Every worker runs torch on one thread, so the numbers do
not depend on where they were computed.

Examples
--------
>>> import tempfile, pathlib
>>> from topodestruct.experiments.store import ResultStore
>>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "squares.jsonl")
>>> configs = [{"x": x} for x in range(4)]
>>> def square(params, seed):
...     return {"y": params["x"] ** 2}
>>> records = run_sweep(configs, square, store, seed_of=lambda p: 0, progress=False)
>>> [r["result"]["y"] for r in records]
[0, 1, 4, 9]
>>> sweep_status(configs, store)
(4, 4)
"""
import time

from .._parallel import check_n_jobs, iter_jobs, single_threaded

__all__ = ["run_sweep", "sweep_status"]


def sweep_status(configs, store):
    """``(present, total)``: how many of ``configs`` the store already holds."""
    return len(configs) - len(store.pending(configs)), len(configs)


class _Timed:
    """Picklable task: ``(params, seed) -> (evaluate(params, seed), seconds)``."""

    def __init__(self, evaluate):
        self.evaluate = evaluate

    def __call__(self, item):
        params, seed = item
        start = time.perf_counter()
        result = self.evaluate(params, seed)
        return result, time.perf_counter() - start


class _TimedMany:
    """Picklable task: ``[(params, seed)] -> [(result, seconds per item)]``."""

    def __init__(self, evaluate_many):
        self.evaluate_many = evaluate_many

    def __call__(self, items):
        start = time.perf_counter()
        results = self.evaluate_many(items)
        if len(results) != len(items):
            raise ValueError(f"evaluate_many returned {len(results)} results for "
                             f"{len(items)} configurations")
        seconds = (time.perf_counter() - start) / max(len(items), 1)
        return [(result, seconds) for result in results]


def run_sweep(configs, evaluate, store, seed_of, jobs=1, scheduler=None, progress=True,
              desc=None, on_record=None, evaluate_many=None, batch=64):
    """Compute every configuration missing from ``store`` and return all records.

    Parameters
    ----------
    configs : list of dict
        The sweep, in the order of the returned records.
    evaluate : callable
        ``evaluate(params, seed) -> dict`` (JSON-serialisable); a module-level
        function when ``jobs > 1`` or ``scheduler`` is given (it is pickled).
    store : ResultStore
        Where records are appended, one per finished configuration.
    seed_of : callable
        ``seed_of(params) -> int``, stored with the record and passed to ``evaluate``.
    jobs : int
        Local worker processes (spawned, one thread each); 1 computes here,
        also on one torch thread, so every ``jobs`` gives identical numbers.
    scheduler : str or distributed.Client, optional
        Run on Dask instead: a scheduler address (``"tcp://host:8786"``),
        ``"local:N"`` (a LocalCluster of ``N`` single-threaded worker
        processes) or a client.  Needs ``topodestruct[dask]``.
    progress : bool
        Show a tqdm progress bar (``desc`` its label).
    on_record : callable, optional
        Called with each newly stored record.
    evaluate_many : callable, optional
        ``evaluate_many([(params, seed), ...]) -> [result, ...]``, equal to
        ``evaluate`` item by item but faster on many; if given, the missing
        configurations are computed in runs of up to ``batch`` consecutive ones
        (one task each; records are still stored one per configuration).

    Returns
    -------
    list of dict
        The stored records of all ``configs``, in their order.
    """
    from tqdm.auto import tqdm

    jobs = check_n_jobs(jobs, "jobs")
    if scheduler is not None and jobs != 1:
        raise ValueError("give either jobs (local processes) or scheduler (Dask), not both")
    todo = [(params, seed_of(params)) for params in store.pending(configs)]
    bar = tqdm(total=len(configs), initial=len(configs) - len(todo), desc=desc,
               unit="cfg", disable=not progress, dynamic_ncols=True)
    if scheduler is not None:
        backend, workers = "dask", 1
    else:
        backend, workers = ("processes" if jobs > 1 else "serial"), jobs
    # amortise transfers, keep resume granular
    chunk = max(1, min(4, len(todo) // (8 * max(workers, 2 if scheduler else 1))))
    task, items = _Timed(evaluate), todo
    if evaluate_many is not None:
        batch = check_n_jobs(batch, "batch")
        task, chunk = _TimedMany(evaluate_many), 1
        items = [todo[s:s + batch] for s in range(0, len(todo), batch)]
    try:
        with single_threaded():       # also here: every route gives identical numbers
            results = iter_jobs(task, items, n_jobs=workers, backend=backend,
                                chunksize=chunk, scheduler=scheduler)
            try:
                for i, out in results:
                    pairs = [(todo[i], out)] if evaluate_many is None else \
                        zip(items[i], out)
                    for (params, seed), (result, seconds) in pairs:
                        record = store.add(params, result, seed=seed,
                                           elapsed_s=round(seconds, 6))
                        bar.update()
                        if on_record is not None:
                            on_record(record)
            finally:
                results.close()       # cancel what is queued (interruption)
    finally:
        bar.close()
    return store.results(configs)


def __dir__():  # dir() shows the public names only
    return __all__
