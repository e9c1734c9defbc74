"""The code rules, each a list of findings with a stable key: file and function length, methods
per class, one definition per public class name, and banned import forms."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pathspec

from validators.archrules.contracts import ContractResult, Edge
from validators.archrules.facts import FileFacts
from validators.archrules.graph import resolved
from validators.archrules.layout import ModuleFile
from validators.archrules.settings import Settings
from validators.engine.model import Finding, Severity
from validators.pyimports.scan import ScanResult

R = "architecture/"


def size_findings(path: str, facts: FileFacts, settings: Settings) -> list[Finding]:
    severity = Severity(settings.size_severity)
    # (rule, limit key, [(measure, line, what, symbol)]): each rule measures one thing per site.
    measured = (
        ("file-lines", "max_file_lines", [(facts.lines, 1, f"{facts.lines} lines", "")]),
        (
            "function-lines",
            "max_function_lines",
            [(f.body_lines, f.line, f"{f.name}(): {f.body_lines} body lines", f.name) for f in facts.functions],
        ),
        (
            "class-methods",
            "max_class_methods",
            [(c.methods, c.line, f"class {c.name}: {c.methods} methods", c.name) for c in facts.classes],
        ),
    )
    out: list[Finding] = []
    for rule, limit_key, sites in measured:
        limit = settings.limit(limit_key, path)
        if not limit:
            continue
        for value, line, what, symbol in sites:
            if value > limit:
                out.append(
                    Finding(
                        severity,
                        R + rule,
                        f"{what}, over the limit of {limit}",
                        path,
                        line,
                        hint="split the module by responsibility" if rule == "file-lines" else None,
                        key=f"{rule}|{path}|{symbol}" if symbol else f"{rule}|{path}",
                    )
                )
    return out


def duplicate_findings(facts: Mapping[str, FileFacts], roots: Mapping[str, str], settings: Settings) -> list[Finding]:
    """Public top-level classes defined in more than one module of a scope (each root package,
    or the whole scope): one finding per site, each naming all the sites."""
    if not settings.duplicate_classes:
        return []
    only = pathspec.GitIgnoreSpec.from_lines(settings.duplicate_paths) if settings.duplicate_paths else None
    allow = set(settings.duplicate_allow)
    sites: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for path, ff in facts.items():
        if only is not None and not only.match_file(path):
            continue
        group = "" if settings.duplicate_scope == "global" else _root_of(path, roots)
        for cls in ff.classes:
            if cls.top_level and not cls.name.startswith("_") and cls.name not in allow:
                sites[(group, cls.name)].append((path, cls.line))
    out = []
    for (group, name), places in sorted(sites.items()):
        files = sorted({p for p, _ in places})
        if len(files) < 2:
            continue
        where = ", ".join(f"{p}:{line}" for p, line in sorted(places))
        scope = f" in {group}" if group else ""
        for path, line in sorted(places):
            out.append(
                Finding(
                    Severity.WARNING,
                    R + "duplicate-class",
                    f"class {name} is defined in {len(files)} modules{scope}: {where}",
                    path,
                    line,
                    hint="keep one definition and import it elsewhere, or list the name in duplicate_classes.allow",
                    key=f"duplicate-class|{path}|{name}",
                    related=tuple(p for p in sorted(places) if p != (path, line)),
                )
            )
    return out


def _root_of(path: str, roots: Mapping[str, str]) -> str:
    for root, folder in roots.items():
        if path == folder or path.startswith(folder + "/"):
            return root
    return path.split("/")[0]


def import_findings(
    module: ModuleFile, scan: ScanResult, modules: Mapping[str, object], settings: Settings
) -> list[Finding]:
    path = module.path
    out: list[Finding] = []
    for ref in scan.imports:
        written = "." * ref.level + ref.module
        if settings.star_imports and "*" in ref.names:
            out.append(
                Finding(
                    Severity.WARNING,
                    R + "star-import",
                    f"from {written} import *: the names it brings in are invisible to readers and tools",
                    path,
                    ref.line,
                    hint="import the names you use",
                    key=f"star-import|{path}|{written}",
                )
            )
        if settings.max_relative_depth and ref.level > settings.max_relative_depth:
            out.append(
                Finding(
                    Severity.WARNING,
                    R + "relative-import",
                    f"from {written} import …: {ref.level} levels up, deeper than {settings.max_relative_depth}",
                    path,
                    ref.line,
                    hint="use an absolute import",
                    key=f"relative-import|{path}|{written}",
                )
            )
        if settings.banned_modules:
            for name, _ in resolved(module.name, module.is_package, ref, modules):
                if name is None:
                    continue
                for banned in settings.banned_modules:
                    if name == banned.module or name.startswith(banned.module + "."):
                        use = f"; use {banned.use}" if banned.use else ""
                        why = f" ({banned.reason})" if banned.reason else ""
                        out.append(
                            Finding(
                                Severity.ERROR,
                                R + "banned-module",
                                f"imports {name}, which is banned{why}{use}",
                                path,
                                ref.line,
                                hint=f"import {banned.use} instead" if banned.use else None,
                                key=f"banned-module|{path}|{name}",
                            )
                        )
                        break
    return out


def _edge_text(edge: Edge, paths: Mapping[str, str]) -> str:
    where = paths.get(edge.importer)
    lines = ", ".join(f"l.{n}" for n in edge.lines) or "l.?"
    return (
        f"{edge.importer} -> {edge.imported} ({where}: {lines})"
        if where
        else f"{edge.importer} -> {edge.imported} ({lines})"
    )


def contract_findings(result: ContractResult, paths: Mapping[str, str]) -> list[Finding]:
    spec = result.spec
    rule = f"contract/{spec.id}"
    if result.error is not None:
        return [
            Finding(
                Severity.ERROR,
                rule,
                f"contract {spec.name!r} ({spec.type}) could not be checked: {result.error}",
                spec.origin,
                spec.line,
                key=f"contract-invalid|{spec.id}",
            )
        ]
    out = []
    for v in result.violations:
        edges = [*v.chain, *v.extra_firsts, *v.extra_lasts]
        related = tuple((paths[e.importer], n) for e in edges if e.importer in paths for n in e.lines[:1])
        first = v.chain[0] if v.chain else None
        lines = [f"{spec.name}: {v.summary}"]
        if v.chain:
            lines.append("chain: " + _edge_text(v.chain[0], paths))
            lines += ["       " + _edge_text(e, paths) for e in v.chain[1:]]
        lines += ["  also " + _edge_text(e, paths) for e in (*v.extra_firsts, *v.extra_lasts)]
        out.append(
            Finding(
                Severity.ERROR,
                rule,
                "\n".join(lines),
                paths.get(first.importer) if first else spec.origin,
                (first.lines[0] if first.lines else None) if first else spec.line,
                hint=f"{spec.type} contract declared at {spec.origin}:{spec.line}" if spec.line else None,
                # The dependency, not the chain: among chains of equal length grimp may show
                # another one after an unrelated edit, and a baseline must not see a new finding.
                key=f"contract|{spec.id}|{v.summary}",
                related=related,
            )
        )
    return out


def count_text(counts: Mapping[str, int]) -> str:
    shown = sorted((-n, rule.removeprefix(R)) for rule, n in counts.items())
    return ", ".join(f"{rule} {-n}" for n, rule in shown)


__all__ = ["contract_findings", "count_text", "duplicate_findings", "import_findings", "size_findings"]
