"""The docker-build validator against the real engine, under both builders: a good image, a
failing RUN on its line, a COPY of an excluded file, a ModuleNotFoundError the build-context
check predicted (then fixed), cancel mid-RUN, an unreachable engine, the engine going away
mid-build, `# syntax=`, file checks, leftovers of a crashed run, and nothing left behind."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.docker_engine import busybox_image, python_image, require_engine
from tests.helpers import none_left_within, run_specs, write_tree
from validators.dockerapi.containers import LABEL_HOST, LABEL_PID, LABEL_RUN
from validators.engine.model import (
    Event,
    Finding,
    LogBatch,
    Progress,
    Status,
    ValidatorResult,
    ValidatorSpec,
)
from validators.engine.runner import Runner

pytestmark = [pytest.mark.anyio, pytest.mark.docker]
BUILDERS = ["classic", "buildkit"]


@pytest.fixture(scope="module")
def api() -> Iterator[Any]:
    require_engine()
    import docker

    client = docker.from_env(timeout=120).api
    yield client
    client.close()


@pytest.fixture(scope="module")
def busybox(api: Any) -> str:
    return busybox_image()


@pytest.fixture(scope="module")
def python(api: Any) -> str:
    return python_image()


def ours(api: Any) -> list[dict[str, Any]]:
    """Containers this test process made (the label carries our pid)."""
    return [c for c in api.containers(all=True, filters={"label": f"{LABEL_PID}={os.getpid()}"})]


@pytest.fixture(autouse=True)
def nothing_left(api: Any, busybox: str, python: str) -> Iterator[set[str]]:
    """Every test ends with no container and no image of ours, and no new container or image
    at all (the bases are made first)."""
    before = {c["Id"] for c in api.containers(all=True)}
    images_before = {i["Id"] for i in api.images(all=True)}
    yield images_before
    assert ours(api) == []
    assert {c["Id"] for c in api.containers(all=True)} - before == set()
    assert {i["Id"] for i in api.images(all=True)} - images_before == set()
    kept = [t for i in api.images(filters={"reference": "checkdeck/*"}) for t in i.get("RepoTags") or []
            if f":p{os.getpid()}." in t]  # fmt: skip
    assert kept == []


def spec(builder: str, **options: object) -> ValidatorSpec:
    return ValidatorSpec("img", "docker-build", {"dockerfile": "Dockerfile", "builder": builder, **options})


async def build(root: Path, builder: str, **options: object) -> tuple[ValidatorResult, list[Event]]:
    summary, events = await run_specs(root, [spec(builder, **options)])
    return summary.results[0], events


def log_of(result: ValidatorResult) -> str:
    assert result.log_path is not None
    return result.log_path.read_text(errors="replace")


def only(result: ValidatorResult, rule: str) -> Finding:
    found = [f for f in result.findings if f.rule == rule]
    assert len(found) == 1, (rule, result.findings, result.summary)
    return found[0]


def when_printed(text: str, act: Callable[[Runner], None]) -> Callable[[Runner], Awaitable[None]]:
    """A `during` for run_specs: `act` once a build prints `text` itself (a RUN's output, not
    checkdeck's own lines such as the step header, which BuildKit shows with $VARS expanded)."""

    async def watch(runner: Runner) -> None:
        async with runner.subscribe(buffer=10_000) as stream:
            async for event in stream:
                if isinstance(event, LogBatch) and any(
                    text in line for _, source, line in event.lines() if source != "checkdeck"
                ):
                    act(runner)
                    return

    return watch


APP = {
    "app/__init__.py": "",
    "app/main.py": "from app.services.monitoring import health\n\nprint(health.OK)\n",
    "app/services/__init__.py": "",
    "app/services/monitoring/__init__.py": "",
    "app/services/monitoring/health.py": "OK = 'ok'\n",
}


def python_project(root: Path, base: str, ignore: str) -> Path:
    return write_tree(
        root,
        {
            **APP,
            ".dockerignore": ignore,
            "Dockerfile": f'FROM {base}\nWORKDIR /srv\nCOPY app/ app/\nRUN ["python3", "-c", "print(\'compiled\')"]\n'
            'CMD ["python3", "-m", "app.main"]\n',
        },
    )


@pytest.mark.parametrize("builder", BUILDERS)
async def test_a_good_image_builds_live_and_its_entrypoint_imports(
    tmp_path: Path, python: str, builder: str, api: Any
) -> None:
    root = python_project(tmp_path, python, ".checkdeck\n")
    result, events = await build(root, builder, no_cache=True)
    assert result.status is Status.PASSED, (result.summary, result.findings, log_of(result))
    assert result.summary.startswith("smoke 1/1 passed; built ")
    shown = [e.text for e in events if isinstance(e, Progress) and e.text]
    assert any(t.startswith("step ") and "/" in t for t in shown), shown
    assert any("RUN" in t for t in shown), shown
    log = log_of(result)
    assert "compiled" in log and "smoke: python3 -c 'import app.main': passed" in log
    details = dict(result.details)
    assert details["builder"].startswith("BuildKit" if builder == "buildkit" else "classic builder")
    assert "image" in details and "steps" in details
    rows = [text for label, text in result.details if label.strip().startswith(("1/", "2/", "3/", "4/", "5/"))]
    assert any(text.startswith("built") and "RUN" in text for text in rows), rows
    tags = [t for i in api.images() for t in (i.get("RepoTags") or []) if t.startswith("checkdeck/img:")]
    assert tags == []  # removed: keep is off
    if builder == "buildkit":  # BuildKit keeps its cache in the engine whatever happens to the image
        again, _ = await build(root, builder)
        assert again.status is Status.PASSED and " cached" in again.summary and "0 cached" not in again.summary


@pytest.mark.parametrize("builder", BUILDERS)
async def test_a_failing_run_is_a_finding_on_its_line_with_its_output(tmp_path: Path, busybox: str, builder: str,
                                                                     api: Any, nothing_left: set[str]) -> None:  # fmt: skip
    write_tree(
        tmp_path, {"Dockerfile": f'FROM {busybox}\nWORKDIR /srv\n\nRUN echo before-the-failure && exit 3\nCMD ["sh"]\n'}
    )
    result, _ = await build(tmp_path, builder, no_cache=True)
    assert result.status is Status.FAILED
    finding = only(result, "docker-build/step-failed")
    assert (finding.path, finding.line) == ("Dockerfile", 4)
    assert "exited with code 3" in finding.message and "before-the-failure" in (finding.hint or "")
    assert "build failed at Dockerfile:4" in result.summary
    # The intermediate images a failed classic build leaves (they carry no label) are removed.
    assert {i["Id"] for i in api.images(all=True)} - nothing_left == set()


@pytest.mark.parametrize("builder", BUILDERS)
async def test_a_copy_of_an_excluded_file_names_the_deciding_ignore_line(
    tmp_path: Path, busybox: str, builder: str
) -> None:
    write_tree(tmp_path, {"Dockerfile": f"FROM {busybox}\nCOPY settings.cfg /etc/\n", "settings.cfg": "x=1\n",
                          ".dockerignore": "# local\n*.cfg\n"})  # fmt: skip
    result, _ = await build(tmp_path, builder)
    assert result.status is Status.FAILED
    finding = only(result, "docker-build/copy-excluded")
    assert finding.line == 2 and "excluded by .dockerignore:2 `*.cfg`" in finding.message


@pytest.mark.parametrize("builder", BUILDERS)
async def test_a_module_the_dockerignore_drops_fails_the_smoke_import_and_confirms_the_prediction(
    tmp_path: Path, python: str, builder: str
) -> None:
    root = python_project(tmp_path, python, ".checkdeck\n**/monitoring/\n")
    result, _ = await build(root, builder)
    assert result.status is Status.FAILED, result.summary
    assert result.summary.startswith("smoke 0/1 passed: ModuleNotFoundError: app.services.monitoring; built ")
    finding = only(result, "docker-build/module-missing")
    assert finding.message.startswith("ModuleNotFoundError: app.services.monitoring in the built image")
    assert (
        "confirms the build-context check's prediction: excluded by .dockerignore:2 `**/monitoring/`" in finding.message
    )
    assert "python/module-not-in-image finding at app/main.py:1" in finding.message
    assert finding.hint == "add `!app/services/monitoring` after that line"
    assert finding.line == 5  # the CMD that names the module
    (root / ".dockerignore").write_text(".checkdeck\n")
    fixed, _ = await build(root, builder)
    assert fixed.status is Status.PASSED and fixed.findings == ()


@pytest.mark.parametrize("builder", BUILDERS)
async def test_cancel_mid_run_stops_the_build_on_the_daemon(tmp_path: Path, busybox: str, builder: str, marker: str,
                                                            api: Any) -> None:  # fmt: skip
    # Wait for the RUN's own output, not the step's header (BuildKit shows it with $MARK expanded).
    write_tree(
        tmp_path, {"Dockerfile": f"FROM {busybox}\nENV MARK={marker}\nRUN echo ${{MARK}}x-running && sleep 600\n"}
    )
    seen = anyio.Event()

    def cancel(runner: Runner) -> None:
        seen.set()
        runner.cancel("img")

    summary, _ = await run_specs(
        tmp_path, [spec(builder, no_cache=True)], during=when_printed(f"{marker}x-running", cancel)
    )
    assert seen.is_set()
    assert summary.results[0].status is Status.CANCELLED
    # Within 2 s: the RUN's process is gone (the daemon stopped the build, not only the
    # client) and no container of it is left (the autouse fixture checks containers too).
    assert none_left_within(marker, 2.0) == []
    deadline = time.monotonic() + 2.0
    while ours(api) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ours(api) == []


async def test_an_unreachable_engine_is_an_error_naming_the_endpoint_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"Dockerfile": "FROM scratch\n"})
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nonexistent.sock")
    other = ValidatorSpec("other", "command", {"run": "true"})
    summary, _ = await run_specs(tmp_path, [spec("auto"), other])
    by_name = {r.name: r for r in summary.results}
    assert by_name["img"].status is Status.ERROR
    assert f"no Docker engine at unix://{tmp_path}/nonexistent.sock (DOCKER_HOST)" in by_name["img"].summary
    assert "start the engine" in by_name["img"].summary
    assert by_name["other"].status is Status.PASSED
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    summary, _ = await run_specs(tmp_path, [spec("auto")])
    assert "tcp://127.0.0.1:9 (DOCKER_HOST)" in summary.results[0].summary


