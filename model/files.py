"""Reading user-supplied YAML safely and turning every problem into one readable line.

Scenario and actor files come from users, so a mistake in them must never surface as a
traceback: it becomes an :class:`InputError` whose message is ``FILE: field.path: what was
expected``, which the command line prints before exiting with status 2.

Every YAML reader (scenarios, actor sets, sweep specs, calibration and record files, ``--set``
values) goes through :class:`GuardedLoader`: ``yaml.SafeLoader`` (plain data only, never Python
objects) that also refuses duplicate keys, nesting deeper than :data:`MAX_DEPTH` and control
characters, each with its line number.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
import numbers
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The source tree: model/, scenarios/, analysis/, docs/ (scenario files and docs are read from it)."""
DATA_DIR = PROJECT_ROOT / "model" / "data"
"""Start states, the record, the checks and the committed posterior (installed as package data too)."""
MAX_FILE_BYTES = 1_000_000
MAX_ALIASES = 50  # scenario files need few anchors; a "billion laughs" needs many
MAX_DEPTH = 50  # real files nest about 6 deep; Python's recursion limit would stop near 300
MAX_SEED = 2**63 - 1  # the runs tables store seeds as signed 64-bit integers
MERGE_TAG = "tag:yaml.org,2002:merge"


class InputError(Exception):
    """A problem with user input, reported as ``FILE: field.path: what was expected``."""

    def __init__(self, source: str | Path, field: str, expected: str) -> None:
        self.source = str(source)
        self.field = field
        self.expected = expected
        super().__init__(f"{self.source}: {field}: {expected}")


class Refused(yaml.MarkedYAMLError):
    """Valid YAML that the loader refuses (a duplicate key, too deep a nesting): ``problem`` says why."""


class GuardedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys, boolean keys and nesting deeper than MAX_DEPTH.

    A boolean key is almost always a word YAML 1.1 turned into one (``on:``, ``yes:``): no field of any
    file is a boolean, and the schema's own message for it ("[key]: Input should be a valid string")
    would not say why.

    Only the composer (to count depth before it recurses) and ``construct_mapping`` (to see each
    mapping's keys before they collapse into a dict) are extended; every constructor is
    SafeLoader's, so what loads is exactly what ``yaml.safe_load`` would give.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise Refused(problem=f"at most {MAX_DEPTH} levels of nesting", problem_mark=mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == MERGE_TAG:  # "<<: *base" then explicit keys: overriding is the point
                    continue
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, bool):  # YAML 1.1: unquoted on/off/yes/no/true/false are booleans
                    raise Refused(
                        problem=f"a key {key_node.value!r} that YAML reads as {plain(key)}; write it in quotes "
                        f"('{key_node.value}':) if it is a name, or use the field the schema names",
                        problem_mark=key_node.start_mark,
                    )
                try:
                    line = first.get(key)
                except TypeError:  # an unhashable key: SafeLoader reports it
                    continue
                if line is not None:
                    raise Refused(
                        problem=f"duplicate key {plain(key)} (first given on line {line}); give each key once",
                        problem_mark=key_node.start_mark,
                    )
                first[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str, source: str | Path) -> Any:
    """Parse YAML text with :class:`GuardedLoader` after counting aliases (which SafeLoader allows)."""
    try:
        aliases = sum(isinstance(token, yaml.AliasToken) for token in yaml.scan(text, Loader=GuardedLoader))
        if aliases > MAX_ALIASES:
            raise InputError(source, "(file)", f"at most {MAX_ALIASES} YAML aliases, found {aliases}")
        return yaml.load(text, Loader=GuardedLoader)  # GuardedLoader is a SafeLoader: safe_load in effect
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        code = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise InputError(source, f"line {line}", f"text without control characters (found {code})") from None
    except Refused as exc:
        raise InputError(source, f"line {exc.problem_mark.line + 1}", str(exc.problem)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = getattr(exc, "problem", None) or "valid YAML"
        raise InputError(source, where, f"valid YAML ({problem})") from None


def read_mapping(path: str | Path) -> dict[str, Any]:
    """Load a YAML file whose top level must be a mapping, refusing alias bombs and huge files."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "(file)", "an existing file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(path, "(file)", f"a file smaller than {MAX_FILE_BYTES} bytes")
    return copy.deepcopy(_parsed(file_text(path.read_bytes(), path), str(path)))


def file_text(data: bytes, source: str | Path) -> str:
    """A file's bytes as text, refused as a file on disk would be (too large, not UTF-8): for files read from
    disk and files a user hands the explorer alike."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(source, "(file)", f"a file smaller than {MAX_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(source, "(file)", "UTF-8 text") from None


@functools.lru_cache(maxsize=64)
def _parsed(text: str, source: str) -> dict[str, Any]:
    """The parsed mapping of a file's text, kept for the next read of the same text: the pure-Python YAML
    parser is the slowest step of loading a scenario, and every scenario re-reads its actor set. Keyed
    by the text itself, so an edited file is parsed again; callers get a deep copy (``read_mapping``), so
    nothing they change leaks into the cache; a text that fails to parse raises every time."""
    return parse_mapping(text, Path(source))


def parse_mapping(text: str, source: str | Path) -> dict[str, Any]:
    """Parse YAML text (see :func:`load_yaml`) whose top level must be a non-empty mapping."""
    data = load_yaml(text, source)
    if data is None:
        raise InputError(source, "(file)", "a non-empty YAML mapping")
    if not isinstance(data, dict):
        raise InputError(source, "(top level)", f"a mapping, got {type(data).__name__}")
    return data


def plain(value: Any, width: int = 60) -> str:
    """A value as a user would write it: 0.5, nan, inf, 1e-300, true, '2024-01-01' (no numpy reprs)."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        return repr(x) if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))
    if isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, str) or value is None:
        text = "null" if value is None else repr(value)
    else:
        text = repr(value)
    return text if len(text) <= width else text[: width - 4] + " ..."


GUARD = "input_guard"  # the error type of field_error, whose message already says what it got
NO_INPUT = {"missing", "extra_forbidden", "value_error", "assertion_error", GUARD}
SCALARS = (numbers.Number, str, dt.date)


def first_error(exc: ValidationError, source: str | Path, prefix: str = "") -> InputError:
    """Reduce a pydantic ValidationError to its first problem as an InputError."""
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
    path = ".".join([prefix] * bool(prefix) + loc) or "(top level)"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "no such field (check the spelling; see docs)"
    elif err["type"] == "missing":
        message = "a value (this field is required)"
    elif err["type"] not in NO_INPUT and " got " not in f" {message}" and isinstance(err.get("input"), SCALARS):
        message = f"{message}, got {plain(err['input'])}"
    return InputError(source, path, message)


def check_seed(seed: Any, source: str = "--seed") -> int:
    """A seed must be a whole number in [0, MAX_SEED]: what SeedSequence and the runs tables hold."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise InputError(source, "seed", f"a whole number from 0 to {MAX_SEED} (2**63 - 1), got {plain(seed)}")
    return int(seed)


def field_error(field: str | tuple[str | int, ...], expected: str, value: Any) -> ValidationError:
    """A ValidationError at ``field`` (a name or a location) for a model validator to raise, so that
    first_error names that field (pydantic prefixes the location of the model it is in)."""
    error = PydanticCustomError(GUARD, "{expected}, got {value}", {"expected": expected, "value": plain(value)})
    loc = field if isinstance(field, tuple) else (field,)
    return ValidationError.from_exception_data("input", [InitErrorDetails(type=error, loc=loc, input=value)])
