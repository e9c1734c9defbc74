"""The architecture validator on a generated codebase of ~4,000 modules and ~1.3 million lines,
next to `lint-imports` on the same contracts, both as users run them (a fresh process each).

Prints cold (no cache) and warm (cached) wall times of each, their ratios, a warm run with one
file changed (which must read that one file only), and the in-process split (imports, graph,
contracts, code rules). Aims (issue #13): contracts cold within 2x of lint-imports, warm under
0.5 s; the code rules in a process pool, cached per file."""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from import_analysis import make_codebase

BIN = Path(sys.executable).parent
CONTRACTS = """
[tool.importlinter]
root_packages = ["app"]

[[tool.importlinter.contracts]]
name = "layers"
type = "layers"
layers = ["app.pkg0", "app.pkg1", "app.pkg2"]

[[tool.importlinter.contracts]]
name = "main is the top"
type = "forbidden"
source_modules = ["app.pkg3", "app.pkg4"]
forbidden_modules = ["app.main"]

[[tool.importlinter.contracts]]
name = "independent"
type = "independence"
modules = ["app.pkg5", "app.pkg6"]

[[tool.importlinter.contracts]]
name = "protected"
type = "protected"
protected_modules = ["app.pkg7.sub0"]
allowed_importers = ["app.pkg7"]

[[tool.importlinter.contracts]]
name = "acyclic"
type = "acyclic_siblings"
ancestors = ["app.pkg8"]
depth = 1
"""
RULES = """
[[validators]]
name = "arch"
kind = "architecture"
max_file_lines = 400
max_function_lines = 12
max_class_methods = 20
"""
CONTRACTS_ONLY = """
[[validators]]
name = "arch"
kind = "architecture"
parse = "tokens"
"""
DEFAULT = """
[[validators]]
name = "arch"
kind = "architecture"
"""
RULES_TOKENS = RULES + 'parse = "tokens"\n'


def timed(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PYTHONPATH": str(cwd), "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1"}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return time.perf_counter() - start, done


def lint_imports(root: Path, cached: bool) -> float:
    args = [str(BIN / "lint-imports")] + ([] if cached else ["--no-cache"])
    took, done = timed(args, root)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return took


def checkdeck(root: Path, config: str) -> tuple[float, dict[str, object]]:
    (root / "checkdeck.toml").write_text(config)
    took, done = timed([str(BIN / "checkdeck"), "run", "--export", "bench.json"], root)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report = json.loads((root / "bench.json").read_text())
    return took, report["validators"][0]


def best(runs: list[float]) -> float:
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=40)
    parser.add_argument("--subpackages", type=int, default=10)
    parser.add_argument("--modules", type=int, default=10)
    parser.add_argument("--lines", type=int, default=320)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="checkdeck-arch-"))
    start = time.perf_counter()
    try:
        lines = make_codebase(tmp, args.packages, args.subpackages, args.modules, args.lines, random.Random(3))
        (tmp / "pyproject.toml").write_text(CONTRACTS)
        modules = args.packages * args.subpackages * args.modules
        print(f"codebase: {modules} modules, {lines} lines, 5 contracts")
        configs = (
            ("contracts, tokenizer check", CONTRACTS_ONLY),
            ("contracts, full parse (default)", DEFAULT),
            ("+ code rules, tokenizer check", RULES_TOKENS),
            ("+ code rules, full parse", RULES),
        )
        lint_cold: list[float] = []
        lint_warm: list[float] = []
        walls: dict[tuple[str, str], list[float]] = {}
        inner: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeat):
            shutil.rmtree(tmp / ".import_linter_cache", ignore_errors=True)
            lint_cold.append(lint_imports(tmp, cached=False))
            lint_imports(tmp, cached=True)  # writes the cache
            lint_warm.append(lint_imports(tmp, cached=True))
            for label, config in configs:
                for state in ("cold", "warm"):
                    if state == "cold":
                        shutil.rmtree(tmp / ".checkdeck", ignore_errors=True)
                    took, result = checkdeck(tmp, config)
                    walls.setdefault((label, state), []).append(took)
                    inner.setdefault((label, state), []).append(float(str(result["duration_s"])))
            changed = tmp / "app" / "pkg1" / "sub1" / "mod1.py"
            changed.write_text(changed.read_text() + "\n\ndef added():\n    return 1\n")
            took, changed_result = checkdeck(tmp, RULES)
            walls.setdefault(("one file changed", "warm"), []).append(took)
            inner.setdefault(("one file changed", "warm"), []).append(float(str(changed_result["duration_s"])))
        log = (tmp / str(changed_result["log_path"])).read_text() if changed_result.get("log_path") else ""
        times = next((line for line in log.splitlines() if line.startswith("times:")), "")
        print("  wall time of a fresh process (in brackets: the validator's own time), ratio to lint-imports")
        print(
            f"  {'lint-imports':36} cold {best(lint_cold):5.2f} s                 warm (cached) {best(lint_warm):5.2f} s"
        )
        for label, _ in (*configs, ("one file changed", "")):
            parts = []
            for state, baseline in (("cold", lint_cold), ("warm", lint_warm)):
                if (label, state) in walls:
                    wall, own = best(walls[(label, state)]), best(inner[(label, state)])
                    parts.append(f"{state} {wall:5.2f} s ({own:5.2f} s) {wall / best(baseline):4.2f}x")
            print(f"  {'checkdeck ' + label:36} " + "   ".join(parts))
        print(f"  last run: {changed_result['summary']}")
        print(f"  last run's {times}")
        print(f"  (whole benchmark: {time.perf_counter() - start:.0f} s)")
        assert "1 files read for the code rules, 1 for imports" in times, times
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
