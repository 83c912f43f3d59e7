"""cim diary add: --text, piped text, the editor on a terminal, never replacing an entry."""

from __future__ import annotations

import datetime
import sys

import pytest

from authoring_support import cim, new_portfolio, snapshot


@pytest.fixture
def root(tmp_path):
    root = new_portfolio(tmp_path)
    assert cim("activity", "add", "--portfolio", root, "--title", "Kyoto * conference", "--category", "conference",
               "--location", "abroad", "--country", "JP", "--start", "2024-09-12").exit_code == 0
    return root


def test_text_entry_with_activity_link(root):
    r = cim("diary", "add", "--portfolio", root, "--text", "Presented my poster.", "--activity", "kyoto-conference", "--date", "2024-09-13")
    assert r.exit_code == 0, r.stderr
    assert (root / "diary" / "2024-09-13.md").read_text() == (
        "# 2024-09-13\n\nActivity: [Kyoto \\* conference](../activities/kyoto-conference.yaml)\n\nPresented my poster.\n"
    )


def test_same_day_entries_never_replace_each_other(root):
    for text in ("one", "two", "three"):
        assert cim("diary", "add", "--portfolio", root, "--text", text, "--date", "2024-09-13").exit_code == 0
    assert (root / "diary" / "2024-09-13.md").read_text().endswith("one\n")
    assert (root / "diary" / "2024-09-13-2.md").read_text().endswith("two\n")
    assert (root / "diary" / "2024-09-13-3.md").read_text().endswith("three\n")


def test_default_date_is_today(root):
    assert cim("diary", "add", "--portfolio", root, "--text", "x").exit_code == 0
    assert (root / "diary" / f"{datetime.date.today().isoformat()}.md").is_file()


def test_piped_text_without_a_terminal(root):
    r = cim("diary", "add", "--portfolio", root, input="Written in a script.\n")
    assert r.exit_code == 0, r.stderr
    (entry,) = [p for p in (root / "diary").iterdir() if p.suffix == ".md"]
    assert entry.read_text().endswith("\n\nWritten in a script.\n")


def test_no_text_and_no_terminal_is_a_usage_error(root):
    before = snapshot(root)
    r = cim("diary", "add", "--portfolio", root, input="")
    assert r.exit_code == 2
    assert "--text" in r.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize("args, words", [(["--activity", "nope"], "there is no activity 'nope'"), (["--date", "yesterday"], "YYYY-MM-DD"), (["--text", "  \n"], "empty")])
def test_bad_values_exit_2(root, args, words):
    before = snapshot(root)
    r = cim("diary", "add", "--portfolio", root, "--text", "x", *args) if "--text" not in args else cim("diary", "add", "--portfolio", root, *args)
    assert r.exit_code == 2
    assert words in r.stderr
    assert snapshot(root) == before


def editor_script(tmp_path, body: str):
    script = tmp_path / "fake editor.py"
    script.write_text(f"import sys\nopen(sys.argv[-1], 'w', encoding='utf-8').write({body!r})\n")
    return f"{sys.executable} '{script}'"  # a command with arguments and a quoted path: split with shlex


def test_editor_on_a_terminal(root, tmp_path, monkeypatch):
    import cim_cli.cli.authoring as cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, "Written in my editor; $(touch pwned)\n"))
    r = cim("diary", "add", "--portfolio", root, "--date", "2024-09-14")
    assert r.exit_code == 0, r.stderr
    assert (root / "diary" / "2024-09-14.md").read_text().endswith("Written in my editor; $(touch pwned)\n")
    assert not (tmp_path / "pwned").exists() and not (root / "pwned").exists()


def test_visual_wins_and_an_empty_edit_writes_nothing(root, tmp_path, monkeypatch):
    import cim_cli.cli.authoring as cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.setenv("VISUAL", editor_script(tmp_path, "  \n\n"))
    monkeypatch.setenv("EDITOR", "false")
    before = snapshot(root)
    r = cim("diary", "add", "--portfolio", root)
    assert r.exit_code == 1
    assert "empty" in r.stderr
    assert snapshot(root) == before


def test_a_failing_or_missing_editor_writes_nothing(root, tmp_path, monkeypatch):
    import cim_cli.cli.authoring as cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.delenv("VISUAL", raising=False)
    before = snapshot(root)
    for editor, words in (("false", "exited with status 1"), (str(tmp_path / "no-such-editor"), "cannot start the editor"), ("'unbalanced", "cannot be read")):
        monkeypatch.setenv("EDITOR", editor)
        r = cim("diary", "add", "--portfolio", root)
        assert r.exit_code == 2, r.stderr
        assert words in r.stderr
    assert snapshot(root) == before
