"""The architecture rules on fixture packages: each contract type kept and broken (with its
chain and every edge's line), size rules and overrides, duplicate definitions, banned imports,
files that do not parse, folders without __init__.py, the score, and the baseline ratchet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.architecture_fixture import LAYERS, shop
from validators.archrules.check import Report, run_check
from validators.archrules.settings import from_options
from validators.config.load import ConfigError, load_config
from validators.engine.model import Finding, Severity


def check(root: Path, **options: object) -> Report:
    return run_check(root, from_options(options), root / ".checkdeck" / "cache")


def rules(report: Report) -> list[tuple[str, str | None, int | None]]:
    return sorted((f.rule, f.path, f.line) for f in report.findings)


def contract(report: Report, ident: str) -> tuple[bool, list[Finding]]:
    line = next(c for c in report.contracts if c.id == ident)
    assert line.error is None, line.error
    return line.kept, [f for f in report.findings if f.rule == f"contract/{ident}"]


def test_a_healthy_package_keeps_its_layers_and_scores_every_file(tmp_path: Path) -> None:
    report = check(shop(tmp_path))
    kept, findings = contract(report, "layers")
    assert kept and findings == []
    assert report.findings == []
    assert report.score == 1.0
    # Tests are out of the rules' scope by default, and the scope says why.
    assert "shop/tests/test_api.py" not in report.scope.files
    assert report.scope.excluded == {"**/tests/**": 2}
    assert report.scope.files == sorted(report.scope.files) and len(report.scope.files) == 9
    assert report.modules == 11 and report.imports == 4


def test_a_broken_layer_is_one_finding_per_chain_with_every_edge(tmp_path: Path) -> None:
    root = shop(tmp_path, {"shop/db/cache.py": "from shop.util import x\n\n\nimport os\n"})
    (root / "shop/util.py").write_text("import os\n\nfrom shop.api import routes\n")
    (root / "shop/db/models.py").write_text("from shop.services import billing\n")
    (root / "shop/services/billing.py").write_text("import os\nfrom shop.api.routes import handler\n")
    report = check(root)
    kept, findings = contract(report, "layers")
    assert not kept
    by_summary = {f.message.splitlines()[0]: f for f in findings}
    assert set(by_summary) == {
        "Layers: shop.db is not allowed to import shop.services",
        "Layers: shop.services is not allowed to import shop.api",
        "Layers: shop.db is not allowed to import shop.api",
    }
    indirect = by_summary["Layers: shop.db is not allowed to import shop.api"]
    assert indirect.path == "shop/db/cache.py" and indirect.line == 1
    assert indirect.message.splitlines()[1:] == [
        "chain: shop.db.cache -> shop.util (shop/db/cache.py: l.1)",
        "       shop.util -> shop.api.routes (shop/util.py: l.3)",
    ]
    assert indirect.related == (("shop/db/cache.py", 1), ("shop/util.py", 3))
    direct = by_summary["Layers: shop.services is not allowed to import shop.api"]
    assert (direct.path, direct.line) == ("shop/services/billing.py", 2)
    assert indirect.severity is Severity.ERROR and indirect.hint == "layers contract declared at pyproject.toml:5"


def test_layers_with_containers_and_independent_siblings(tmp_path: Path) -> None:
    contracts = """
[[tool.importlinter.contracts]]
name = "Inside each app"
type = "layers"
containers = ["shop.api", "shop.services"]
layers = ["high", "low_a | low_b"]
"""
    extra = {
        "shop/api/high.py": "from shop.api import low_a\n",
        "shop/api/low_a.py": "",
        "shop/api/low_b.py": "",
        "shop/services/high.py": "",
        "shop/services/low_a.py": "",
        "shop/services/low_b.py": "",
    }
    report = check(shop(tmp_path, extra, contracts))
    assert contract(report, "inside-each-app")[0]
    (tmp_path / "shop/services/low_b.py").write_text("from shop.services.low_a import thing\n")
    (tmp_path / "shop/services/low_a.py").write_text("from shop.services import high\n")
    kept, findings = contract(check(tmp_path), "inside-each-app")
    assert not kept
    assert {f.message.splitlines()[0] for f in findings} == {
        "Inside each app: shop.services.low_b is not allowed to import shop.services.low_a",
        "Inside each app: shop.services.low_a is not allowed to import shop.services.high",
    }


def test_forbidden_with_an_external_package(tmp_path: Path) -> None:
    contracts = """
[[tool.importlinter.contracts]]
name = "db does not speak json"
type = "forbidden"
source_modules = ["shop.db"]
forbidden_modules = ["json"]

