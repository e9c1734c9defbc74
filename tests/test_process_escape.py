"""No process checkdeck started outlives it: daemons that drop their environment and leave
their session, a cancel that lands while a process is being created, and checkdeck itself
killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from tests.helpers import command, none_left_within, pid_alive, processes_with, run_specs, start_run
from validators.engine.model import Status
from validators.process.cgroup import _own_cgroup_dir
from validators.process.run import run_process

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.anyio


def wait_for_pid(path: Path, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)
    return int(path.read_text().split()[0])


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize("cgroups", ["1", "0"])
async def test_a_daemon_without_our_environment_or_session_is_ended(
    tmp_path: Path, marker: str, cgroups: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKDECK_CGROUPS", cgroups)
    # Double fork, new session, empty environment: only the cgroup or the subreaper finds it.
    daemon = f"env -i setsid -f sh -c 'echo $$ > daemon.pid; sleep 300; : {marker}'; sleep 0.2"
    summary, _ = await run_specs(tmp_path, [command("forks", daemon)], term_grace_s=0.5)
    assert summary.results[0].status is Status.PASSED
    pid = wait_for_pid(tmp_path / "daemon.pid")
    assert not pid_alive(pid)


async def test_a_cancel_while_the_process_starts_still_ends_it(tmp_path: Path, marker: str) -> None:
    started: list[int] = []
    with anyio.CancelScope() as scope:

        def cancel_now(leader: int) -> None:
            started.append(leader)
            scope.cancel()  # lands at the very next checkpoint, before any output is read

        with open(tmp_path / "log", "wb") as log:

            async def sink(stream: str, at: object, lines: list[str]) -> None:
                pass

            await run_process(
                f"sleep 300 & sleep 300; : {marker}", cwd=tmp_path, env=None, log=log, sink=sink, on_start=cancel_now
            )
    assert scope.cancelled_caught and started
    assert processes_with(marker) == []


@pytest.mark.parametrize("cgroups", ["1", "0"])
def test_sigkill_of_checkdeck_ends_its_children(tmp_path: Path, marker: str, cgroups: str) -> None:
    (tmp_path / "checkdeck.toml").write_text(
        # "quick" ends first: its empty cgroup is kept for later commands, and must go too.
        'concurrency = 3\n[[validators]]\nname = "quick"\nkind = "command"\nrun = "true"\n'
        '[[validators]]\nname = "long"\nkind = "command"\n'
        f"run = 'sleep 300 & echo $! > child.pid; wait; : {marker}'\n"
        '[[validators]]\nname = "daemon"\nkind = "command"\n'
        f"run = \"env -i setsid -f sh -c 'echo $$ > daemon.pid; sleep 300; : {marker}'; sleep 300\"\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "run"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CHECKDECK_CGROUPS": cgroups},
    )
    try:
        child = wait_for_pid(tmp_path / "child.pid")
        daemon = wait_for_pid(tmp_path / "daemon.pid")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert gone_within(child, 5), processes_with(marker)
    if cgroups == "1":
        assert gone_within(daemon, 5), processes_with(marker)
    else:
        # Without a cgroup, a daemon with neither our environment nor our session is known
        # only to the dead checkdeck (it was re-parented to init): the README says so.
        os.killpg(daemon, signal.SIGKILL)  # its session and group are its own (setsid)
    # The lifeline ends the rest (TERM, then KILL): wait for that, so the marker check after the
    # test does not race an exit still under way.
    assert none_left_within(marker, 10) == []
    if cgroups == "1":
        base = _own_cgroup_dir()
        assert base is not None
        pattern = f"checkdeck-{proc.pid}-*"
        deadline = time.monotonic() + 10
        while list(base.glob(pattern)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(base.glob(pattern)) == []


def test_sigterm_the_moment_the_run_starts_leaves_nothing(tmp_path: Path, marker: str) -> None:
    (tmp_path / "checkdeck.toml").write_text(
        "".join(f'[[validators]]\nname = "v{i}"\nkind = "command"\nrun = "sleep 300; : {marker}"\n' for i in range(4))
    )
    for attempt in range(3):
        proc = start_run(tmp_path)
        assert proc.stdout is not None
        proc.stdout.readline()  # "checkdeck HH:MM:SS: 4 validators from …": the run is starting
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, (attempt, out, err)
        assert none_left_within(marker, 5) == [], attempt


def test_without_proc_a_timeout_still_ends_the_process_group(tmp_path: Path) -> None:
    # A mount namespace of its own with /proc unmounted: psutil sees nothing, the
    # process-group kill still works.
    (tmp_path / "checkdeck.toml").write_text(
        '[[validators]]\nname = "t"\nkind = "command"\nrun = "sleep 300 & echo $! > pid; wait"\ntimeout = "1s"\n'
    )
    script = f"umount -l /proc && exec {sys.executable} -m tui run"
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert "timed out after 1.0s" in done.stdout, done.stdout + done.stderr
    child = wait_for_pid(tmp_path / "pid")
    assert gone_within(child, 5)
