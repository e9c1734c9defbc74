"""Containers and images a run makes: smoke commands in a locked-down container, file checks
without running anything, removal whatever happens, and a sweep of what a crashed run left.

Every container checkdeck creates carries the `checkdeck.run` label with the pid and host of
the process that made it, so a sweep removes only what a dead checkdeck left: another checkdeck
running at the same time on the same engine keeps its containers. An image carries the same
owner in its tag instead (`checkdeck/NAME:pPID.HOST.RUN`): a label that changes every run would
be a LABEL step the build cache can never reuse."""

from __future__ import annotations

import os
import posixpath
import re
import shlex
import socket
import tarfile
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pathspec

LABEL_RUN = "checkdeck.run"
LABEL_PID = "checkdeck.pid"
LABEL_HOST = "checkdeck.host"
OUTPUT_TAIL = 40
NO_COMMAND = ["/checkdeck-never-runs"]  # create does not exec: images without a shell work too


LABEL_IMAGE = "checkdeck.image"
_TAG_OWNER = re.compile(r"^checkdeck/[^:]+:p(\d+)\.([a-z0-9-]+)\.(.+)$")


def owner_labels(run_id: str) -> dict[str, str]:
    return {LABEL_RUN: run_id, LABEL_PID: str(os.getpid()), LABEL_HOST: socket.gethostname()}


