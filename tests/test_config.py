"""Config loading: where it is found, and errors that name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from validators.config.load import ConfigError, find_config, load_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


GOOD = """\
concurrency = 4
timeout = "10m"

[[validators]]
name = "unit tests"
kind = "command"
run = "pytest -q tests/unit"
timeout = "5m"

[[validators]]
name = "lint"
kind = "command"
run = "ruff check ."
cwd = "src"
env = { RUFF_CACHE_DIR = "/tmp/x", DEBUG = 1 }
"""


def test_a_valid_config_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "checkdeck.toml", GOOD))
    assert config.concurrency == 4
    assert config.timeout_s == 600
    assert [v.name for v in config.validators] == ["unit tests", "lint"]
    assert config.validators[0].timeout_s == 300
    assert config.validators[1].options["env"] == {"RUFF_CACHE_DIR": "/tmp/x", "DEBUG": "1"}
    assert config.validators[0].source == "config: checkdeck.toml:4"
    assert config.project_dir == tmp_path.resolve()


def test_typo_in_a_key_names_file_line_key_and_suggests(tmp_path: Path) -> None:
    path = write(tmp_path / "checkdeck.toml", GOOD.replace('cwd = "src"', 'cdw = "src"'))
    assert problems(path) == [
        f"{path.resolve()}:14: validators[1].cdw: unknown key for kind 'command'; did you mean 'cwd'?"
    ]


def test_typo_in_a_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path / "checkdeck.toml", GOOD.replace("concurrency = 4", "concurency = 4"))
    [message] = problems(path)
    assert message.endswith(":1: concurency: unknown key; did you mean 'concurrency'?")


def test_wrong_type_names_file_line_and_key(tmp_path: Path) -> None:
    path = write(tmp_path / "checkdeck.toml", GOOD.replace('timeout = "5m"', "timeout = true"))
    [message] = problems(path)
    assert message.startswith(f"{path.resolve()}:8: validators[0].timeout: expected a duration")
    path = write(tmp_path / "c2" / "checkdeck.toml", GOOD.replace("concurrency = 4", 'concurrency = "four"'))
    assert problems(path) == [f"{path.resolve()}:1: concurrency: expected a whole number of at least 1, got 'four'"]


def test_missing_key_names_the_validator_table(tmp_path: Path) -> None:
    path = write(tmp_path / "checkdeck.toml", GOOD.replace('run = "ruff check ."\n', ""))
    [message] = problems(path)
    assert message.startswith(f"{path.resolve()}:10: validators[1]: missing key 'run' for kind 'command'")


def test_unknown_kind_suggests_the_nearest(tmp_path: Path) -> None:
    path = write(tmp_path / "checkdeck.toml", GOOD.replace('kind = "command"', 'kind = "comand"', 1))
    [message] = problems(path)
    assert ":6: validators[0].kind: unknown kind 'comand'" in message and "did you mean 'command'?" in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("concurrency = 4", "concurrency = 0").replace('cwd = "src"', 'cdw = "src"')
    assert len(problems(write(tmp_path / "checkdeck.toml", text))) == 2


def test_duplicate_names_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "checkdeck.toml", GOOD.replace('name = "lint"', 'name = "unit tests"'))
    [message] = problems(path)
    assert ":11: validators[1].name: duplicate name 'unit tests'" in message


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "checkdeck.toml", GOOD.replace('name = "lint"', "name = lint"))
    [message] = problems(path)
    assert message.startswith(f"{path.resolve()}:11: invalid TOML")


def test_pyproject_table_is_found_from_a_subdirectory_and_errors_use_its_lines(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.checkdeck]\nconcurrency = 2\n\n'
        '[[tool.checkdeck.validators]]\nname = "t"\nkind = "command"\nrun = "true"\ntimout = "1m"\n',
    )
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    found = find_config(tmp_path / "src" / "pkg")
    assert found == (tmp_path / "pyproject.toml").resolve()
    [message] = problems(found)
    assert message == (
        f"{found}:11: tool.checkdeck.validators[0].timout: unknown key for kind 'command'; did you mean 'timeout'?"
    )


def test_checkdeck_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.checkdeck]\nconcurrency = 2\n")
    write(tmp_path / "checkdeck.toml", "concurrency = 3\n")
    assert find_config(tmp_path) == (tmp_path / "checkdeck.toml").resolve()


def test_pyproject_without_checkdeck_table_is_not_a_config(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(tmp_path) is None


def test_unreadable_config_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "checkdeck.toml"
    path.write_bytes(b"name = \xff\xfe\n")
    [message] = problems(path)
    assert message.startswith(f"{path.resolve()}:1: not UTF-8: byte 0xff")
    folder = tmp_path / "sub" / "checkdeck.toml"
    folder.mkdir(parents=True)
    [message] = problems(folder)
    assert message == f"{folder.resolve()}: cannot read: Is a directory"


def test_subtable_env_is_located(tmp_path: Path) -> None:
    text = '[[validators]]\nname = "a"\nkind = "command"\nrun = "true"\n\n[validators.env]\nX = [1, 2]\n'
    [message] = problems(write(tmp_path / "checkdeck.toml", text))
    assert ":6: validators[0].env: expected a table of strings" in message


def test_a_broken_pyproject_with_checkdeck_config_is_reported_not_skipped(tmp_path: Path) -> None:
    write(tmp_path / "checkdeck.toml", '[[validators]]\nname = "parent"\nkind = "command"\nrun = "true"\n')
    project = tmp_path / "app"
    pyproject = write(
        project / "pyproject.toml",
        '[project]\nname = "x"\n\n[[tool.checkdeck.validators]]\nname = "a"\nkind = "command"\nrun = "true\n',
    )
    assert find_config(project) == pyproject.resolve()
    [problem] = problems(pyproject)
    assert problem.startswith(f"{pyproject.resolve()}:7: invalid TOML")


def test_a_broken_pyproject_without_checkdeck_config_is_passed_over(tmp_path: Path) -> None:
    parent = write(tmp_path / "checkdeck.toml", '[[validators]]\nname = "p"\nkind = "command"\nrun = "true"\n')
    write(tmp_path / "app" / "pyproject.toml", "[project\nname = 1\n")
    assert find_config(tmp_path / "app") == parent.resolve()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_timeouts_must_be_finite(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "checkdeck.toml", f"timeout = {value}\n")
    [problem] = problems(path)
    assert ":1: timeout: expected a finite duration" in problem


def test_non_utf8_config_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "checkdeck.toml"
    path.write_bytes(b'concurrency = 2\n\n[[validators]]\nname = "caf\xe9"\n')
    [problem] = problems(path)
    assert problem == f"{path.resolve()}:4: not UTF-8: byte 0xe9 at column 12; TOML files must be UTF-8"


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "checkdeck.toml"
    path.write_bytes(b'\xef\xbb\xbf[[validators]]\nname = "a"\nkind = "command"\nrun = "true"\n')
    assert [s.name for s in load_config(path).validators] == ["a"]


def test_a_key_like_line_inside_a_multiline_string_is_not_the_key(tmp_path: Path) -> None:
    path = write(
        tmp_path / "checkdeck.toml",
        '[[validators]]\nname = "a"\nkind = "command"\nrun = """\ntimeout = 5\n"""\ntimeout = "soon"\n',
    )
    [problem] = problems(path)
    assert problem.startswith(f"{path.resolve()}:7: validators[0].timeout:")