class _Proxy:
    """A unix socket that forwards to the engine's, to make the engine vanish mid-build."""

    def __init__(self, path: Path, target: str = "/var/run/docker.sock") -> None:
        self.path = str(path)
        self.target = target
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(16)
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass

    def kill(self) -> None:
        self.server.close()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


async def test_the_engine_going_away_mid_build_is_an_error_that_says_what_it_left(
    tmp_path: Path, busybox: str, marker: str, monkeypatch: pytest.MonkeyPatch, api: Any, nothing_left: set[str]
) -> None:
    # Wait for the RUN's own output, not the step's header.
    write_tree(
        tmp_path, {"Dockerfile": f"FROM {busybox}\nENV MARK={marker}\nRUN echo ${{MARK}}x-running && sleep 600\n"}
    )
    proxy = _Proxy(tmp_path / "engine.sock")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{proxy.path}")
    containers_before = {c["Id"] for c in api.containers(all=True)}

    summary, _ = await run_specs(
        tmp_path, [spec("classic", no_cache=True)], during=when_printed(f"{marker}x-running", lambda _: proxy.kill())
    )
    result = summary.results[0]
    assert result.status is Status.ERROR, result.summary
    assert f"the engine at unix://{proxy.path} (DOCKER_HOST) closed the connection mid-build" in result.summary
    # It could not remove the ENV step's image (no engine answers): a warning names it.
    left = only(result, "docker-build/left-behind")
    made = {i["Id"] for i in api.images(all=True)} - nothing_left
    assert made and all(image.removeprefix("sha256:")[:12] in left.message for image in made)
    # The engine itself stops the build when the connection drops; then the test tidies up.
    assert none_left_within(marker, 5.0) == []
    for container in {c["Id"] for c in api.containers(all=True)} - containers_before:
        try:
            api.wait(container, condition="removed", timeout=15)
        except Exception:
            pass
    for image in made:
        api.remove_image(image)


