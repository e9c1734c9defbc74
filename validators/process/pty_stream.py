"""A pseudo-terminal for a command's output (`tty = true`): some tools colour, or even print,
only when they write to a terminal. Read like a pipe; its end is the moment no process holds
the terminal open any more."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import struct
import termios

import anyio
from anyio.abc import ByteReceiveStream

# Wide enough that tools do not wrap lines for a terminal nobody sees.
COLUMNS, ROWS = 200, 50


class Terminal:
    def __init__(self, parent: int, child: int) -> None:
        self.parent = parent
        self.child = child
        self._closed = False

    def child_started(self) -> None:
        """The command holds its own copy of the child end: ours would keep the terminal open
        after the command ended."""
        if self.child >= 0:
            os.close(self.child)
            self.child = -1

    def stream(self) -> ByteReceiveStream:
        return _TerminalStream(self)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.child_started()
        with contextlib.suppress(OSError):
            os.close(self.parent)


def open_terminal() -> Terminal:
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    attrs = termios.tcgetattr(child)
    # No \n -> \r\n translation: the log keeps the bytes the command wrote.
    attrs[1] &= ~termios.ONLCR
    termios.tcsetattr(child, termios.TCSANOW, attrs)
    os.set_blocking(parent, False)
    return Terminal(parent, child)


class _TerminalStream(ByteReceiveStream):
    def __init__(self, terminal: Terminal) -> None:
        self._terminal = terminal

    async def receive(self, max_bytes: int = 65536) -> bytes:
        fd = self._terminal.parent
        while True:
            try:
                data = os.read(fd, max_bytes)
            except BlockingIOError:
                await anyio.wait_readable(fd)
                continue
            except OSError as exc:
                # EIO: every process has closed its end of the terminal.
                raise anyio.EndOfStream from exc
            if not data:
                raise anyio.EndOfStream
            return data

    async def aclose(self) -> None:
        return None
