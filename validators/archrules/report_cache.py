"""The last check's whole result, reused while none of its inputs changed: the settings, the
contract files, the list of files, and each file's size, mtime and inode. JSON, never pickle:
the cache folder sits in a repository checkout, and loading it must not run code."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from validators.engine.atomic import write_atomic
from validators.engine.model import Finding, Severity

VERSION = 1


def _stat_key(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def inputs_key(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=repr).encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()


def _finding(f: Finding) -> list[object]:
    return [f.severity.value, f.rule, f.message, f.path, f.line, f.hint, f.column, f.key, [list(r) for r in f.related]]


def _unfinding(raw: list[Any]) -> Finding:
    severity, rule, message, path, line, hint, column, key, related = raw
    return Finding(Severity(severity), rule, message, path, line, hint, column, key, tuple((p, n) for p, n in related))


def load(path: Path, key: str) -> dict[str, Any] | None:
    """The stored payload (findings decoded) if it was made from the same inputs."""
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="surrogateescape"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION or data.get("key") != key:
        return None
    files = data.get("files")
    if not isinstance(files, dict):
        return None
    for name, meta in files.items():
        if _stat_key(name) != meta:
            return None
    payload = data.get("payload")
    if not isinstance(payload, dict):
        return None
    try:
        payload["findings"] = [_unfinding(f) for f in payload["findings"]]
    except (KeyError, TypeError, ValueError):
        return None
    return payload


def store(path: Path, key: str, files: list[str], payload: dict[str, Any]) -> None:
    metas = {}
    for name in files:
        meta = _stat_key(name)
        if meta is None:
            return  # a file went away meanwhile: nobody could check this result
        metas[name] = meta
    payload = {**payload, "findings": [_finding(f) for f in payload["findings"]]}
    text = json.dumps({"version": VERSION, "key": key, "files": metas, "payload": payload}, separators=(",", ":"))
    write_atomic(path, text)


def counter(raw: object) -> Counter[str]:
    return Counter({str(k): int(v) for k, v in raw.items()}) if isinstance(raw, dict) else Counter()


__all__ = ["counter", "inputs_key", "load", "store"]