[[tool.importlinter.contracts]]
name = "api does not touch db"
type = "forbidden"
source_modules = ["shop.api"]
forbidden_modules = ["shop.db"]
allow_indirect_imports = true
"""
    report = check(shop(tmp_path, contracts=contracts, session="include_external_packages = true"))
    kept, findings = contract(report, "db-does-not-speak-json")
    assert not kept and [(f.path, f.line) for f in findings] == [("shop/db/models.py", 1)]
    assert report.externals == 1 and "shop.db.models -> json" in findings[0].message
    # Indirect imports allowed: api -> services -> db is fine.
    assert contract(report, "api-does-not-touch-db")[0]


def test_independence_protected_and_acyclic_siblings(tmp_path: Path) -> None:
    contracts = """
[[tool.importlinter.contracts]]
name = "apps apart"
type = "independence"
modules = ["shop.api", "shop.util"]

[[tool.importlinter.contracts]]
name = "models only through services"
type = "protected"
protected_modules = ["shop.db.models"]
allowed_importers = ["shop.services"]

[[tool.importlinter.contracts]]
name = "no cycles"
type = "acyclic_siblings"
ancestors = ["shop"]
"""
    report = check(shop(tmp_path, contracts=contracts))
    assert contract(report, "apps-apart")[0]
    assert contract(report, "models-only-through-services")[0]
    assert contract(report, "no-cycles")[0]
    (tmp_path / "shop/db/models.py").write_text("from shop.api import routes\n")
    (tmp_path / "shop/api/direct.py").write_text("\n\nimport shop.db.models\n")
    (tmp_path / "shop/util.py").write_text("import shop.api.routes\n")
    report = check(tmp_path)
    kept, findings = contract(report, "apps-apart")
    assert not kept and [(f.path, f.line) for f in findings] == [("shop/util.py", 1)]
    kept, findings = contract(report, "models-only-through-services")
    assert not kept and [(f.path, f.line) for f in findings] == [("shop/api/direct.py", 3)]
    kept, findings = contract(report, "no-cycles")
    assert not kept and findings and all("a cycle between the children of shop" in f.message for f in findings)


def test_an_invalid_contract_is_an_error_naming_where_it_is_declared(tmp_path: Path) -> None:
    contracts = LAYERS + '\n[[tool.importlinter.contracts]]\nname = "ghost"\ntype = "layers"\nlayers = ["shop.nope"]\n'
    report = check(shop(tmp_path, contracts=contracts))
    ghost = next(f for f in report.findings if f.rule == "contract/ghost")
    header = (tmp_path / "pyproject.toml").read_text().splitlines().index('name = "ghost"')  # the line above it
    assert ghost.severity is Severity.ERROR and (ghost.path, ghost.line) == ("pyproject.toml", header)
    assert "could not be checked" in ghost.message and "shop.nope" in ghost.message
    assert contract(report, "layers")[0]  # the other contract is still checked


def test_size_rules_with_overrides(tmp_path: Path) -> None:
    long_body = "".join(f"    x{i} = {i}\n" for i in range(6))
    extra = {
        "shop/services/big.py": f'def f():\n    """Docs\n    span lines."""\n{long_body}\n\nclass C:\n'
        + "".join(f"    def m{i}(self):\n        pass\n" for i in range(4)),
        "shop/legacy/__init__.py": "",
        "shop/legacy/old.py": f"def g():\n{long_body}" + "\n" * 30,
    }
    root = shop(tmp_path, extra)
    report = check(
        root,
        max_function_lines=5,
        max_class_methods=3,
        max_file_lines=30,
        overrides=[{"paths": ["shop/legacy/**"], "max_function_lines": 0, "max_file_lines": 40}],
    )
    got = [(f.rule, f.path, f.line, f.message) for f in report.findings]
    assert got == [
        ("architecture/function-lines", "shop/services/big.py", 1, "f(): 6 body lines, over the limit of 5"),
        ("architecture/class-methods", "shop/services/big.py", 12, "class C: 4 methods, over the limit of 3"),
    ]
    # Without the override, the legacy file is over both limits.
    report = check(root, max_function_lines=5, max_file_lines=30)
    assert ("architecture/file-lines", "shop/legacy/old.py", 1) in rules(report)
    assert ("architecture/function-lines", "shop/legacy/old.py", 1) in rules(report)


def test_duplicate_classes_list_every_site_within_their_scope(tmp_path: Path) -> None:
    extra = {
        "shop/services/things.py": "class Order:\n    pass\n\nclass Config:\n    pass\n",
        "shop/db/rows.py": "if True:\n    class Order:\n        pass\n\nclass Config:\n    pass\n\nclass _Private:\n    pass\n",
        "shop/api/views.py": "class _Private:\n    pass\n\ndef f():\n    class Order:\n        pass\n",
    }
    report = check(shop(tmp_path, extra), duplicate_classes={"allow": ["Config"]})
    dups = [f for f in report.findings if f.rule == "architecture/duplicate-class"]
    assert [(f.path, f.line) for f in dups] == [("shop/db/rows.py", 2), ("shop/services/things.py", 1)]
    assert all("shop/db/rows.py:2, shop/services/things.py:1" in f.message for f in dups)
    assert dups[0].related == (("shop/services/things.py", 1),)


def test_banned_import_forms(tmp_path: Path) -> None:
    extra = {
        "shop/api/deep/__init__.py": "",
        "shop/api/deep/er.py": "from ...db.models import Row\nfrom shop.util import *\nimport shop.legacy_client.http\n",
        "shop/legacy_client/__init__.py": "",
        "shop/legacy_client/http.py": "",
    }
    report = check(
        shop(tmp_path, extra),
        star_imports=True,
        max_relative_depth=2,
        banned_modules=[{"module": "shop.legacy_client", "use": "shop.services", "reason": "retired"}],
    )
    got = [(f.rule, f.line, f.severity) for f in report.findings if f.path == "shop/api/deep/er.py"]
    assert sorted(got) == [
        ("architecture/banned-module", 3, Severity.ERROR),
        ("architecture/relative-import", 1, Severity.WARNING),
        ("architecture/star-import", 2, Severity.WARNING),
    ]
    banned = next(f for f in report.findings if f.rule == "architecture/banned-module")
    assert "retired" in banned.message and banned.hint == "import shop.services instead"


def test_broken_files_are_findings_and_the_run_goes_on(tmp_path: Path) -> None:
    extra = {
        "shop/services/broken.py": "from shop.api import routes\ndef f(:\n    pass\n",
        "shop/services/latin.py": None,
    }
    root = shop(tmp_path, extra)
    (root / "shop/services/latin.py").write_bytes(b"name = '\xe9t\xe9'\n")
    os.mkfifo(root / "shop/services/pipe.py")
    (root / "shop/services/caf\xe9.py".encode("latin-1").decode("utf-8", "surrogateescape")).write_text("")
    report = check(root)
    got = rules(report)
    assert ("architecture/syntax-error", "shop/services/broken.py", 2) in got
    assert ("architecture/undecodable", "shop/services/latin.py", 1) in got
    assert ("architecture/unreadable", "shop/services/pipe.py", None) in got
    assert any(f.rule == "architecture/not-a-module" and "UTF-8" in f.message for f in report.findings)
    # The broken file's imports are not in the graph: the contract still runs on the rest.
    assert contract(report, "layers")[0]
    assert report.score is not None and report.clean_files == len(report.scope.files) - 3


def test_a_syntax_error_outside_the_scope_is_still_said(tmp_path: Path) -> None:
    root = shop(tmp_path, {"shop/tests/test_x.py": "import shop.db\ndef (:\n"})
    report = check(root)
    f = next(f for f in report.findings if f.path == "shop/tests/test_x.py")
    assert f.rule == "architecture/syntax-error" and f.severity is Severity.WARNING and f.line == 2
    assert "contracts do not see them" in f.message
    assert report.score == 1.0  # outside the scope: it does not count in the score


def test_folders_without_init_are_scanned_or_reported_never_skipped(tmp_path: Path) -> None:
    root = shop(tmp_path, {"shop/db/raw/sql.py": "from shop.api import routes\n", "shop/db/raw/more/x.py": ""})
    scanned = check(root)
    kept, findings = contract(scanned, "layers")
    assert not kept and [f.path for f in findings] == ["shop/db/raw/sql.py"]
    notes = [f for f in scanned.findings if f.rule == "architecture/namespace-folder"]
    assert [(f.severity, f.path) for f in notes] == [(Severity.INFO, "shop/db/raw")]
    assert "2 .py files" in notes[0].message
    reported = check(root, namespace_packages="report")
    assert contract(reported, "layers")[0]  # as import-linter sees it: the folder is not there
    warning = next(f for f in reported.findings if f.rule == "architecture/namespace-folder")
    assert warning.severity is Severity.WARNING and "are not in the import graph" in warning.message


def test_type_checking_imports_count_unless_excluded(tmp_path: Path) -> None:
    extra = {
        "shop/db/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shop.api import routes\n"
    }
    root = shop(tmp_path, extra)
    assert not contract(check(root), "layers")[0]
    assert contract(check(root, exclude_type_checking_imports=True), "layers")[0]


def test_the_score_counts_every_finding_of_every_file(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = 1\n" for i in range(3))
    extra = {f"shop/services/m{i}.py": f"def f():\n{body}" for i in range(30)}
    report = check(shop(tmp_path, extra), max_function_lines=2)
    assert report.rule_counts["architecture/function-lines"] == 30
    assert len(report.scope.files) == 39 and report.clean_files == 9
    assert report.score == pytest.approx(9 / 39)


def test_the_baseline_ratchet(tmp_path: Path) -> None:
    from validators.archrules.baseline import load, write
    from validators.archrules.check import apply_baseline, counts_against

    body = "".join(f"    x{i} = 1\n" for i in range(3))
    root = shop(tmp_path, {"shop/services/a.py": f"def f():\n{body}", "shop/services/b.py": f"def g():\n{body}"})
    first = check(root, max_function_lines=2)
    write(root / "architecture-baseline.json", [f for f in first.findings if counts_against(f)])
    baseline = load(root / "architecture-baseline.json")
    assert baseline is not None

    # Lines shift above both functions: still the same findings, nothing new.
    (root / "shop/services/a.py").write_text(f"import os\n\n\ndef f():\n{body}")
    report = check(root, max_function_lines=2)
    assert apply_baseline(report, baseline, "architecture-baseline.json") == (0, 2, 0)
    assert all(f.severity is Severity.INFO for f in report.findings)

    # One fixed, one new.
    (root / "shop/services/b.py").write_text("def g():\n    pass\n")
    (root / "shop/services/c.py").write_text(f"def h():\n{body}")
    report = check(root, max_function_lines=2)
    assert apply_baseline(report, baseline, "architecture-baseline.json") == (1, 1, 1)
    new = [f for f in report.findings if f.severity is not Severity.INFO]
    assert [(f.path, f.message.split(":")[0]) for f in new] == [("shop/services/c.py", "h()")]
    fixed = [f for f in report.findings if f.rule == "architecture/baseline-fixed"]
    assert len(fixed) == 1 and "shop/services/b.py|g" in fixed[0].message and fixed[0].path == "shop/services/b.py"


def test_config_errors_name_file_line_and_key(tmp_path: Path) -> None:
    config = tmp_path / "checkdeck.toml"
    config.write_text(
        '[[validators]]\nname = "arch"\nkind = "architecture"\nmax_function_lines = -1\n\n'
        '[[validators.contracts]]\nname = "ok"\ntype = "independence"\nmodules = ["a", "b"]\n\n'
        '[[validators.contracts]]\nname = "bad"\ntype = "layers"\nlayerz = ["a"]\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    shown = [str(p) for p in caught.value.problems]
    assert shown[0] == f"{config}:4: validators[0].max_function_lines: expected a whole number (0 turns the rule off)"
    assert shown[1].startswith(f"{config}:11: validators[0].contracts[1].layers: contract 'bad' (layers):")
    assert "Unrecognized option. Did you mean 'layers'?" in shown[1]


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(tmp_path: Path) -> None:
    root = shop(tmp_path)
    (root / ".checkdeck").mkdir()
    (root / ".checkdeck" / "cache").write_text("a file where the cache folder should be")
    report = check(root, max_function_lines=50)
    assert report.fatal is None and contract(report, "layers")[0] and report.score == 1.0
    assert any(line.startswith("cache not written:") for line in report.log)


def test_a_baselined_contract_break_stays_known_when_its_chain_changes(tmp_path: Path) -> None:
    from validators.archrules.baseline import load, write
    from validators.archrules.check import apply_baseline, counts_against

    root = shop(tmp_path)
    (root / "shop/util.py").write_text("from shop.api import routes\n")
    (root / "shop/db/models.py").write_text("import shop.util\n")
    write(root / "base.json", [f for f in check(root).findings if counts_against(f)])
    baseline = load(root / "base.json")
    assert baseline is not None
    # The same illegal dependency (shop.db on shop.api) by another way: not a new finding.
    (root / "shop/db/models.py").write_text("x = 1\n")
    (root / "shop/db/other.py").write_text("\n\nfrom shop.api.routes import handler\n")
    report = check(root)
    assert apply_baseline(report, baseline, "base.json") == (0, 1, 0)


def test_an_error_only_the_grammar_shows_is_found_by_the_full_parse(tmp_path: Path) -> None:
    root = shop(tmp_path, {"shop/services/grammar.py": "import os\nx = = 1\n"})
    full = [f for f in check(root).findings if f.rule == "architecture/syntax-error"]
    assert [(f.path, f.line) for f in full] == [("shop/services/grammar.py", 2)]
    assert "Python cannot import this file" in full[0].message
    assert [f for f in check(root, parse="tokens").findings if f.rule == "architecture/syntax-error"] == []
