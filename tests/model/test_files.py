"""Reading YAML files: a parsed file is reused only for the same text, and never shared with callers."""

from __future__ import annotations

from pathlib import Path

import pytest

from powershift.model.files import InputError, read_mapping


def test_a_reread_file_is_an_independent_copy(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("x: {y: [1, 2]}\n")
    first = read_mapping(path)
    first["x"]["y"].append(3)
    assert read_mapping(path) == {"x": {"y": [1, 2]}}


def test_an_edited_file_is_parsed_again_even_at_the_same_size(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("x: 1\n")
    assert read_mapping(path) == {"x": 1}
    path.write_text("x: 2\n")  # same size, possibly the same modification time
    assert read_mapping(path) == {"x": 2}


def test_a_bad_file_is_refused_every_time(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("x: 1\nx: 2\n")
    for _ in range(2):
        with pytest.raises(InputError, match="duplicate key"):
            read_mapping(path)
