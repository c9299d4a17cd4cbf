"""Wilcoxon rank-sum tests with Bonferroni correction for pre- vs post-training distributions.

The paper (Figure 3C, Figure 4) marks with a star a Bonferroni-corrected
significant difference (``p < 0.001``) between post- and pre-training
distributions by a Wilcoxon rank-sum test.  :func:`rank_sum_tests` runs
:func:`scipy.stats.ranksums` (normal approximation, no tie correction, as
scipy does) for a family of comparisons and corrects for their number; it also
reports the tie-corrected Mann-Whitney p-value, because codeword sizes and
ranks are small integers with many ties.

Examples
--------
>>> rows = rank_sum_tests({"a": ([3, 4], [1, 2])})
>>> round(rows[0]["statistic"], 4), rows[0]["direction"]
(1.5492, 'up')
"""
import numpy as np

__all__ = ["rank_sum_tests", "bonferroni", "expand_histogram"]


def bonferroni(pvalues):
    """Bonferroni-corrected p-values ``min(1, m p)`` for a family of ``m`` tests.

    >>> bonferroni([0.01, 0.2, 0.5]).tolist()
    [0.03, 0.6000000000000001, 1.0]
    """
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1 or ((p < 0) | (p > 1)).any():
        raise ValueError("pvalues must be a 1-D sequence of numbers in [0, 1]")
    return np.minimum(1.0, p * len(p))


def expand_histogram(hist):
    """Samples ``0, 0, 1, ...`` from a histogram of counts per value ``0..len-1``.

    >>> expand_histogram([2, 0, 1]).tolist()
    [0, 0, 2]
    """
    hist = np.asarray(hist)
    if hist.ndim != 1 or (hist < 0).any():
        raise ValueError("hist must be a 1-D array of non-negative counts")
    return np.repeat(np.arange(len(hist)), hist.astype(np.int64))


def rank_sum_tests(comparisons, alpha=0.001):
    """Rank-sum test of every ``post`` vs ``pre`` sample pair, Bonferroni-corrected.

    Parameters
    ----------
    comparisons : dict
        ``label -> (post, pre)`` samples (1-D array_like, non-empty).
    alpha : float
        Family-wise significance level (the paper: 0.001).

    Returns
    -------
    list of dict
        One row per comparison, in order: ``label``, ``statistic`` (scipy's z,
        positive when ``post`` tends to be larger), ``p`` (two-sided),
        ``p_bonferroni``, ``significant`` (``p_bonferroni < alpha``),
        ``direction`` (``"up"``/``"down"``: sign of the statistic),
        ``p_mannwhitney`` (tie-corrected, two-sided, uncorrected),
        ``mean_post``, ``mean_pre``, ``n_post``, ``n_pre``.
    """
    from scipy import stats

    if not isinstance(comparisons, dict) or not comparisons:
        raise ValueError("comparisons must be a non-empty dict label -> (post, pre)")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    rows = []
    for label, pair in comparisons.items():
        post, pre = (np.asarray(s, dtype=np.float64).ravel() for s in pair)
        if post.size == 0 or pre.size == 0:
            raise ValueError(f"comparison {label!r}: empty sample")
        res = stats.ranksums(post, pre)
        if np.ptp(np.concatenate([post, pre])) == 0:
            p_mw = 1.0  # all values equal: no evidence either way
        else:
            p_mw = float(stats.mannwhitneyu(post, pre, alternative="two-sided").pvalue)
        rows.append({"label": label, "statistic": float(res.statistic),
                     "p": float(res.pvalue), "p_mannwhitney": p_mw,
                     "mean_post": float(post.mean()), "mean_pre": float(pre.mean()),
                     "n_post": int(post.size), "n_pre": int(pre.size)})
    corrected = bonferroni([r["p"] for r in rows])
    for r, pc in zip(rows, corrected):
        r["p_bonferroni"] = float(pc)
        r["significant"] = bool(pc < alpha)
        r["direction"] = "up" if r["statistic"] > 0 else "down" if r["statistic"] < 0 else "none"
    return rows


def __dir__():  # dir() shows the public names only
    return __all__
