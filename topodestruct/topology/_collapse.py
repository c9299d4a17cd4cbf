"""Compiled (co)reductions for the homology engine: one queue, no rounds.

A *coreduction* removes a cell ``b`` together with its only remaining face
``a`` when ``[∂b : a] = ±1``; a *reduction* (elementary collapse) removes a
cell ``a`` together with its only remaining coface ``b`` when ``[∂b : a] = ±1``.
Neither changes the homology of the remaining cells with the restricted
boundary maps. Each removal updates the face / coface counts of the
neighbours and queues the ones that became candidates, so the whole pass is
linear in the number of incidences (numpy rounds would need as many passes
as the collapse is deep).
"""
import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _remove(x, alive, nface, ncof, down_ptr, down_idx, up_ptr, up_idx, queue, tail):
    alive[x] = False
    for e in range(up_ptr[x], up_ptr[x + 1]):
        c = up_idx[e]
        nface[c] -= 1
        if alive[c] and nface[c] == 1:
            queue[tail] = c
            tail += 1
    for e in range(down_ptr[x], down_ptr[x + 1]):
        f = down_idx[e]
        ncof[f] -= 1
        if alive[f] and ncof[f] == 1:
            queue[tail] = f
            tail += 1
    return tail


@njit(cache=True, nogil=True)
def collapse(alive, nface, ncof, down_ptr, down_idx, down_val, up_ptr, up_idx, up_val):
    """Run (co)reductions to exhaustion; updates ``alive``, ``nface``, ``ncof`` in place.

    ``nface[c]`` / ``ncof[c]`` count the alive faces / cofaces of cell ``c``;
    ``down_*`` / ``up_*`` are the global face / coface lists (CSR-like, with
    incidence coefficients). Returns the number of pairs removed.
    """
    n = len(alive)
    # each count decrement queues at most one cell: n + (number of incidences) slots suffice
    queue = np.empty(n + len(down_idx) + len(up_idx) + 1, np.int64)
    tail = 0
    for c in range(n):
        if alive[c] and (nface[c] == 1 or ncof[c] == 1):
            queue[tail] = c
            tail += 1
    head = 0
    pairs = 0
    while head < tail:
        c = queue[head]
        head += 1
        if not alive[c]:
            continue
        partner = -1
        if nface[c] == 1:  # coreduction: c's only alive face
            for e in range(down_ptr[c], down_ptr[c + 1]):
                if alive[down_idx[e]]:
                    if down_val[e] == 1 or down_val[e] == -1:
                        partner = down_idx[e]
                    break
        if partner < 0 and ncof[c] == 1:  # reduction: c's only alive coface
            for e in range(up_ptr[c], up_ptr[c + 1]):
                if alive[up_idx[e]]:
                    if up_val[e] == 1 or up_val[e] == -1:
                        partner = up_idx[e]
                    break
        if partner < 0:
            continue
        tail = _remove(c, alive, nface, ncof, down_ptr, down_idx, up_ptr, up_idx, queue, tail)
        tail = _remove(partner, alive, nface, ncof, down_ptr, down_idx, up_ptr, up_idx, queue,
                       tail)
        pairs += 1
    return pairs
