"""Standard output for the headless commands: text from outside (validator output, names, file
names) reaches the terminal with its colours and no other control sequence, and a reader that
goes away (`checkdeck run | head -1`) stops the printing, never the run."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from validators.process.terminal_text import terminal_safe


class SafeStream:
    """A text stream in front of `target`: filters what is written and swallows a closed pipe."""

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                self._target.write(terminal_safe(text))
            except BrokenPipeError:
                self._gone()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._target.flush()
            except BrokenPipeError:
                self._gone()

    def isatty(self) -> bool:
        return self._target.isatty()

    def fileno(self) -> int:
        return self._target.fileno()

    @property
    def buffer(self) -> BinaryIO:
        """The raw bytes underneath, for output that is data (`context ls -z`), not text."""
        return self._target.buffer

    @property
    def encoding(self) -> str:
        return getattr(self._target, "encoding", None) or "utf-8"

    def _gone(self) -> None:
        self.reader_gone = True
        # Python flushes stdout once more at exit; point the descriptor at /dev/null so that
        # flush cannot fail either.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._target.fileno())
            os.close(devnull)


@contextlib.contextmanager
def safe_stdio() -> Iterator[None]:
    """sys.stdout and sys.stderr are SafeStreams inside the block."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
