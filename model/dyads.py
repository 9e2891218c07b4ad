"""Dyads: two actor codes written ``A-B`` (``PAK-RUS``).

Scenario focus and friction keys, the historical record's keys, ``--dyad``, the random
streams' names, outcome columns (``alignment_PAK-RUS``) and manifests all write a pair of
states this way. ``Dyad`` is the one place that splits and joins them, so every reader and
writer agrees on the separator, on what a valid dyad is and on the canonical (alphabetical)
order where one is used.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import combinations
from typing import Any, NamedTuple

import numpy as np

SEPARATOR = "-"


class Dyad(NamedTuple):
    """Two actor codes in the order given; ``str()`` is ``"A-B"``.

    A named tuple, so ``a, b = dyad`` works and a dyad equals, and sorts with, the plain
    ``(a, b)`` tuples tables and dictionaries are keyed by.
    """

    a: str
    b: str

    @classmethod
    def parse(cls, text: Any, actors: Collection[str] | None = None) -> Dyad:
        """``"PAK-RUS"`` as a dyad, in the order written.

        ValueError unless it is two different codes joined by ``-`` (and, with ``actors``, both
        among them); callers turn it into their own message naming where the text came from.
        """
        parts = text.split(SEPARATOR) if isinstance(text, str) else []
        if len(parts) != 2 or parts[0] == parts[1]:
            raise ValueError(f"two different actor codes joined by {SEPARATOR!r}, got {text!r}")
        if actors is not None and not all(p in actors for p in parts):
            raise ValueError(f"two actors among {', '.join(actors)}, got {text!r}")
        return cls(parts[0], parts[1])

    @classmethod
    def every(cls, codes: Collection[str]) -> list[Dyad]:
        """Every pair of these codes, canonical, in alphabetical order (AAA-BBB, AAA-CCC, BBB-CCC)."""
        return [cls(a, b) for a, b in combinations(sorted(codes), 2)]

    @classmethod
    def of_pairs(cls, codes: Sequence[str]) -> list[Dyad]:
        """The dyads of a world's pairs (``np.triu_indices``: i < j in the codes' order), in that order."""
        i, j = np.triu_indices(len(codes), 1)
        return [cls(codes[a], codes[b]) for a, b in zip(i, j, strict=True)]

    def canonical(self) -> Dyad:
        """The same pair in alphabetical order, the order results tables and the record use."""
        return self if self.a <= self.b else Dyad(self.b, self.a)

    def __str__(self) -> str:
        return f"{self.a}{SEPARATOR}{self.b}"

    def column(self, prefix: str) -> str:
        """The name of this dyad's outcome column: ``alignment_PAK-RUS`` for prefix ``alignment``."""
        return f"{prefix}_{self}"

    @property
    def label(self) -> str:
        """The dyad as charts print it, with an en dash: ``PAK–RUS``."""
        return f"{self.a}–{self.b}"
