"""The dockerignore validator's analysis for one Dockerfile: build context, COPY sources,
modules the image will lack, required paths, secrets, size. Pure and synchronous."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from ..model import Finding, Severity
from ..python_imports.cache import ScanCache
from ..python_imports.graph import Analysis, FileTree, MissingModule, Start, analyse
from ..python_imports.scan import FUNCTION, GUARDED, ScanResult
from .build_context import INJECTED_DOCKERFILE, ContextReport, ContextSpec, compute, explain
from .dockerfile import DockerfileError, parse
from .entrypoints import Entrypoint, find_entrypoints, from_config
from .ignorefile import IgnoreLine
from .image import ContextView, Simulation, simulate
from .secrets import secret_reason
from .sizes import largest_dirs
from .walk import Walker


@dataclass(frozen=True)
class Target:
    dockerfile: Path
    context: Path
    builder: str = "buildkit"
    target: str | None = None


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    files: int = 0
    size: int = 0


def _rel(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def _line_ref(report: ContextReport, line: IgnoreLine | None, project: Path) -> str:
    if line is None:
        return "no .dockerignore line (no COPY brings it in)"
    if not line.line:
        return f"the docker CLI's own rule {line.pattern!r}"
    ignore = _rel(report.ignore_file, project) if report.ignore_file else ".dockerignore"
    return f"{ignore}:{line.line} `{line.text.strip()}`"


def _all_files(root: Path) -> list[str]:
    """Every file of the context before .dockerignore (symlinks not followed)."""
    walk = Walker(str(root), [], "buildkit").run()
    return [e.path for e in walk.entries]


class _RepoIndex:
    """Where a dotted module lives in the repository, for modules the image does not have."""

    def __init__(self, files: Sequence[str], roots: Sequence[str]) -> None:
        self.files = set(files)
        self.dirs = {posixpath.dirname(f) for f in files}
        for d in list(self.dirs):
            while d:
                d = posixpath.dirname(d)
                self.dirs.add(d)
        self.roots = list(dict.fromkeys([*roots, "", "src"]))

    def find(self, name: str) -> str | None:
        rel = name.replace(".", "/")
        for root in self.roots:
            base = posixpath.join(root, rel) if root else rel
            for candidate in (base + ".py", base + "/__init__.py"):
                if candidate in self.files:
                    return candidate
            if base in self.dirs and any(f.startswith(base + "/") and f.endswith(".py") for f in self.files):
                return base
        return None


def _repo_roots(full: FileTree, image_roots: Sequence[str]) -> list[str]:
    """Repository folders that image import roots were copied from."""
    found: list[str] = []
    for root in image_roots:
        prefix = root.rstrip("/") + "/"
        for image_path, origin in full.files.items():
            if image_path.startswith(prefix) and origin:
                rel = image_path[len(prefix) :]
                if origin.endswith(rel):
                    candidate = origin[: len(origin) - len(rel)].rstrip("/")
                    if candidate not in found:
                        found.append(candidate)
                    break
    return found


def _fix_for(report: ContextReport, repo_path: str, directory: bool) -> str | None:
    """An exception line that really re-includes `repo_path`: checked by recomputing the
    context with the line appended, not assumed."""
    candidates = [f"!{repo_path}"] if not directory else [f"!{repo_path}", f"!{repo_path}/**"]
    for line in candidates:
        probe = compute(report.spec, extra_lines=(line,))
        sent = set(probe.paths)
        if probe.error is None and (repo_path in sent or any(p.startswith(repo_path + "/") for p in sent)):
            return line
    return None


def run_check(
    target: Target,
    project: Path,
    *,
    cache: ScanCache,
    required: Sequence[str] = (),
    entrypoints: Sequence[str] = (),
    detect_entrypoints: bool = True,
    secrets: bool = True,
    compare_builders: bool = True,
) -> CheckResult:
    out = CheckResult()
    log = out.log.append
    dockerfile_rel = _rel(target.dockerfile, project)
    spec = ContextSpec(target.context, target.dockerfile, target.builder)
    log(f"== {dockerfile_rel} (context {_rel(target.context, project) or '.'}, {target.builder})")
    try:
        dockerfile = parse(target.dockerfile.read_text(encoding="utf-8"), dockerfile_rel)
    except (OSError, UnicodeDecodeError) as exc:
        out.findings.append(
            Finding(Severity.ERROR, "docker/dockerfile-unreadable", f"cannot read: {exc}", dockerfile_rel)
        )
        return out
    except DockerfileError as exc:
        out.findings.append(Finding(Severity.ERROR, "docker/dockerfile-invalid", str(exc), dockerfile_rel, exc.line))
        return out
    report = compute(spec, sizes=True)
    ignore_rel = _rel(report.ignore_file, project) if report.ignore_file else None
    log(f"ignore file: {ignore_rel or '(none)'}; {len(report.lines)} patterns")
    if report.error is not None:
        line = report.error.line.line if report.error.line and report.error.line.line else None
        out.findings.append(
            Finding(
                Severity.ERROR,
                "docker/ignore-pattern-error",
                report.error.message,
                ignore_rel or dockerfile_rel,
                line,
                hint="fix or remove this line: Docker will not build with it",
            )
        )
        log(f"the build would fail: {report.error.message}")
        return out
    for note in report.notes:
        out.findings.append(Finding(Severity.WARNING, "docker/context-truncated", note, ignore_rel))
    out.files, out.size = len(report.entries), report.total_size
    log(f"context: {out.files} files, {out.size} bytes")
    for path, size, count in largest_dirs(report.entries, limit=5):
        log(f"  {size:>12} bytes {count:>7} files  {path}/")
    if report.walk and report.walk.unreadable:
        for path in report.walk.unreadable[:20]:
            out.findings.append(
                Finding(Severity.ERROR, "docker/unreadable", f"{path} cannot be read: Docker fails the build", path)
            )

    if compare_builders:
        other = "classic" if target.builder == "buildkit" else "buildkit"
        other_report = compute(ContextSpec(target.context, target.dockerfile, other))
        ours = set(report.paths) - {".dockerignore", INJECTED_DOCKERFILE, dockerfile_rel}
        theirs = set(other_report.paths) - {".dockerignore", INJECTED_DOCKERFILE, dockerfile_rel}
        if other_report.error is None and ours != theirs:
            only_ours, only_theirs = sorted(ours - theirs), sorted(theirs - ours)
            sample = ", ".join((only_ours + only_theirs)[:5])
            out.findings.append(
                Finding(
                    Severity.WARNING,
                    "docker/builders-disagree",
                    f"{target.builder} and {other} would send different files "
                    f"({len(only_ours)} only with {target.builder}, {len(only_theirs)} only with {other}): {sample}",
                    ignore_rel,
                    hint="wildcard exceptions inside excluded directories behave differently; spell the directory out",
                )
            )
            log(f"builders disagree: only {target.builder}: {only_ours[:10]}; only {other}: {only_theirs[:10]}")

    view = ContextView(report.paths)
    sim = simulate(dockerfile, view, target.target)
    for source in sim.sources:
        if source.matched:
            log(
                f"{source.instruction.keyword} {source.source} (line {source.instruction.line}): {source.matched} matches"
            )
            continue
        clean = posixpath.normpath(source.source.lstrip("/")) or "."
        why = explain(report, clean)
        exists = (target.context / clean).exists() or any(c in clean for c in "*?[")
        if exists and why.line is not None:
            reason = f"excluded by {_line_ref(report, why.line, project)}"
            hint = f"add `!{clean}` to {ignore_rel}" if ignore_rel else None
        else:
            reason = "no such file in the context"
            hint = f"fix the path in line {source.instruction.line}, relative to the context"
        out.findings.append(
            Finding(
                Severity.ERROR,
                "docker/copy-source-missing",
                f"{source.instruction.keyword} source {source.source!r} matches nothing in the build context "
                f"({reason}): Docker fails the build",
                dockerfile_rel,
                source.instruction.line,
                hint=hint,
            )
        )
    full_files = _all_files(target.context)
    full_sim = simulate(dockerfile, ContextView(full_files), target.target)
    _check_imports(
        out, report, sim, full_sim, full_files, target, project, dockerfile_rel, cache, entrypoints, detect_entrypoints
    )
    if required:
        spec_required = pathspec.GitIgnoreSpec.from_lines(required)
        sent = set(report.paths)
        for path in full_files:
            if spec_required.match_file(path) and path not in sent:
                why = explain(report, path)
                out.findings.append(
                    Finding(
                        Severity.ERROR,
                        "docker/required-excluded",
                        f"{path} is required but not in the build context (excluded by {_line_ref(report, why.line, project)})",
                        path,
                        hint=f"add `!{path}` to {ignore_rel or '.dockerignore'}",
                    )
                )
    if secrets:
        for entry in report.entries:
            secret = secret_reason(entry.path)
            if secret:
                out.findings.append(
                    Finding(
                        Severity.WARNING,
                        "docker/secret-in-context",
                        f"{entry.path} ({secret}) is sent to the Docker daemon and may end up in the image",
                        entry.path,
                        hint=f"add `{entry.path}` to {ignore_rel or '.dockerignore'}",
                    )
                )
    return out


def _check_imports(
    out: CheckResult,
    report: ContextReport,
    sim: Simulation,
    full_sim: Simulation,
    full_files: list[str],
    target: Target,
    project: Path,
    dockerfile_rel: str,
    cache: ScanCache,
    extra: Sequence[str],
    detect: bool,
) -> None:
    log = out.log.append
    final = full_sim.final
    starts: list[Entrypoint] = find_entrypoints(final) if detect else []
    starts += [
        Entrypoint(
            e.kind,
            e.target if e.kind == "module" or e.target.startswith("/") else posixpath.join(final.workdir, e.target),
            None,
            "config",
        )
        for e in from_config(list(extra))
    ]
    if not starts:
        log("no Python entrypoint found in CMD/ENTRYPOINT; set `entrypoints` to follow imports")
        return
    roots: list[str] = []
    for e in starts:
        root = posixpath.dirname(e.target) if e.kind == "script" else final.workdir
        roots.append(root)
    for entry in final.env.get("PYTHONPATH", "").split(":"):
        if entry:
            roots.append(posixpath.normpath(posixpath.join(final.workdir, entry)))
    roots = list(dict.fromkeys(roots))
    log(f"entrypoints: {', '.join(f'{e.kind} {e.target} ({e.source})' for e in starts)}; import roots: {roots}")
    full_tree = FileTree(final.tree.files, final.tree.dirs)
    sent_tree = FileTree(sim.final.tree.files, sim.final.tree.dirs)
    repo_roots = _repo_roots(full_tree, roots)
    run_starts = [
        Start(e.target if e.kind == "module" else None, e.target if e.kind == "script" else None, e.source)
        for e in starts
    ]
    context_root = str(target.context).rstrip("/") + "/"
    # The analysis reads Python files only: it depends on where they are (in the repository
    # and in both images), on the roots and entrypoints, and on their content. When none of
    # that changed, the stored result is reused after one stat per file read.
    key = hashlib.sha256(
        json.dumps(
            [
                sorted((p, o) for p, o in full_tree.files.items() if p.endswith(".py")),
                sorted(p for p in sent_tree.files if p.endswith(".py")),
                sorted(p for p in full_files if p.endswith(".py")),
                roots,
                repo_roots,
                [dataclasses.astuple(s) for s in run_starts],
                context_root,
            ]
        ).encode()
    ).hexdigest()
    stored = cache.analysis(key)
    if stored is not None:
        analysis = Analysis.decode(stored)
        log("import analysis reused: no input changed since the last run")
    else:
        repo = _RepoIndex(full_files, repo_roots)
        cache.prime(
            context_root + origin for path, origin in full_tree.files.items() if path.endswith(".py") and origin
        )

        def read(repo_path: str) -> ScanResult | None:
            return cache.get(context_root + repo_path)

        analysis = analyse(run_starts, full_tree, sent_tree, roots, read, repo.find)
        cache.store_analysis(key, [context_root + p for p in analysis.read], analysis.encode())
    log(f"followed {analysis.modules} modules")
    for repo_path, problem in analysis.syntax_errors:
        out.findings.append(
            Finding(
                Severity.WARNING,
                "python/syntax-error",
                f"{problem.message} (its imports were not followed)",
                repo_path,
                problem.line,
            )
        )
    for miss in analysis.missing:
        out.findings.append(_missing_finding(miss, report, starts, dockerfile_rel, project, full_tree))
        log(
            f"missing: {miss.module} imported by {miss.importer or 'the entrypoint'}:{miss.line} ({miss.where}, {miss.cause})"
        )


def _missing_finding(
    miss: MissingModule,
    report: ContextReport,
    starts: Sequence[Entrypoint],
    dockerfile_rel: str,
    project: Path,
    full: FileTree,
) -> Finding:
    severity = Severity.INFO if miss.where == GUARDED else Severity.ERROR
    where = {
        "module": "at module level",
        FUNCTION: "inside a function (fails when it runs)",
        GUARDED: "guarded by try/except ImportError",
        "entrypoint": "as the entrypoint",
    }[miss.where]
    importer = (
        f"{miss.importer}:{miss.line}"
        if miss.importer
        else f"{dockerfile_rel}:{starts[0].line or ''} ({starts[0].source})"
    )
    if miss.cause == "ignored" and miss.image_path:
        repo_path = miss.repo_path or ""
        is_dir = repo_path.endswith("/__init__.py") or not repo_path.endswith(".py")
        target = posixpath.dirname(repo_path) if repo_path.endswith("/__init__.py") else repo_path
        if not repo_path:
            prefix = miss.image_path.rstrip("/") + "/"
            origins = [o for p, o in full.files.items() if p.startswith(prefix) and o]
            target = posixpath.commonpath(origins) if origins else miss.image_path
            is_dir = True
        why = explain(report, target) if target else None
        decided = _line_ref(report, why.line if why else None, project)
        fix = _fix_for(report, target, is_dir) if target else None
        message = (
            f"ModuleNotFoundError: {miss.module} — imported {where} by {importer} — is in the repository "
            f"({target}) but not in the image: excluded by {decided}"
        )
        hint = f"add `{fix}` after that line" if fix else f"narrow or remove {decided}"
        return Finding(
            severity, "python/module-not-in-image", message, miss.importer or dockerfile_rel, miss.line, hint=hint
        )
    message = (
        f"ModuleNotFoundError: {miss.module} — imported {where} by {importer} — exists in the repository "
        f"({miss.repo_path}) but no COPY brings it into the image"
    )
    source = miss.repo_path or miss.module.replace(".", "/")
    top = source.split("/")[0]
    hint = f"add `COPY {top} <dest>/{top}` to {dockerfile_rel}"
    return Finding(
        severity, "python/module-not-in-image", message, miss.importer or dockerfile_rel, miss.line, hint=hint
    )


def detect_dockerfiles(project: Path) -> list[Path]:
    found: list[Path] = []
    try:
        names = sorted(os.listdir(project))
    except OSError:
        return []
    for name in names:
        path = project / name
        if not path.is_file() or name.endswith(".dockerignore"):
            continue
        if name == "Dockerfile" or name.endswith(".Dockerfile") or name.startswith("Dockerfile."):
            found.append(path)
    folder = project / "dockerfiles"
    if folder.is_dir():
        found += sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".dockerignore"))
    return found
