"""The package's one type for graded homology groups: Betti numbers and torsion, printed as ``Z^2 ⊕ Z/2``."""

__all__ = ["Homology"]


class Homology:
    """Homology groups ``H_0, ..., H_n`` of a space, as Betti numbers and torsion.

    Groups beyond the stored range are 0, so two results that differ only by
    trailing zero groups compare equal (``H_2 = 0`` of a graph is the same as
    not listing it).

    Parameters
    ----------
    betti : list of int >= 0
        Rank of the free part in each dimension (over a field: its dimension).
    torsion : list of list of int >= 2, optional
        Torsion coefficients per dimension (repeats allowed); empty over a field.
    coefficients : None, 0 or prime int
        ``None`` for Z, ``0`` for Q, ``p`` for Z/p.
    reduced : bool
        Whether H_0 is reduced homology.

    Examples
    --------
    >>> H = Homology([1, 1, 0], [[], [2], []])
    >>> print(H)
    H0 = Z, H1 = Z ⊕ Z/2, H2 = 0
    >>> H.euler_characteristic
    0
    >>> print(Homology([1, 0], [[], [2, 2]]).format())   # tuple notation, as in the paper
    (Z, Z/2 ⊕ Z/2)
    >>> Homology.free([1, 1]) == Homology([1, 1, 0])
    True
    """

    def __init__(self, betti, torsion=None, coefficients=None, reduced=False):
        self.betti = [int(b) for b in betti]
        self.torsion = [sorted(int(t) for t in ts) for ts in torsion] if torsion is not None \
            else [[] for _ in self.betti]
        if len(self.torsion) != len(self.betti):
            raise ValueError("betti and torsion must have the same length")
        if any(b < 0 for b in self.betti) or any(t < 2 for ts in self.torsion for t in ts):
            raise ValueError("Betti numbers must be >= 0 and torsion coefficients >= 2, got "
                             f"betti={self.betti}, torsion={self.torsion}")
        self.coefficients = coefficients
        self.reduced = bool(reduced)

    @classmethod
    def free(cls, ranks, coefficients=None):
        """Free groups ``Z^ranks[0], Z^ranks[1], ...`` (no torsion)."""
        return cls(list(ranks), None, coefficients)

    @property
    def ring(self):
        """Coefficient ring as text: ``"Z"``, ``"Q"`` or ``"Z/p"``."""
        c = self.coefficients
        return "Z" if c is None else "Q" if c == 0 else f"Z/{c}"

    def rank(self, d):
        """Betti number in degree ``d`` (0 outside the stored range)."""
        return self.betti[d] if 0 <= d < len(self.betti) else 0

    def torsion_in(self, d):
        """Torsion coefficients in degree ``d``, as a tuple (empty outside the stored range)."""
        return tuple(self.torsion[d]) if 0 <= d < len(self.torsion) else ()

    def group(self, d):
        """The group ``H_d`` as text, e.g. ``"Z^2 ⊕ Z/2"``, ``"Z/2 ⊕ Z/2"``, ``"(Z/2)^3"`` or ``"0"``.

        Cyclic torsion summands are written one by one; over ``Z/p`` the free
        part is ``(Z/p)^b``.
        """
        ring = self.ring
        b = self.rank(d)
        base = f"({ring})" if "/" in ring else ring
        parts = [] if b == 0 else [ring if b == 1 else f"{base}^{b}"]
        parts += [f"Z/{t}" for t in self.torsion_in(d)]
        return " ⊕ ".join(parts) if parts else "0"

    def trimmed(self):
        """The same groups with trailing zero groups dropped (at least ``H_0`` kept)."""
        top = len(self.betti)
        while top > 1 and self.betti[top - 1] == 0 and not self.torsion[top - 1]:
            top -= 1
        return Homology(self.betti[:top], self.torsion[:top], self.coefficients, self.reduced)

    def format(self, first=0, last=None):
        """Degrees ``first..last`` in tuple notation ``(G_first, ..., G_last)``.

        ``last`` defaults to the last nonzero degree (at least ``first``).

        Examples
        --------
        >>> Homology([1, 0, 6]).format(1, 2)
        '(0, Z^6)'
        """
        if last is None:
            betti = self.trimmed().betti
            last = max(len(betti) - 1 if any(self.betti) or any(self.torsion) else 0, first)
        return "(" + ", ".join(self.group(d) for d in range(first, last + 1)) + ")"

    @property
    def euler_characteristic(self):
        """Alternating sum of the Betti numbers (reduced: add 1 back for H_{-1})."""
        return sum((-1) ** d * b for d, b in enumerate(self.betti)) + (1 if self.reduced else 0)

    def __str__(self):
        return ", ".join(f"H{d} = {self.group(d)}" for d in range(len(self.betti))) or "0"

    def __repr__(self):
        kind = "reduced homology" if self.reduced else "Homology"
        return f"<{kind} over {self.ring}: {self}>"

    def _key(self):
        t = self.trimmed()
        if not any(t.betti) and not any(t.torsion):
            t.betti, t.torsion = [], []
        return t.betti, t.torsion, self.coefficients, self.reduced

    def __eq__(self, other):
        if not isinstance(other, Homology):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None


def __dir__():  # dir() shows the public names only
    return __all__
