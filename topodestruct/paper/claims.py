"""The paper's appendix 7.2 claims: transcription (``data/paper_appendix_7_2.json``) and parsing.

Each entry of eq. (14), eq. (15) and the three tables becomes one
:class:`Claim` per (n, m), with the ranks it states for the quotient's groups.
"""
from __future__ import annotations

import ast
import functools
import json
from dataclasses import dataclass
from importlib import resources

__all__ = ["Claim", "paper_claims", "parse_paper_tuple"]

_CLAIMS_FILE = "paper_appendix_7_2.json"


@functools.lru_cache(maxsize=1)
def _claims_data():
    text = resources.files("topodestruct").joinpath("data", _CLAIMS_FILE).read_text("utf-8")
    return json.loads(text)


def _eval_rank(expr, n, m):
    """Evaluate a rank expression of the paper ('3', 'n', 'n+1') for given n, m; no eval()."""
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name) and node.id in ("n", "m"):
            return {"n": n, "m": m}[node.id]
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            a, b = ev(node.left), ev(node.right)
            return a + b if isinstance(node.op, ast.Add) else a - b if isinstance(node.op, ast.Sub) else a * b
        raise ValueError(f"unsupported rank expression {expr!r}")
    return ev(ast.parse(expr, mode="eval"))


def parse_paper_tuple(text, n=0, m=0):
    """Parse the paper's notation, e.g. ``'(Z, (n+1)Z, 0, ...)'`` -> ranks and whether it ends in '...'.

    'kZ' means Z^k, 'Z' means Z, '0' the trivial group. All of the paper's groups are free.

    Examples
    --------
    >>> parse_paper_tuple("(Z, (n+1)Z, Z, 0, ...)", n=2)
    ([1, 3, 1, 0], True)
    >>> parse_paper_tuple("(5Z, Z)")
    ([5, 1], False)
    """
    body = text.strip()
    if not (body.startswith("(") and body.endswith(")")):
        raise ValueError(f"not a tuple of groups: {text!r}")
    items = [s.strip() for s in body[1:-1].split(",")]
    closed = items[-1] == "..."
    if closed:
        items = items[:-1]
    ranks = []
    for item in items:
        if item == "0":
            ranks.append(0)
        elif item.endswith("Z"):
            coeff = item[:-1].strip()
            ranks.append(1 if coeff == "" else _eval_rank(coeff, n, m))
        else:
            raise ValueError(f"cannot read group {item!r} in {text!r}")
    return ranks, closed


@dataclass(frozen=True)
class Claim:
    """One entry of the paper's appendix 7.2, instantiated at (n, m).

    ``ranks[i]`` is the claimed rank of H_{first_degree + i}; ``closed`` means the
    paper's '...' (all higher groups vanish).
    """

    claim_id: str
    label: str
    paper_text: str
    value: str
    space: str
    family: str
    n: int
    m: int
    first_degree: int
    ranks: tuple
    closed: bool

    @property
    def degrees(self):
        return range(self.first_degree, self.first_degree + len(self.ranks))

    def agrees_with(self, groups):
        """True if ``groups`` equals the claim in every degree the claim speaks about."""
        for k, r in zip(self.degrees, self.ranks):
            if groups.rank(k) != r or groups.torsion_in(k):
                return False
        if self.closed:
            top = self.first_degree + len(self.ranks)
            return all(groups.rank(k) == 0 and not groups.torsion_in(k)
                       for k in range(top, len(groups.betti)))
        return True

    def euler_characteristic(self, dimension=2):
        """χ implied by the claim, taking H_0 = Z where the claim starts at H_1 and
        H_k = 0 above ``dimension`` (a quotient of a surface has no H_3)."""
        ranks = dict(zip(self.degrees, self.ranks))
        ranks.setdefault(0, 1)
        return sum((-1) ** k * r for k, r in ranks.items() if k <= dimension)

    @property
    def key(self):
        return f"{self.claim_id}[n={self.n}" + (f",m={self.m}]" if self.first_degree == 1 else "]")


def paper_claims():
    """Every claim of eq. (14), eq. (15) and the three tables, one :class:`Claim` per (n, m).

    Examples
    --------
    >>> claims = paper_claims()
    >>> len(claims), claims[0].key, claims[0].value
    (43, 'eq14[n=0]', '(Z, nZ, 0, ...)')
    """
    out = []
    for rec in _claims_data()["claims"]:
        common = dict(claim_id=rec["id"], label=rec["label"], paper_text=rec["paper_text"],
                      space=rec["space"], family=rec["family"], first_degree=rec["first_degree"])
        if "instances" in rec:
            for inst in rec["instances"]:
                n, m = inst["n"], inst.get("m", 0)
                ranks, closed = parse_paper_tuple(rec["value"], n, m)
                fields = dict(common, family=inst.get("family", rec["family"]))
                out.append(Claim(value=rec["value"], n=n, m=m, ranks=tuple(ranks),
                                 closed=closed, **fields))
        else:
            for nkey, row in rec["values"].items():
                for mkey, value in row.items():
                    n, m = int(nkey.split("=")[1]), int(mkey.split("=")[1])
                    ranks, closed = parse_paper_tuple(value, n, m)
                    out.append(Claim(value=value, n=n, m=m, ranks=tuple(ranks),
                                     closed=closed, **common))
    return out


@functools.lru_cache(maxsize=1)
def _claim_index():
    return {(c.space, c.family, c.n, c.m): c for c in paper_claims()}


def __dir__():  # dir() shows the public names only
    return __all__
