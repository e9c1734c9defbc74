"""Make a small Python base image without a registry: the host's Python 3.11 (Debian's
/usr/bin/python3.11 and /usr/lib/python3.11, else the running interpreter's installation), the
shared libraries it loads, and busybox as /bin/sh, given to the engine with `docker import`.

The demo (`make demo`) and the tests build `FROM checkdeck/python-base:3.11` with it.
`python examples/python_base.py` makes it when missing and prints its tag; with no engine it
says so and exits 0, so that the demo still runs (its docker-build pane then says why)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

TAG = "checkdeck/python-base:3.11"
LABEL = "checkdeck.fixture=python-base"
_SKIP = {
    "test",
    "idlelib",
    "tkinter",
    "ensurepip",
    "__pycache__",
    "lib2to3",
    "turtledemo",
    "dist-packages",
    "site-packages",
    "pydoc_data",
    "config-3.11-x86_64-linux-gnu",
}


def _python() -> tuple[Path, Path]:
    debian = Path("/usr/bin/python3.11"), Path("/usr/lib/python3.11")
    if debian[0].is_file() and debian[1].is_dir():
        return debian
    return Path(sys.executable).resolve(), Path(sysconfig.get_paths()["stdlib"])


def _libraries(binaries: list[Path]) -> set[Path]:
    found: set[Path] = set()
    for binary in binaries:
        out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
        for match in re.finditer(r"(/\S+\.so[^\s]*)", out):
            found.add(Path(match.group(1)))
    return found


def _tar(python: Path, stdlib: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        made: set[str] = set()

        def folders(name: str) -> None:
            # Folders the tar does not list get mode 0600 from `docker import`: with every
            # capability dropped, root could then not even find python.
            parts = name.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                folder = "/".join(parts[:depth])
                if folder not in made:
                    made.add(folder)
                    info = tarfile.TarInfo(folder)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)

        def add(path: Path, name: str) -> None:
            folders(name)
            tar.add(str(path), arcname=name, recursive=False)

        add(python, "usr/bin/python3.11")
        for link in ("python3", "python"):
            folders(f"usr/bin/{link}")
            info = tarfile.TarInfo(f"usr/bin/{link}")
            info.type, info.linkname = tarfile.SYMTYPE, "python3.11"
            tar.addfile(info)
        dynload: list[Path] = []
        for root, dirs, files in os.walk(stdlib):
            dirs[:] = [d for d in dirs if d not in _SKIP]
            rel = Path(root).relative_to(stdlib)
            for name in files:
                path = Path(root) / name
                if name.endswith(".so"):
                    dynload.append(path)
                add(path, f"usr/lib/python3.11/{rel / name}".replace("/./", "/"))
        for lib in sorted(_libraries([python, *dynload])):
            add(lib.resolve(), lib.as_posix().lstrip("/"))
        busybox = Path("/bin/busybox")
        if busybox.is_file():
            add(busybox, "bin/busybox")
            folders("bin/sh")
            info = tarfile.TarInfo("bin/sh")
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
        for folder in ("tmp", "srv", "app"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755
            if folder not in made:
                made.add(folder)
                tar.addfile(info)
    return buf.getvalue()


def ensure(api: object | None = None) -> str:
    """The base image's tag, importing it first when the engine lacks it."""
    import docker

    client = api or docker.from_env(timeout=120).api
    try:
        client.inspect_image(TAG)  # type: ignore[attr-defined]
        return TAG
    except docker.errors.ImageNotFound:
        pass
    python, stdlib = _python()
    data = _tar(python, stdlib)
    repository, tag = TAG.split(":")
    client.import_image_from_data(  # type: ignore[attr-defined]
        data,
        repository=repository,
        tag=tag,
        changes=["ENV PATH=/usr/bin:/bin", 'CMD ["python3"]', f"LABEL {LABEL}"],
    )
    return TAG


def main() -> int:
    try:
        print(ensure())
    except Exception as exc:  # no engine: the demo runs all the same, its docker-build pane says why
        from validators.dockerapi.endpoint import explain, resolve

        print(f"python base image not made: {explain(resolve(), exc)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
