"""The `dockerignore` validator: what each Dockerfile's build context holds and what that means
for the image (COPY sources, modules it will lack, required paths, secrets, size)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import ClassVar

import anyio

from .base import Option, Outcome, Validator
from .context import RunContext
from .docker_context.build_context import BUILDERS
from .docker_context.check import CheckResult, Target, detect_dockerfiles, run_check
from .docker_context.sizes import human_size
from .model import Finding, Severity, Status
from .options import boolean, one_of, string, string_list
from .python_imports.cache import ScanCache
from .run_store import RUNS_DIR

CACHE_FILE = RUNS_DIR.parent / "cache" / "imports-v1.json"


def _dockerfiles(value: object) -> object:
    if not isinstance(value, list):
        raise ValueError('expected a list: ["Dockerfile"] or [{ path = "api.Dockerfile", context = "api" }]')
    out = []
    for item in value:
        if isinstance(item, str) and item:
            out.append({"path": item})
        elif isinstance(item, dict) and isinstance(item.get("path"), str):
            unknown = set(item) - {"path", "context", "builder", "target"}
            if unknown:
                raise ValueError(
                    f"unknown key {sorted(unknown)[0]!r} in a dockerfiles entry (path, context, builder, target)"
                )
            if "builder" in item and item["builder"] not in BUILDERS:
                raise ValueError(f"builder must be one of {', '.join(BUILDERS)}")
            out.append(dict(item))
        else:
            raise ValueError("each dockerfiles entry is a path or a table with `path`")
    return out


class DockerignoreValidator(Validator):
    kind = "dockerignore"
    description = "The Docker build context as Docker computes it, and what it means for the image."
    options: ClassVar[Mapping[str, Option]] = {
        "dockerfiles": Option("Dockerfiles to check (default: detected).", check=_dockerfiles, type_name="list"),
        "context": Option("Build context, relative to the project (default: .).", check=string),
        "builder": Option('"buildkit" (default) or "classic".', check=one_of(*BUILDERS)),
        "required": Option("gitignore-style globs that must be in the context.", check=string_list, type_name="list"),
        "entrypoints": Option("Extra modules or scripts to follow imports from.", check=string_list, type_name="list"),
        "detect_entrypoints": Option(
            "Follow imports from CMD/ENTRYPOINT (default: true).", check=boolean, type_name="boolean"
        ),
        "secrets": Option("Warn about secrets in the context (default: true).", check=boolean, type_name="boolean"),
        "compare_builders": Option(
            "Warn when BuildKit and classic send different files (default: true).", check=boolean, type_name="boolean"
        ),
    }

    def targets(self) -> list[Target]:
        opts = self.spec.options
        default_context = self.project_dir / str(opts.get("context", "."))
        default_builder = str(opts.get("builder", "buildkit"))
        configured = opts.get("dockerfiles")
        if configured is None:
            return [Target(p, default_context, default_builder) for p in detect_dockerfiles(self.project_dir)]
        assert isinstance(configured, list)
        return [
            Target(
                self.project_dir / item["path"],
                self.project_dir / item["context"] if "context" in item else default_context,
                item.get("builder", default_builder),
                item.get("target"),
            )
            for item in configured
        ]

    def describe(self) -> str:
        targets = self.targets()
        return ", ".join(str(t.dockerfile.relative_to(self.project_dir)) for t in targets) or "no Dockerfile found"

    async def run(self, ctx: RunContext) -> Outcome:
        targets = self.targets()
        if not targets:
            await ctx.log("no Dockerfile found (looked for Dockerfile, *.Dockerfile, Dockerfile.*, dockerfiles/)")
            return Outcome(Status.SKIPPED, "no Dockerfile")
        cache = ScanCache(self.project_dir / CACHE_FILE)
        opts = self.spec.options
        files = size = 0
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
            check = functools.partial(
                run_check,
                target,
                self.project_dir,
                cache=cache,
                required=_strings(opts.get("required")),
                entrypoints=_strings(opts.get("entrypoints")),
                detect_entrypoints=bool(opts.get("detect_entrypoints", True)),
                secrets=bool(opts.get("secrets", True)),
                compare_builders=bool(opts.get("compare_builders", True)),
            )
            # The analysis reads the whole context: keep it off the event loop.
            result: CheckResult = await anyio.to_thread.run_sync(check)
            for line in result.log:
                await ctx.log(line)
            for finding in result.findings:
                await ctx.report(finding)
            files += result.files
            size += result.size
        await anyio.to_thread.run_sync(cache.save)
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
        summary = f"{counts}; context {human_size(size)} in {files} files"
        return Outcome(Status.FAILED if errors else Status.PASSED, summary)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
