"""A committed record of the findings a repository had when it adopted the rules: later runs
fail only on findings not in it, and say which of its findings are gone."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from validators.engine.atomic import write_atomic
from validators.engine.model import Finding

FORMAT = "checkdeck-architecture-baseline/1"


class BaselineError(Exception):
    pass


@dataclass(frozen=True)
class Baseline:
    counts: Counter[str]  # finding key -> how many findings had it
    rules: dict[str, str]  # key -> rule, to say what a fixed finding was


def load(path: Path) -> Baseline | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read: {exc}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BaselineError(f"{path}:{getattr(exc, 'lineno', '?')}: not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a checkdeck architecture baseline (format {FORMAT!r})")
    counts: Counter[str] = Counter()
    rules: dict[str, str] = {}
    for n, item in enumerate(data["findings"]):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise BaselineError(f"{path}: findings[{n}]: expected a table with a string `key`")
        count = item.get("count", 1)
        counts[item["key"]] += count if isinstance(count, int) and count > 0 else 1
        rules[item["key"]] = str(item.get("rule", ""))
    return Baseline(counts, rules)


def write(path: Path, findings: Iterable[Finding]) -> int:
    counts: Counter[str] = Counter()
    first: dict[str, Finding] = {}
    for f in findings:
        if f.key is None:
            continue
        counts[f.key] += 1
        first.setdefault(f.key, f)
    items = [
        {"key": key, "rule": first[key].rule, "count": counts[key], "example": first[key].message.splitlines()[0][:200]}
        for key in sorted(counts)
    ]
    text = json.dumps({"format": FORMAT, "findings": items}, indent=1, ensure_ascii=False) + "\n"
    write_atomic(path, text)
    return len(items)


def split(findings: list[Finding], baseline: Baseline) -> tuple[list[Finding], list[Finding], list[tuple[str, int]]]:
    """(new findings, known findings, (key, how many fixed) of the baseline's that are gone)."""
    left = Counter(baseline.counts)
    new: list[Finding] = []
    known: list[Finding] = []
    for f in findings:
        if f.key is not None and left[f.key] > 0:
            left[f.key] -= 1
            known.append(f)
        else:
            new.append(f)
    fixed = sorted((key, n) for key, n in left.items() if n > 0)
    return new, known, fixed
