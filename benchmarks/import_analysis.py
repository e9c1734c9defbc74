"""Import analysis on a generated codebase of ~4,000 modules and ~1.3 million lines: the whole
dockerignore check of one Dockerfile, cold (no scan cache) and warm (nothing changed), in one
run. Aims (issue #3): a few seconds cold on 2 cores, under half a second warm."""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

from validators.docker.analysis import Target
from validators.kinds.dockerignore.verdict import check_dockerfile
from validators.pyimports.cache import ScanCache

BODY = '''

def {name}_{n}(items, limit=10):
    """Return the first items that pass the check, for {name}."""
    result = []
    for index, item in enumerate(items):
        if index >= limit:
            break
        if isinstance(item, dict) and item.get("enabled", True):
            result.append({{"id": item.get("id"), "value": item.get("value", 0) * 2}})
        elif item is None:
            continue
        else:
            result.append(item)
    return result
'''


def make_codebase(root: Path, packages: int, subpackages: int, modules: int, lines: int, rng: random.Random) -> int:
    total = 0
    app = root / "app"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text("")
    main = ["import os", "import sys"] + [f"import app.pkg{p}" for p in range(packages)]
    (app / "main.py").write_text("\n".join(main) + "\n\nif __name__ == '__main__':\n    print(sys.argv)\n")
    for p in range(packages):
        pkg = app / f"pkg{p}"
        pkg.mkdir()
        (pkg / "__init__.py").write_text("\n".join(f"from . import sub{s}" for s in range(subpackages)) + "\n")
        for s in range(subpackages):
            sub = pkg / f"sub{s}"
            sub.mkdir()
            (sub / "__init__.py").write_text("\n".join(f"from .mod{m} import *" for m in range(modules)) + "\n")
            for m in range(modules):
                head = [
                    '"""Generated module for the import benchmark."""',
                    "from __future__ import annotations",
                    "import json",
                    "import logging",
                    f"from app.pkg{rng.randrange(packages)}.sub{rng.randrange(subpackages)} import mod{rng.randrange(modules)}",
                    f"from ..sub{rng.randrange(subpackages)} import mod{rng.randrange(modules)} as other",
                    "try:",
                    "    import ujson as fastjson",
                    "except ImportError:",
                    "    fastjson = json",
                ]
                text = "\n".join(head)
                n = 0
                while text.count("\n") < lines:
                    text += BODY.format(name=f"f{p}_{s}_{m}", n=n)
                    n += 1
                text += "\n\ndef lazy():\n    from app.pkg0.sub0 import mod0\n    return mod0\n"
                (sub / f"mod{m}.py").write_text(text)
                total += text.count("\n") + 1
    (root / "Dockerfile").write_text(
        'FROM python:3.11-slim\nWORKDIR /srv\nCOPY . .\nCMD ["python", "-m", "app.main"]\n'
    )
    (root / ".dockerignore").write_text("**/__pycache__\n*.log\n.git\n")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=40)
    parser.add_argument("--subpackages", type=int, default=10)
    parser.add_argument("--modules", type=int, default=10)
    parser.add_argument("--lines", type=int, default=320)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="checkdeck-imports-"))
    try:
        lines = make_codebase(tmp, args.packages, args.subpackages, args.modules, args.lines, random.Random(3))
        cache_file = tmp / ".checkdeck-bench-cache.json"
        target = Target(tmp / "Dockerfile", tmp, "buildkit")
        modules = args.packages * args.subpackages * args.modules
        start = time.perf_counter()
        cold_cache = ScanCache(cache_file)
        cold = check_dockerfile(target, tmp, cache=cold_cache)
        cold_cache.save()
        t_cold = time.perf_counter() - start
        start = time.perf_counter()
        warm_cache = ScanCache(cache_file)
        warm = check_dockerfile(target, tmp, cache=warm_cache)
        t_warm = time.perf_counter() - start
        followed = next((line for line in cold.log if line.startswith("followed")), "")
        print(f"codebase: {modules} modules, {lines} lines; {followed}")
        print(f"  cold (empty cache)   : {t_cold:6.2f} s   ({cold_cache.scanned} files scanned)")
        print(f"  warm (nothing changed): {t_warm:6.2f} s   ({warm_cache.hits} cache hits, {warm_cache.scanned} scans)")
        print(f"  warm / cold          : {t_warm / t_cold:.3f}")
        assert [f.rule for f in cold.findings] == [f.rule for f in warm.findings]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
