"""Read a build's stream, classic or BuildKit, into one model: the steps with their state,
duration and output tail, log lines with their colours, the image ID, the error, and the
intermediate images a classic build made (to remove after a failure: they carry no label)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from validators.dockerapi.buildkit_trace import TraceError, decode
from validators.dockerapi.steps import Step, StepPlan

_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$", re.S)
_LAYER = re.compile(r"^ ---> ([0-9a-f]{12,64})$")
_RUNNING = re.compile(r"^ ---> Running in ([0-9a-f]{12,64})$")
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_STDERR_ON, _STDERR_OFF = "\x1b[91m", "\x1b[0m"

LogLine = tuple[str, str]  # (stream, text): "stdout", "stderr" or "checkdeck"


def plain(text: str) -> str:
    return _SGR.sub("", text)


@dataclass
class BuildState:
    image_id: str | None = None
    error: str | None = None
    failed: Step | None = None
    created: list[str] = field(default_factory=list)  # classic image IDs this build made
    containers: list[str] = field(default_factory=list)  # classic step containers ("Running in")
    last_layer: str | None = None  # classic: the image the next step's container starts from


class StreamReader:
    def __init__(self, plan: StepPlan) -> None:
        self.plan = plan
        self.state = BuildState()
        self._partial = ""
        self._header_open = False  # classic: a step header was read before its newline came
        self._current: Step | None = None
        self._vertices: dict[str, Step | None] = {}
        self._started: set[str] = set()  # vertices whose start has been logged
        self._vertex_partial: dict[str, str] = {}

    def feed(self, item: dict[str, Any]) -> list[LogLine]:
        if item.get("id") == "moby.buildkit.trace" and isinstance(item.get("aux"), str):
            return self._trace(item["aux"])
        aux = item.get("aux")
        if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
            self.state.image_id = aux["ID"]
            return []
        if "errorDetail" in item or "error" in item:
            detail = item.get("errorDetail") or {}
            message = str(detail.get("message") or item.get("error") or "the build failed")
            return self._error(message)
        text = item.get("stream")
        if isinstance(text, str):
            return self._classic(text)
        status = item.get("status")
        if isinstance(status, str):  # pulling a base image
            progress = item.get("id")
            return [("checkdeck", f"{progress}: {status}" if progress else status)]
        return []

    def finish(self) -> list[LogLine]:
        out: list[LogLine] = []
        if self._partial:
            out += self._classic_line(self._partial)
            self._partial = ""
        if self.state.error is None and self._current is not None and self._current.state == "running":
            self._end(self._current, "built")
        return out

    # -- classic

    def _classic(self, text: str) -> list[LogLine]:
        # The classic daemon wraps each write of a RUN's stderr in red: `ESC[91m…ESC[0m`. The
        # wrapper marks the stream; it is not part of the output.
        stderr = text.startswith(_STDERR_ON)
        if stderr:
            text = text[len(_STDERR_ON) :].removesuffix(_STDERR_OFF)
        if self._header_open:
            # The newline of a step header that was taken in without it (below).
            self._header_open = False
            text = text.removeprefix("\n")
        text = self._partial + text
        lines = text.split("\n")
        self._partial = lines.pop()
        out: list[LogLine] = []
        for line in lines:
            out += self._classic_line(line, stderr)
        # "Step 1/8 : ARG X=1" comes without its newline, which arrives in the next item.
        if _STEP.match(self._partial):
            out += self._classic_line(self._partial)
            self._partial = ""
            self._header_open = True
        return out

    def _classic_line(self, line: str, stderr: bool = False) -> list[LogLine]:
        m = _STEP.match(line)
        if m:
            if self._current is not None and self._current.state == "running":
                self._end(self._current, "built")
            begun = self.plan.classic_step(int(m.group(1)), int(m.group(2)), m.group(3).strip())
            self._start(begun)
            return [("checkdeck", f"[{begun.number}/{self.plan.total}] {begun.text}")]
        step = self._current
        if line == " ---> Using cache" and step is not None:
            self._end(step, "cached")
            return [("checkdeck", "  cached")]
        running = _RUNNING.match(line)
        if running:
            self.state.containers.append(running.group(1))
            return [("checkdeck", line.strip())]
        layer = _LAYER.match(line)
        if layer:
            self.state.last_layer = layer.group(1)
            # FROM's id is the base image's, and a cached step's was made by an earlier build.
            if step is not None and step.state == "running":
                if step.keyword != "FROM":
                    self.state.created.append(layer.group(1))
                self._end(step, "built")
            return [("checkdeck", line.strip())]
        if line.startswith("Removing intermediate container") or line.startswith("Successfully "):
            return [("checkdeck", line)]
        if line.strip() == "--->":
            return []
        shown = plain(line)
        stream = "stderr" if stderr else "stdout"
        if step is not None:
            step.tail.append(shown)
        return [(stream, line)]

    # -- BuildKit

    def _trace(self, aux: str) -> list[LogLine]:
        try:
            status = decode(aux)
        except TraceError as exc:
            return [("checkdeck", f"a BuildKit trace message could not be read: {exc}")]
        out: list[LogLine] = []
        for vertex in status.vertexes:
            if vertex.digest not in self._vertices:
                self._vertices[vertex.digest] = self.plan.buildkit_step(vertex.name) if vertex.name else None
            step = self._vertices[vertex.digest]
            label = vertex.name or vertex.digest[:19]
            if vertex.started is not None and vertex.digest not in self._started:
                self._started.add(vertex.digest)
                if step is not None:
                    self._start(step)
                    out.append(("checkdeck", f"[{step.number}/{self.plan.total}] {step.text}"))
                else:
                    out.append(("checkdeck", label))
            if step is not None and vertex.cached and step.state in ("waiting", "running"):
                self._end(step, "cached")
                out.append(("checkdeck", f"  cached: {step.text}"))
            if vertex.error:
                if step is not None:
                    self._end(step, "failed")
                    self.state.failed = step
                out.append(("checkdeck", f"  error: {vertex.error}"))
            elif vertex.completed is not None and step is not None and step.state == "running":
                if vertex.started is not None:
                    step.measured_s = max(0.0, vertex.completed - vertex.started)
                self._end(step, "built")
                out.append(("checkdeck", f"  done {step.duration_s or 0:.1f}s: {step.text}"))
        for log in status.logs:
            step = self._vertices.get(log.vertex)
            text = self._vertex_partial.pop(log.vertex, "") + log.data.decode("utf-8", "replace")
            lines = text.split("\n")
            if lines[-1]:
                self._vertex_partial[log.vertex] = lines[-1]
            lines.pop()
            stream = "stderr" if log.stream == 2 else "stdout"
            for line in lines:
                line = line.rstrip("\r")
                if step is not None:
                    step.tail.append(plain(line))
                out.append((stream, line))
        for warning in status.warnings:
            out.append(("checkdeck", f"warning: {warning}"))
        return out

    # -- both

    def _start(self, step: Step) -> None:
        if step.state == "waiting":
            step.state = "running"
            step.started = time.monotonic()
        self._current = step

    def _end(self, step: Step, state: str) -> None:
        # A FROM neither builds nor hits the cache: the base is there (or was pulled).
        step.state = "base" if state == "built" and step.keyword == "FROM" else state
        step.finished = time.monotonic()
        if step.started is None:
            step.started = step.finished

    def _error(self, message: str) -> list[LogLine]:
        self.state.error = message
        if self.state.failed is None:
            running = [s for s in self.plan.steps if s.state == "running"]
            step = running[-1] if running else self._current
            if step is not None and step.state in ("running", "failed"):
                self._end(step, "failed")
                self.state.failed = step
        return [("checkdeck", f"error: {message}")]
