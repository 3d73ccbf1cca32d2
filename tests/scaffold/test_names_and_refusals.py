"""What `praxcloud plugin new` refuses: bad or taken names, and any folder that already exists."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from praxcloud.cli import cli
from praxcloud.scaffold import ScaffoldError, check_name, new_plugin

from .conftest import NAME


@pytest.mark.parametrize("name", [
    "", "Visits", "visit-log", "1visits", "_visits", "visits_", "visit__log", "visit log",
    "visité", "a" * 65,
])
def test_names_that_are_not_lower_case_identifiers_are_refused(name):
    with pytest.raises(ScaffoldError, match="invalid plugin name"):
        check_name(name)


@pytest.mark.parametrize("name", ["class", "import", "match"])
def test_python_keywords_are_refused(name):
    with pytest.raises(ScaffoldError, match="Python keyword"):
        check_name(name)


def test_a_name_an_installed_plugin_has_is_refused():
    with pytest.raises(ScaffoldError, match="'mfa_totp' is already installed"):
        check_name("mfa_totp")


@pytest.mark.parametrize("name", ["users", "records", "audit", "me", "sessions", "plugins"])
def test_a_name_the_core_uses_as_a_path_is_refused(name):
    with pytest.raises(ScaffoldError, match=f"the core's path /{{tenant}}/{name}"):
        check_name(name)


def test_a_name_whose_package_is_already_importable_is_refused(tmp_path, monkeypatch):
    (tmp_path / "praxcloud_taken").mkdir()
    (tmp_path / "praxcloud_taken" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ScaffoldError, match="'praxcloud_taken' is already importable"):
        check_name("taken")


@pytest.mark.parametrize("existing", ["empty folder", "folder with a file", "file"])
def test_an_existing_target_is_refused_and_left_untouched(tmp_path, existing):
    target = tmp_path / "mine"
    if existing == "file":
        target.write_text("keep me")
    else:
        target.mkdir()
        if existing == "folder with a file":
            (target / "notes.txt").write_text("keep me")
    before = sorted(path.name for path in tmp_path.rglob("*"))
    with pytest.raises(ScaffoldError, match="already exists"):
        new_plugin(NAME, target)
    assert sorted(path.name for path in tmp_path.rglob("*")) == before
    if existing != "empty folder":
        kept = target if existing == "file" else target / "notes.txt"
        assert kept.read_text() == "keep me"


def test_nothing_is_written_for_a_refused_name(tmp_path):
    with pytest.raises(ScaffoldError):
        new_plugin("Bad-Name", tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


# --- On the command line -----------------------------------------------------------
def run(*args: str):
    # No -c: writing a plugin needs no ini. catch_exceptions=False: a traceback fails loudly.
    return CliRunner().invoke(cli, list(args), catch_exceptions=False,
                              env={"PRAXCLOUD_INI": None})


def test_cli_writes_the_plugin_where_asked_and_says_what_next(tmp_path):
    target = tmp_path / "plugins" / "visits"
    result = run("plugin", "new", NAME, "--directory", str(target))
    assert result.exit_code == 0, result.output
    assert (target / "pyproject.toml").is_file()
    assert f"Wrote plugin '{NAME}' to {target}" in result.output
    assert f"plugins enable SLUG {NAME}" in result.output


def test_cli_writes_into_the_current_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("plugin", "new", NAME).exit_code == 0
    assert (tmp_path / "praxcloud-visit-log" / "praxcloud_visit_log" / "__init__.py").is_file()


def test_cli_refuses_an_existing_folder_with_a_clear_error(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    result = run("plugin", "new", NAME, "--directory", str(target))
    assert result.exit_code == 1
    assert f"Error: {target} already exists" in result.output
    assert "Traceback" not in result.output
    assert list(target.iterdir()) == []


def test_cli_refuses_a_bad_name_with_a_clear_error(tmp_path):
    result = run("plugin", "new", "Visit-Log", "--directory", str(tmp_path / "x"))
    assert result.exit_code == 1
    assert "Error: invalid plugin name 'Visit-Log'" in result.output
    assert not (tmp_path / "x").exists()
