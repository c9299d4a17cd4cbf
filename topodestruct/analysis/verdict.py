r"""The verdict: does the topology change, first where, by which source, from what into what?

Read from the rows of :func:`topodestruct.profile` (``analyze`` has the rows
of the input and its layer):

``changes``, ``first_layer``
    The first layer whose *image* differs from the input, where the image is
    the exact image homology where it was computed, else the quotient by both
    sources (rank and overlap), else the rank-source prediction.
``source``
    ``"rank"`` where the rank-source prediction alone already equals that
    image; ``"overlap"`` where the rank source predicts no change (the change
    is folding: full-rank regions mapped onto each other); ``"rank+overlap"``
    otherwise (the rank source changes something, but not into the image).
``before``, ``after``
    The input's homology and the image's at ``first_layer`` (at the last layer
    when nothing changes), in dimensions ``0..max_dim``.
``geometric_layers``
    Layers where only the estimate (:mod:`.estimate`) differs from the input:
    the image has the input's homology, the estimate reads something else
    (pieces drawn close, or stretched, until one scale merges them).  Empty
    where the estimate does not read the input at layer 0.

Homology is compared group by group, torsion included, in dimensions
``0..max_dim``.

Examples
--------
>>> from topodestruct.topology.groups import Homology
>>> circle, arc = Homology([1, 1]), Homology([1, 0])
>>> rows = [{"layer": 0, "predicted": circle, "quotient": circle, "image_homology": circle,
...          "estimate": None},
...         {"layer": 1, "predicted": circle, "quotient": arc, "image_homology": arc,
...          "estimate": None}]
>>> v = verdict(rows, max_dim=1)
>>> v["changes"], v["first_layer"], v["source"]
(True, 1, 'overlap')
>>> print(sentence(v))
The topology first changes at layer 1, by folding (the overlap source; the rank source predicts no change), from (Z, Z) to (Z, 0).
"""
from .estimate import betti_of

__all__ = ["verdict", "sentence", "verdict_lines", "verdict_dict", "image_of",
           "geometric_layers", "padded", "truncated"]


def _groups(H, n):
    return [H.group(d) for d in range(n)]


def _same(A, B, n):
    return _groups(A, n) == _groups(B, n)


def image_of(row):
    """``(Homology, which)``: the exact image where computed, else the quotient by both
    sources, else the rank-source prediction (None where none was computed)."""
    for key in ("image_homology", "quotient", "predicted"):
        if row.get(key) is not None:
            return row[key], key
    return None, None


def verdict(rows, max_dim):
    """The verdict dict of the rows (module notes); ``before``/``after`` are Homology."""
    n = int(max_dim) + 1
    before = rows[0]["predicted"]
    first, after, source = None, None, None
    for row in rows[1:]:
        image, _ = image_of(row)
        if image is None:
            continue
        after = image
        if not _same(image, before, n):
            first = row["layer"]
            P = row["predicted"]
            source = "rank" if _same(P, image, n) else \
                "overlap" if _same(P, before, n) else "rank+overlap"
            break
    return {"changes": first is not None, "first_layer": first, "source": source,
            "before": truncated(before, n), "after": truncated(before if after is None
                                                                else after, n),
            "geometric_layers": geometric_layers(rows, n)}


def truncated(H, n):
    """``H`` in dimensions ``0..n-1`` only (what the verdict compares)."""
    from ..topology.groups import Homology

    return Homology([H.rank(q) for q in range(n)], [list(H.torsion_in(q)) for q in range(n)],
                    H.coefficients, H.reduced)


def geometric_layers(rows, n):
    """Layers >= 1 where the estimate differs from the input and the image does not."""
    target = betti_of(rows[0]["predicted"], n)
    if betti_of(rows[0].get("estimate"), n) != target:
        return []                     # the estimate does not read the input at layer 0
    out = []
    for row in rows[1:]:
        est, (image, _) = betti_of(row.get("estimate"), n), image_of(row)
        if est is not None and image is not None and est != target \
                and _same(image, rows[0]["predicted"], n):
            out.append(int(row["layer"]))
    return out


def sentence(v, estimate_reads_input=True, layers=None, n=1):
    """The verdict in words; ``layers``: the layers computed (default: all up to the change);
    homology written in at least ``n`` dimensions."""
    def fmt(H):
        return _format(H, n)

    seen = None if layers is None else sorted(k for k in layers if k >= 1)
    if v["changes"]:
        how = {"rank": "by the rank source (low-rank regions collapsed)",
               "overlap": "by folding (the overlap source; the rank source predicts no change)",
               "rank+overlap": "by both sources (rank and overlap: the rank source alone "
                               "predicts something else)"}[v["source"]]
        L = v["first_layer"]
        where = f"first changes at layer {L}" if seen is None or \
            all(k in seen for k in range(1, L)) else \
            f"has changed by layer {L} (earlier layers not computed)"
        text = f"The topology {where}, {how}, from {fmt(v['before'])} to {fmt(v['after'])}."
    else:
        at = "every layer computed" if seen is None or len(seen) != 1 else f"layer {seen[0]}"
        text = f"The topology does not change: {fmt(v['before'])} at {at}."
    g = v["geometric_layers"]
    if g:
        text += (f" The estimate's change{'s' if len(g) > 1 else ''} at layer"
                 f"{'s' if len(g) > 1 else ''} {', '.join(map(str, g))} "
                 f"{'are' if len(g) > 1 else 'is'} geometric (the image keeps the input's "
                 "homology).")
    elif not estimate_reads_input:
        text += " (The estimate does not read the input's homology at layer 0: no layer is " \
                "called geometric.)"
    return text


def _format(H, n=1):
    return H.format(0, max(len(H.betti) - 1, n - 1, 0)) if hasattr(H, "format") else str(H)


def padded(H, n):
    """``H`` with its groups listed up to at least dimension ``n - 1`` (zeros added)."""
    from ..topology.groups import Homology

    m = max(n, len(H.betti))
    return Homology([H.rank(q) for q in range(m)], [list(H.torsion_in(q)) for q in range(m)],
                    H.coefficients, H.reduced)


def verdict_dict(v, n=1):
    """JSON-ready copy: ``before``/``after`` as ``{"betti", "torsion"}`` (at least ``n``
    dimensions)."""
    def hom(H):
        H = padded(H, n)
        return {"betti": [int(b) for b in H.betti], "torsion": [list(t) for t in H.torsion]}

    return dict(v, before=hom(v["before"]), after=hom(v["after"]))


def verdict_lines(v, rows=None, estimate_reads_input=True, n=1):
    """The last lines of a report: the sentence, then the dict (homology written out)."""
    shown = dict(v, before=str(padded(v["before"], n)), after=str(padded(v["after"], n)))
    layers = None if rows is None else [r["layer"] for r in rows]
    return [f"verdict: {sentence(v, estimate_reads_input, layers, n)}", repr(shown)]
