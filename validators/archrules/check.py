"""One architecture check of a project, from files to findings, score and what was covered.
It runs in a worker process (the validator) or directly (`checkdeck baseline architecture`)."""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validators.archrules import contracts as contract_rules
from validators.archrules import graph as graph_build
from validators.archrules import report_cache
from validators.archrules.baseline import Baseline
from validators.archrules.facts import FileFacts, facts_of_file, parsed_facts_of_file
from validators.archrules.layout import Layout, LayoutError, find_layout
from validators.archrules.rules import contract_findings, duplicate_findings, import_findings, size_findings
from validators.archrules.scope import DEFAULT_EXCLUDES, Scope, python_files, select
from validators.archrules.settings import Settings
from validators.engine.model import Finding, Severity
from validators.pyimports.cache import IMPORTS_CACHE, ScanCache
from validators.pyimports.scan import ScanResult

R = "architecture/"


@dataclass(frozen=True)
class ContractLine:
    id: str
    name: str
    type: str
    origin: str
    kept: bool
    violations: int
    error: str | None
    ignored_imports: int


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    scope: Scope = field(default_factory=Scope)
    clean_files: int = 0
    roots: tuple[str, ...] = ()
    roots_from: str = ""
    modules: int = 0
    imports: int = 0
    externals: int = 0
    namespaces: int = 0
    contracts: list[ContractLine] = field(default_factory=list)
    contract_sources: list[str] = field(default_factory=list)
    files_read: int = 0  # for the code rules, this run (the rest came from the cache)
    imports_scanned: int = 0
    log: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    fatal: str | None = None  # nothing could be checked
    # Per rule, every finding that counts against the score: set before a baseline turns the
    # known ones into notes, so that it changes the verdict and never these counts.
    rule_counts: Counter[str] = field(default_factory=Counter)

    @property
    def score(self) -> float | None:
        total = len(self.scope.files)
        return self.clean_files / total if total else None


def counts_against(f: Finding) -> bool:
    return f.severity is not Severity.INFO


def detect_roots(project: Path) -> list[str]:
    """Top-level packages (folders with __init__.py) at the project's top or under src/."""
    found: list[str] = []
    for base in (project, project / "src"):
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and entry.name.isidentifier() and entry.name not in ("tests", "test", "examples", "docs"):
                if os.path.isfile(os.path.join(entry.path, "__init__.py")):
                    found.append(entry.name)
    return found


def _flag(value: bool | None, session: dict[str, object], key: str) -> bool:
    if value is not None:
        return value
    return str(session.get(key, "False")) in ("True", "true")


