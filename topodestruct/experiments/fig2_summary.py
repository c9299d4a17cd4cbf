"""The text reports of Figure 2's panels: the numbers behind each of the paper's claims."""
import numpy as np

__all__ = ["summarize_curves", "mixed_range"]


def mixed_range(curve, threshold=0.5):
    """The k where more than `threshold` of the networks have both destructive
    (rank < m) and preserving (rank = m) points: 2D's purple region.

    Returns
    -------
    numpy.ndarray
        Those k (possibly empty).
    """
    return curve.x[curve.frac_mixed > threshold]


def _fmt_table(title, rows, cols, cell, rowfmt="{}"):
    """A plain-text table: one row per entry of `rows`, one column per `cols`."""
    head = f"{title:>8} | " + " ".join(f"{c!s:>7}" for c in cols)
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{rowfmt.format(r):>8} | " + " ".join(f"{cell(r, c):>7}" for c in cols))
    return lines


def _uncertified(records):
    bad = sum(r["result"]["n_uncertified"] for r in records)
    unsure = sum(r["result"].get("n_uncertain_codewords", 0) for r in records)
    total = sum(sum(r["result"]["rank_counts"]) for r in records)
    moved = sum(r["result"].get("min_rank_certain", r["result"]["min_rank"])
                != r["result"]["min_rank"] for r in records)
    return (f"uncertified ranks: {bad} of {total} points; points with an uncertain "
            f"activation pattern (a pre-activation within rounding of 0): {unsure}, "
            f"networks whose minimum rank is attained only at such points: {moved}")


def _setup(records):
    p = records[0]["params"]
    nets = len({r["params"].get("trial") for r in records})
    return (f"{len(records)} networks ({nets} per setting), {p['n_points']} points each, "
            f"zero bias, run seed {p['seed']}")


def _grid(curves):
    """Curve keys, the shared x values and ``{(key, x): mean minimum rank}``."""
    keys = list(curves)
    cell = {(k, x): c.mean_min[i] for k, c in curves.items() for i, x in enumerate(c.x)}
    return keys, curves[keys[0]].x.tolist(), cell


def _summary_2a(curves, records):
    ms, n1s, cell = _grid(curves)
    lines = ["Figure 2A: mean minimum rank of Kaiming-normal single-layer networks",
             _setup(records) + ", points uniform on [-5, 5]^m", ""]
    lines += _fmt_table("m \\ n1", ms, n1s, lambda m, n1: f"{cell.get((m, n1), np.nan):.2f}")
    over = [(m, x) for (m, x), v in cell.items() if v > m]
    drops = [(m, int(c.x[i]), int(c.x[i + 1])) for m, c in curves.items()
             for i in np.flatnonzero(np.diff(c.mean_min) < 0)]
    narrow = [r for r in records if r["params"]["n1"] <= r["params"]["m"]]
    wide = [r for r in records if r["params"]["n1"] > r["params"]["m"]]
    lines += ["",
              f"claim 'bounded by m': mean minimum rank > m in {len(over)} cells",
              f"claim 'increases with n1': decreases between consecutive n1 (m, n1, n1'): "
              f"{drops or 'none'}",
              "claim 'm >= n1 guarantees destructive regions': "
              f"{_frac(narrow)} of networks with n1 <= m have a point of rank < m",
              f"networks with n1 > m having a point of rank < m: {_frac(wide)}",
              "claim 'convergence slower for larger m': mean min rank / m at the widest n1: "
              + ", ".join(f"m={m}: {c.mean_min[-1] / m:.2f}" for m, c in curves.items()),
              _uncertified(records)]
    return lines


def _frac(records):
    if not records:
        return "n/a"
    k = sum(r["result"]["min_rank"] < r["params"]["m"] for r in records)
    return f"{k}/{len(records)}"


