"""The one fan-out seam: run a function over items serially, in threads, processes or on Dask.

Every parallel loop of the package goes through :func:`iter_jobs` (results as
they finish) or :func:`map_jobs` (results in item order).  Library calls never
fan out on their own: ``n_jobs`` is explicit and defaults to 1, which runs the
items here, one after the other.  Backends:

``"serial"``
    In this process (also what any backend does for ``n_jobs=1``).
``"threads"``
    A thread pool; ``fn`` may be a closure.
``"fork"``
    Forked processes on Linux, for closures over large in-memory state (the
    rank routine's per-point chains, whose gathers hold the GIL): the items
    are sharded, shard 0 runs here, the others in children that send their
    results back by pipe; a shard whose child fails is computed here.  Where
    forking is unsafe or impossible (not Linux, a daemonic process, which may
    not have children, or ``TOPODESTRUCT_FORK=0``) threads are used instead.
``"processes"``
    Spawned worker processes (``fn`` and the items must pickle); workers exit
    when this process dies and leave Ctrl-C to it.
``"dask"``
    Tasks on a ``dask.distributed`` cluster: ``scheduler`` is a scheduler
    address (``"tcp://host:8786"``), ``"local:N"`` (a ``LocalCluster`` of ``N``
    single-threaded worker processes, started and closed here) or a
    ``distributed.Client``.  Needs the optional extra ``topodestruct[dask]``.
    Tasks lost with a worker are rerun by Dask on the others.

Workers of every backend but ``"serial"`` run torch and BLAS on one thread
(``n_jobs`` single-threaded workers, not ``n_jobs`` times torch's thread pool).

Examples
--------
>>> from topodestruct._parallel import map_jobs
>>> map_jobs(abs, [-2, 3, -4])
[2, 3, 4]
>>> map_jobs(abs, [-2, 3, -4], n_jobs=2, backend="threads")
[2, 3, 4]
"""
import contextlib
import os
import sys
import threading
import time

from ._validation import check_integer

__all__ = ["BACKENDS", "map_jobs", "iter_jobs", "check_n_jobs", "single_threaded",
           "can_fork", "dask_client"]

BACKENDS = ("serial", "threads", "fork", "processes", "dask")
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def check_n_jobs(n_jobs, name="n_jobs"):
    """``n_jobs`` as a positive int; TypeError / ValueError naming it otherwise.

    Examples
    --------
    >>> check_n_jobs(2)
    2
    >>> check_n_jobs(0)
    Traceback (most recent call last):
    ...
    ValueError: n_jobs must be positive, got 0
    """
    return check_integer(n_jobs, name, minimum=1)


@contextlib.contextmanager
def single_threaded():
    """Run torch on one intra-op thread inside the block (restored afterwards)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def can_fork():
    """Whether the ``"fork"`` backend forks here (else it uses threads)."""
    import multiprocessing

    return (sys.platform.startswith("linux")
            and os.environ.get("TOPODESTRUCT_FORK", "1") != "0"
            and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)     # daemons have no children


def map_jobs(fn, items, n_jobs=1, backend="serial", **options):
    """``[fn(x) for x in items]``, computed by ``n_jobs`` workers of ``backend``.

    Parameters
    ----------
    fn : callable
        Applied to each item; must pickle for ``"processes"`` and ``"dask"``.
    items : iterable
    n_jobs : int
        Workers (default 1: in this process, serially).
    backend : {"serial", "threads", "fork", "processes", "dask"}
        See the module docstring.
    **options
        ``chunksize`` and ``scheduler``, as for :func:`iter_jobs`.

    Returns
    -------
    list
        The results in the order of ``items``.
    """
    items = list(items)
    out = [None] * len(items)
    for i, result in iter_jobs(fn, items, n_jobs=n_jobs, backend=backend, **options):
        out[i] = result
    return out


def iter_jobs(fn, items, n_jobs=1, backend="serial", chunksize=1, scheduler=None):
    """Yield ``(index, fn(items[index]))`` as the items finish.

    Parameters
    ----------
    fn : callable
    items : iterable
    n_jobs : int
        Workers; for ``"dask"`` the cluster decides (``"local:N"`` starts ``N``).
    backend : {"serial", "threads", "fork", "processes", "dask"}
    chunksize : int
        Items per task of ``"processes"`` and ``"dask"`` (amortises transfers;
        every item of a chunk is yielded when the chunk is done).
    scheduler : str or distributed.Client, optional
        ``"dask"`` only: a scheduler address, ``"local:N"`` or a client.

    Yields
    ------
    (int, object)
        Each item's index and result; an exception in ``fn`` propagates
        (``"fork"`` recomputes a failed shard here instead).  Closing the
        generator early (an exception in the caller) cancels queued work.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    n_jobs = check_n_jobs(n_jobs)
    chunksize = check_n_jobs(chunksize, "chunksize")
    items = list(items)
    if backend == "dask":
        yield from _iter_dask(fn, items, chunksize, scheduler)
        return
    if scheduler is not None:
        raise ValueError(f"scheduler applies to backend='dask' only, not {backend!r}")
    if n_jobs == 1 or len(items) <= 1 or backend == "serial":
        for i, x in enumerate(items):
            yield i, fn(x)
        return
    if backend == "processes":
        yield from _iter_processes(fn, items, n_jobs, chunksize)
        return
    with single_threaded():       # n_jobs workers on n_jobs cores: no oversubscription
        if backend == "fork" and can_fork():
            yield from _iter_forked(fn, items, n_jobs)
        else:
            yield from _iter_threads(fn, items, n_jobs)