async def test_a_syntax_directive_the_engine_cannot_fetch_is_a_finding_on_its_line(
    tmp_path: Path, busybox: str
) -> None:
    write_tree(tmp_path, {"Dockerfile": f"# syntax=docker/dockerfile:1\nFROM {busybox}\nRUN echo hi\n"})
    result, _ = await build(tmp_path, "buildkit")
    assert result.status is Status.FAILED, result.summary
    finding = only(result, "docker-build/needs-frontend")
    assert finding.line == 1 and "docker/dockerfile:1" in finding.message
    assert "remove the `# syntax=` line" in (finding.hint or "")
    classic, _ = await build(tmp_path, "classic")  # the classic builder ignores the directive
    assert classic.status is Status.PASSED and "ignores it" in log_of(classic)


async def test_file_checks_need_no_shell_in_the_image(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Dockerfile": "FROM scratch\nWORKDIR /srv\nCOPY . .\n", "app/main.py": "", ".env": "A=1\n",
                          "keys/server.pem": "-", ".dockerignore": ".checkdeck\n"})  # fmt: skip
    files = {"present": ["app/main.py", "/srv/app", "missing.txt"], "absent": [".env", "**/*.pem", ".git/"]}
    result, _ = await build(tmp_path, "classic", files=files, smoke=[])
    assert result.status is Status.FAILED
    rules = sorted((f.rule, f.message.split(" ")[0]) for f in result.findings)
    assert rules == [("docker-build/file-missing", "missing.txt"), ("docker-build/file-present", "**/*.pem"),
                     ("docker-build/file-present", ".env")]  # fmt: skip
    pem = next(f for f in result.findings if f.message.startswith("**/*.pem"))
    assert "/srv/keys/server.pem" in pem.message
    assert result.summary.startswith("no smoke check (smoke = []); files 3/6 as expected; built ")


