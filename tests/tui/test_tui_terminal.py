"""End to end: `checkdeck` in a real pseudo-terminal under tmux, keys sent, screen read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers import pid_alive
from tests.tui.support import command, project

ROOT = Path(__file__).resolve().parents[2]


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for(session: str, text: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while True:
        shown = screen(session)
        if text in shown:
            return shown
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared; the screen shows:\n{shown}")
        time.sleep(0.2)


@pytest.fixture
def tmux_session() -> object:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs tmux for the terminal test (.ci/run installs it)")
        pytest.skip("tmux is not installed")
    name = f"checkdeck-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def test_checkdeck_in_a_real_terminal(tmp_path: Path, tmux_session: str) -> None:
    root = project(
        tmp_path / "proj",
        command("greeter", "echo hello from the greeter") + command("waiter", "sleep 300 & echo $! > waiter.pid; wait"),
    )
    shell = f"cd {root} && PYTHONPATH={ROOT} TERM=xterm-256color {sys.executable} -m tui; echo EXITED=$?; sleep 30"
    tmux("new-session", "-d", "-s", tmux_session, "-x", "140", "-y", "40", shell)
    shown = wait_for(tmux_session, "hello from the greeter")
    assert "greeter" in shown and "waiter" in shown and "passed" in shown
    wait_for(tmux_session, "running")
    tmux("send-keys", "-t", tmux_session, "?")
    wait_for(tmux_session, "checkdeck keys")
    tmux("send-keys", "-t", tmux_session, "Escape")
    # A terminal cannot tell Escape from the start of a sequence until it times out.
    deadline = time.monotonic() + 10
    while "checkdeck keys" in screen(tmux_session):
        assert time.monotonic() < deadline, "the help screen did not close"
        time.sleep(0.2)
    tmux("send-keys", "-t", tmux_session, "j")
    wait_for(tmux_session, "waiter · command · running")
    tmux("send-keys", "-t", tmux_session, "q")
    wait_for(tmux_session, "still running. Stop them and quit?")
    tmux("send-keys", "-t", tmux_session, "y")
    wait_for(tmux_session, "EXITED=")
    waiter = int((root / "waiter.pid").read_text())
    deadline = time.monotonic() + 10
    while pid_alive(waiter) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pid_alive(waiter)
