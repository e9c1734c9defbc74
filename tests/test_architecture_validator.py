"""The architecture validator through the runner and the command line: what it says, the Info
rows, SARIF with every finding and each chain's edges, and the baseline command."""

from __future__ import annotations

import json
from pathlib import Path

import anyio

from tests.architecture_fixture import shop
from tests.helpers import run_specs
from tests.test_cli import checkdeck
from validators.engine.model import Severity, Status, ValidatorSpec

CONFIG = """
[[validators]]
name = "arch"
kind = "architecture"
max_function_lines = 3
size_severity = "error"
"""


def broken_shop(root: Path) -> Path:
    body = "".join(f"    x{i} = 1\n" for i in range(5))
    shop(root, {"shop/services/long.py": f"def f():\n{body}", "shop/db/bad.py": "def (:\n"})
    (root / "shop/util.py").write_text("from shop.api import routes\n")
    (root / "shop/db/models.py").write_text("import shop.util\n")
    (root / "checkdeck.toml").write_text(CONFIG)
    return root


def test_the_run_says_score_contracts_and_counts_by_rule(tmp_path: Path) -> None:
    root = broken_shop(tmp_path)
    spec = ValidatorSpec("arch", "architecture", {"max_function_lines": 3}, source="config: checkdeck.toml:2")
    summary, _ = anyio.run(lambda: run_specs(root, [spec]))
    result = summary.results[0]
    assert result.status is Status.FAILED
    assert result.summary == (
        "failed: score 72.7% (8 of 11 files clean); 0 of 1 contract kept; "
        "by rule: contract/layers 1, function-lines 1, syntax-error 1"
    )
    rows = dict(result.details)
    assert rows["score"].startswith("score 72.7% (8 of 11 files clean): files with no finding / files in scope")
    assert rows["roots"] == "shop (import-linter config)"
    assert rows["excluded"] == "2 files by **/tests/**"
    assert rows["contract layers"] == "Layers (layers, pyproject.toml): broken, 1 illegal chain"
    assert rows["rule contract/layers"] == "1" and rows["rule function-lines"] == "1"
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    assert [f.rule for f in errors] == ["architecture/syntax-error", "contract/layers"]  # errors first, by rule
    assert result.log_path is not None and "times: layout" in result.log_path.read_text()


def test_sarif_carries_every_finding_with_its_location_and_chain(tmp_path: Path) -> None:
    root = broken_shop(tmp_path)
    done = checkdeck("run", "--export", "out.sarif", "out.json", cwd=root)
    assert done.returncode == 1, done.stderr
    assert "chain: shop.db.models -> shop.util (shop/db/models.py: l.1)" in done.stdout
    sarif = json.loads((root / "out.sarif").read_text())
    results = sarif["runs"][0]["results"]
    report = json.loads((root / "out.json").read_text())
    assert len(results) == len(report["validators"][0]["findings"]) == 3
    chain = next(r for r in results if r["ruleId"] == "contract/layers")
    location = chain["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "shop/db/models.py" and location["region"]["startLine"] == 1
    related = [
        (r["physicalLocation"]["artifactLocation"]["uri"], r["physicalLocation"]["region"]["startLine"])
        for r in chain["relatedLocations"]
    ]
    assert related == [("shop/db/models.py", 1), ("shop/util.py", 1)]
    fingerprint = chain["partialFingerprints"]["checkdeck/v1"]
    assert fingerprint == "contract|layers|shop.db is not allowed to import shop.api"


def test_baseline_command_then_only_new_findings_fail(tmp_path: Path) -> None:
    root = broken_shop(tmp_path)
    done = checkdeck("baseline", "architecture", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "arch: 3 findings (3 distinct keys) recorded in architecture-baseline.json" in done.stdout
    stored = json.loads((root / "architecture-baseline.json").read_text())
    assert sorted(item["rule"] for item in stored["findings"]) == [
        "architecture/function-lines",
        "architecture/syntax-error",
        "contract/layers",
    ]
    done = checkdeck("run", cwd=root)
    assert done.returncode == 0, done.stdout
    assert "0 new, 3 in the baseline, 0 fixed" in done.stdout
    assert "score 72.7%" in done.stdout  # the baseline changes the verdict, never the score

    (root / "shop/db/bad.py").write_text("x = 1\n")
    body = "".join(f"    y{i} = 1\n" for i in range(5))
    (root / "shop/services/more.py").write_text(f"def g():\n{body}")
    done = checkdeck("run", "--export", "out.json", cwd=root)
    assert done.returncode == 1
    assert "1 new, 2 in the baseline, 1 fixed" in done.stdout
    findings = json.loads((root / "out.json").read_text())["validators"][0]["findings"]
    failing = [f for f in findings if f["severity"] != "info"]
    assert [(f["rule"], f["path"]) for f in failing] == [("architecture/function-lines", "shop/services/more.py")]
    fixed = [f for f in findings if f["rule"] == "architecture/baseline-fixed"]
    assert len(fixed) == 1 and fixed[0]["path"] == "shop/db/bad.py"


def test_a_damaged_baseline_fails_the_run_and_says_why(tmp_path: Path) -> None:
    root = broken_shop(tmp_path)
    (root / "architecture-baseline.json").write_text('{"format": "something else"}')
    done = checkdeck("run", cwd=root)
    assert done.returncode == 1
    assert "architecture-baseline.json: not a checkdeck architecture baseline" in done.stdout


def test_detected_when_the_project_declares_import_linter_contracts(tmp_path: Path) -> None:
    shop(tmp_path)
    done = checkdeck("list", cwd=tmp_path)
    assert "architecture  architecture  detected: import-linter contracts in pyproject.toml" in done.stdout
    done = checkdeck("run", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert "passed: score 100.0% (9 of 9 files clean); 1 of 1 contract kept; no findings" in done.stdout
