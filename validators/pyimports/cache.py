"""Scan results kept on disk between runs, keyed on each file's size, mtime and inode."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from validators.engine.atomic import write_atomic
from validators.engine.safe_read import read_regular
from validators.process.lifetime import die_with_parent
from validators.pyimports.scan import ImportRef, ScanResult, SyntaxProblem, scan_source

VERSION = 2  # 2: imports under `if TYPE_CHECKING:` are kept (where=TYPING)
# The one file every kind that scans imports shares (in the project's cache folder).
IMPORTS_CACHE = "imports-v2.json"
PARALLEL_THRESHOLD = 400  # below this, starting worker processes costs more than it saves


def _pool(workers: int) -> ProcessPoolExecutor:
    """Workers that die with this process, so that killing it (a cancel) leaves none behind."""
    return ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),))


def _key(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _scan_file(path: str) -> tuple[str, list[int] | None, ScanResult | None]:
    try:
        st = os.stat(path)
        data = read_regular(path)
    except OSError:
        return path, None, None
    return path, _key(st), scan_source(data)


def _encode(result: ScanResult) -> list[object]:
    imports = [[r.module, r.level, list(r.names), r.line, r.where] for r in result.imports]
    error = [result.error.line, result.error.message] if result.error else None
    return [imports, error]


def _decode(raw: list[object]) -> ScanResult:
    imports_raw, error_raw = raw
    assert isinstance(imports_raw, list)
    imports = tuple(ImportRef(m, lvl, tuple(names), line, where) for m, lvl, names, line, where in imports_raw)
    error = SyntaxProblem(error_raw[0], error_raw[1]) if isinstance(error_raw, list) else None
    return ScanResult(imports, error)


def _load(path: Path, table: str) -> dict[str, Any]:
    """One table of a cache file of this version; empty when missing, unreadable or stale."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get(table), dict):
        return {}
    return dict(data[table])


