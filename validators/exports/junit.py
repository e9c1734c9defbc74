"""JUnit XML: one testsuite per validator, one testcase per check (or one for the validator)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from validators.engine.model import Check, RunSummary, Status, ValidatorResult
from validators.process.terminal_text import printable


def _xml_text(text: str) -> str:
    # XML 1.0 cannot hold most C0 controls even escaped; consumers reject the file.
    clean = printable(text)
    return "".join(ch for ch in clean if ch in "\t\n\r" or ord(ch) >= 0x20)


def _case(suite: ET.Element, classname: str, check: Check) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        name=_xml_text(check.name),
        classname=_xml_text(check.classname or classname),
        time=f"{check.duration_s:.3f}",
    )
    if check.path:
        case.set("file", _xml_text(check.path))
    if check.line:
        case.set("line", str(check.line))
    message = _xml_text(check.message or check.status.value)
    if check.status is Status.FAILED:
        ET.SubElement(
            case, "failure", message=message.splitlines()[0] if message else "", type="failure"
        ).text = message
    elif check.status is Status.ERROR:
        ET.SubElement(case, "error", message=message.splitlines()[0] if message else "", type="error").text = message
    elif check.status in (Status.SKIPPED, Status.CANCELLED, Status.PENDING):
        ET.SubElement(case, "skipped", message=message)


def _checks(r: ValidatorResult) -> list[Check]:
    if r.checks:
        return list(r.checks)
    details = "\n".join(
        f"{f.severity.value} {f.rule} {f.path or ''}{':' + str(f.line) if f.line else ''}: {f.message}"
        for f in r.findings
    )
    message = r.summary + (f"\n{details}" if details else "")
    status = Status.SKIPPED if r.status is Status.RUNNING else r.status
    return [Check(name=r.name, status=status, duration_s=r.duration_s, message=message, classname=r.kind)]


def render(summary: RunSummary) -> str:
    root = ET.Element("testsuites", name="checkdeck", time=f"{summary.duration_s:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for r in summary.results:
        checks = _checks(r)
        counts = {
            "tests": len(checks),
            "failures": sum(c.status is Status.FAILED for c in checks),
            "errors": sum(c.status is Status.ERROR for c in checks),
            "skipped": sum(c.status in (Status.SKIPPED, Status.CANCELLED, Status.PENDING) for c in checks),
        }
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_xml_text(r.name),
            time=f"{r.duration_s:.3f}",
            timestamp=(r.started_at or summary.started_at).strftime("%Y-%m-%dT%H:%M:%S"),
        )
        for key, value in counts.items():
            suite.set(key, str(value))
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="kind", value=r.kind)
        ET.SubElement(props, "property", name="status", value=r.status.value)
        if r.log_path:
            ET.SubElement(props, "property", name="log_path", value=_xml_text(str(r.log_path)))
        for check in checks:
            _case(suite, f"checkdeck.{r.kind}", check)
        if r.summary:
            ET.SubElement(suite, "system-out").text = _xml_text(r.summary)
        for key, value in counts.items():
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