def run_check(
    project: Path,
    settings: Settings,
    cache_dir: Path,
    workers: int | None = None,
    config_origin: tuple[str, int | None] = ("checkdeck config", None),
) -> Report:
    """`config_origin`: the config file and line of the validator, where its own contracts are."""
    report = Report()
    started = time.perf_counter()
    specs: list[contract_rules.ContractSpec] = []
    session: dict[str, object] = {}
    il_path: Path | None = None
    if isinstance(settings.importlinter, str):
        il_path = project / settings.importlinter
    elif settings.importlinter:
        il_path = contract_rules.find_importlinter(project)
    if il_path is not None:
        try:
            il = contract_rules.read_importlinter(project, il_path)
        except contract_rules.ContractConfigError as exc:
            report.findings.append(Finding(Severity.ERROR, R + "contract-config", exc.message, exc.path, exc.line))
        else:
            session = dict(il.session)
            specs += il.contracts
            report.contract_sources.append(f"{il.path} ({len(il.contracts)})")
    if settings.contracts:
        try:
            config_text: str | None = (project / config_origin[0]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            config_text = None
        specs += contract_rules.from_checkdeck(settings.contracts, *config_origin, config_text)
        report.contract_sources.append(f"{config_origin[0]} ({len(settings.contracts)})")
    roots = list(settings.roots)
    report.roots_from = "config"
    if not roots and session:
        listed = session.get("root_packages") or [session.get("root_package")]
        roots = [str(r) for r in listed if r] if isinstance(listed, list) else []
        report.roots_from = "import-linter config"
    if not roots:
        roots = detect_roots(project)
        report.roots_from = "found (folders with __init__.py)"
    report.roots = tuple(roots)
    if not roots:
        report.fatal = "no root package: set `roots`, or add a folder with __init__.py"
        return report
    try:
        layout = find_layout(project, roots, settings.namespace_packages)
    except LayoutError as exc:
        report.fatal = str(exc)
        return report
    report.timings["layout"] = time.perf_counter() - started

    # Scope of the code rules and the score.
    t = time.perf_counter()
    include = list(settings.include) or [f"/{folder}/**/*.py" for folder in layout.root_dirs.values()]
    exclude = [*(DEFAULT_EXCLUDES if settings.default_excludes else ()), *settings.exclude]
    candidates = python_files(project) if settings.include else [m.path for m in layout.modules]
    report.scope = select(candidates, include, exclude)
    report.timings["scope"] = time.perf_counter() - t

    # Nothing changed since the last check: its result stands.
    t = time.perf_counter()
    inputs = [str(project / m.path) for m in layout.modules] + [str(project / p) for p in report.scope.files]
    if il_path is not None:
        inputs.append(str(il_path))
    key = report_cache.inputs_key(
        report_cache.VERSION,
        repr(settings),
        config_origin,
        roots,
        [(m.path, m.name) for m in layout.modules],
        layout.namespaces,
        layout.orphans,
        layout.skipped,
        report.scope.files,
        sorted(report.scope.excluded.items()),
        [dataclasses.astuple(s) for s in specs],
        report.findings,  # config problems found above
    )
    cache_path = cache_dir / "architecture-report-v1.json"
    stored = report_cache.load(cache_path, key)
    report.timings["cache"] = time.perf_counter() - t
    if stored is not None:
        _restore(report, stored)
        report.timings["total"] = time.perf_counter() - started
        return report

    # Imports of the modules, and the parse health of the files in scope (which include files
    # outside the root packages when `include` says so): the build-context check's scanner
    # and cache, one pass over both.
    t = time.perf_counter()
    scan_cache = ScanCache(cache_dir / IMPORTS_CACHE)
    absolute = {p: str(project / p) for p in dict.fromkeys([*(m.path for m in layout.modules), *report.scope.files])}
    before = scan_cache.scanned
    scan_cache.prime(absolute.values(), workers)
    scans: dict[str, ScanResult | None] = {p: scan_cache.get(a) for p, a in absolute.items()}
    report.imports_scanned = scan_cache.scanned - before
    _save(report, scan_cache.save)
    report.timings["imports"] = time.perf_counter() - t

    t = time.perf_counter()
    include_external = _flag(settings.include_external_packages, session, "include_external_packages")
    exclude_typing = _flag(settings.exclude_type_checking_imports, session, "exclude_type_checking_imports")
    built = graph_build.build(layout, scans, include_external=include_external, exclude_type_checking=exclude_typing)
    report.modules, report.imports, report.externals = len(layout.modules), built.imports, len(built.externals)
    report.namespaces = len(layout.namespaces)
    report.timings["graph"] = time.perf_counter() - t

    t = time.perf_counter()
    contract_session = {
        **session,
        "root_packages": roots,
        "include_external_packages": str(include_external),
        "exclude_type_checking_imports": str(exclude_typing),
    }
    for spec in specs:
        result = contract_rules.check(spec, contract_session, built.graph)
        report.contracts.append(
            ContractLine(
                spec.id,
                spec.name,
                spec.type,
                spec.origin,
                result.kept,
                len(result.violations),
                result.error,
                result.ignored_imports,
            )
        )
        report.findings += contract_findings(result, built.paths)
        for warning in result.warnings:
            report.log.append(f"contract {spec.name!r}: {warning}")
    report.timings["contracts"] = time.perf_counter() - t

    # Parse health of every file in scope, from the import scan; the code rules from facts
    # cached per file, read only when a rule needs them.
    t = time.perf_counter()
    readable: list[str] = []
    for path in report.scope.files:
        scan = scans.get(path)
        if scan is None:
            report.findings.append(
                Finding(
                    Severity.ERROR, R + "unreadable", _unreadable(str(project / path)), path, key=f"unreadable|{path}"
                )
            )
        elif scan.error is not None:
            report.findings.append(_parse_finding(path, scan.error.line, scan.error.message))
        else:
            readable.append(path)
    facts: dict[str, FileFacts] = {}
    if settings.needs_facts:
        full = settings.parse == "full"
        reader = parsed_facts_of_file if full else facts_of_file
        facts_cache = ScanCache(cache_dir / ("architecture-v2-parsed.json" if full else "architecture-v2.json"))
        wanted = {p: str(project / p) for p in readable}
        report.files_read = facts_cache.prime_facts(wanted.values(), reader, workers)
        for path, abs_path in wanted.items():
            encoded = facts_cache.fact(abs_path, reader)
            if encoded is None:
                continue  # gone since the scan
            ff = FileFacts.decode(encoded)
            problem = ff.syntax_error or ((1, ff.undecodable) if ff.undecodable else None)
            if problem is not None:  # an error of the grammar, which the scan does not see
                report.findings.append(_parse_finding(path, *problem, in_graph=True))
                continue
            facts[path] = ff
            report.findings += size_findings(path, ff, settings)
        _save(report, facts_cache.save)
        report.findings += duplicate_findings(facts, layout.root_dirs, settings)
    readable_set = set(readable) - {f.path for f in report.findings if f.rule == R + "syntax-error"}
    in_scope = set(report.scope.files)
    by_name = layout.by_name()
    for module in layout.modules:
        scan = scans.get(module.path)
        if module.path in readable_set:
            assert scan is not None  # readable: scanned without an error
            report.findings += import_findings(module, scan, by_name, settings)
        elif module.path not in in_scope and scan is not None and scan.error is not None:
            report.findings.append(
                Finding(
                    Severity.WARNING,
                    R + "syntax-error",
                    f"{scan.error.message} (outside the rules' scope, but in the import graph): "
                    "its imports are not in the graph, so contracts do not see them",
                    module.path,
                    scan.error.line,
                    key=f"syntax-error|{module.path}",
                )
            )
    for path, line, written in built.beyond_top:
        report.findings.append(
            Finding(
                Severity.ERROR,
                R + "relative-beyond-top",
                f"from {written} import …: climbs above the top package; Python raises ImportError here",
                path,
                line,
                key=f"relative-beyond-top|{path}|{written}",
            )
        )
    report.findings += _layout_notes(layout)
    report.timings["rules"] = time.perf_counter() - t

    report.rule_counts = Counter(f.rule for f in report.findings if counts_against(f))
    with_findings = {f.path for f in report.findings if counts_against(f)}
    report.clean_files = sum(1 for p in report.scope.files if p not in with_findings)
    _save(report, lambda: report_cache.store(cache_path, key, sorted(set(inputs)), _payload(report)))
    report.timings["total"] = time.perf_counter() - started
    return report


_STORED = (
    "findings",
    "clean_files",
    "roots_from",
    "modules",
    "imports",
    "externals",
    "namespaces",
    "contract_sources",
    "log",
)


def _payload(report: Report) -> dict[str, object]:
    payload: dict[str, object] = {name: getattr(report, name) for name in _STORED}
    payload["contracts"] = [dataclasses.astuple(c) for c in report.contracts]
    payload["rule_counts"] = dict(report.rule_counts)
    return payload


def _restore(report: Report, stored: dict[str, Any]) -> None:
    for name in _STORED:
        setattr(report, name, stored[name])
    report.contracts = [ContractLine(*c) for c in stored["contracts"]]
    report.rule_counts = report_cache.counter(stored["rule_counts"])
    report.log = [*report.log, "nothing changed since the last check: its result is reused"]


def _save(report: Report, save: Callable[[], None]) -> None:
    """A cache that cannot be written (a full disk, a read-only checkout) costs time next run,
    never this run's result."""
    try:
        save()
    except OSError as exc:
        report.log.append(f"cache not written: {exc.strerror or exc}")


def _parse_finding(path: str, line: int, message: str, in_graph: bool = False) -> Finding:
    if "UTF-8" in message or "codec can't decode" in message:
        return Finding(
            Severity.ERROR,
            R + "undecodable",
            f"not Python source text: {message}; its imports and code are not checked",
            path,
            line,
            hint="save it as UTF-8, or declare its encoding with a `# -*- coding: … -*-` line",
            key=f"undecodable|{path}",
        )
    return Finding(
        Severity.ERROR,
        R + "syntax-error",
        f"{message}: "
        + (
            "Python cannot import this file (its import lines, which still read, are in the graph)"
            if in_graph
            else "the file was skipped; its imports are not in the import graph"
        ),
        path,
        line,
        key=f"syntax-error|{path}",
    )


def _unreadable(path: str) -> str:
    from validators.engine.safe_read import read_regular

    try:
        read_regular(path)
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    return "cannot be read"


def _layout_notes(layout: Layout) -> list[Finding]:
    out = []
    for folder, count, scanned in layout.orphans:
        if scanned:
            out.append(
                Finding(
                    Severity.INFO,
                    R + "namespace-folder",
                    f"{folder}/ has no __init__.py: scanned as a namespace package ({count} .py files); "
                    "grimp and import-linter leave such folders out of their graph",
                    folder,
                )
            )
        else:
            out.append(
                Finding(
                    Severity.WARNING,
                    R + "namespace-folder",
                    f"{folder}/ has no __init__.py: its {count} .py files are not in the import graph "
                    '(namespace_packages = "report")',
                    folder,
                    hint='add an __init__.py, or set namespace_packages = "scan"',
                    key=f"namespace-folder|{folder}",
                )
            )
    for path, why in layout.skipped:
        out.append(Finding(Severity.WARNING, R + "not-a-module", f"{path}: {why}", path, key=f"not-a-module|{path}"))
    return out


def apply_baseline(report: Report, baseline: Baseline, baseline_path: str) -> tuple[int, int, int]:
    """Findings in the baseline become notes; each fixed one is a note. (new, known, fixed)."""
    from validators.archrules.baseline import split

    counted = [f for f in report.findings if counts_against(f)]
    notes = [f for f in report.findings if not counts_against(f)]
    new, known, fixed = split(counted, baseline)
    out = list(new)
    for f in known:
        out.append(dataclasses.replace(f, severity=Severity.INFO, message=f"(in {baseline_path}) {f.message}"))
    for key, n in fixed:
        parts = key.split("|")
        path = parts[1] if len(parts) > 1 and parts[1].endswith(".py") else None
        times = f" ({n} of them)" if n > 1 else ""
        out.append(
            Finding(
                Severity.INFO,
                R + "baseline-fixed",
                f"fixed since the baseline{times}: {baseline.rules.get(key, '')} {key}",
                path,
                hint=f"run `checkdeck baseline architecture` to drop it from {baseline_path}",
            )
        )
    report.findings = out + notes
    return len(new), len(known), sum(n for _, n in fixed)
