"""`checkdeck baseline architecture`: record today's architecture findings in the committed
baseline file, so that later runs fail only on new ones."""

from __future__ import annotations

import argparse
from pathlib import Path

from validators.engine.model import Config
from validators.engine.wording import plural
from validators.process.terminal_text import printable

from .exit_codes import EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    baseline = sub.add_parser("baseline", help="record today's findings so that later runs fail only on new ones")
    baseline.add_argument("kind", choices=("architecture",), help="which validators (architecture)")
    baseline.add_argument("path", nargs="?", default=".", type=Path, help="project directory (default: .)")
    baseline.add_argument(
        "--config", type=Path, help="config file (default: checkdeck.toml or pyproject.toml, searched upward)"
    )
    baseline.add_argument("--only", nargs="+", metavar="NAME", default=[], help="only these validators")


def run(config: Config, only: list[str]) -> int:
    from validators.archrules.baseline import write
    from validators.archrules.check import counts_against, run_check
    from validators.archrules.settings import from_options
    from validators.engine.store import CACHE_DIR
    from validators.kinds.architecture.validator import config_origin

    specs = [s for s in config.validators if s.kind == "architecture" and (not only or s.name in only)]
    if not specs:
        wanted = f" named {', '.join(only)}" if only else ""
        print(f"checkdeck: no architecture validator{wanted} in {config.path or config.project_dir}")
        return EXIT_USAGE
    written: dict[Path, str] = {}
    for spec in specs:
        settings = from_options(spec.options)
        target = config.project_dir / settings.baseline
        if target in written:
            print(
                printable(f"checkdeck: {spec.name!r} and {written[target]!r} share {settings.baseline}; set `baseline`")
            )
            return EXIT_USAGE
        report = run_check(
            config.project_dir, settings, config.project_dir / CACHE_DIR, config_origin=config_origin(spec.source)
        )
        if report.fatal is not None:
            print(printable(f"checkdeck: {spec.name}: {report.fatal}; no baseline written"))
            return EXIT_USAGE
        findings = [f for f in report.findings if counts_against(f)]
        keys = write(target, findings)
        written[target] = spec.name
        print(
            printable(
                f"{spec.name}: {plural(len(findings), 'finding')} ({plural(keys, 'distinct key')}) recorded in "
                f"{settings.baseline}; commit it, and later runs fail only on new findings"
            )
        )
    return 0