async def test_leftovers_of_a_crashed_run_are_swept_and_said(tmp_path: Path, busybox: str, api: Any) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    labels = {LABEL_RUN: "crashed-run", LABEL_PID: str(dead.pid), LABEL_HOST: socket.gethostname()}
    left = api.create_container(busybox, command=["true"], labels=labels)["Id"]
    host = re.sub(r"[^a-z0-9]+", "-", socket.gethostname().lower()).strip("-")
    api.tag(busybox, "checkdeck/old", tag=f"p{dead.pid}.{host}.crashed-run")
    alive = api.create_container(busybox, command=["true"], labels={**labels, LABEL_PID: "1"})["Id"]
    try:
        write_tree(tmp_path, {"Dockerfile": f'FROM {busybox}\nCMD ["true"]\n'})
        result, _ = await build(tmp_path, "classic", smoke=[["true"]])
        assert result.status is Status.PASSED, result.summary
        assert (
            "removed what an earlier checkdeck run that did not finish left behind (run crashed-run): 1 container"
            in log_of(result)
        )
        assert [c["Id"] for c in api.containers(all=True, filters={"id": left})] == []
        assert [c["Id"] for c in api.containers(all=True, filters={"id": alive})] == [alive]  # its owner runs
    finally:
        api.remove_container(alive, force=True)
        try:
            api.remove_container(left, force=True)
        except Exception:
            pass


async def test_a_smoke_command_that_hangs_is_killed_at_its_timeout(tmp_path: Path, busybox: str, marker: str) -> None:
    write_tree(tmp_path, {"Dockerfile": f"FROM {busybox}\nENV MARK={marker}\n"})
    result, _ = await build(tmp_path, "classic", smoke=["sleep 600", "sh -c 'echo out; exit 4'"], smoke_timeout=1)
    assert result.status is Status.FAILED
    messages = sorted(f.message for f in result.findings)
    assert any("`sleep 600` failed in the built image: timed out after" in m for m in messages), messages
    assert any("exit code 4" in m for m in messages)
    assert none_left_within(marker, 2.0) == []


def rss_of_run(root: Path) -> int:
    """Peak RSS (KiB) of `checkdeck run` on root, as its own process."""
    code = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'tui', 'run', sys.argv[1]], capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)\n"
    )
    out = subprocess.run([os.sys.executable, "-c", code, str(root)], capture_output=True, text=True, timeout=600)  # type: ignore[attr-defined]
    status, rss = out.stdout.split()
    assert status == "0", out.stderr
    return int(rss)


def test_a_300_mb_context_is_streamed_without_growing_memory(tmp_path: Path, busybox: str) -> None:
    config = '[[validators]]\nname = "img"\nkind = "docker-build"\nbuilder = "classic"\nsmoke = [["true"]]\n'
    small = write_tree(tmp_path / "small", {"Dockerfile": f"FROM {busybox}\nCOPY a.txt /\n", "a.txt": "a",
                                            "checkdeck.toml": config})  # fmt: skip
    big = write_tree(tmp_path / "big", {"Dockerfile": f"FROM {busybox}\nCOPY a.txt /\n", "a.txt": "a",
                                        "checkdeck.toml": config})  # fmt: skip
    with open(big / "data.bin", "wb") as f:
        f.write(os.urandom(1 << 20) * 300)  # 300 MB that the build sends but does not copy
    baseline = rss_of_run(small)
    peak = rss_of_run(big)
    assert peak - baseline < 40 * 1024, (baseline, peak)


