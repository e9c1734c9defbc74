"""The build context as the tar a build request carries, made on the fly from the listing the
build-context check computes (`checkdeck context ls`), so a 300 MB context is never held in
memory: the request reads it chunk by chunk.

GNU format, not Python's default PAX: the daemon's BuildKit path sniffs the request body, and a
body that starts with a PAX header is read as a Dockerfile (measured on Docker 20.10). Owners
are root, as the docker CLI sends them (`ChownOpts` 0:0)."""

from __future__ import annotations

import errno
import os
import posixpath
import stat
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from validators.docker.build_context import INJECTED_DOCKERFILE, ContextReport
from validators.docker.walk import Entry

CHUNK = 256 * 1024
_BLOCK = tarfile.BLOCKSIZE


class ContextReadError(OSError):
    """A file the context holds could not be read while it was being sent."""


@dataclass(frozen=True)
class ContextPlan:
    report: ContextReport
    dockerfile_name: str  # what the request's `dockerfile` parameter names inside the tar
    injected: bytes | None  # the Dockerfile's bytes when it lies outside the context

    @property
    def files(self) -> int:
        return len(self.report.entries)


def plan(report: ContextReport, dockerfile: Path) -> ContextPlan:
    rel = report.spec.dockerfile_rel
    if rel is not None:
        return ContextPlan(report, rel, None)
    # The docker CLI sends a Dockerfile from outside the context under a generated name.
    return ContextPlan(report, INJECTED_DOCKERFILE, dockerfile.read_bytes())


def _header(info: tarfile.TarInfo) -> bytes:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")


def _padding(size: int) -> bytes:
    rest = size % _BLOCK
    return b"\0" * (_BLOCK - rest) if rest else b""


def _directory(root: Path, rel: str) -> bytes:
    info = tarfile.TarInfo(rel + "/")
    info.type = tarfile.DIRTYPE
    try:
        st = os.lstat(root / rel)
        info.mode = stat.S_IMODE(st.st_mode)
        info.mtime = int(st.st_mtime)
    except OSError:
        info.mode = 0o755
    return _header(info)


def _file(root: Path, rel: str, cancelled: Callable[[], bool]) -> Iterator[bytes]:
    path = root / rel
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise ContextReadError(exc.errno or errno.EIO, f"cannot read {rel}: {exc.strerror}", str(path)) from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ContextReadError(errno.EINVAL, f"{rel} is no longer a regular file", str(path))
        os.set_blocking(fd, True)
        info = tarfile.TarInfo(rel)
        info.size = st.st_size
        info.mode = stat.S_IMODE(st.st_mode)
        info.mtime = int(st.st_mtime)
        yield _header(info)
        left = st.st_size
        while left > 0:
            if cancelled():
                return
            chunk = os.read(fd, min(CHUNK, left))
            if not chunk:
                # The file shrank while it was sent: the header promised its size, so the
                # tar stays well-formed with zeros, and the log says so.
                raise ContextReadError(errno.EIO, f"{rel} shrank while it was being sent", str(path))
            left -= len(chunk)
            yield chunk
        yield _padding(st.st_size)
    finally:
        os.close(fd)


def _symlink(root: Path, rel: str) -> bytes:
    info = tarfile.TarInfo(rel)
    info.type = tarfile.SYMTYPE
    info.linkname = os.readlink(root / rel)
    info.mode = 0o777
    return _header(info)


def _sent(context: ContextPlan) -> list[Entry]:
    """The listing plus what the daemon reads and then deletes: the Dockerfile and the ignore
    file are always sent (the CLI's TrimBuildFilesFromExcludes), whatever the listing says
    the daemon keeps of them."""
    root = context.report.spec.context_dir
    entries = [e for e in context.report.entries if e.path != INJECTED_DOCKERFILE]
    listed = {e.path for e in entries}
    for rel in (context.dockerfile_name if context.injected is None else None, ".dockerignore"):
        if rel is not None and rel not in listed and (root / rel).is_file():
            entries.append(Entry(rel, "file"))
    if ".dockerignore" in listed and not (root / ".dockerignore").is_file():
        entries = [e for e in entries if e.path != ".dockerignore"]  # made up by the CLI model
    return sorted(entries)


def stream(context: ContextPlan, cancelled: Callable[[], bool] = lambda: False) -> Iterator[bytes]:
    """The tar's bytes in chunks of at most CHUNK (plus a header). Raises ContextReadError for
    a file that cannot be read; `cancelled()` ends it early."""
    root = context.report.spec.context_dir
    made: set[str] = set()
    if context.injected is not None:
        info = tarfile.TarInfo(INJECTED_DOCKERFILE)
        info.size = len(context.injected)
        info.mode = 0o600
        yield _header(info) + context.injected + _padding(len(context.injected))
    for entry in _sent(context):
        if cancelled():
            return
        parent = posixpath.dirname(entry.path)
        missing = []
        while parent and parent not in made:
            missing.append(parent)
            parent = posixpath.dirname(parent)
        for folder in reversed(missing):
            made.add(folder)
            yield _directory(root, folder)
        if entry.kind == "symlink":
            yield _symlink(root, entry.path)
        elif entry.kind == "file":
            yield from _file(root, entry.path, cancelled)
    yield b"\0" * (2 * _BLOCK)
