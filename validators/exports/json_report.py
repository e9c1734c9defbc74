"""The JSON run report (schema: validators/exports/schemas/report.schema.json)."""

from __future__ import annotations

from pathlib import Path

from validators.engine.codec import render_report

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "report.schema.json"

render = render_report