def test_detection_adds_a_build_per_dockerfile_when_an_engine_answers_and_says_why_not(
    tmp_path: Path, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from validators.config.detect import detect
    from validators.kinds.docker_build.detect import absent

    write_tree(tmp_path, {"Dockerfile": "FROM scratch\nCOPY app /app\n", "worker.Dockerfile": "FROM scratch\n",
                          "app/x.txt": "x"})  # fmt: skip
    found = [(s.name, s.options.get("dockerfile")) for s in detect(tmp_path) if s.kind == "docker-build"]
    assert found == [("image: Dockerfile", "Dockerfile"), ("image: worker.Dockerfile", "worker.Dockerfile")]
    assert absent(tmp_path) is None
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/gone.sock")
    assert [s for s in detect(tmp_path) if s.kind == "docker-build"] == []
    why = absent(tmp_path)
    assert why is not None and why.startswith("2 Dockerfiles found, but no Docker engine at unix://")
    listed = subprocess.run([os.sys.executable, "-m", "tui", "list", str(tmp_path)], capture_output=True, text=True,  # type: ignore[attr-defined]
                            timeout=60)  # fmt: skip
    assert "no docker-build validator: 2 Dockerfiles found, but no Docker engine at" in listed.stdout


async def test_an_import_the_prediction_said_would_fail_that_works_in_the_image_is_shown(
    tmp_path: Path, python: str
) -> None:
    # app/gen is excluded from the context, so the build-context check predicts a
    # ModuleNotFoundError; a RUN step generates it in the image, so the import works there.
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": "import app.gen\n",
            "app/gen/__init__.py": "MADE = 'in the repository'\n",
            ".dockerignore": ".checkdeck\n**/gen/\n",
            "Dockerfile": f"FROM {python}\nWORKDIR /srv\nCOPY app/ app/\n"
            "RUN mkdir -p app/gen && echo \"MADE = 'by the build'\" > app/gen/__init__.py\n"
            'CMD ["python3", "-m", "app.main"]\n',
        },
    )
    result, _ = await build(tmp_path, "classic")
    refuted = only(result, "docker-build/prediction-refuted")
    assert "predicted ModuleNotFoundError: app.gen" in refuted.message and "checkdeck bug" in refuted.message
    assert result.status is Status.PASSED  # a warning: the image works


async def test_a_timeout_mid_build_stops_it_and_leaves_nothing(tmp_path: Path, busybox: str, marker: str) -> None:
    write_tree(tmp_path, {"Dockerfile": f"FROM {busybox}\nENV MARK={marker}\nRUN sleep 600\n"})
    slow = ValidatorSpec("img", "docker-build", {"dockerfile": "Dockerfile", "builder": "classic", "no_cache": True},
                         timeout_s=3)  # fmt: skip
    summary, _ = await run_specs(tmp_path, [slow])
    result = summary.results[0]
    assert result.status is Status.FAILED and "timed out" in result.summary, result.summary
    assert none_left_within(marker, 2.0) == []


async def test_a_secret_looking_build_arg_is_masked_and_warned_about(tmp_path: Path, busybox: str) -> None:
    write_tree(tmp_path, {"Dockerfile": f"FROM {busybox}\nARG NPM_TOKEN\nRUN echo token=$NPM_TOKEN\n"})
    result, events = await build(tmp_path, "classic", build_args={"NPM_TOKEN": "s3cr3t-value-123"}, smoke=[])
    warning = only(result, "docker-build/secret-build-arg")
    assert "NPM_TOKEN" in warning.message and "docker history" in warning.message
    log = log_of(result)
    assert "token=***" in log and "s3cr3t-value-123" not in log
    shown = [line for e in events if isinstance(e, LogBatch) for _, _, line in e.lines()]
    assert not any("s3cr3t-value-123" in line for line in shown)


async def test_an_image_copied_from_that_cannot_be_pulled_is_said_on_its_line_before_building(
    tmp_path: Path, busybox: str
) -> None:
    write_tree(
        tmp_path,
        {"Dockerfile": f"FROM {busybox}\nWORKDIR /srv\nCOPY --from=checkdeck-absent.invalid/tools:1 /bin/x /x\n"},
    )
    result, _ = await build(tmp_path, "classic")
    assert result.status is Status.ERROR
    finding = only(result, "docker-build/base-unavailable")
    assert finding.line == 3 and finding.message.startswith("COPY --from=checkdeck-absent.invalid/tools:1: ")
    assert result.summary.startswith("not built: ")
