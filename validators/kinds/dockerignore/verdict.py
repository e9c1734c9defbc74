"""The `dockerignore` kind's verdict on one Dockerfile: turns the build-context library's answers
into findings (rule, severity, wording, hint) and log lines."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from validators.docker.analysis import (
    DEFAULT_CHECKS,
    Checks,
    DockerfileAnalysis,
    ImportCheck,
    ModuleGap,
    SourceUse,
    Target,
    analyse_dockerfile,
    relative,
)
from validators.docker.build_context import ContextReport
from validators.docker.ignorefile import IgnoreLine
from validators.docker.sizes import human_size, largest_dirs
from validators.engine.model import Finding, Severity
from validators.engine.wording import plural
from validators.pyimports.cache import ScanCache
from validators.pyimports.scan import FUNCTION, GUARDED, MODULE


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    files: int = 0
    size: int = 0
    coverage: str = ""  # what was checked beyond the context itself, for the summary
    details: list[tuple[str, str]] = field(default_factory=list)  # rows for the Info tab


def _line_ref(report: ContextReport, line: IgnoreLine | None, ignore_rel: str | None) -> str:
    if line is None:
        return "no .dockerignore line (no COPY brings it in)"
    if not line.line:
        return f"the docker CLI's own rule {line.pattern!r}"
    return f"{ignore_rel or '.dockerignore'}:{line.line} `{line.text.strip()}`"


def check_dockerfile(
    target: Target,
    project: Path,
    *,
    cache: ScanCache,
    checks: Checks = DEFAULT_CHECKS,
    run_key: str | None = None,
) -> Verdict:
    return verdict(analyse_dockerfile(target, project, cache=cache, checks=checks, run_key=run_key), project)


def check_in_worker(
    target: Target, project: Path, cache_path: Path, checks: Checks, run_key: str | None = None
) -> Verdict:
    """check_dockerfile in a worker process, with the scan cache loaded and saved there. A
    cache that cannot be written is said in the log: it is an optimisation, never a failure."""
    cache = ScanCache(cache_path)
    result = check_dockerfile(target, project, cache=cache, checks=checks, run_key=run_key)
    try:
        cache.save()
    except OSError as exc:
        result.log.append(
            f"import cache not saved ({exc.strerror or exc}: {exc.filename or cache_path}); the next run scans again"
        )
    return result


def verdict(found: DockerfileAnalysis, project: Path) -> Verdict:
    out = Verdict()
    log, add = out.log.append, out.findings.append
    target, dockerfile_rel = found.target, found.dockerfile_rel
    at = _project_path(target.context, project)
    log(f"== {dockerfile_rel} (context {relative(target.context, project)}, {target.builder})")
    log(f"build learnt from: {target.origin}")
    out.details.append(("build", f"{dockerfile_rel}: context {relative(target.context, project)} ({target.origin})"))
    if target.build_args:
        log(f"build args: {', '.join(k for k, _ in target.build_args)}")
    if found.read_error is not None:
        add(Finding(Severity.ERROR, "docker/dockerfile-unreadable", f"cannot read: {found.read_error}", dockerfile_rel))
        return out
    if found.parse_error is not None:
        error = found.parse_error
        add(Finding(Severity.ERROR, "docker/dockerfile-invalid", str(error), dockerfile_rel, error.line))
        return out
    report = found.report
    assert report is not None
    ignore_rel = found.ignore_rel
    log(f"ignore file: {ignore_rel or '(none)'}; {len(report.lines)} patterns")
    if report.error is not None:
        line = report.error.line.line if report.error.line and report.error.line.line else None
        add(
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
        add(Finding(Severity.WARNING, "docker/context-truncated", note, ignore_rel))
    out.files, out.size = len(report.entries), report.total_size
    log(f"context: {plural(out.files, 'file')}, {plural(out.size, 'byte')}")
    for path, size, count in largest_dirs(report.entries, limit=5):
        log(f"  {size:>12} bytes {count:>7} {'file ' if count == 1 else 'files'}  {path}/")
    if report.walk and report.walk.unreadable:
        for path in report.walk.unreadable[:20]:
            add(
                Finding(Severity.ERROR, "docker/unreadable", f"{path} cannot be read: Docker fails the build", at(path))
            )

    if found.difference is not None:
        diff = found.difference
        only_ours, only_theirs = list(diff.only_ours), list(diff.only_theirs)
        sample = ", ".join((only_ours + only_theirs)[:5])
        add(
            Finding(
                Severity.WARNING,
                "docker/builders-disagree",
                f"{diff.builder} and {diff.other} would send different files "
                f"({len(only_ours)} only with {diff.builder}, {len(only_theirs)} only with {diff.other}): {sample}",
                ignore_rel,
                hint="wildcard exceptions inside excluded directories behave differently; spell the directory out",
            )
        )
        log(f"builders disagree: only {diff.builder}: {only_ours[:10]}; only {diff.other}: {only_theirs[:10]}")

    if found.base_from_project is not None:
        image, built_by = found.base_from_project
        add(
            Finding(
                Severity.INFO,
                "docker/base-from-project",
                f"a stage is FROM {image}, which this project builds ({built_by}): what that image holds is "
                "not simulated, so modules it may provide are not judged missing",
                dockerfile_rel,
            )
        )
    for source in found.sources:
        if source.matched:
            log(f"{source.keyword} {source.source} (line {source.line}): {plural(source.matched, 'match', 'matches')}")
            continue
        add(_source_finding(source, found, report, ignore_rel, dockerfile_rel))
    for tried in found.not_understood:
        log(f"entrypoint not understood: {tried}")
    if found.not_understood:
        out.details.append(("not understood", "; ".join(found.not_understood[:8])))
    if found.imports is not None and not found.imports.fallback:
        starts = found.imports.entrypoints
        shown = list(dict.fromkeys(f"{e.target} ({e.source})" for e in starts))
        out.details.append(("entrypoints", _listed(shown, 6)))
    if found.imports is None:
        log("no Python entrypoint understood in CMD/ENTRYPOINT and no package to check; set `entrypoints`")
        out.coverage = "context checked; no Python entrypoint understood: set `entrypoints`"
    else:
        from_project = found.base_from_project[0] if found.base_from_project else None
        _imports(out, found.imports, report, ignore_rel, dockerfile_rel, at, from_project)
        modules = found.imports.analysis.modules
        followed = f"{modules} module{'s' * (modules != 1)}"
        if found.imports.fallback:
            names = ", ".join(sorted({e.target.split(".")[0] for e in found.imports.entrypoints}))
            log(f"no Python entrypoint understood: following the packages the image copies ({names})")
            out.coverage = f"no entrypoint understood; followed {followed} of the image's packages ({names})"
            out.details.append(("entrypoints", f"none understood: followed the image's packages ({names})"))
        elif modules == 0:
            names = _listed(list(dict.fromkeys(e.target for e in found.imports.entrypoints)))
            log(f"no module followed: {names} not in the image as simulated")
            out.coverage = f"context checked; followed no module ({names} not found in the image as simulated)"
        else:
            out.coverage = f"followed {followed} from {found.imports.entrypoints[0].source}"
    for excluded in found.required_excluded:
        add(
            Finding(
                Severity.ERROR,
                "docker/required-excluded",
                f"{excluded.path} is required but not in the build context "
                f"(excluded by {_line_ref(report, excluded.excluded_by, ignore_rel)})",
                at(excluded.path),
                hint=f"add `!{excluded.path}` to {ignore_rel or '.dockerignore'}",
            )
        )
    for clutter in found.clutter:
        where = ", ".join(f"{f}/" for f in clutter.folders[:3]) + (
            f" and {len(clutter.folders) - 3} more" if len(clutter.folders) > 3 else ""
        )
        why = "the daemon receives everything in it" if clutter.sensitive else "it only slows the build down"
        inside = [p for f in clutter.folders for p in found.clutter_in_image.get(f, ())]
        if inside:
            why += f", and COPY puts it in the image at {_listed(inside)}"
        add(
            Finding(
                Severity.WARNING,
                "docker/context-clutter",
                f"{where} ({clutter.files} file{'s' * (clutter.files != 1)}, {human_size(clutter.size)}) "
                f"is sent in the build context: {why}",
                at(clutter.folders[0]),
                hint=f"add `{clutter.line}` to {ignore_rel or '.dockerignore'}",
            )
        )
    for secret in found.secrets:
        what = f"{secret.path} ({secret.why}"
        if secret.files > 1:
            what += f"; {plural(secret.files, 'file')}, {human_size(secret.size)}"
        what += ")"
        if secret.image_paths:
            fate = f"is sent to the Docker daemon and COPY puts it in the image at {_listed(secret.image_paths)}"
        else:
            fate = "is sent to the Docker daemon (no COPY takes it into the image)"
        severity = Severity.WARNING
        if secret.test_or_vendored:
            severity, fate = Severity.INFO, fate + "; it sits in test or vendored code, so likely an upstream test key"
        elif not secret.certain:
            fate += "; judged by its name only"
        add(
            Finding(
                severity,
                "docker/secret-in-context",
                f"{what} {fate}",
                at(secret.path.rstrip("/")),
                hint=f"add `{secret.path.rstrip('/')}` to {ignore_rel or '.dockerignore'}",
            )
        )
    return out


def _listed(items: tuple[str, ...] | list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _source_finding(
    source: SourceUse, found: DockerfileAnalysis, report: ContextReport, ignore_rel: str | None, dockerfile_rel: str
) -> Finding:
    """A COPY/ADD source that matched nothing: an error only when that is certain."""
    said = f"{source.keyword} source {source.source!r} matches nothing in the build context"
    if source.unset_args:
        names = ", ".join(source.unset_args)
        plural = "s" * (len(source.unset_args) > 1)
        return Finding(
            Severity.INFO,
            "docker/copy-source-unknown",
            f"{source.keyword} source {source.written or source.source!r} names build arg{plural} {names}, which has "
            "no default and no value here: what it copies is not known (Docker would read "
            f"{source.source!r}, which matches nothing)",
            dockerfile_rel,
            source.line,
            hint=f'set `build_args = {{ {source.unset_args[0]} = "..." }}` (or compose `args`) to check this line',
        )
    if not source.exists and source.made_before is not None:
        return Finding(
            Severity.INFO,
            "docker/copy-source-generated",
            f"{said}: it is not in the checkout, and {source.made_before}, so it is probably made before "
            "`docker build`; whether the build has it could not be known",
            dockerfile_rel,
            source.line,
            hint="make it first (run the build script), then check again",
        )
    if source.exists and source.excluded_by is not None:
        reason = f"excluded by {_line_ref(report, source.excluded_by, ignore_rel)}"
        hint = f"add `!{source.clean}` to {ignore_rel}" if ignore_rel else None
    else:
        reason = "no such file in the context"
        hint = f"fix the path in line {source.line}, relative to the context"
    if found.target.context_guessed:
        return Finding(
            Severity.WARNING,
            "docker/copy-source-missing",
            f"{said} ({reason}), if the context is the one guessed ({found.target.origin}): set `context`, or "
            "build it from a compose file, to make this certain",
            dockerfile_rel,
            source.line,
            hint=hint,
        )
    return Finding(
        Severity.ERROR,
        "docker/copy-source-missing",
        f"{said} ({reason}): Docker fails the build",
        dockerfile_rel,
        source.line,
        hint=hint,
    )


def _project_path(context: Path, project: Path) -> Callable[[str], str]:
    """Finding locations are relative to the project, whatever the build context: a SARIF
    viewer or the finding view opens them from the project root."""
    prefix = relative(context, project)
    if prefix == ".":
        return lambda path: path
    if prefix.startswith("/"):
        return lambda path: posixpath.join(prefix, path)
    return lambda path: posixpath.normpath(posixpath.join(prefix, path))


def _imports(
    out: Verdict,
    imports: ImportCheck,
    report: ContextReport,
    ignore_rel: str | None,
    df: str,
    at: Callable[[str], str],
    from_project: str | None = None,
) -> None:
    log = out.log.append
    starts = imports.entrypoints
    log(
        f"entrypoints: {', '.join(f'{e.kind} {e.target} ({e.source})' for e in starts)}; "
        f"import roots: {list(imports.roots)}"
    )
    if imports.reused:
        log("import analysis reused: no input changed since the last run")
    log(f"followed {plural(imports.analysis.modules, 'module')}")
    installed = imports.installed
    if installed is not None and (installed.distributions or installed.unread):
        sources = ", ".join(dict.fromkeys(installed.sources)) or "nothing readable"
        log(
            f"site-packages: {len(installed.distributions)} distributions from {sources}; an installed name is "
            "found there unless a regular package earlier on sys.path shadows it"
        )
        if installed.unread:
            log(f"install sources not read: {', '.join(dict.fromkeys(installed.unread))}")
    for repo_path, problem in imports.analysis.syntax_errors:
        out.findings.append(
            Finding(
                Severity.WARNING,
                "python/syntax-error",
                f"{problem.message} (its imports were not followed)",
                at(repo_path),
                problem.line,
            )
        )
    by_module: dict[str, list[ModuleGap]] = {}
    for gap in imports.gaps:
        miss = gap.missing
        by_module.setdefault(miss.module, []).append(gap)
        log(
            f"missing: {miss.module} imported by {miss.importer or 'the entrypoint'}:{miss.line} "
            f"({miss.where}, {miss.cause})"
        )
    for gaps in by_module.values():
        out.findings.append(_missing_finding(gaps, report, imports, ignore_rel, df, at, from_project))


_RANK = {"entrypoint": 0, MODULE: 1, FUNCTION: 2, GUARDED: 3}


def _missing_finding(
    gaps: list[ModuleGap],
    report: ContextReport,
    imports: ImportCheck,
    ignore_rel: str | None,
    dockerfile_rel: str,
    at: Callable[[str], str],
    from_project: str | None = None,
) -> Finding:
    """One finding per missing module, at its most certain import, listing every importer."""
    gaps = sorted(gaps, key=lambda g: (_RANK.get(g.missing.where, 9), g.missing.importer or "", g.missing.line or 0))
    gap = gaps[0]
    miss = gap.missing
    severity = Severity.INFO if miss.where == GUARDED else Severity.ERROR
    # Without a known entrypoint nobody knows that this import runs: a warning that says what
    # would make it certain, never an error.
    note = ""
    if imports.fallback:
        severity = Severity.WARNING if severity is Severity.ERROR else severity
        note = " (no entrypoint was understood, so whether this import runs is not known: set `entrypoints`)"
    if miss.cause != "ignored" and not gap.certain and severity is Severity.ERROR:
        severity = Severity.WARNING
        note += (
            f" (a guess: {gap.target} is not under a folder the image's import roots come from, so the name may "
            "mean a distribution installed another way; list it in a requirements file, or set `entrypoints`, "
            "to make this certain)"
        )
    if miss.cause != "ignored" and from_project is not None:
        severity = Severity.INFO
        note += f" (the base image {from_project} is built by this project and may provide it)"
    where = {
        "module": "at module level",
        FUNCTION: "inside a function (fails when it runs)",
        GUARDED: "guarded by try/except ImportError",
        "entrypoint": "as the entrypoint",
    }[miss.where]
    first = imports.entrypoints[0]
    importer = (
        f"{miss.importer}:{miss.line}" if miss.importer else f"{dockerfile_rel}:{first.line or ''} ({first.source})"
    )
    others = list(dict.fromkeys(f"{g.missing.importer}:{g.missing.line}" for g in gaps[1:] if g.missing.importer))
    if others:
        importer += f" (also by {_listed(others, 5)})"
    if miss.cause == "ignored" and miss.image_path:
        decided = _line_ref(report, gap.excluded_by, ignore_rel)
        message = (
            f"ModuleNotFoundError: {miss.module} — imported {where} by {importer} — is in the repository "
            f"({gap.target}) but not in the image: excluded by {decided}{note}"
        )
        hint = f"add `{gap.fix}` after that line" if gap.fix else f"narrow or remove {decided}"
    else:
        message = (
            f"ModuleNotFoundError: {miss.module} — imported {where} by {importer} — exists in the repository "
            f"({miss.repo_path}) but no COPY brings it into the image{note}"
        )
        top = gap.target.split("/")[0]
        hint = f"add `COPY {top} <dest>/{top}` to {dockerfile_rel}"
    return Finding(
        severity,
        "python/module-not-in-image",
        message,
        at(miss.importer) if miss.importer else dockerfile_rel,
        miss.line,
        hint=hint,
    )
