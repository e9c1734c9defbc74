"""Which generation of Docker's context rules applies: chosen from the engine's version (asked
through the Docker SDK when an engine answers) or from a version the user names.

Docker 20.10 (what Debian and Ubuntu package) embeds BuildKit v0.8 with the 2020 fsutil walker,
and its classic daemon re-filters the context with the old `fileutils` matcher; 23.0 was the
first engine with the current walker and matcher. The filtering itself happens in the client
(the CLI or buildx), which in packaged installs has the engine's version."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

CURRENT = "current"
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+~.][0-9A-Za-z.+~-]*)?")
_FIRST_CURRENT = (23, 0)
_ASK_TIMEOUT_S = 10.0  # a loaded machine's engine can be slow to answer; none at all fails at once
_REMEMBER_S = 30.0


class EngineVersionError(ValueError):
    """A version string that is neither `current` nor MAJOR.MINOR[.PATCH]."""


@dataclass(frozen=True)
class EngineRules:
    version: str | None  # e.g. "20.10.24"; None: no version known
    source: str  # "configured", "engine" or "default"
    buildkit: str  # "v0.8" or "current"
    daemon: str  # the classic daemon's matcher: "legacy" or "current"

    def describe(self, builder: str = "buildkit") -> str:
        if builder == "buildkit":
            rules = "BuildKit v0.8 rules" if self.buildkit == "v0.8" else "current BuildKit rules"
        else:
            rules = (
                "classic rules with the "
                + ("20.10 daemon's" if self.daemon == "legacy" else "current daemon's")
                + " matcher"
            )
        if self.source == "engine":
            return f"{rules} (Docker {self.version}, reported by the engine)"
        if self.source == "configured" and parse_engine_version(self.version or CURRENT) is None:
            return f"{rules} (as configured)"
        if self.source == "configured":
            return f"{rules} (engine {self.version}, as configured)"
        return f"{rules} (no Docker engine answered; set `engine` to choose)"


def parse_engine_version(text: str) -> tuple[int, int] | None:
    """(major, minor) of a version, None for `current`; raises EngineVersionError."""
    text = text.strip()
    if text.lower() == CURRENT:
        return None
    m = _VERSION.fullmatch(text)
    if m is None:
        raise EngineVersionError(f"not an engine version: {text!r} (expected e.g. 20.10, 24.0.7 or current)")
    return int(m.group(1)), int(m.group(2))


def rules_for(version: str | None, source: str) -> EngineRules:
    parsed = parse_engine_version(version) if version is not None else None
    if parsed is not None and parsed < _FIRST_CURRENT:
        return EngineRules(version, source, "v0.8", "legacy")
    return EngineRules(version, source, CURRENT, CURRENT)


_asked: tuple[float, str | None] | None = None


def ask_engine() -> str | None:
    """The version the Docker engine (DOCKER_HOST or the default socket) reports, or None when
    none answers within a few seconds. Remembered briefly: every Dockerfile of a run asks."""
    global _asked
    now = time.monotonic()
    if _asked is not None and now - _asked[0] < _REMEMBER_S:
        return _asked[1]
    version: str | None = None
    try:
        import docker  # heavy (requests): only imported when no version is configured

        client = docker.from_env(timeout=_ASK_TIMEOUT_S)
        try:
            reported = client.version().get("Version")
        finally:
            client.close()
        if isinstance(reported, str):
            parse_engine_version(reported)
            version = reported
    except Exception:  # any failure (no socket, refused, timeout, odd answer): no engine answered
        version = None
    _asked = (now, version)
    return version


def resolve_rules(configured: str | None) -> EngineRules:
    """The rules for a configured version, else for the engine's, else the current ones."""
    if configured is not None and configured.strip():
        return rules_for(configured.strip(), "configured")
    version = ask_engine()
    if version is not None:
        return rules_for(version, "engine")
    return rules_for(None, "default")
