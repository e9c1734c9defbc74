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


# Debian's 20.10 CLI has the BuildKit client built in; the Docker 28 CLI first on PATH has no
# buildx, so only this one makes a real BuildKit build here.
BUILDKIT_CLI = "/usr/bin/docker"


def buildkit_problem() -> str | None:
    if not Path(BUILDKIT_CLI).is_file():
        return f"{BUILDKIT_CLI} (a docker CLI with the BuildKit client built in) is missing"
    return None


def buildkit_files(context: Path, dockerfile: Path, out: Path, under: str) -> tuple[bool, set[str], str]:
    """`DOCKER_BUILDKIT=1 docker build -o type=tar`: (succeeded, non-directory entries below
    `under` in the result, combined output). Nothing is left in the engine: no image is made."""
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    done = subprocess.run(
        [BUILDKIT_CLI, "build", "-q", "-f", str(dockerfile), "-o", f"type=tar,dest={out}", str(context)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if done.returncode != 0:
        return False, set(), done.stdout + done.stderr
    prefix = under.strip("/") + "/"
    files = set()
    with tarfile.open(out) as tar:
        for member in tar.getmembers():
            name = member.name.lstrip("./")
            if name.startswith(prefix) and not member.isdir():
                files.add(name[len(prefix) :])
    return True, files, done.stdout + done.stderr


BUSYBOX_IMAGE = "checkdeck-test/busybox:2"


def busybox_image() -> str:
    """A base image with busybox as /bin/sh (Debian's busybox-static), made with `docker import`:
    no registry is needed. Made once; later calls find it."""
    import docker

    api = docker.from_env(timeout=120).api
    try:
        api.inspect_image(BUSYBOX_IMAGE)
        return BUSYBOX_IMAGE
    except docker.errors.ImageNotFound:
        pass
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for folder in ("bin", "tmp", "srv"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
        tar.add("/bin/busybox", arcname="bin/busybox", recursive=False)
        for name in ("sh", "sleep", "echo", "cat", "ls", "true", "false"):
            info = tarfile.TarInfo(f"bin/{name}")
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
    repository, tag = BUSYBOX_IMAGE.split(":")
    api.import_image_from_data(buf.getvalue(), repository=repository, tag=tag, changes=["ENV PATH=/bin"])
    return BUSYBOX_IMAGE


def python_image() -> str:
    """The demo's small Python base (examples/python_base.py), made once."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "examples" / "python_base.py"
    spec = importlib.util.spec_from_file_location("checkdeck_python_base", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tag = module.ensure()
    assert isinstance(tag, str)
    return tag