def _slug(text: str, limit: int) -> str:
    return (re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x")[:limit]


def image_tag(name: str, run_id: str, keep: bool) -> str:
    """A kept image is `checkdeck/NAME:latest`, which no sweep touches; another names its owner."""
    repository = f"checkdeck/{_slug(name, 60)}"
    if keep:
        return f"{repository}:latest"
    return f"{repository}:p{os.getpid()}.{_slug(socket.gethostname(), 40)}.{_slug(run_id, 60)}"


def _tag_owner_gone(tag: str) -> str | None:
    """The run of a tag whose owner is a dead checkdeck process of this host."""
    m = _TAG_OWNER.match(tag)
    if m is None or m.group(2) != _slug(socket.gethostname(), 40):
        return None
    labels = {LABEL_PID: m.group(1), LABEL_HOST: socket.gethostname()}
    return m.group(3) if _owner_gone(labels) else None


def _owner_gone(labels: dict[str, str] | None) -> bool:
    """Made by a checkdeck process of this host that no longer runs."""
    labels = labels or {}
    if labels.get(LABEL_HOST) != socket.gethostname():
        return False
    try:
        pid = int(labels.get(LABEL_PID, ""))
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class Swept:
    containers: tuple[str, ...]
    images: tuple[str, ...]
    runs: tuple[str, ...]  # the run ids they came from


def sweep(api: Any) -> Swept:
    """Remove the containers and images of checkdeck runs whose process is gone."""
    containers, images, runs = [], [], set()
    for item in api.containers(all=True, filters={"label": LABEL_RUN}):
        if _owner_gone(item.get("Labels")):
            try:
                api.remove_container(item["Id"], force=True, v=True)
                containers.append(item["Id"][:12])
                runs.add(item["Labels"].get(LABEL_RUN, "?"))
            except Exception:
                pass
    for item in api.images(filters={"reference": "checkdeck/*"}):
        for tag in item.get("RepoTags") or []:
            run = _tag_owner_gone(tag)
            if run is None:
                continue
            try:
                api.remove_image(tag)
                images.append(tag)
                runs.add(run)
            except Exception:
                pass
    return Swept(tuple(containers), tuple(images), tuple(sorted(runs)))


def smoke_argv(command: str | Sequence[str]) -> list[str]:
    """A smoke command's argv: a string is split into words like a shell would, but no shell
    runs it (images need not have one)."""
    return shlex.split(command) if isinstance(command, str) else list(command)


@dataclass(frozen=True)
class SmokeResult:
    command: str
    exit_code: int | None  # None: it never ran to an exit (create failed, timeout, cancel)
    output: tuple[str, ...]  # the last OUTPUT_TAIL lines, stdout and stderr as they came
    duration_s: float
    timed_out: bool = False
    error: str | None = None  # the engine refused (no such executable, …)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and self.error is None


@dataclass(frozen=True)
class Limits:
    memory: str = "512m"
    pids: int = 256
    timeout_s: float = 60.0


class Smoke:
    """One smoke command in a fresh container; `cancel()` from any thread kills it."""

    def __init__(
        self,
        api: Any,
        image_id: str,
        command: str | Sequence[str],
        labels: dict[str, str],
        limits: Limits,
        env: dict[str, str] | None = None,
    ) -> None:
        self._api = api
        self._image = image_id
        self._argv = smoke_argv(command)
        self._shown = command if isinstance(command, str) else shlex.join(command)
        self._labels = labels
        self._limits = limits
        self._env = env or {}
        self._container: str | None = None
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self.removed = False

    @property
    def shown(self) -> str:
        return self._shown

    def wait_removed(self, timeout: float) -> bool:
        """After a cancel: wait until run() has removed its container."""
        return self._done.wait(timeout)

    def run(self) -> SmokeResult:
        """In a worker thread. The container is removed before this returns, whatever happens."""
        from docker.errors import APIError
        from requests.exceptions import ConnectionError as RequestsConnectionError
        from requests.exceptions import ReadTimeout

        api = self._api
        start = time.monotonic()
        host_config = api.create_host_config(
            network_mode="none",
            mem_limit=self._limits.memory,
            pids_limit=self._limits.pids,
            read_only=True,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            tmpfs={"/tmp": "rw,noexec,nosuid,size=64m"},
        )
        try:
            created = api.create_container(
                self._image,
                command=self._argv,
                entrypoint=[""] if self._argv else None,
                environment={"PYTHONDONTWRITEBYTECODE": "1", **self._env},
                labels=self._labels,
                host_config=host_config,
                network_disabled=True,
            )
        except APIError as exc:
            self._done.set()
            return SmokeResult(self._shown, None, (), time.monotonic() - start, error=_api_message(exc))
        container = created["Id"]
        with self._lock:
            self._container = container
        timed_out = False
        try:
            if self._cancelled.is_set():
                return SmokeResult(self._shown, None, (), time.monotonic() - start, error="cancelled")
            try:
                api.start(container)
            except APIError as exc:
                return SmokeResult(self._shown, None, (), time.monotonic() - start, error=_api_message(exc))
            exit_code: int | None = None
            try:
                # An HTTP timeout, not a limit the engine applies: on a timeout the container
                # is killed below. Over the unix socket it surfaces as a ConnectionError.
                status = api.wait(container, timeout=self._limits.timeout_s)
                exit_code = int(status.get("StatusCode", -1))
            except (ReadTimeout, RequestsConnectionError):
                timed_out = not self._cancelled.is_set()
                try:
                    api.kill(container)
                except APIError:
                    pass
            raw = api.logs(container, stdout=True, stderr=True)
            lines = deque(raw.decode("utf-8", "replace").splitlines(), maxlen=OUTPUT_TAIL)
            error = "cancelled" if self._cancelled.is_set() else None
            if self._cancelled.is_set():
                exit_code = None
            return SmokeResult(self._shown, exit_code, tuple(lines), time.monotonic() - start, timed_out, error)
        finally:
            self.removed = remove_container(api, container)
            self._done.set()

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            container = self._container
        if container is not None:
            try:
                self._api.kill(container)
            except Exception:
                pass  # not running yet or already gone: run() removes it


def remove_container(api: Any, container: str) -> bool:
    try:
        api.remove_container(container, force=True, v=True)
        return True
    except Exception as exc:
        return "No such container" in str(exc)


def _api_message(exc: Exception) -> str:
    explanation = getattr(exc, "explanation", None)
    text = explanation.decode() if isinstance(explanation, bytes) else explanation
    return str(text or exc).strip()


@dataclass(frozen=True)
class FileCheck:
    pattern: str
    want: str  # "present" or "absent"
    matches: tuple[str, ...]  # image paths that match (at most a few are kept)
    count: int

    @property
    def passed(self) -> bool:
        return (self.count > 0) == (self.want == "present")


_GLOB = set("*?[")


def _image_path(pattern: str, workdir: str) -> str:
    body = pattern.rstrip("/") or "/"
    return posixpath.normpath(body if body.startswith("/") else posixpath.join(workdir or "/", body))


def check_files(
    api: Any, image_id: str, present: Sequence[str], absent: Sequence[str], labels: dict[str, str], workdir: str
) -> list[FileCheck]:
    """Whether each path (or gitignore-style glob, relative to the image's WORKDIR unless it
    starts with /) is in the image, read from a created container that never runs."""
    wanted = [(p, "present") for p in present] + [(p, "absent") for p in absent]
    created = api.create_container(image_id, command=NO_COMMAND, entrypoint=[""], labels=labels, network_disabled=True)
    container = created["Id"]
    out: list[FileCheck] = []
    try:
        listing: list[str] | None = None
        for pattern, want in wanted:
            if not _GLOB & set(pattern):
                path = _image_path(pattern, workdir)
                # HEAD of the archive endpoint: its stat header answers, and no tar of the path
                # is sent (get_archive would stream it, and never close its response).
                response = api.head(api._url("/containers/{0}/archive", container), params={"path": path})
                if response.status_code == 404:
                    out.append(FileCheck(pattern, want, (), 0))
                else:
                    api._raise_for_status(response)
                    out.append(FileCheck(pattern, want, (path,), 1))
                continue
            if listing is None:
                listing = _export_names(api, container)
            base = workdir.strip("/")
            if pattern.startswith("/"):
                spec = pathspec.GitIgnoreSpec.from_lines([pattern.lstrip("/")])
                hits = [n for n in listing if spec.match_file(n)]
            else:
                spec = pathspec.GitIgnoreSpec.from_lines([pattern])
                prefix = base + "/" if base else ""
                hits = [n for n in listing if n.startswith(prefix) and spec.match_file(n[len(prefix) :])]
            out.append(FileCheck(pattern, want, tuple("/" + h for h in hits[:5]), len(hits)))
    finally:
        remove_container(api, container)
    return out


class _Chunks:
    """A file object over the export stream, for tarfile's streaming mode."""

    def __init__(self, chunks: Any) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _export_names(api: Any, container: str) -> list[str]:
    """Every path in the container's filesystem (directories with a trailing /), streamed."""
    names = []
    with tarfile.open(fileobj=_Chunks(api.export(container)), mode="r|") as tar:  # type: ignore[call-overload]
        for member in tar:
            name = member.name.lstrip("./")
            if name:
                names.append(name + "/" if member.isdir() else name)
    return names