class ScanCache:
    """Per-file scans (`path`), and whole analyses (`path` with an `analyses` suffix) keyed on
    what they depend on, so that an unchanged project costs a few stat calls."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._entries: dict[str, list[object]] | None = None
        self.analyses: dict[str, dict[str, object]] = {}
        self.hits = 0
        self.misses = 0
        self.scanned = 0
        self._dirty = False
        self._analyses_dirty = False
        self._facts: dict[str, Any] | None = None
        self._facts_dirty = False
        if path is not None:
            self.analyses = _load(self._analyses_path, "analyses")

    @property
    def _analyses_path(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.stem + "-analyses.json")

    @property
    def entries(self) -> dict[str, list[object]]:
        """Loaded on first use: a reused analysis never needs them."""
        if self._entries is None:
            self._entries = _load(self.path, "files") if self.path is not None else {}
        return self._entries

    def analysis(self, key: str) -> object | None:
        """A stored analysis payload whose input files all still have the same metadata."""
        stored = self.analyses.get(key)
        if stored is None:
            return None
        files = stored.get("files")
        assert isinstance(files, dict)
        for path, meta in files.items():
            try:
                if _key(os.stat(path)) != meta:
                    return None
            except OSError:
                return None
        return stored.get("payload")

    def store_analysis(self, key: str, files: Iterable[str], payload: object) -> None:
        metas = {}
        for path in files:
            try:
                metas[path] = _key(os.stat(path))
            except OSError:
                return  # a file vanished meanwhile: do not store a result nobody can check
        self.analyses[key] = {"files": metas, "payload": payload}
        while len(self.analyses) > 16:  # keep the newest few (dicts keep insertion order)
            del self.analyses[next(iter(self.analyses))]
        self._analyses_dirty = True

    def _lookup(self, path: str) -> ScanResult | None:
        if not self._fresh(path):
            return None
        payload = self.entries[path][1]
        assert isinstance(payload, list)
        return _decode(payload)

    def _store(self, path: str, key: list[int], result: ScanResult) -> None:
        self.entries[path] = [key, _encode(result)]
        self._dirty = True

    def get(self, path: str) -> ScanResult | None:
        """The scan of one file, from the cache when its metadata is unchanged; None if unreadable."""
        cached = self._lookup(path)
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
        self.scanned += 1
        _, key, result = _scan_file(path)
        if key is not None and result is not None:
            self._store(path, key, result)
        return result

    def _fresh(self, path: str) -> bool:
        entry = self.entries.get(path)
        if entry is None:
            return False
        try:
            return entry[0] == _key(os.stat(path))
        except OSError:
            return False

    def prime(self, paths: Iterable[str], workers: int | None = None) -> None:
        """Scan the files not yet cached, on every core when there are many."""
        todo = [p for p in paths if not self._fresh(p)]
        if not todo:
            return
        workers = workers or len(os.sched_getaffinity(0))
        if len(todo) < PARALLEL_THRESHOLD or workers < 2:
            results = map(_scan_file, todo)
            self._absorb(results)
            return
        with _pool(workers) as pool:
            self._absorb(pool.map(_scan_file, todo, chunksize=64))

    def _absorb(self, results: Iterable[tuple[str, list[int] | None, ScanResult | None]]) -> None:
        for path, key, result in results:
            self.scanned += 1
            if key is not None and result is not None:
                self._store(path, key, result)

    def save(self) -> None:
        if self.path is None:
            return
        if self._dirty:
            write_atomic(self.path, json.dumps({"version": VERSION, "files": self.entries}, separators=(",", ":")))
            self._dirty = False
        if self._analyses_dirty:
            data = {"version": VERSION, "analyses": self.analyses}
            write_atomic(self._analyses_path, json.dumps(data, separators=(",", ":")))
            self._analyses_dirty = False
        if self._facts_dirty:
            data = {"version": VERSION, "facts": self._facts}
            write_atomic(self._facts_path, json.dumps(data, separators=(",", ":")))
            self._facts_dirty = False

    # Facts about a file's content other than its imports (what credential it holds), kept
    # under the same freshness rule: size, mtime and inode.

    @property
    def _facts_path(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.stem + "-facts-v2.json")

    def _fact_table(self) -> dict[str, Any]:
        if self._facts is None:
            self._facts = _load(self._facts_path, "facts") if self.path is not None else {}
        return self._facts

    def prime_facts(
        self, paths: Iterable[str], compute: Callable[[str], str | None], workers: int | None = None
    ) -> int:
        """Compute the facts of the files whose metadata changed, on every core when there are
        many (`compute` must be a module-level function, for the worker processes); returns
        how many files were read."""
        todo: list[tuple[str, list[int]]] = []
        for path in paths:
            try:
                key = _key(os.stat(path))
            except OSError:
                continue
            if not self._fresh_fact(path, key):
                todo.append((path, key))
        if not todo:
            return 0
        workers = workers or len(os.sched_getaffinity(0))
        names = [path for path, _ in todo]
        if len(todo) < PARALLEL_THRESHOLD or workers < 2:
            values: Iterable[str | None] = map(compute, names)
            self._absorb_facts(todo, values)
        else:
            with _pool(workers) as pool:
                self._absorb_facts(todo, pool.map(compute, names, chunksize=32))
        return len(todo)

    def _absorb_facts(self, todo: list[tuple[str, list[int]]], values: Iterable[str | None]) -> None:
        table = self._fact_table()
        for (path, key), value in zip(todo, values, strict=True):
            table[path] = [key, value]
        self._facts_dirty = True

    def _fresh_fact(self, path: str, key: list[int]) -> bool:
        stored = self._fact_table().get(path)
        return isinstance(stored, list) and stored[0] == key

    def fact(self, path: str, compute: Callable[[str], str | None]) -> str | None:
        table = self._fact_table()
        try:
            key = _key(os.stat(path))
        except OSError:
            return compute(path)
        if self._fresh_fact(path, key):
            value = table[path][1]
            return value if isinstance(value, str) else None
        value = compute(path)
        table[path] = [key, value]
        self._facts_dirty = True
        return value
