"""The time and memory budget of the exact route: both limits raise, the memory read is
spaced in time (cheap checks) but never skipped past its interval."""
import time

import numpy as np
import pytest

from topodestruct._budget import _MEMORY_EVERY_S, Budget, BudgetExceeded, resident_gb


def test_memory_growth_past_the_bound_raises_at_the_first_check():
    b = Budget(seconds=None, max_memory_gb=0.05)
    b.check("before")                                   # nothing added yet
    block = np.ones(2 ** 27 // 8 * 3)                   # 384 MB, touched
    assert resident_gb() - b.start_gb > 0.2
    time.sleep(_MEMORY_EVERY_S)                         # the next check must read memory
    with pytest.raises(BudgetExceeded, match="resident memory grew by"):
        b.check("the big block")
    del block


def test_the_time_limit_holds_between_memory_reads():
    b = Budget(seconds=0.05, max_memory_gb=1.0)
    for _ in range(1000):
        b.check("loop")                                  # well within both limits
    time.sleep(0.06)
    with pytest.raises(BudgetExceeded, match="time budget of 0.05 s spent"):
        b.check("late")
