"""A docker-build validator in the real app: the pane shows the step it is on, `c` stops the
build on the daemon, and Info lists the steps of a finished build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import TabbedContent

from tests.docker_engine import busybox_image, require_engine
from tests.helpers import none_left_within
from tests.tui.support import finished, make_app, project, screen_text, wait_until
from tui.screens.confirm import Confirm
from validators.dockerapi.containers import LABEL_PID
from validators.engine.model import Status

pytestmark = [pytest.mark.anyio, pytest.mark.docker]
SIZE = (130, 36)


def image(name: str, builder: str, extra: str = "") -> str:
    return f'[[validators]]\nname = "{name}"\nkind = "docker-build"\nbuilder = "{builder}"\nno_cache = true\n{extra}\n'


@pytest.mark.parametrize("builder", ["classic", "buildkit"])
async def test_the_pane_follows_the_build_and_c_stops_it_on_the_daemon(
    tmp_path: Path, marker: str, builder: str
) -> None:
    require_engine()
    base = busybox_image()
    root = project(
        tmp_path / "p",
        image("img", builder),
        {"Dockerfile": f"FROM {base}\nENV MARK={marker}\nWORKDIR /srv\nRUN echo ${{MARK}}x-running && sleep 600\n"},
    )
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        # The RUN has printed its line: the pane names the step and the instruction.
        state = app.states["img"]
        # The RUN's own output (not its header, which BuildKit shows with $MARK expanded).
        await wait_until(
            pilot,
            lambda: any(line.stream != "checkdeck" and f"{marker}x-running" in line.text for line in state.log.lines),
            timeout=60,
        )
        await wait_until(pilot, lambda: "RUN echo" in screen_text(app) and "step " in screen_text(app))
        text = screen_text(app)
        assert any(f"step {n}/" in text for n in range(1, 8)), text
        await pilot.press("c")
        if isinstance(app.screen, Confirm):
            await pilot.press("y")
        await wait_until(pilot, lambda: app.states["img"].status is Status.CANCELLED, timeout=30)
        assert none_left_within(marker, 2.0) == []

    import docker

    api = docker.from_env().api
    try:
        assert api.containers(all=True, filters={"label": f"{LABEL_PID}={os.getpid()}"}) == []
    finally:
        api.close()


async def test_info_lists_each_step_with_its_state_and_the_image(tmp_path: Path) -> None:
    require_engine()
    base = busybox_image()
    root = project(
        tmp_path / "p",
        image("img", "classic", "smoke = [\"sh -c 'echo smoke-ran'\"]"),
        {"Dockerfile": f'FROM {base}\nWORKDIR /srv\nRUN echo built > /srv/out\nCMD ["sh"]\n'},
    )
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app), timeout=120)
        assert app.states["img"].status is Status.PASSED, app.states["img"].summary
        await pilot.press("3")
        tabs = app.query_one(TabbedContent)
        await wait_until(pilot, lambda: tabs.active == "info")
        await wait_until(pilot, lambda: "RUN echo built > /srv/out" in screen_text(app))
        text = screen_text(app)
        assert "builder" in text and "classic builder" in text
        assert "image" in text and "smoke: sh -c 'echo smoke-ran'" in text
        assert "built" in text and "base" in text, text
