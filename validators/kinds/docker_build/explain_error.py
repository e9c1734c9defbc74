"""A failed build as one finding: the Dockerfile line of the failing instruction (from the step
the stream was in, or the line a parse error names), what failed in words, and the last lines of
that step's output. A COPY of a path the context lacks names the `.dockerignore` line that
excluded it, as `checkdeck context why` does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from validators.docker.analysis import relative
from validators.docker.build_context import ContextReport, explain
from validators.dockerapi.build_stream import plain
from validators.dockerapi.steps import Step, StepPlan

TAIL_SHOWN = 15
_PARSE = re.compile(r"dockerfile parse error (?:on )?line (\d+): (.*)", re.I | re.S)
_COPY_CLASSIC = re.compile(
    r"(COPY|ADD) failed: (?:file not found in build context or excluded by \.dockerignore: )?"
    r"stat (.+?): file does not exist"
)
_COPY_BUILDKIT = re.compile(r'failed to (?:compute cache key|calculate checksum)[^"]*"/?([^"]+)" not found')
_RUN = re.compile(r"returned a non-zero code: (\d+)|exit code: (\d+)")
_BASE = re.compile(
    r"pull access denied|failed to resolve source metadata|manifest unknown|no such host|"
    r"repository does not exist|dial tcp|i/o timeout|failed to do request"
)


@dataclass(frozen=True)
class BuildFailure:
    rule: str
    message: str
    path: str
    line: int | None
    hint: str | None
    summary: str  # short, for the pane


def _tail(step: Step | None) -> str | None:
    if step is None or not step.tail:
        return None
    lines = [line for line in list(step.tail)[-TAIL_SHOWN:]]
    return "last lines of its output:\n" + "\n".join(lines)


def _clean(path: str) -> str:
    path = path.strip("\"'")
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/") or "."


def _copy_naming(steps: StepPlan | None, source: str) -> Step | None:
    """The COPY/ADD step whose sources include `source` (a context path)."""
    if steps is None:
        return None
    wanted = _clean(source)
    for candidate in steps.steps:
        if candidate.keyword not in ("COPY", "ADD"):
            continue
        words = [w for w in candidate.text.split()[1:] if not w.startswith("--")]
        if any(_clean(w) == wanted for w in words[:-1]):
            return candidate
    return None


def heredocs_before(text: str, line: int) -> bool:
    """A heredoc (`<<EOF` ending a RUN/COPY line) at or before `line` of the Dockerfile."""
    return any(re.search(r"<<-?\s*['\"]?\w+['\"]?\s*$", row) for row in text.splitlines()[:line])


def _last(message: str) -> str:
    """BuildKit nests errors as `a: b: c`; the innermost part says what happened."""
    parts = [p.strip() for p in message.split(": ") if p.strip()]
    return ": ".join(parts[-3:]) if len(parts) > 3 else message


def explain_failure(
    error: str,
    step: Step | None,
    steps: StepPlan | None,
    report: ContextReport,
    rel: str,
    project: Path,
    syntax: tuple[int, str] | None,
    text: str = "",
    engine: str = "",
) -> BuildFailure:
    error = plain(error).strip()
    first = error.splitlines()[0] if error else "the build failed"
    line = step.line if step is not None else None
    doing = f"{step.text}: " if step is not None else ""
    m = _PARSE.search(error)
    if m:
        number = int(m.group(1))
        hint = None
        if heredocs_before(text, number) and engine.startswith("20."):
            hint = (
                f"this engine (Docker {engine}) has BuildKit v0.8, whose Dockerfile parser does not know heredocs "
                "(`RUN <<EOF`): Docker 23 and later do; or write the commands on one RUN line"
            )
        return BuildFailure(
            "docker-build/dockerfile-parse",
            f"the engine cannot parse {rel}: line {number}: {m.group(2).strip()}",
            rel,
            number,
            hint,
            f"line {number} does not parse",
        )
    if "requires BuildKit" in error:
        return BuildFailure(
            "docker-build/needs-buildkit",
            f"{doing}{first}",
            rel,
            line,
            'set builder = "buildkit" (or "auto", which picks it for such a Dockerfile)',
            "needs BuildKit",
        )
    if syntax is not None and ("gateway.v0" in error or syntax[1].split(":")[0] in error):
        line_no, image = syntax
        return BuildFailure(
            "docker-build/needs-frontend",
            f"`# syntax={image}` makes BuildKit fetch the frontend image {image}, and that failed: {_last(first)}",
            rel,
            line_no,
            "remove the `# syntax=` line (the engine's built-in frontend then parses the Dockerfile), make the "
            "registry reachable, or build with `docker buildx build`",
            f"frontend image {image} unavailable",
        )
    copied = _COPY_CLASSIC.search(error) or _COPY_BUILDKIT.search(error)
    if copied:
        source = copied.group(copied.lastindex or 1).strip().lstrip("/")
        # BuildKit checks every COPY's sources while earlier steps still run: the step the
        # stream was in may be a RUN. The COPY that names the source is the one that failed.
        copy_step = _copy_naming(steps, source)
        if copy_step is not None and copy_step is not step:
            step, line, doing = copy_step, copy_step.line, f"{copy_step.text}: "
        why = explain(report, source)
        ignore = relative(report.ignore_file, project) if report.ignore_file else ".dockerignore"
        if why.line is not None and not why.sent:
            decided = f"{ignore}:{why.line.line} `{why.line.text.strip()}`" if why.line.line else why.line.text
            message = f"{doing}{source} is not in the build context: excluded by {decided} ({first})"
            return BuildFailure(
                "docker-build/copy-excluded",
                message,
                rel,
                line,
                f"narrow {decided}, or add `!{source}` after it",
                f"{source} excluded by {decided}",
            )
        return BuildFailure(
            "docker-build/copy-missing",
            f"{doing}{source} is not in the build context: {why.reason} ({first})",
            rel,
            line,
            None,
            f"{source} not in the context",
        )
    if (step is not None and step.keyword == "FROM") or (step is None and _BASE.search(error)):
        return BuildFailure(
            "docker-build/base-unavailable",
            f"{doing}{first}",
            rel,
            line,
            "pull the base image into the engine first (`docker pull`), or use one it has",
            "base image unavailable",
        )
    run = _RUN.search(error)
    if run and step is not None:
        code = run.group(1) or run.group(2)
        said = next((line.strip() for line in reversed(step.tail) if line.strip()), "")
        return BuildFailure(
            "docker-build/step-failed",
            f"{step.text} exited with code {code}" + (f": {said[:200]}" if said else ""),
            rel,
            line,
            _tail(step),
            f"{step.keyword} exited {code}",
        )
    return BuildFailure("docker-build/failed", f"{doing}{first}", rel, line, _tail(step), first[:120])
