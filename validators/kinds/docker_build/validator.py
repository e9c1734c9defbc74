"""The `docker-build` validator: build one Dockerfile with the engine, live, then prove the
image starts with smoke commands and file checks inside it, and leave nothing behind."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import anyio
import anyio.from_thread
import anyio.to_process
import anyio.to_thread
from docker.errors import APIError, ImageNotFound, NotFound
from docker.utils import parse_repository_tag

from validators.docker.analysis import Target, relative
from validators.docker.build_context import ContextReport, ContextSpec, compute
from validators.docker.build_sources import builds_of_run
from validators.docker.dockerfile import Dockerfile, DockerfileError, parse, substitute
from validators.docker.engine_rules import rules_for
from validators.docker.sizes import human_size
from validators.dockerapi.build_call import BuildCall, BuildCancelled, EngineGone
from validators.dockerapi.build_stream import StreamReader
from validators.dockerapi.containers import (
    LABEL_IMAGE,
    FileCheck,
    Limits,
    Smoke,
    SmokeResult,
    check_files,
    image_tag,
    owner_labels,
    sweep,
)
from validators.dockerapi.context_tar import ContextReadError, plan, stream
from validators.dockerapi.endpoint import EngineUnavailable, builder_version, connect
from validators.dockerapi.steps import StepPlan, needed_stages, stage_index
from validators.engine.base import Option, Outcome, Validator
from validators.engine.durations import format_duration
from validators.engine.model import Finding, Severity, Status, ValidatorSpec
from validators.engine.redact import looks_secret
from validators.engine.run_context import RunContext
from validators.engine.safe_read import read_regular
from validators.engine.store import cache_file
from validators.engine.wording import plural
from validators.kinds.docker_build.choice import BuilderChoice, choose_builder, sessionless_blockers, syntax_directive
from validators.kinds.docker_build.explain_error import BuildFailure, explain_failure
from validators.kinds.docker_build.options import OPTIONS
from validators.kinds.docker_build.prediction import Prediction, predict
from validators.pyimports.cache import IMPORTS_CACHE

_MODULE_NOT_FOUND = re.compile(r"ModuleNotFoundError: No module named '([^']+)'")
PREDICTION_GRACE_S = 2.0
_swept: set[str] = set()
_sweep_lock = threading.Lock()


class DockerBuildValidator(Validator):
    kind = "docker-build"
    description = "Build the image with a real Docker engine, live, and prove it starts."
    options: ClassVar[Mapping[str, Option]] = OPTIONS

    @property
    def dockerfile(self) -> Path:
        return self.project_dir / str(self.spec.options.get("dockerfile", "Dockerfile"))

    context: Path  # set by run(): the configured one, else the one the build-context check finds

    def _find_context(self, run: str) -> Path:
        """The configured context, else the one the project's build sources give this
        Dockerfile (a compose file, a workflow, its COPY lines), else the project root: as the
        `dockerignore` validator chooses it."""
        configured = self.spec.options.get("context")
        if configured is not None:
            return self.project_dir / str(configured)
        wanted = self.dockerfile.resolve()
        for build in builds_of_run(self.project_dir, run).builds:
            if (self.project_dir / build.dockerfile).resolve() == wanted:
                return self.project_dir / build.context
        return self.project_dir

    def describe(self) -> str:
        return relative(self.dockerfile, self.project_dir)

    async def run(self, ctx: RunContext) -> Outcome:
        rel = relative(self.dockerfile, self.project_dir)
        try:
            text = (await anyio.to_thread.run_sync(read_regular, self.dockerfile)).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            message = f"{rel}: cannot be read: {getattr(exc, 'strerror', None) or exc}"
            await ctx.report(Finding(Severity.ERROR, "docker-build/dockerfile-unreadable", message, rel))
            return Outcome(Status.ERROR, message)
        parsed: Dockerfile | None
        try:
            parsed = parse(text, rel)
        except DockerfileError as exc:
            parsed = None  # the engine's parser decides; its error names the line
            await ctx.log(f"checkdeck's parser: {exc} (the engine decides)")
        self.context = await anyio.to_thread.run_sync(self._find_context, f"{ctx.log_path.parent}")
        try:
            api, endpoint = await anyio.to_thread.run_sync(connect)
        except EngineUnavailable as exc:
            await ctx.log(str(exc))
            return Outcome(Status.ERROR, str(exc), details=(("engine", str(exc)),))
        try:
            return await _Build(self, ctx, api, endpoint.describe(), text, parsed, rel).run()
        finally:
            api.close()


class _Build:
    def __init__(
        self,
        validator: DockerBuildValidator,
        ctx: RunContext,
        api: Any,
        endpoint: str,
        text: str,
        parsed: Dockerfile | None,
        rel: str,
    ) -> None:
        self.v = validator
        self.ctx = ctx
        self.api = api
        self.endpoint = endpoint
        self.text = text
        self.parsed = parsed
        self.rel = rel
        self.opts = validator.spec.options
        self.details: list[tuple[str, str]] = [("engine", endpoint)]
        self.engine_version = ""
        # Set by _build(): the image it made, when it made one, and how the build went.
        self.image_id: str | None = None
        self.build_started: float | None = None  # time.time() when the request was sent
        self.build_s = 0.0
        self.reader: StreamReader | None = None
        run_dir = ctx.log_path.parent.name or "run"
        self.run_id = f"{run_dir}-{ctx.attempt}"
        self.tag = image_tag(validator.spec.name, self.run_id, bool(self.opts.get("keep")))
        self.labels = owner_labels(self.run_id)  # containers'
        self.image_labels = {LABEL_IMAGE: "1"}  # the same every run, so the cache serves LABEL too
        args = self.opts.get("build_args") or {}
        assert isinstance(args, dict)
        self.build_args = {str(k): str(v) for k, v in args.items()}
        user_labels = self.opts.get("labels") or {}
        assert isinstance(user_labels, dict)
        self.image_labels.update({str(k): str(v) for k, v in user_labels.items()})

    async def run(self) -> Outcome:
        ctx = self.ctx
        await self._sweep()
        version = await anyio.to_thread.run_sync(lambda: self.api.version())
        engine_version = str(version.get("Version", "?"))
        self.engine_version = engine_version
        advertised = await anyio.to_thread.run_sync(builder_version, self.api)
        networks = await anyio.to_thread.run_sync(lambda: [n.get("Name") for n in self.api.networks()])
        choice = choose_builder(
            str(self.opts.get("builder", "auto")),
            self.text,
            self.parsed,
            advertised,
            engine_version,
            "bridge" in networks,
        )
        await ctx.log(f"Docker {engine_version} at {self.endpoint}; builder: {choice.describe()}")
        syntax = syntax_directive(self.text)
        if syntax is not None:
            await ctx.log(
                f"line {syntax[0]}: `# syntax={syntax[1]}`: "
                + (
                    "BuildKit fetches this frontend image from a registry"
                    if choice.builder == "buildkit"
                    else "the classic builder ignores it"
                )
            )
        self.details.append(("builder", choice.describe()))
        if self.parsed is not None and self.opts.get("target") is not None:
            try:
                stage_index(self.parsed, str(self.opts["target"]))
            except KeyError:
                message = f"no stage named {self.opts['target']!r} in {self.rel}"
                await ctx.report(Finding(Severity.ERROR, "docker-build/unknown-target", message, self.rel))
                return Outcome(Status.FAILED, message, details=tuple(self.details))
        for key in sorted(k for k in self.build_args if looks_secret(k)):
            await ctx.report(
                Finding(
                    Severity.WARNING,
                    "docker-build/secret-build-arg",
                    f"build arg {key} looks like a secret: a build arg that a RUN step uses is kept in the image's "
                    "history (`docker history --no-trunc`), readable by anyone with the image",
                    self.rel,
                    hint=f"pass it as a BuildKit secret instead (`RUN --mount=type=secret,id={key.lower()}`), "
                    "which needs `docker buildx build --secret`",
                )
            )
        blockers = sessionless_blockers(self.parsed, choice.builder, self.rel)
        for finding in blockers:
            await ctx.report(finding)
        missing_bases = await self._missing_bases()
        for finding in missing_bases:
            await ctx.report(finding)
        if blockers or missing_bases:
            summary = blockers[0].message if blockers else missing_bases[0].message
            return Outcome(Status.ERROR, f"not built: {summary}", details=tuple(self.details))

        rules = rules_for(engine_version, "engine")
        spec = ContextSpec(self.v.context, self.v.dockerfile, choice.builder, rules.daemon, rules.buildkit)
        report = await anyio.to_thread.run_sync(lambda: compute(spec, sizes=True))
        if report.error is not None:
            line = report.error.line
            at = relative(report.error.ignore_file, self.v.project_dir) if report.error.ignore_file else self.rel
            await ctx.report(
                Finding(
                    Severity.ERROR,
                    "docker-build/context-refused",
                    report.error.message,
                    at,
                    line.line if line is not None and line.line else None,
                )
            )
            return Outcome(Status.FAILED, report.error.message, details=tuple(self.details))
        context = plan(report, self.v.dockerfile)
        self.details.append(
            (
                "context",
                f"{plural(context.files, 'file')}, {human_size(report.total_size)} "
                f"({relative(self.v.context, self.v.project_dir) or '.'})",
            )
        )
        await ctx.log(f"sending the context: {plural(context.files, 'file')}, {human_size(report.total_size)}")

        prediction: list[Prediction] = []
        predicted = anyio.Event()
        async with anyio.create_task_group() as tg:
            if self.opts.get("smoke") != []:  # the prediction serves the smoke checks only
                tg.start_soon(self._predict, prediction, choice.builder, rules, predicted)
            else:
                predicted.set()
            outcome = await self._build(choice, context, report)
            if outcome is not None:
                # Not needed any more. A short grace first: a worker process cancelled while it
                # is still starting is killed but reaped only later (anyio's to_process).
                with anyio.move_on_after(PREDICTION_GRACE_S):
                    await predicted.wait()
                tg.cancel_scope.cancel()
                return outcome
        assert self.image_id is not None
        try:
            return await self._after_build(prediction[0] if prediction else Prediction())
        finally:
            with anyio.CancelScope(shield=True):
                await self._remove_image()

    # -- before the build

    async def _sweep(self) -> None:
        key = f"{self.endpoint}#{self.ctx.log_path.parent}"
        with _sweep_lock:
            if key in _swept:
                return
            _swept.add(key)
        swept = await anyio.to_thread.run_sync(sweep, self.api)
        if swept.containers or swept.images:
            await self.ctx.log(
                f"removed what an earlier checkdeck run that did not finish left behind (run {', '.join(swept.runs)}): "
                f"{plural(len(swept.containers), 'container')}, {plural(len(swept.images), 'image')}"
            )

    async def _missing_bases(self) -> list[Finding]:
        """Images the build starts from (FROM) or copies from (COPY --from) that the engine does
        not have are pulled first, as `docker build` would, with the pull in the log; one that
        cannot be pulled is said plainly, before building."""
        if self.parsed is None:
            return []

        args = {**self.parsed.global_args, **self.build_args}
        names = {s.name.lower() for s in self.parsed.stages if s.name}
        # (what names the image, the image, its line): FROM bases and COPY --from images.
        wanted: list[tuple[str, str, int]] = []
        for index in needed_stages(self.parsed, self._target()):
            stage = self.parsed.stages[index]
            raw = next((w for w in self.text.splitlines()[stage.line - 1].split()[1:] if not w.startswith("--")), "")
            wanted.append(("FROM", substitute(raw, args) if raw else stage.base, stage.line))
            for ins in stage.instructions:
                source = ins.flag("from") if ins.keyword in ("COPY", "ADD") else None
                if source:
                    wanted.append((f"{ins.keyword} --from=", substitute(source, args), ins.line))
        out = []
        for what, image, line in dict.fromkeys(wanted):
            if image.lower() == "scratch" or image.lower() in names or image.isdigit():
                continue
            problem = await anyio.to_thread.run_sync(self._pull_if_missing, image, abandon_on_cancel=True)
            if problem is not None:
                shown = f"{what}{image}" if what.endswith("=") else f"{what} {image}"
                out.append(
                    Finding(
                        Severity.ERROR,
                        "docker-build/base-unavailable",
                        f"{shown}: the engine does not have this image and could not pull it: {problem}",
                        self.rel,
                        line,
                        hint=f"`docker pull {image}` where its registry is reachable (`docker login` for a private "
                        "one), or `docker load` it into this engine",
                    )
                )
        return out

    def _pull_if_missing(self, base: str) -> str | None:
        """None when the engine has `base` (now); else why it could not be pulled."""

        try:
            self.api.inspect_image(base)
            return None
        except ImageNotFound:
            pass

        repository, tag = parse_repository_tag(base)
        tag = tag or "latest"
        anyio.from_thread.run(self.ctx.log, f"pulling {base}: the engine does not have it")
        try:
            for item in self.api.pull(repository, tag=tag, stream=True, decode=True):
                if "error" in item:
                    return str(item.get("error")).strip()
                if item.get("status") and not item.get("progressDetail"):
                    anyio.from_thread.run(self.ctx.log, f"  {item.get('id', '')} {item['status']}".rstrip())
        except APIError as exc:
            return _api_error_text(exc) or str(exc)
        except Exception as exc:
            return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None

    async def _predict(self, into: list[Prediction], builder: str, rules: Any, done: anyio.Event) -> None:
        target = Target(
            self.v.dockerfile,
            self.v.context,
            builder,
            self._target(),
            rules.daemon,
            rules.buildkit,
            build_args=tuple(self.build_args.items()),
        )
        cache = cache_file(self.v.project_dir, IMPORTS_CACHE)
        try:
            into.append(
                await anyio.to_process.run_sync(
                    predict,
                    target,
                    self.v.project_dir,
                    cache,
                    f"{self.ctx.log_path.parent}#{self.ctx.attempt}",
                    cancellable=True,
                )
            )
        except Exception as exc:  # the prediction is a bonus: the build and smoke checks go on
            into.append(Prediction(note=f"the build-context check failed here: {exc}"))
        finally:
            done.set()

    # -- the build

    def _params(self, choice: BuilderChoice, dockerfile_name: str) -> dict[str, str]:
        opts = self.opts
        params = {
            "t": self.tag,
            "dockerfile": dockerfile_name,
            "rm": "1",
            "forcerm": "1",
            "labels": json.dumps(self.image_labels),
            "version": "2" if choice.builder == "buildkit" else "1",
        }
        if opts.get("no_cache"):
            params["nocache"] = "1"
        if opts.get("pull"):
            params["pull"] = "1"
        if opts.get("target"):
            params["target"] = str(opts["target"])
        if opts.get("platform"):
            params["platform"] = str(opts["platform"])
        if opts.get("build_args"):
            params["buildargs"] = json.dumps(opts["build_args"])
        if choice.builder == "buildkit":
            params["buildid"] = uuid.uuid4().hex
            if not choice.bridge:
                params["networkmode"] = "none"  # RUN fails with "network bridge not found" otherwise
        return params

    async def _build(self, choice: BuilderChoice, context: Any, report: ContextReport) -> Outcome | None:
        """Build; None when it succeeded (self.image_id is set), else the outcome."""
        ctx = self.ctx
        steps = (
            StepPlan(self.parsed, choice.builder, self._target(), labels=len(self.image_labels))
            if self.parsed
            else None
        )
        reader = StreamReader(steps) if steps is not None else StreamReader(StepPlan.empty(choice.builder))
        call = BuildCall(self.api, self._params(choice, context.dockerfile_name), stream(context))
        send, receive = anyio.create_memory_object_stream[dict[str, Any]](64)
        finished = threading.Event()
        failure: list[BaseException] = []
        started = anyio.current_time()
        self.build_started = time.time()

        def on_item(item: dict[str, Any]) -> None:
            anyio.from_thread.run(send.send, item)

        def pump() -> None:
            try:
                call.run(on_item)
            except BaseException as exc:
                failure.append(exc)
            finally:
                finished.set()
                try:
                    anyio.from_thread.run_sync(send.close)
                except Exception:
                    pass

        async def consume() -> None:
            shown = ""
            async with receive:
                async for item in receive:
                    for stream_name, line in reader.feed(item):
                        if stream_name == "checkdeck":
                            await ctx.log(line)
                        else:
                            await ctx.output(stream_name, [line])
                    shown = await self._progress(reader, shown)
            for stream_name, line in reader.finish():
                await ctx.output(stream_name, [line])

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(consume)
                await anyio.to_thread.run_sync(pump, abandon_on_cancel=True)
                await anyio.to_thread.run_sync(finished.wait)
        except BaseException:
            # Cancelled (key c, quit, timeout): stop the build on the daemon and wait for the
            # request to end, then remove what the build made.
            with anyio.CancelScope(shield=True):
                call.cancel()
                await anyio.to_thread.run_sync(finished.wait, 15.0)
                await self._remove_created(reader)
            raise
        elapsed = anyio.current_time() - started
        self.build_s = elapsed
        self.reader = reader
        if steps is not None:
            self.details += _step_rows(steps)
        error = failure[0] if failure else None
        if isinstance(error, ContextReadError):
            await ctx.report(Finding(Severity.ERROR, "docker-build/context-unreadable", str(error), self.rel))
            await self._remove_created(reader)
            return Outcome(Status.ERROR, f"the context could not be sent: {error}", details=tuple(self.details))
        if isinstance(error, EngineGone):
            message = (
                f"the engine at {self.endpoint} closed the connection mid-build ({error}): did dockerd stop or restart?"
            )
            await ctx.log(message)
            await self._remove_created(reader)
            return Outcome(Status.ERROR, message, details=tuple(self.details))
        if isinstance(error, BuildCancelled):
            raise anyio.get_cancelled_exc_class()()
        api_error = _api_error_text(error) if error is not None else None
        if error is not None and api_error is None:
            raise error
        build_error = api_error or reader.state.error
        if build_error is not None or reader.state.image_id is None:
            failure_info = explain_failure(
                build_error or "the build ended without an image",
                reader.state.failed,
                steps,
                report,
                self.rel,
                self.v.project_dir,
                syntax_directive(self.text) if choice.builder == "buildkit" else None,
                self.text,
                self.engine_version,
            )
            await self._report_failure(failure_info)
            await self._remove_created(reader)
            where = f" at {self.rel}:{failure_info.line}" if failure_info.line else ""
            return Outcome(Status.FAILED, f"build failed{where}: {failure_info.summary}", details=tuple(self.details))
        self.image_id = reader.state.image_id
        return None

    def _target(self) -> str | None:
        target = self.opts.get("target")
        return str(target) if target is not None else None

    async def _progress(self, reader: StreamReader, shown: str) -> str:
        steps = reader.plan
        done = sum(s.done for s in steps.steps)
        cached, built = steps.counts()
        current = steps.current
        step_no = current.number if current is not None else done
        parts = [f"step {step_no}/{steps.total}"]
        if cached:
            parts.append(f"{cached} cached")
        if built:
            parts.append(f"{built} built")
        if current is not None:
            parts.append(current.text)
        text = " · ".join(parts)
        if text != shown:
            await self.ctx.progress(done, steps.total or None, "steps", text=text)
        return text

    async def _report_failure(self, failure: BuildFailure) -> None:
        await self.ctx.report(
            Finding(Severity.ERROR, failure.rule, failure.message, failure.path, failure.line, hint=failure.hint)
        )

    async def _remove_created(self, reader: StreamReader) -> None:
        """The intermediate images a failed or cancelled classic build left: they carry no label."""
        created = list(reversed(reader.state.created))

        def step_containers() -> list[str]:
            """The step container the daemon is still removing after a cancel: the last one it
            named, or one it made from the last layer before it could say so."""
            found = list(reader.state.containers[-1:])
            if reader.state.last_layer and self.build_started is not None:
                for item in self.api.containers(all=True, filters={"ancestor": reader.state.last_layer}):
                    if item.get("Created", 0) >= int(self.build_started) - 1 and not item.get("Labels"):
                        found.append(item["Id"])
            return found

        def remove() -> list[tuple[str, str]]:
            # Wait for the daemon to remove the step's container (a wait on the container, not
            # a sleep): it holds the last image made, and no container may outlive the run.
            for container in dict.fromkeys(step_containers()):
                try:
                    self.api.wait(container, condition="removed", timeout=15)
                except NotFound:
                    pass
                except Exception:
                    pass  # gone already, or the engine is: the removal below says which
            left = []
            for image in created:
                try:
                    if self.api.inspect_image(image).get("RepoTags"):
                        continue  # never an image somebody named
                    self.api.remove_image(image, force=False, noprune=False)
                except NotFound:
                    pass
                except Exception as exc:
                    left.append((image, _api_error_text(exc) or str(exc)))
            return left

        left = await anyio.to_thread.run_sync(remove)
        if created:
            await self.ctx.log(f"removed {plural(len(created) - len(left), 'intermediate image')} the build left")
        if left:
            await self.ctx.report(
                Finding(
                    Severity.WARNING,
                    "docker-build/left-behind",
                    f"{plural(len(left), 'intermediate image')} the build made could not be removed: "
                    + "; ".join(f"{image[:12]} ({why.splitlines()[0][:160]})" for image, why in left),
                    self.rel,
                    hint="remove them with `docker rmi " + " ".join(image[:12] for image, _ in left) + "`",
                )
            )

    async def _remove_image(self) -> None:
        if self.image_id is None or self.opts.get("keep"):
            if self.image_id is not None:
                await self.ctx.log(f"kept the image as {self.tag} (keep = true)")
            return

        def remove() -> str | None:
            try:
                self.api.remove_image(self.tag, force=True)
                return None
            except Exception as exc:
                return str(exc)

        problem = await anyio.to_thread.run_sync(remove)
        if problem:
            await self.ctx.report(
                Finding(
                    Severity.WARNING,
                    "docker-build/left-behind",
                    f"the image {self.tag} could not be removed: {problem}",
                    self.rel,
                )
            )

    # -- after the build

    async def _after_build(self, prediction: Prediction) -> Outcome:
        ctx = self.ctx
        assert self.image_id is not None and self.reader is not None
        reader = self.reader
        image = await anyio.to_thread.run_sync(self.api.inspect_image, self.image_id)
        history = await anyio.to_thread.run_sync(self.api.history, self.image_id)
        size = int(image.get("Size") or 0)
        short = self.image_id.removeprefix("sha256:")[:12]
        self.details.append(
            ("image", f"{short}, {human_size(size)}" + (f", kept as {self.tag}" if self.opts.get("keep") else ""))
        )
        layers = sorted((h for h in history if int(h.get("Size") or 0) > 0), key=lambda h: -int(h.get("Size") or 0))
        if layers:
            self.details.append(
                (
                    "largest layers",
                    "; ".join(
                        f"{human_size(int(h['Size']))} {_created_by(str(h.get('CreatedBy', '')))}" for h in layers[:3]
                    ),
                )
            )
        slow = sorted(
            (s for s in reader.plan.steps if s.state == "built" and s.duration_s),
            key=lambda s: -(s.duration_s or 0),
        )
        if slow:
            self.details.append(
                ("slowest steps", "; ".join(f"{format_duration(s.duration_s or 0)} {s.text}" for s in slow[:3]))
            )
        cached, built = reader.plan.counts()
        await ctx.log(
            f"built {short} ({human_size(size)}) in {format_duration(self.build_s)}: {cached} cached, {built} built"
        )
        workdir = str((image.get("Config") or {}).get("WorkingDir") or "/")
        smoke_results = await self._smoke(prediction)
        file_checks = await self._files(workdir)
        failed_smoke = [r for r in smoke_results if not r.passed]
        failed_files = [c for c in file_checks if not c.passed]
        # The verdict first: a pane shows the start of the summary.
        parts = []
        if failed_smoke:
            first = failed_smoke[0]
            missing = _MODULE_NOT_FOUND.findall("\n".join(first.output))
            why = (
                f"ModuleNotFoundError: {missing[-1]}"
                if missing
                else f"`{first.command}` {first.error or f'exit code {first.exit_code}'}"
            )
            parts.append(f"smoke {len(smoke_results) - len(failed_smoke)}/{len(smoke_results)} passed: {why}")
        elif smoke_results:
            parts.append(f"smoke {len(smoke_results)}/{len(smoke_results)} passed")
        elif self.opts.get("smoke") == []:
            parts.append("no smoke check (smoke = [])")
        else:
            why = prediction.note or "no entrypoint module is known"
            parts.append(f"no smoke check ({why}; set `smoke`)")
        if file_checks:
            parts.append(f"files {len(file_checks) - len(failed_files)}/{len(file_checks)} as expected")
        parts.append(
            f"built {short} in {format_duration(self.build_s)} ({human_size(size)}; {cached} cached, {built} built)"
        )
        if slow:
            step = slow[0]
            text = step.text if len(step.text) <= 40 else step.text[:39] + "…"
            parts.append(f"slowest step {format_duration(step.duration_s or 0)}: {text}")
        errors = sum(f.severity is Severity.ERROR for f in ctx.findings)
        status = Status.FAILED if errors else Status.PASSED
        return Outcome(status, "; ".join(parts), details=tuple(self.details))

    def _smoke_commands(self, prediction: Prediction) -> tuple[list[str | list[str]], bool]:
        configured = self.opts.get("smoke")
        if isinstance(configured, list):
            return list(configured), False
        return [[prediction.interpreter, "-c", f"import {m}"] for m in prediction.modules[:5]], True

    async def _smoke(self, prediction: Prediction) -> list[SmokeResult]:
        ctx = self.ctx
        commands, default = self._smoke_commands(prediction)
        assert self.image_id is not None
        limits = Limits(
            memory=str(self.opts.get("smoke_memory", "512m")),
            timeout_s=_number(self.opts.get("smoke_timeout"), 60.0),
        )
        results = []
        confirmed: set[str] = set()
        for command in commands:
            smoke = Smoke(self.api, self.image_id, command, self.labels, limits)
            await ctx.log(
                f"smoke: {smoke.shown} (no network, read-only, capabilities dropped, {limits.memory}, "
                f"{format_duration(limits.timeout_s)} at most)"
            )
            try:
                result = await anyio.to_thread.run_sync(smoke.run, abandon_on_cancel=True)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    smoke.cancel()
                    await anyio.to_thread.run_sync(smoke.wait_removed, 10.0)
                raise
            results.append(result)
            await ctx.output("stdout", list(result.output))
            verdict = "passed" if result.passed else (result.error or f"exit code {result.exit_code}")
            if result.timed_out:
                verdict = f"timed out after {format_duration(limits.timeout_s)} (killed)"
            await ctx.log(f"smoke: {result.command}: {verdict} in {format_duration(result.duration_s)}")
            self.details.append((f"smoke: {result.command}", f"{verdict} in {format_duration(result.duration_s)}"))
            if not result.passed:
                await self._smoke_failed(result, prediction, verdict, confirmed)
        if default and commands and all(r.passed for r in results):
            await self._refuted(prediction)
        return results

    async def _smoke_failed(
        self, result: SmokeResult, prediction: Prediction, verdict: str, confirmed: set[str]
    ) -> None:
        tail = "\n".join(result.output[-15:])
        line = _cmd_line(self.parsed)
        missing = _MODULE_NOT_FOUND.findall("\n".join(result.output))
        module = missing[-1] if missing else None
        message = f"`{result.command}` failed in the built image: {verdict}"
        hint = f"last lines of its output:\n{tail}" if tail else None
        rule = "docker-build/smoke-failed"
        if module is not None:
            rule = "docker-build/module-missing"
            message = f"ModuleNotFoundError: {module} in the built image (`{result.command}`: {verdict})"
            gap = next((g for g in prediction.gaps if g.covers(module)), None)
            if gap is not None:
                confirmed.add(gap.module)
                cause = f"excluded by {gap.excluded_by}" if gap.excluded_by else "no COPY brings it into the image"
                checkers = [
                    f"`{p.name}`"
                    for p in self.ctx.peers
                    if _checks_dockerfile(p, self.v.project_dir, self.v.dockerfile)
                ]
                by = f" of validator {', '.join(checkers)}" if checkers else ""
                message += (
                    f"; confirms the build-context check's prediction: {cause} "
                    f"(its python/module-not-in-image finding{by} at {gap.finding_at})"
                )
                hint = (f"add `{gap.fix}` after that line" if gap.fix else None) or hint
            else:
                message += (
                    "; the build-context check did not predict it: if it is the project's own code, that is a "
                    "checkdeck bug worth reporting; a third-party module means a missing install"
                )
        await self.ctx.report(Finding(Severity.ERROR, rule, message, self.rel, line, hint=hint))

    async def _refuted(self, prediction: Prediction) -> None:
        """A prediction the image refutes: the import it said would fail did not."""
        for gap in prediction.gaps:
            if gap.certain and gap.where in ("module", "entrypoint"):
                await self.ctx.report(
                    Finding(
                        Severity.WARNING,
                        "docker-build/prediction-refuted",
                        f"the build-context check predicted ModuleNotFoundError: {gap.module} (its finding at "
                        f"{gap.finding_at}), but importing the entrypoint in the built image succeeded: the "
                        "prediction is wrong, a checkdeck bug worth reporting",
                        self.rel,
                    )
                )

    async def _files(self, workdir: str) -> list[FileCheck]:
        files = self.opts.get("files")
        if not isinstance(files, dict):
            return []
        present, absent = list(files.get("present", [])), list(files.get("absent", []))
        if not present and not absent:
            return []
        assert self.image_id is not None
        image_id = self.image_id
        checks = await anyio.to_thread.run_sync(
            lambda: check_files(self.api, image_id, present, absent, self.labels, workdir)
        )
        for check in checks:
            shown = ", ".join(check.matches) + (
                f" and {check.count - len(check.matches)} more" if check.count > len(check.matches) else ""
            )
            self.details.append(
                (f"file {check.want}: {check.pattern}", "as expected" if check.passed else (shown or "missing"))
            )
            if check.passed:
                continue
            if check.want == "present":
                message = f"{check.pattern} is not in the image (looked under {workdir} unless it starts with /)"
                rule = "docker-build/file-missing"
            else:
                message = f"{check.pattern} must not be in the image, but it is: {shown}"
                rule = "docker-build/file-present"
            await self.ctx.report(Finding(Severity.ERROR, rule, message, self.rel))
        return checks


def _checks_dockerfile(peer: ValidatorSpec, project: Path, dockerfile: Path) -> bool:
    """A build-context validator of the run that checks this Dockerfile (all of them, unless
    it names its Dockerfiles)."""
    if peer.kind != "dockerignore":
        return False
    entries = peer.options.get("dockerfiles")
    if not isinstance(entries, list):
        return True
    return any(
        isinstance(e, dict) and (project / str(e.get("path", ""))).resolve() == dockerfile.resolve() for e in entries
    )


def _number(value: object, default: float) -> float:
    return float(value) if isinstance(value, int | float) else default


def _cmd_line(parsed: Dockerfile | None) -> int | None:
    if parsed is None:
        return None
    for ins in reversed(parsed.stages[-1].instructions):
        if ins.keyword in ("CMD", "ENTRYPOINT"):
            return ins.line
    return parsed.stages[-1].line


def _created_by(text: str) -> str:
    text = text.removeprefix("/bin/sh -c ").removeprefix("#(nop) ").strip()
    return text if len(text) <= 60 else text[:59] + "…"


def _step_rows(steps: StepPlan) -> list[tuple[str, str]]:
    rows = []
    for step in steps.steps:
        duration = step.duration_s
        state = (
            step.state if duration is None or step.state == "cached" else f"{step.state} {format_duration(duration)}"
        )
        rows.append(
            (f"  {step.number}/{steps.total}" + (f" (line {step.line})" if step.line else ""), f"{state}: {step.text}")
        )
    return [("steps", f"{steps.total} ({', '.join(f'{n} {s}' for s, n in _state_counts(steps).items())})"), *rows]


def _state_counts(steps: StepPlan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for step in steps.steps:
        counts[step.state] = counts.get(step.state, 0) + 1
    return counts


def _api_error_text(error: BaseException | None) -> str | None:
    if isinstance(error, APIError):
        explanation = error.explanation
        return (explanation.decode() if isinstance(explanation, bytes) else str(explanation or error)).strip()
    return None