# -- threads and forked children (closures allowed) ----------------------------------
def _shards(items, n_jobs):
    idx = list(range(len(items)))
    return [idx[j::n_jobs] for j in range(min(n_jobs, len(items)))]


def _iter_threads(fn, items, n_jobs):
    import torch
    from concurrent.futures import ThreadPoolExecutor

    # the thread setting is per OpenMP thread and global for MKL: set it in each thread
    with ThreadPoolExecutor(n_jobs, initializer=torch.set_num_threads, initargs=(1,)) as pool:
        parts = pool.map(lambda shard: [(i, fn(items[i])) for i in shard],
                         _shards(items, n_jobs))
        for part in parts:
            yield from part


def _iter_forked(fn, items, n_jobs):
    """Shard 0 here, the others in forked processes (results sent back by pipe)."""
    import multiprocessing
    import warnings

    ctx = multiprocessing.get_context("fork")
    shards = _shards(items, n_jobs)
    children = []
    for shard in shards[1:]:
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_forked_worker, args=(fn, [items[i] for i in shard], send),
                           daemon=True)
        with warnings.catch_warnings():
            # Python >= 3.12 warns on fork with threads alive (torch's pool): the child
            # only sets torch to one thread and runs fn
            warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
            proc.start()
        send.close()
        children.append((proc, recv, shard))
    for i in shards[0]:
        yield i, fn(items[i])
    for proc, recv, shard in children:
        try:
            ok, part = recv.recv()
        except (EOFError, OSError):
            ok = False
        proc.join()
        if ok:
            yield from zip(shard, part)
        else:                                   # the child failed: compute its shard here
            for i in shard:
                yield i, fn(items[i])


def _forked_worker(fn, shard, conn):
    try:
        import torch

        torch.set_num_threads(1)
        conn.send((True, [fn(x) for x in shard]))
    except BaseException:       # the parent computes the shard itself
        conn.send((False, None))
    finally:
        conn.close()


# -- spawned processes and Dask (fn and items pickle) --------------------------------
def _chunks(items, chunksize):
    return [(list(range(s, min(s + chunksize, len(items)))), items[s:s + chunksize])
            for s in range(0, len(items), chunksize)]


class _Chunk:
    """Picklable task: ``[fn(x) for x in chunk]`` with torch and BLAS on one thread."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, chunk):
        _one_thread_here()
        return [self.fn(x) for x in chunk]


def _one_thread_here():
    for var in _THREAD_VARS:
        os.environ[var] = "1"
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def _single_thread_worker(parent):
    """Pool initializer: one BLAS/torch thread per worker; Ctrl-C is the parent's
    to handle; exit if the parent dies (a killed sweep must not leave orphans)."""
    import signal

    _one_thread_here()
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch_parent, daemon=True).start()


def _iter_processes(fn, items, n_jobs, chunksize):
    import concurrent.futures
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # fork after torch threads can deadlock
    pool = concurrent.futures.ProcessPoolExecutor(n_jobs, mp_context=ctx,
                                                  initializer=_single_thread_worker,
                                                  initargs=(os.getpid(),))
    task = _Chunk(fn)
    try:
        futures = {pool.submit(task, chunk): idx for idx, chunk in _chunks(items, chunksize)}
        for future in concurrent.futures.as_completed(futures):
            yield from zip(futures[future], future.result())
    finally:  # on interruption: drop queued chunks, let running ones end
        pool.shutdown(wait=True, cancel_futures=True)


def dask_client(scheduler):
    """``(client, close)`` for a scheduler address, ``"local:N"`` or a ``Client``.

    ``close()`` shuts down what this call started (nothing for a given client).
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("the dask backend needs dask.distributed: "
                          "pip install 'topodestruct[dask]'") from None
    if isinstance(scheduler, Client):
        return scheduler, lambda: None
    if not isinstance(scheduler, str) or not scheduler:
        raise ValueError(f"scheduler must be an address, 'local:N' or a distributed.Client, "
                         f"got {scheduler!r}")
    if scheduler.startswith("local:"):
        n = scheduler.split(":", 1)[1]
        if not n.isdigit() or int(n) < 1:
            raise ValueError(f"scheduler 'local:N' needs a positive worker count N, "
                             f"got {scheduler!r}")
        cluster = LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)

        def close():
            client.close()
            cluster.close()

        return client, close
    client = Client(scheduler)
    return client, client.close


def _iter_dask(fn, items, chunksize, scheduler):
    if scheduler is None:
        raise ValueError("backend='dask' needs scheduler= (an address, 'local:N' or a Client)")
    client, close = dask_client(scheduler)
    from distributed import as_completed

    task = _Chunk(fn)
    futures = {}
    try:
        for idx, chunk in _chunks(items, chunksize):
            # pure=False: equal chunks of another run are computed again, not shared
            futures[client.submit(task, chunk, pure=False)] = idx
        for future in as_completed(futures):
            yield from zip(futures[future], future.result())
    finally:
        client.cancel(list(futures))
        close()
