"""SARIF 2.1.0: one run per validator, one result per finding, as GitHub code scanning reads it."""

from __future__ import annotations

import json
import os
import urllib.parse

from validators.engine.model import Finding, RunSummary, Severity, ValidatorResult
from validators.process.terminal_text import printable

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str) -> str:
    """A relative URI reference for a repository path: every byte of a non-UTF-8 name survives
    as a percent escape."""
    return urllib.parse.quote(os.fsencode(path), safe="/")


def _result(f: Finding, fallback_path: str) -> dict[str, object]:
    region: dict[str, object] = {"startLine": f.line} if f.line and f.line > 0 else {}
    if region and f.column and f.column > 0:
        region["startColumn"] = f.column
    physical: dict[str, object] = {"artifactLocation": {"uri": _uri(f.path or fallback_path), "uriBaseId": "%SRCROOT%"}}
    if region:
        physical["region"] = region
    message = printable(f.message + (f"\nFix: {f.hint}" if f.hint else ""))
    result: dict[str, object] = {
        "ruleId": f.rule,
        "level": LEVELS[f.severity],
        "message": {"text": message},
        "locations": [{"physicalLocation": physical}],
    }
    if f.key:
        result["partialFingerprints"] = {"checkdeck/v1": printable(f.key)}
    if f.related:
        result["relatedLocations"] = [
            {
                "id": n,
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": line},
                },
            }
            for n, (path, line) in enumerate(f.related)
            if line > 0
        ]
    return result


def _run(r: ValidatorResult, fallback_path: str) -> dict[str, object]:
    rules = sorted({f.rule for f in r.findings})
    return {
        "tool": {
            "driver": {
                "name": "checkdeck",
                "informationUri": "https://github.com/checkdeck/checkdeck",
                "rules": [{"id": rule, "name": rule.replace("/", "-")} for rule in rules],
            }
        },
        "automationDetails": {"id": f"checkdeck/{printable(r.name)}/"},
        "results": [_result(f, fallback_path) for f in r.findings],
        "properties": {"validator": printable(r.name), "kind": r.kind, "status": r.status.value},
    }


def render(summary: RunSummary, config_path: str = "checkdeck.toml") -> str:
    """Findings without a file are placed on the config file: code scanning needs a location."""
    sarif = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [_run(r, config_path) for r in summary.results],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