def _summary_2b(curves, records):
    n1s, mus, cell = _grid(curves)
    lines = ["Figure 2B: mean minimum rank vs weight mean mu, weights N(mu, 0.1), m = 10",
             _setup(records) + ", points uniform on [-5, 5]^m", ""]
    lines += _fmt_table("mu \\ n1", mus, n1s, lambda mu, n1: f"{cell[(n1, mu)]:.2f}",
                        rowfmt="{:.4f}")
    lines += ["", "claim 'raising mu lowers the minimal rank' (mean min rank at the "
              "smallest -> largest mu):"]
    for n1, c in curves.items():
        rises = int(np.sum(np.diff(c.mean_min) > 0))
        lines.append(f"  n1={n1}: {c.mean_min[0]:.2f} -> {c.mean_min[-1]:.2f} "
                     f"({rises} of {len(c.x) - 1} steps go up)")
    lines.append(_uncertified(records))
    return lines


def _summary_2c(curves, records):
    lines = ["Figure 2C: R(k, n1) W with strictly positive W, n1 = 100",
             _setup(records) + ", points uniform on [-5, 5]^m", ""]
    for m, c in curves.items():
        over = [int(k) for k, lo, b in zip(c.x, c.lowest_min, c.bound) if lo > b]
        per_net = sum(r["result"]["min_rank"] > min(r["params"]["k"], r["params"]["n1"]
                                                    - r["params"]["k"], m)
                      for r in records if r["params"]["m"] == m)
        mid = int(np.argmax(c.bound))
        lines += [f"m={m}: networks whose sampled minimum exceeds min(k, n1-k, m): {per_net} "
                  f"of {int(c.n.sum())} (k: {over or 'none'})",
                  f"  largest mean minimum {c.mean_min.max():.2f} (bound there "
                  f"{c.bound[np.argmax(c.mean_min)]}); at k={int(c.x[mid])} mean minimum "
                  f"{c.mean_min[mid]:.2f} vs bound {c.bound[mid]}",
                  f"  k where the mean minimum equals the bound: "
                  f"{[int(k) for k, v, b in zip(c.x, c.mean_min, c.bound) if v == b]}"]
    lines += ["note: the sample is the cube [-5, 5]^m, not the orthants where the bound "
              "is attained, so the check above can fail.",
              "note: the paper's text says 'multiply the strictly negative weights' and "
              "'starting with strictly positive weights'; we follow the latter.",
              _uncertified(records)]
    return lines


def _summary_2d(curves, records):
    ratio = records[0]["params"]["inhibition_ratio"]
    (m, c), = curves.items()
    mixed = mixed_range(c)
    lines = ["Figure 2D: Dale's principle W R(k, m), inhibition 4x excitation, "
             f"m = {m}, n1 = {records[0]['params']['n1']}",
             _setup(records) + ", points uniform on (0, 5]^m", "",
             f"{'k':>4} {'mean min':>9} {'mean max':>9} {'mixed':>6}"]
    lines += [f"{int(k):>4} {lo:>9.2f} {hi:>9.2f} {f:>6.2f}"
              for k, lo, hi, f in zip(c.x, c.mean_min, c.mean_max, c.frac_mixed)]
    rng = f"k = {int(mixed.min())} .. {int(mixed.max())}" if mixed.size else "empty"
    lines += ["",
              f"purple region (most networks have points of rank < m and of rank = m): {rng}",
              f"all-inhibitory end k=0: mean max rank {c.mean_max[0]:.2f} (destructive "
              f"everywhere iff < m); all-excitatory end k={int(c.x[-1])}: mean min rank "
              f"{c.mean_min[-1]:.2f} (preserving everywhere iff = m)",
              f"balance point k = m r / (1 + r) = {m * ratio / (1 + ratio):g}"
              " (summed excitation = summed inhibition)",
              "note: with R(k, m) of eq. (10) k counts the EXCITATORY inputs, so the "
              "strongly excitatory networks lie at large k, right of the purple region; the "
              "paper's text places them 'before' it, i.e. its axis presumably counts "
              "inhibitory inputs.",
              _uncertified(records)]
    return lines


_SUMMARIES = {"fig2a": _summary_2a, "fig2b": _summary_2b, "fig2c": _summary_2c,
              "fig2d": _summary_2d}


def summarize_curves(panel, curves, records):
    """The report of ``panel`` from its aggregated ``curves`` and its ``records``."""
    return "\n".join(_SUMMARIES[panel](curves, records)) + "\n"
