"""The `architecture` validator: import contracts and code rules over the project's packages,
with a score that counts every finding, and a baseline that lets a legacy codebase adopt it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import anyio.to_process

from validators.archrules.baseline import BaselineError, load
from validators.archrules.check import Report, apply_baseline, counts_against, run_check
from validators.archrules.rules import count_text
from validators.archrules.settings import Settings, from_options
from validators.engine.base import Option, Outcome, Validator
from validators.engine.model import Finding, Severity, Status
from validators.engine.run_context import RunContext
from validators.engine.store import CACHE_DIR
from validators.engine.wording import plural
from validators.kinds.architecture.options import OPTIONS


def config_origin(source: str) -> tuple[str, int | None]:
    """The file and line of a configured validator, from its spec's source ("config: f:12")."""
    match = re.match(r"config: (.+?)(?::(\d+))?$", source)
    if match is None:
        return ("checkdeck config", None)
    return (match.group(1), int(match.group(2)) if match.group(2) else None)


def check_in_worker(
    project: Path, options: Mapping[str, object], origin: tuple[str, int | None]
) -> tuple[Report, tuple[int, int, int] | None, str]:
    """The whole check, in a worker process that a timeout or a cancel can kill."""
    settings = from_options(options)
    report = run_check(project, settings, project / CACHE_DIR, config_origin=origin)
    baseline_path = project / settings.baseline
    counted: tuple[int, int, int] | None = None
    problem = ""
    try:
        baseline = load(baseline_path)
    except BaselineError as exc:
        baseline, problem = None, str(exc)
    if baseline is not None and report.fatal is None:
        counted = apply_baseline(report, baseline, settings.baseline)
    return report, counted, problem


class ArchitectureValidator(Validator):
    kind = "architecture"
    description = "Import contracts (import-linter's vocabulary) and code-size rules, with an honest score."
    options: ClassVar[Mapping[str, Option]] = OPTIONS

    def describe(self) -> str:
        roots = self.spec.options.get("roots")
        return f"architecture of {', '.join(map(str, roots))}" if isinstance(roots, list) else "architecture"

    async def run(self, ctx: RunContext) -> Outcome:
        settings = from_options(self.spec.options)
        await ctx.log(f"checking the architecture of {self.project_dir}")
        report, counted, problem = await anyio.to_process.run_sync(
            check_in_worker,
            self.project_dir,
            dict(self.spec.options),
            config_origin(self.spec.source),
            cancellable=True,
        )
        for line in report.log:
            await ctx.log(line)
        if report.fatal is not None:
            await ctx.log(report.fatal)
            for f in report.findings:
                await ctx.report(f)
            return Outcome(Status.ERROR, report.fatal)
        if problem:
            await ctx.report(Finding(Severity.ERROR, "architecture/baseline", problem, settings.baseline))
        order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        for f in sorted(report.findings, key=lambda f: (order[f.severity], f.rule, f.path or "", f.line or 0)):
            await ctx.report(f)
        await ctx.log(
            "times: "
            + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in report.timings.items())
            + f"; {report.files_read} files read for the code rules, {report.imports_scanned} for imports"
        )
        return self._outcome(report, counted, settings, bool(problem))

    def _outcome(
        self, report: Report, counted: tuple[int, int, int] | None, settings: Settings, bad_baseline: bool
    ) -> Outcome:
        failing = {Severity.ERROR} if settings.fail_on == "error" else {Severity.ERROR, Severity.WARNING}
        fails = [f for f in report.findings if f.severity in failing]
        by_rule = report.rule_counts
        total = len(report.scope.files)
        score = report.score
        score_text = (
            f"score {score * 100:.1f}% ({report.clean_files} of {plural(total, 'file')} clean)"
            if score is not None
            else "no files in scope"
        )
        kept = sum(c.kept for c in report.contracts)
        broken = len(report.contracts) - kept
        contracts_text = (
            f"{kept} of {plural(len(report.contracts), 'contract')} kept" if report.contracts else "no import contracts"
        )
        parts = [score_text, contracts_text]
        if counted is not None:
            new, known, fixed = counted
            parts.append(f"{new} new, {known} in the baseline, {fixed} fixed")
        parts.append(f"by rule: {count_text(by_rule)}" if by_rule else "no findings")
        status = Status.FAILED if fails or bad_baseline else Status.PASSED
        verdict = "failed" if status is Status.FAILED else "passed"
        summary = f"{verdict}: " + "; ".join(parts)
        details: list[tuple[str, str]] = [
            (
                "score",
                f"{score_text}: files with no finding / files in scope, from all {plural(sum(by_rule.values()), 'finding')}",
            ),
            ("roots", f"{', '.join(report.roots)} ({report.roots_from})"),
            (
                "graph",
                f"{plural(report.modules, 'module')}, {plural(report.imports, 'import')}, "
                f"{plural(report.externals, 'external package')}, {plural(report.namespaces, 'namespace package')}",
            ),
            ("scope", f"{plural(total, 'file')} in; include {', '.join(report.scope.include)}"),
            (
                "syntax",
                "every file in scope parsed by CPython"
                if settings.parse == "full"
                else 'tokenizer-level check (parse = "tokens"): an error only the grammar shows (`x = = 1`) is not seen',
            ),
        ]
        for pattern, n in sorted(report.scope.excluded.items(), key=lambda kv: -kv[1]):
            details.append(("excluded", f"{plural(n, 'file')} by {pattern}"))
        for c in report.contracts:
            state = (
                "could not be checked: " + c.error
                if c.error
                else (
                    "kept"
                    if c.kept
                    else f"broken, {plural(c.violations, 'import to remove' if c.type == 'acyclic_siblings' else 'illegal chain')}"
                )
            )
            ignored = f"; {c.ignored_imports} ignored imports" if c.ignored_imports else ""
            details.append((f"contract {c.id}", f"{c.name} ({c.type}, {c.origin}): {state}{ignored}"))
        if report.contract_sources:
            details.append(("contracts from", ", ".join(report.contract_sources)))
        for rule, n in sorted(by_rule.items()):
            details.append((f"rule {rule.removeprefix('architecture/')}", str(n)))
        notes = sum(not counts_against(f) for f in report.findings)
        if notes:
            details.append(
                ("notes", plural(notes, "note") + " (namespace folders, baseline): not counted in the score")
            )
        if counted is not None:
            details.append(
                ("baseline", f"{settings.baseline}: {counted[0]} new, {counted[1]} known, {counted[2]} fixed")
            )
        if broken:
            details.append(("broken contracts", str(broken)))
        return Outcome(status, summary, details=tuple(details))
