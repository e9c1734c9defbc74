"""The `dockerignore` validator: what each Dockerfile's build context holds and what that means
for the image (COPY sources, modules it will lack, required paths, secrets, size)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import anyio
import anyio.to_process
import anyio.to_thread

from validators.docker.analysis import Checks, Target
from validators.docker.build_sources import MAX_DEPTH, builds_of_run, find_builds
from validators.docker.engine_rules import resolve_rules
from validators.docker.sizes import human_size
from validators.engine.base import Option, Outcome, Validator
from validators.engine.model import Finding, Severity, Status, ValidatorSpec
from validators.engine.run_context import RunContext
from validators.engine.store import cache_file
from validators.engine.wording import plural
from validators.kinds.dockerignore.options import OPTIONS
from validators.kinds.dockerignore.verdict import Verdict, check_in_worker
from validators.pyimports.cache import IMPORTS_CACHE


class DockerignoreValidator(Validator):
    kind = "dockerignore"
    description = "The Docker build context as Docker computes it, and what it means for the image."
    options: ClassVar[Mapping[str, Option]] = OPTIONS

    def targets(self) -> list[Target]:
        opts = self.spec.options
        default_context = self.project_dir / str(opts.get("context", "."))
        default_builder = str(opts.get("builder", "buildkit"))
        configured = opts.get("dockerfiles")
        if configured is None:
            configured = [b.entry() for b in find_builds(self.project_dir).builds]
        assert isinstance(configured, list)
        common = opts.get("build_args") or {}
        assert isinstance(common, dict)
        return [
            Target(
                self.project_dir / item["path"],
                self.project_dir / item["context"] if "context" in item else default_context,
                item.get("builder", default_builder),
                item.get("target"),
                build_args=tuple({**common, **item.get("build_args", {})}.items()),
                context_guessed=bool(item.get("context_guessed", False)),
                origin=str(item.get("origin", "config")),
            )
            for item in configured
        ]

    def target(self) -> str:
        return ", ".join(t.dockerfile.relative_to(self.project_dir).as_posix() for t in self.targets())

    def describe(self) -> str:
        targets = self.targets()
        return ", ".join(str(t.dockerfile.relative_to(self.project_dir)) for t in targets) or "no Dockerfile found"

    async def run(self, ctx: RunContext) -> Outcome:
        targets = self.targets()
        if not targets:
            await ctx.log(
                "no Dockerfile found (looked for compose files, .github/workflows, and Dockerfile, *.Dockerfile, "
                f"Dockerfile.* in folders up to {MAX_DEPTH} deep)"
            )
            return Outcome(Status.SKIPPED, "no Dockerfile")
        cache_path = cache_file(self.project_dir, IMPORTS_CACHE)
        opts = self.spec.options
        configured = opts.get("engine")
        # Docker 20.10 and current Docker send different contexts from the same tree.
        rules = await anyio.to_thread.run_sync(resolve_rules, str(configured) if configured is not None else None)
        await ctx.log(f"context rules: {rules.describe(str(opts.get('builder', 'buildkit')))}")
        targets = [dataclasses.replace(t, daemon=rules.daemon, buildkit=rules.buildkit) for t in targets]
        # Dockerfiles checked in one run (and attempt) share one reading of each context.
        run_key = f"{ctx.log_path.parent}#{ctx.attempt}"
        files = size = 0
        coverage: list[str] = []
        details: list[tuple[str, str]] = []
        builds = await anyio.to_thread.run_sync(builds_of_run, self.project_dir, f"{ctx.log_path.parent}")
        for note in builds.notes:
            await ctx.log(f"build sources: {note}")
        images = tuple((name, b.dockerfile) for name, b in builds.images().items())
        targets = [dataclasses.replace(t, project_images=images) for t in targets]
        checks = Checks(
            required=tuple(_strings(opts.get("required"))),
            entrypoints=tuple(_strings(opts.get("entrypoints"))),
            detect_entrypoints=bool(opts.get("detect_entrypoints", True)),
            secrets=bool(opts.get("secrets", True)),
            compare_builders=bool(opts.get("compare_builders", True)),
        )
        for n, target in enumerate(targets, start=1):
            await ctx.progress(n - 1, len(targets), "Dockerfiles")
            if not target.dockerfile.is_file():
                await ctx.log(f"{target.dockerfile}: no such file")
                await ctx.report(
                    Finding(
                        Severity.ERROR,
                        "docker/dockerfile-missing",
                        f"{target.dockerfile} does not exist",
                        str(target.dockerfile.relative_to(self.project_dir)),
                    )
                )
                continue
            # The analysis reads the whole context, which may block anywhere (a FIFO, a hung
            # network mount): it runs in a worker process, which a timeout or a cancel kills.
            result: Verdict = await anyio.to_process.run_sync(
                check_in_worker, target, self.project_dir, cache_path, checks, run_key, cancellable=True
            )
            for line in result.log:
                await ctx.log(line)
            provers = _image_builds(ctx.peers, self.project_dir, target.dockerfile)
            for finding in result.findings:
                if provers and finding.rule == "python/module-not-in-image":
                    also = f"the docker-build validator {provers} imports it in the built image, to confirm this"
                    finding = dataclasses.replace(finding, hint=f"{finding.hint}; {also}" if finding.hint else also)
                await ctx.report(finding)
            files += result.files
            size += result.size
            if result.coverage:
                coverage.append(result.coverage)
            details += result.details
        await ctx.progress(len(targets), len(targets), "Dockerfiles")
        errors = sum(f.severity is Severity.ERROR for f in ctx.findings)
        warnings = sum(f.severity is Severity.WARNING for f in ctx.findings)
        counts = (
            ", ".join(
                part
                for part in (
                    f"{errors} error{'s' * (errors != 1)}" if errors else "",
                    f"{warnings} warning{'s' * (warnings != 1)}" if warnings else "",
                )
                if part
            )
            or "no problems"
        )
        generation = "Docker 20.10 rules" if rules.buildkit == "v0.8" else "current Docker rules"
        summary = "; ".join(
            [
                f"{counts}; context {human_size(size)} in {plural(files, 'file')} ({generation})",
                *dict.fromkeys(coverage),
            ]
        )
        return Outcome(Status.FAILED if errors else Status.PASSED, summary, details=tuple(details))


def _image_builds(peers: tuple[ValidatorSpec, ...], project: Path, dockerfile: Path) -> str:
    """The run's docker-build validators of this Dockerfile, named for a finding's hint."""
    names = [
        f"`{peer.name}`"
        for peer in peers
        if peer.kind == "docker-build"
        and (project / str(peer.options.get("dockerfile", "Dockerfile"))).resolve() == dockerfile.resolve()
    ]
    return ", ".join(names)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
