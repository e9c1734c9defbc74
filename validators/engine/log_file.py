"""A validator's full log on disk. Writing it can fail (a full disk, a read-only folder); that
loses the log, never the run: the first error is kept and said in the result."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import BinaryIO


class LogFile:
    def __init__(self, path: Path, *, append: bool = False) -> None:
        self.path = path
        self.error: OSError | None = None
        self._file: BinaryIO | None = None
        try:
            self._file = open(path, "ab" if append else "wb")
        except OSError as exc:
            self.error = exc

    def write(self, data: bytes) -> int:
        if self._file is not None and self.error is None:
            try:
                self._file.write(data)
            except OSError as exc:
                self._fail(exc)
        return len(data)

    def flush(self) -> None:
        if self._file is not None and self.error is None:
            try:
                self._file.flush()
            except OSError as exc:
                self._fail(exc)

    def close(self) -> None:
        if self._file is None:
            return
        try:
            self._file.close()
        except OSError as exc:
            if self.error is None:
                self.error = exc
        self._file = None

    def _fail(self, exc: OSError) -> None:
        self.error = exc
        if self._file is not None:
            # Drop what is buffered: closing tries to write it again and fails the same way.
            with contextlib.suppress(OSError):
                self._file.close()
        self._file = None

    def problem(self) -> str | None:
        """What went wrong, for the result's summary, or None."""
        if self.error is None:
            return None
        return f"log incomplete: {self.error.strerror or self.error} ({self.path.name})"

    def __enter__(self) -> LogFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
