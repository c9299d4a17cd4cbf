"""Time and memory budgets for long exact computations, checked as they go."""
import time

__all__ = ["Budget", "BudgetExceeded", "DEFAULT_MAX_MEMORY_GB"]

#: Resident memory (GB) a computation may add before the exact route stops instead of risking
#: the OOM killer.
DEFAULT_MAX_MEMORY_GB = 4.0

#: Seconds between two reads of the resident memory by :meth:`Budget.check` (a read of
#: /proc costs ~10 us; the exact route checks ~10^5 times a layer): memory cannot grow by
#: gigabytes unseen in that time.
_MEMORY_EVERY_S = 0.02


class BudgetExceeded(ValueError):
    """A computation ran past its time or memory budget (raised from inside it)."""


def resident_gb():
    """This process's resident memory in GB (Linux /proc; else psutil; else 0)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        import os
        return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 30
    except (OSError, ValueError, IndexError):
        try:
            import psutil
            return psutil.Process().memory_info().rss / 2 ** 30
        except ImportError:                                  # pragma: no cover
            return 0.0


class Budget:
    """Seconds and resident memory added since creation; :meth:`check` raises past either.

    Memory is counted from the process's resident size when the budget starts, so
    a long session (a test run, a notebook) that already holds gigabytes does not
    stop a computation that adds little.

    Parameters
    ----------
    seconds : float or None
        Wall-clock budget (None: no limit).
    max_memory_gb : float or None
        Bound on the resident memory added (None: no limit).

    Examples
    --------
    >>> b = Budget(seconds=None, max_memory_gb=None)
    >>> b.check("anything")                  # no limits: never raises
    >>> Budget(seconds=0).check("layer 3")
    Traceback (most recent call last):
    ...
    topodestruct._budget.BudgetExceeded: layer 3: time budget of 0 s spent
    """

    def __init__(self, seconds=None, max_memory_gb=DEFAULT_MAX_MEMORY_GB):
        if seconds is not None and not seconds >= 0:
            raise ValueError(f"budget_s must be a non-negative number or None, got {seconds!r}")
        if max_memory_gb is not None and not max_memory_gb > 0:
            raise ValueError(f"max_memory_gb must be positive or None, got {max_memory_gb!r}")
        self.seconds, self.max_memory_gb = seconds, max_memory_gb
        self.start = time.monotonic()
        self.start_gb = resident_gb() if max_memory_gb is not None else 0.0
        self.peak_gb = 0.0
        self._calls, self._next_memory = 0, 0.0

    def elapsed(self):
        return time.monotonic() - self.start

    def check(self, where="", every=1):
        """Raise :class:`BudgetExceeded` past a limit; ``every``: look only every n-th call."""
        self._calls += 1
        if self._calls % every:
            return
        now = time.monotonic()
        if self.seconds is not None and now - self.start >= self.seconds:
            raise BudgetExceeded(f"{where}: time budget of {self.seconds:g} s spent")
        if self.max_memory_gb is not None and now >= self._next_memory:
            self._next_memory = now + _MEMORY_EVERY_S
            gb = resident_gb() - self.start_gb
            self.peak_gb = max(self.peak_gb, gb)
            if gb > self.max_memory_gb:
                raise BudgetExceeded(f"{where}: resident memory grew by {gb:.1f} GB > "
                                     f"max_memory_gb={self.max_memory_gb:g}")
