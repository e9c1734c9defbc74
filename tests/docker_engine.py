"""Real Docker engine helpers for the tests: is one there, build a context, list an image."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest


def engine_problem() -> str | None:
    """Why no engine can be used, or None when `docker info` answers."""
    if shutil.which("docker") is None:
        return "no docker CLI on PATH"
    try:
        out = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"docker info failed: {exc}"
    if out.returncode != 0 or not out.stdout.strip():
        return f"docker engine not reachable: {out.stderr.strip()[:200]}"
    return None


def require_engine() -> None:
    """In CI a missing engine is a failure, never a skip: a green run must have used Docker."""
    problem = engine_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI needs a Docker engine for this test: {problem}")
    pytest.skip(problem)


def daemon_version() -> str:
    out = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def classic_build(context: Path, dockerfile: Path, tag: str) -> tuple[bool, str]:
    """`DOCKER_BUILDKIT=0 docker build`; (succeeded, combined output).

    No cache: builds run in parallel and each `docker rmi` removes its image's parents, which
    another build could otherwise be reusing at that moment."""
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    out = subprocess.run(
        ["docker", "build", "-q", "--no-cache", "--force-rm", "-t", tag, "-f", str(dockerfile), str(context)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    return out.returncode == 0, out.stdout + out.stderr


def image_files(tag: str, under: str) -> set[str]:
    """Non-directory entries of an image's filesystem below `under`, relative to it."""
    container = subprocess.run(["docker", "create", tag], capture_output=True, text=True, check=True).stdout.strip()
    try:
        data = subprocess.run(["docker", "export", container], capture_output=True, check=True).stdout
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)
    prefix = under.strip("/") + "/"
    files = set()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            name = member.name.lstrip("./")
            if name.startswith(prefix) and not member.isdir():
                files.add(name[len(prefix) :])
    return files


def remove_image(tag: str) -> None:
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
