"""Services validators need: started once per run, ready by each probe kind, failures said
with the probe's error and the service's last lines, stopped with their tree."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from tests.helpers import command, none_left_within, run_specs
from validators.config.load import ConfigError, load_config
from validators.engine.model import Event, LogBatch, ServiceChanged, ServiceSpec, ServiceStatus, Status, ValidatorSpec
from validators.engine.registry import create
from validators.engine.runner import Runner
from validators.services.pool import ServicePool

pytestmark = pytest.mark.anyio
SERVICE = Path(__file__).parent / "scripts" / "tcp_service.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def service(marker: str, port: int, mode: str = "serve", ready: str | None = None, **extra: object) -> ServiceSpec:
    return ServiceSpec(
        "api",
        (sys.executable, str(SERVICE), str(port), mode, marker),
        ready=ready or f"tcp://127.0.0.1:{port}",
        ready_timeout_s=float(extra.pop("timeout", 20)),  # type: ignore[arg-type]
        env={k: str(v) for k, v in extra.items()},
    )


def connects(port: int) -> str:
    return f"{sys.executable} -c \"import socket; socket.create_connection(('127.0.0.1', {port})).close(); print('connected')\""


def needing(spec: ValidatorSpec, *names: str) -> ValidatorSpec:
    return ValidatorSpec(spec.name, spec.kind, spec.options, spec.timeout_s, needs=names)


def statuses(events: list[Event]) -> list[tuple[int, ServiceStatus]]:
    return [(e.attempt, e.status) for e in events if isinstance(e, ServiceChanged)]


async def run_with(tmp_path: Path, services: list[ServiceSpec], specs: list[ValidatorSpec], **kw: object):  # type: ignore[no-untyped-def]
    return await run_specs(tmp_path, specs, services=ServicePool(services, tmp_path, term_grace_s=1.0), **kw)


@pytest.mark.parametrize("probe", ["tcp", "log"])
async def test_ready_by_probe_then_stopped(tmp_path: Path, marker: str, probe: str) -> None:
    port = free_port()
    ready = f"tcp://127.0.0.1:{port}" if probe == "tcp" else r"log:listening on \S+:\d+"
    summary, events = await run_with(
        tmp_path, [service(marker, port, ready=ready)], [needing(command("client", connects(port)), "api")]
    )
    assert summary.results[0].status is Status.PASSED, summary.results[0].summary
    assert statuses(events) == [(1, ServiceStatus.STARTING), (1, ServiceStatus.READY), (1, ServiceStatus.STOPPED)]
    ready_event = next(e for e in events if isinstance(e, ServiceChanged) and e.status is ServiceStatus.READY)
    assert ready_event.summary.startswith("ready in ")
    log = (tmp_path / summary.run_dir / "service-api-1.log").read_text()
    assert "listening on 127.0.0.1" in log and "stopped: nothing needs it any more" in log
    assert none_left_within(marker, 5) == []


async def test_ready_by_http_2xx_and_not_by_a_404(tmp_path: Path, marker: str) -> None:
    port = free_port()
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "health").write_text("ok")
    http = ServiceSpec(
        "api",
        (sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path / "www")),
        ready=f"http://127.0.0.1:{port}/health",
        env={"MARK": marker},
    )
    summary, events = await run_with(tmp_path, [http], [needing(command("client", connects(port)), "api")])
    assert summary.results[0].status is Status.PASSED
    assert (1, ServiceStatus.READY) in statuses(events)

    missing = ServiceSpec(
        http.name, http.run, ready=f"http://127.0.0.1:{port}/nothing", ready_timeout_s=1.0, env=http.env
    )
    summary, events = await run_with(tmp_path, [missing], [needing(command("client", "true"), "api")])
    result = summary.results[0]
    assert result.status is Status.ERROR
    assert result.summary.startswith("not run: service api never got ready")
    finding = result.findings[0]
    assert finding.rule == "service/not-ready"
    assert "HTTP 404" in finding.message
    assert (1, ServiceStatus.NOT_READY) in statuses(events)
    assert none_left_within(marker, 5) == []


async def test_never_ready_fails_dependants_with_the_probe_error_and_last_lines(tmp_path: Path, marker: str) -> None:
    port = free_port()
    silent = service(marker, port, "silent", timeout=0.6)
    summary, events = await run_with(
        tmp_path, [silent], [needing(command("client", f"echo {marker}; sleep 30"), "api")]
    )
    result = summary.results[0]
    assert result.status is Status.ERROR
    message = result.findings[0].message
    assert "never got ready: a TCP connection to 127.0.0.1" in message
    assert "Connection refused" in message
    assert "| booting" in message  # the service's own last line
    assert statuses(events)[-1] == (1, ServiceStatus.NOT_READY)
    assert none_left_within(marker, 5) == []


async def test_a_service_that_exits_at_start_is_said_with_its_exit_code(tmp_path: Path, marker: str) -> None:
    port = free_port()
    summary, events = await run_with(
        tmp_path, [service(marker, port, "exit")], [needing(command("client", "true"), "api")]
    )
    message = summary.results[0].findings[0].message
    assert summary.results[0].status is Status.ERROR
    assert "exit code 3" in message and "| fatal: cannot open the database" in message
    assert statuses(events)[-1] == (1, ServiceStatus.CRASHED)


async def test_a_crash_mid_run_fails_the_validator_with_the_crash(tmp_path: Path, marker: str) -> None:
    port = free_port()
    pidfile = tmp_path / "service.pid"
    # The validator itself ends the service: the crash lands while it runs, by construction.
    killer = command("client", f"kill $(cat {pidfile}); echo {marker}; sleep 60")
    summary, events = await run_with(tmp_path, [service(marker, port, PIDFILE=pidfile)], [needing(killer, "api")])
    result = summary.results[0]
    assert result.status is Status.FAILED
    assert result.summary.startswith(
        "service api crashed while this validator ran: the service ended (killed by SIGTERM)"
    )
    crash = next(f for f in result.findings if f.rule == "service/crashed")
    assert "| listening on 127.0.0.1" in crash.message
    assert statuses(events) == [(1, ServiceStatus.STARTING), (1, ServiceStatus.READY), (1, ServiceStatus.CRASHED)]
    assert none_left_within(marker, 5) == []


async def test_started_once_for_all_its_dependants(tmp_path: Path, marker: str) -> None:
    port = free_port()
    starts = tmp_path / "starts"
    specs = [needing(command(f"client{i}", connects(port)), "api") for i in range(4)]
    summary, events = await run_with(tmp_path, [service(marker, port, STARTS_FILE=starts)], specs, concurrency=1)
    assert [r.status for r in summary.results] == [Status.PASSED] * 4
    assert starts.read_text() == "start\n"
    assert statuses(events) == [(1, ServiceStatus.STARTING), (1, ServiceStatus.READY), (1, ServiceStatus.STOPPED)]


async def wait_for(runner: Runner, seen: Callable[[Event], bool]) -> None:
    async with runner.subscribe(buffer=10_000) as stream:
        async for event in stream:
            if seen(event):
                return


async def test_cancel_stops_the_service_with_its_children(tmp_path: Path, marker: str) -> None:
    port = free_port()
    # The line comes after the service is ready (the validator waits for it) and once the
    # command is in its sleep: the handshake to cancel on.
    slow = needing(command("client", f"echo in-sleep-{marker}; sleep 60"), "api")

    async def cancel_once_running(runner: Runner) -> None:
        await wait_for(
            runner,
            lambda e: isinstance(e, LogBatch) and e.name == "client" and any("in-sleep-" in t for _, _, t in e.lines()),
        )
        runner.cancel_all()

    summary, events = await run_with(
        tmp_path, [service(marker, port, "child", ready=r"log:booting")], [slow], during=cancel_once_running
    )
    assert summary.results[0].status is Status.CANCELLED
    assert statuses(events)[-1] == (1, ServiceStatus.STOPPED)
    assert none_left_within(marker, 5) == []


async def test_restart_gives_a_fresh_process_and_reruns_its_dependants(tmp_path: Path, marker: str) -> None:
    port = free_port()
    starts = tmp_path / "starts"
    events: list[Event] = []
    pool = ServicePool([service(marker, port, STARTS_FILE=starts)], tmp_path, term_grace_s=1.0)
    async with anyio.create_task_group() as tg:
        async with Runner(
            [needing(command("client", connects(port)), "api")],
            project_dir=tmp_path,
            factory=create,
            services=pool,
        ) as runner:

            async def collect() -> None:
                async with runner.subscribe(buffer=10_000) as stream:
                    async for e in stream:
                        events.append(e)

            tg.start_soon(collect)
            await runner.run_all()
            assert runner.restart_service("api") == ["client"]
            await runner.wait_idle()
            assert runner.results["client"].status is Status.PASSED
            assert runner.results["client"].attempt == 2
    assert starts.read_text() == "start\nstart\n"
    assert [a for a, s in statuses(events) if s is ServiceStatus.READY] == [1, 2]
    assert none_left_within(marker, 5) == []


def test_config_services_and_needs(tmp_path: Path) -> None:
    good = tmp_path / "checkdeck.toml"
    good.write_text(
        '[[services]]\nname = "api"\nrun = "python -m app"\nready = "tcp://127.0.0.1:8000"\nready_timeout = "5s"\n'
        'env = { PORT = "8000", API_TOKEN = "s3cr3t-value" }\n\n'
        '[[validators]]\nname = "tests"\nkind = "command"\nrun = "pytest"\nneeds = ["api"]\n'
    )
    config = load_config(good)
    assert config.services[0].ready_timeout_s == 5.0
    assert config.services[0].env["PORT"] == "8000"
    assert config.validators[0].needs == ("api",)
    bad = tmp_path / "bad" / "checkdeck.toml"
    bad.parent.mkdir()
    bad.write_text(
        '[[services]]\nname = "api"\nrun = "x"\nready = "tcp://127.0.0.1"\nreddy = 1\n\n'
        '[[services]]\nname = "db"\nrun = ["x"]\nready = "log:("\n\n'
        '[[validators]]\nname = "tests"\nkind = "command"\nrun = "pytest"\nneeds = ["apj"]\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    text = str(caught.value)
    assert f"{bad}:4: services[0].ready: 'tcp://127.0.0.1': a tcp probe needs a port" in text
    assert f"{bad}:5: services[0].reddy: unknown key for a service; did you mean 'ready'?" in text
    assert f"{bad}:10: services[1].ready: log probe: invalid regular expression" in text
    assert f"{bad}:16: validators[0].needs[0]: no service named 'apj'; did you mean 'api'?" in text
