"""Reading user-supplied YAML safely and turning every problem into one readable line.

Scenario and actor files come from users, so a mistake in them must never surface as a
traceback: it becomes an :class:`InputError` whose message is ``FILE: field.path: what was
expected``, which the command line prints before exiting with status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

MAX_FILE_BYTES = 1_000_000
MAX_ALIASES = 50  # scenario files need few anchors; a "billion laughs" needs many


class InputError(Exception):
    """A problem with user input, reported as ``FILE: field.path: what was expected``."""

    def __init__(self, source: str | Path, field: str, expected: str) -> None:
        self.source = str(source)
        self.field = field
        self.expected = expected
        super().__init__(f"{self.source}: {field}: {expected}")


def read_mapping(path: str | Path) -> dict[str, Any]:
    """Load a YAML file whose top level must be a mapping, refusing alias bombs and huge files."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "(file)", "an existing file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(path, "(file)", f"a file smaller than {MAX_FILE_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "(file)", "UTF-8 text") from None
    return parse_mapping(text, path)


def parse_mapping(text: str, source: str | Path) -> dict[str, Any]:
    """Parse YAML text with ``yaml.safe_load`` after counting aliases (which safe_load allows)."""
    try:
        aliases = sum(isinstance(token, yaml.AliasToken) for token in yaml.scan(text))
        if aliases > MAX_ALIASES:
            raise InputError(source, "(file)", f"at most {MAX_ALIASES} YAML aliases, found {aliases}")
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = getattr(exc, "problem", None) or "valid YAML"
        raise InputError(source, where, f"valid YAML ({problem})") from None
    if data is None:
        raise InputError(source, "(file)", "a non-empty YAML mapping")
    if not isinstance(data, dict):
        raise InputError(source, "(top level)", f"a mapping, got {type(data).__name__}")
    return data


def first_error(exc: ValidationError, source: str | Path, prefix: str = "") -> InputError:
    """Reduce a pydantic ValidationError to its first problem as an InputError."""
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
    path = ".".join([prefix] * bool(prefix) + loc) or "(top level)"
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "no such field (check the spelling; see docs)"
    elif err["type"] == "missing":
        message = "a value (this field is required)"
    return InputError(source, path, message)
