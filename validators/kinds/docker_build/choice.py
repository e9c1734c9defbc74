"""Which builder a build uses and why, and what a build through the engine API (BuildKit with
no client session) cannot do, said before building rather than after a timeout."""

from __future__ import annotations

import re
from dataclasses import dataclass

from validators.docker.dockerfile import Dockerfile
from validators.engine.model import Finding, Severity

_SYNTAX = re.compile(r"^#\s*syntax\s*=\s*(\S+)", re.I)
_SESSION_MOUNT = re.compile(r"type=(secret|ssh)\b")
_BUILDKIT_FLAGS = {"mount", "network", "security", "link", "chmod", "checksum", "parents", "exclude", "keep-git-dir"}


@dataclass(frozen=True)
class BuilderChoice:
    builder: str  # "classic" or "buildkit"
    why: str
    bridge: bool = True  # the engine has a bridge network for RUN steps

    def describe(self) -> str:
        name = "BuildKit" if self.builder == "buildkit" else "classic builder"
        return f"{name} ({self.why})"


def buildkit_needs(parsed: Dockerfile | None) -> str | None:
    """The first thing in the Dockerfile only BuildKit builds, with its line."""
    if parsed is None:
        return None
    for stage in parsed.stages:
        for ins in stage.instructions:
            if ins.heredocs:
                return f"a heredoc on line {ins.line}"
            for flag, _ in ins.flags:
                if flag in _BUILDKIT_FLAGS:
                    return f"{ins.keyword} --{flag} on line {ins.line}"
    return None


def syntax_directive(text: str) -> tuple[int, str] | None:
    """(line, frontend image) of a `# syntax=` parser directive at the top."""
    for number, line in enumerate(text.splitlines()[:10], start=1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            return None
        m = _SYNTAX.match(stripped)
        if m:
            return number, m.group(1)
    return None


def choose_builder(
    configured: str,
    text: str,
    parsed: Dockerfile | None,
    advertised: str | None,
    engine_version: str,
    bridge: bool = True,
) -> BuilderChoice:
    if configured == "classic":
        return BuilderChoice("classic", "as configured", bridge)
    if configured == "buildkit":
        return BuilderChoice("buildkit", "as configured", bridge)
    needs = buildkit_needs(parsed)
    if needs:
        return BuilderChoice("buildkit", f"the Dockerfile needs it: {needs}", bridge)
    if advertised == "2":
        return BuilderChoice("buildkit", f"Docker {engine_version} advertises BuildKit as its builder", bridge)
    return BuilderChoice(
        "classic",
        f"Docker {engine_version} does not advertise BuildKit and the Dockerfile needs nothing only BuildKit does; "
        'set builder = "buildkit" to use it',
        bridge,
    )


def sessionless_blockers(parsed: Dockerfile | None, builder: str, rel: str = "Dockerfile") -> list[Finding]:
    """What a BuildKit build through the `/build` API cannot give the Dockerfile: the client
    session's secrets and SSH agent. (A `# syntax=` frontend is tried: the engine fetches it
    when a registry answers, and a failure says why.)"""
    if builder != "buildkit":
        return []
    out = []
    if parsed is not None:
        for stage in parsed.stages:
            for ins in stage.instructions:
                mount = ins.flag("mount") or ""
                m = _SESSION_MOUNT.search(mount)
                if m:
                    what = "a secret" if m.group(1) == "secret" else "the SSH agent"
                    out.append(
                        Finding(
                            Severity.ERROR,
                            "docker-build/needs-session",
                            f"RUN --mount=type={m.group(1)} needs {what} from the client session, which a build through "
                            "the engine API does not have",
                            rel,
                            ins.line,
                            hint="build this Dockerfile with `docker buildx build --secret/--ssh`, or drop the mount",
                        )
                    )
    return out
