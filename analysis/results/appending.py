"""Tables written chunk by chunk: an ensemble's tables reach disk as its chunks finish, so a run never
holds more than a few chunks' tables, whatever its size.

An ensemble of 10,000 worlds of ``seed-2024`` has about 6 million table rows, and one of 200 actors a
hundred times more per world: gathered into one frame each, as ``analysis.experiments.ensemble.run_ensemble``
does, they cost more memory than the machine has and seconds of copying. :class:`TableFiles` instead
appends each chunk's frames to one file per table, Parquet (one row group per chunk) or CSV, in the order
the chunks are given; the files read back as the frames gathered in that order would (tested). The files
are written into a staging folder (``analysis.results.staging``), so a run that fails half-way leaves
nothing.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from powershift.analysis.results.schemas import KEY_COLUMNS


class TableFile:
    """One table's file, appended chunk by chunk. Parquet takes its schema from the first chunk with rows
    (an empty chunk's text columns may have no type yet, so it would not fit the rest); a table no chunk
    had rows for is written from its last, empty, frame."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self.rows = 0
        self._parquet: pq.ParquetWriter | None = None
        self._empty: pd.DataFrame | None = None

    def append(self, frame: pd.DataFrame) -> None:
        if self.fmt == "csv":
            frame.to_csv(self.path, index=False, mode="a", header=self.rows == 0 and self._empty is None)
            self._empty = frame.iloc[:0]
        elif len(frame) == 0:
            self._empty = frame
        else:
            self._write_parquet(frame)
        self.rows += len(frame)

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        if self._parquet is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            keys = [c for c in table.column_names if c in KEY_COLUMNS]
            self._parquet = pq.ParquetWriter(self.path, table.schema, use_dictionary=keys)
        else:
            table = pa.Table.from_pandas(frame, schema=self._parquet.schema, preserve_index=False)
        self._parquet.write_table(table)

    def close(self) -> None:
        """Finish the file: Parquet's footer, or the empty table no chunk had rows for."""
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        elif self.rows == 0 and self._empty is not None and self.fmt == "parquet":
            keys = [c for c in self._empty.columns if c in KEY_COLUMNS]
            self._empty.to_parquet(self.path, index=False, use_dictionary=keys)


class TableFiles:
    """The tables ``names`` of one folder, each appended chunk by chunk (``append``); used as a context
    manager, so that every file is closed, finished or not, before its staging folder is removed."""

    def __init__(self, folder: Path, names: tuple[str, ...], fmt: str) -> None:
        self.files = {name: TableFile(Path(folder) / f"{name}.{fmt}", fmt) for name in names}
        self._open = ExitStack()

    def __enter__(self) -> TableFiles:
        for file in self.files.values():
            self._open.callback(file.close)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._open.close()

    def append(self, tables: dict[str, pd.DataFrame]) -> None:
        """One chunk's tables, one frame per name."""
        for name, file in self.files.items():
            file.append(tables[name])

    @property
    def rows(self) -> dict[str, int]:
        return {name: file.rows for name, file in self.files.items()}
