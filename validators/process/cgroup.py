"""A cgroup v2 per started command, where this machine lets us make one: every process the
command starts stays in it, whatever it does with its environment, session or parent, so ending
the cgroup ends them all. Optional: without a writable cgroup2 mount, nothing here is used."""

from __future__ import annotations

import atexit
import contextlib
import os
import shlex
import subprocess
import time
from pathlib import Path

_base: Path | bool | None = False  # False: not looked for yet


def _own_cgroup_dir() -> Path | None:
    try:
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
        membership = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    mount = next((line.split()[4] for line in mounts if " - cgroup2 " in line), None)
    path = next((line[3:] for line in membership if line.startswith("0::")), None)
    if mount is None or path is None:
        return None
    return Path(mount) / path.lstrip("/")


def _writable_base() -> Path | None:
    global _base
    if os.environ.get("CHECKDECK_CGROUPS", "1") == "0":
        return None  # the documented opt-out; the other nets still apply
    if _base is False:
        _base = None
        own = _own_cgroup_dir()
        if own is not None and _moving_works(own / f"checkdeck-probe-{os.getpid()}"):
            _base = own
    return _base if isinstance(_base, Path) else None


def _moving_works(probe: Path) -> bool:
    """Once per process: can a command move itself into a cgroup we make (delegation rules may
    forbid it even where mkdir works)? Then the cgroup alone says what a command left running."""
    try:
        probe.mkdir()
    except OSError:
        return False
    try:
        done = subprocess.run(
            ["/bin/sh", "-c", 'echo 0 > "$1" && cat "$1"', "checkdeck", str(probe / "cgroup.procs")],
            capture_output=True,
            timeout=10,
            check=False,
        )
        return done.returncode == 0 and bool(done.stdout.split())
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                probe.rmdir()
                break
            except OSError:
                time.sleep(0.01)


# Empty cgroups kept for the next command: making and removing one costs more than a trivial
# command's whole run in checkdeck (mkdir and rmdir in cgroupfs take the cgroup mutex).
POOL_SIZE = 8
_pool: list[Cgroup] = []
_ever_pooled: set[Path] = set()


class Cgroup:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, name: str) -> Cgroup | None:
        base = _writable_base()
        if base is None:
            return None
        if _pool:
            return _pool.pop()
        try:
            (base / name).mkdir()
        except OSError:
            return None
        return cls(base / name)

    def release(self) -> None:
        """The command is over: keep the cgroup for the next one if nothing is left in it."""
        if len(_pool) < POOL_SIZE and not self.pids() and self.path.is_dir():
            if self.path not in _ever_pooled:
                _ever_pooled.add(self.path)
                # The watchdog removes pooled cgroups too, should checkdeck be killed.
                from validators.process.watchdog import LIFELINE

                LIFELINE.pool(str(self.path))
            _pool.append(self)
            return
        self.remove()

    @property
    def procs_file(self) -> Path:
        return self.path / "cgroup.procs"

    def pids(self) -> set[int]:
        try:
            return {int(x) for x in self.procs_file.read_text().split()}
        except (OSError, ValueError):
            return set()

    def kill(self) -> bool:
        """SIGKILL every member at once (kernel 5.14+); False where that is not offered."""
        try:
            (self.path / "cgroup.kill").write_text("1")
        except OSError:
            return False
        return True

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            self.path.rmdir()


@atexit.register
def empty_pool() -> None:
    while _pool:
        _pool.pop().remove()


def wrap(argv: list[str], cgroup: Cgroup | None) -> list[str]:
    """argv that first moves itself into the cgroup, then execs the command: nothing the command
    starts can be outside it. Where the move fails the command still runs."""
    if cgroup is None:
        return argv
    return ["/bin/sh", "-c", 'echo 0 > "$1" 2>/dev/null; shift; exec "$@"', "checkdeck", str(cgroup.procs_file), *argv]


def wrap_shell(command: str, cgroup: Cgroup | None) -> list[str]:
    """A shell command line that moves its own shell into the cgroup first: the same shell runs
    the command, so no second shell is started per command (half the cost of a trivial one).
    On the command's first line, so the shell's messages keep the user's line numbers."""
    if cgroup is None:
        return ["/bin/sh", "-c", command]
    return ["/bin/sh", "-c", f"echo 0 > {shlex.quote(str(cgroup.procs_file))} 2>/dev/null; {command}"]
