"""The disk's refusals, each as one line.

A full disk, a read-only one, a failing one or a path too long, met while writing results, becomes
one :class:`~model.files.InputError` naming the folder and what was kept (:func:`disk_error`), so a
user sees what to free or change instead of a traceback. Byte counts and exception texts are
shortened for such lines (:func:`size`, :func:`short_message`).
"""

from __future__ import annotations

import errno
from pathlib import Path

from powershift.model.files import InputError

SPACE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
ACCESS_ERRORS = {errno.EROFS, errno.EACCES, errno.EPERM}


def disk_error(out: Path, exc: OSError, flag: str = "(writing)", kept: str = "nothing was kept") -> Exception:
    """An OSError met while writing ``out`` as one line (a full disk, a read-only one), or the error itself
    if it is something else (a bug should show as one)."""
    reason = exc.strerror or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in SPACE_ERRORS:
        return InputError(out, flag, f"room on the disk to write the results: {reason}{where}; {kept}")
    if exc.errno in ACCESS_ERRORS:
        return InputError(out, flag, f"a writable place for the results: {reason}{where}; {kept}")
    if exc.errno == errno.EIO:
        return InputError(out, flag, f"a working disk: {reason}{where}; {kept}")
    if exc.errno == errno.ENAMETOOLONG:
        return InputError(out, flag, f"a shorter path: {reason}{where}; {kept}")
    return exc


def size(n: float) -> str:
    """A byte count as people read it (``12.3 MiB``), for messages about room on a disk."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def short_message(exc: Exception) -> str:
    """An exception's text on one line of at most 160 characters, so a refusal stays one line."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:157] + "..."
