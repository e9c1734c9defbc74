"""What the build-context check predicts for an image, in a form a smoke result can confirm or
refute: the entrypoint modules to import, and the modules it says the image lacks with the
`.dockerignore` line or missing COPY to blame. Computed by the same analysis the `dockerignore`
validator runs (validators.docker.analysis), so both validators speak of the same cause."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from validators.docker.analysis import Checks, Target, analyse_dockerfile, relative
from validators.docker.dockerfile import words
from validators.pyimports.cache import ScanCache


@dataclass(frozen=True)
class PredictedGap:
    module: str
    where: str  # "module", "function", "guarded" or "entrypoint" (pyimports' words)
    cause: str  # "ignored" (an ignore line dropped it) or "not-copied" (no COPY brings it)
    certain: bool
    finding_at: str  # project path:line of the `dockerignore` validator's finding
    excluded_by: str | None  # ".dockerignore:6 `**/monitoring/`"
    fix: str | None  # the line that re-includes it, checked

    def covers(self, module: str) -> bool:
        """Whether a ModuleNotFoundError for `module` is this gap."""
        return module == self.module or module.startswith(self.module + ".") or self.module.startswith(module + ".")


@dataclass(frozen=True)
class Prediction:
    modules: tuple[str, ...] = ()  # entrypoint modules, importable with `python -c`
    interpreter: str = "python3"  # the image's Python, as CMD/ENTRYPOINT names it
    gaps: tuple[PredictedGap, ...] = ()
    note: str = ""  # why nothing was predicted


def _interpreter(argv: list[str] | None) -> str | None:
    for word in argv or []:
        name = word.rsplit("/", 1)[-1]
        if name.startswith("python"):
            return word
    return None


def predict(target: Target, project: Path, cache_path: Path, run_key: str | None) -> Prediction:
    """In a worker process: the analysis reads the whole context."""
    cache = ScanCache(cache_path)
    found = analyse_dockerfile(
        target, project, cache=cache, checks=Checks(secrets=False, compare_builders=False), run_key=run_key
    )
    try:
        cache.save()
    except OSError:
        pass  # an optimisation: the next run scans again
    if found.read_error or found.parse_error or found.report is None or found.report.error is not None:
        return Prediction(note="the build-context check could not read this build")
    imports = found.imports
    if imports is None:
        return Prediction(note="no Python entrypoint or package was found in the image")
    interpreter = "python3"
    try:
        from validators.docker.dockerfile import parse
        from validators.engine.safe_read import read_regular

        parsed = parse(read_regular(target.dockerfile).decode("utf-8"))
        final = (
            parsed.stages[-1]
            if target.target is None
            else next(
                (s for s in parsed.stages if s.name and s.name.lower() == target.target.lower()), parsed.stages[-1]
            )
        )
        for ins in reversed(final.instructions):
            if ins.keyword in ("CMD", "ENTRYPOINT"):
                found_interp = _interpreter(words(ins.args) or ins.args.split())
                if found_interp:
                    interpreter = found_interp
                    break
    except (OSError, UnicodeDecodeError, ValueError):
        pass
    modules = (
        tuple(dict.fromkeys(e.target for e in imports.entrypoints if e.kind == "module"))
        if not imports.fallback
        else ()
    )
    ignore_rel = found.ignore_rel or ".dockerignore"
    gaps = []
    for gap in imports.gaps:
        miss = gap.missing
        line = gap.excluded_by
        excluded = None
        if line is not None:
            excluded = (
                f"{ignore_rel}:{line.line} `{line.text.strip()}`"
                if line.line
                else f"the docker CLI's rule {line.pattern!r}"
            )
        importer = relative(target.context / miss.importer, project) if miss.importer else found.dockerfile_rel
        at = f"{importer}:{miss.line}" if miss.line else importer
        gaps.append(PredictedGap(miss.module, miss.where, miss.cause, gap.certain, at, excluded, gap.fix))
    return Prediction(modules, interpreter, tuple(gaps))
