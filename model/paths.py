"""Dotted parameter paths (``mechanisms.threat.weight``, ``actors.PAK.policy.hedging``) and ``PATH=VALUE``.

The same names reach a parameter in a scenario file, in ``--set``, in a sweep design, in a
posterior and in a world's per-world values; this is the one place such a path is split into
its parts and joined back, so all of them agree on what a path is (non-empty names joined by
dots) and print it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SEPARATOR = "."


@dataclass(frozen=True)
class ParamPath:
    """A parameter path as its parts; ``str()`` gives it back as written (``economy.trade_gain``).

    Construction refuses an empty path or an empty part (``economy..gain``, ``.rate``), which no
    schema field can be named; what the parts must name depends on the caller (a scenario's
    fields, its actors or its events) and is checked there.
    """

    parts: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.parts or not all(self.parts):
            raise ValueError(f"a dotted path of non-empty names, got {str(self)!r}")

    @classmethod
    def parse(cls, text: str) -> ParamPath:
        """``"actors.PAK.policy.hedging"`` as a path; ValueError if it is empty or has an empty part."""
        return cls(tuple(text.split(SEPARATOR)))

    def __str__(self) -> str:
        return SEPARATOR.join(self.parts)

    def __len__(self) -> int:
        return len(self.parts)

    @property
    def head(self) -> str:
        """The section the path is in: ``mechanisms``, ``economy``, ``actors``, ``events`` ..."""
        return self.parts[0]

    @property
    def leaf(self) -> str:
        """The field the path ends at."""
        return self.parts[-1]

    def resolve(self, root: Any) -> Any:
        """The value at this path below ``root`` by attribute (a parameters model); AttributeError if absent."""
        node = root
        for part in self.parts:
            node = getattr(node, part)
        return node


def split_assignment(text: str) -> tuple[str, str] | None:
    """``PATH=VALUE`` as its two sides exactly as written (``--set``, ``--param``), or None without ``=``."""
    path, equals, value = text.partition("=")
    return (path, value) if equals else None


def assigned_paths(assignments: Iterable[str]) -> set[str]:
    """The paths (stripped) that ``PATH=VALUE`` assignments set: what a ``--set`` fixes."""
    return {text.partition("=")[0].strip() for text in assignments}
