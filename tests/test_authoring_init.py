"""cim init: registration, layout, refusals, terminal and non-terminal use, git."""

from __future__ import annotations

import datetime
import json

from authoring_support import STUDENT, cim, git, snapshot
from cim_cli.load.yamlsafe import parse_yaml
from cim_cli.validation import schema_problems
from cim_cli.model import SourceMap


def test_init_creates_a_valid_portfolio_without_git(tmp_path):
    r = cim("init", tmp_path / "ada", *STUDENT, "--no-git", "--cohort", "2026")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    root = tmp_path / "ada"
    for rel in ("activities/.gitkeep", "reflections/.gitkeep", "diary/.gitkeep", "evidence/.gitkeep", "README.md", ".gitignore"):
        assert (root / rel).is_file(), rel
    assert not (root / ".git").exists()
    text = (root / "student.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=.cim/schemas/student.schema.json\n")
    doc = parse_yaml(text, "student.yaml")
    assert doc.problems == ()
    assert doc.data == {
        "student_id": "s1234567", "name": "Ada Lovelace", "email": "ada@example.org",
        "study_programme": "Medicine", "registered": datetime.date.today().isoformat(), "cohort": "2026",
    }
    assert list(schema_problems("student", doc.data, SourceMap())) == []
    assert "student.yaml" in r.stderr and "cim activity add" in r.stderr
    assert "cim evidence add" in (root / "README.md").read_text()
    # The new portfolio validates (registered, nothing to do yet but no errors).
    v = cim("validate", root, "--format", "json")
    assert json.loads(v.stdout)["portfolios"][0]["stage"] == "registered"
    assert v.exit_code == 0, v.stdout


def test_registered_date_can_be_given_and_is_checked(tmp_path):
    assert cim("init", tmp_path / "a", *STUDENT, "--no-git", "--registered", "2024-09-01").exit_code == 0
    assert "registered: 2024-09-01\n" in (tmp_path / "a" / "student.yaml").read_text()
    r = cim("init", tmp_path / "b", *STUDENT, "--no-git", "--registered", "2024-02-30")
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.stderr
    assert not (tmp_path / "b").exists()


def test_bad_email_is_a_usage_error_and_writes_nothing(tmp_path):
    args = list(STUDENT)
    args[args.index("ada@example.org")] = "ada@localhost"
    r = cim("init", tmp_path / "ada", *args, "--no-git")
    assert r.exit_code == 2
    assert "email" in r.stderr and "--email" in r.stderr
    assert not (tmp_path / "ada").exists()


def test_refuses_an_existing_portfolio_and_changes_nothing(tmp_path):
    root = tmp_path / "ada"
    assert cim("init", root, *STUDENT, "--no-git").exit_code == 0
    (root / "README.md").write_text("mine")
    before = snapshot(root)
    r = cim("init", root, "--student-id", "x", "--name", "Other", "--email", "o@example.org", "--study-programme", "Law", "--no-git")
    assert r.exit_code == 1
    assert "already holds a portfolio" in r.stderr
    assert snapshot(root) == before


def test_keeps_files_already_in_the_folder(tmp_path):
    root = tmp_path / "clone"
    root.mkdir()
    (root / "README.md").write_text("# Our repository\n")
    (root / "activities").mkdir()
    (root / "activities" / "old.txt").write_text("keep")
    r = cim("init", root, *STUDENT, "--no-git")
    assert r.exit_code == 0
    assert (root / "README.md").read_text() == "# Our repository\n"
    assert "README.md (already there, kept)" in r.stderr
    assert not (root / "activities" / ".gitkeep").exists()  # the folder was not empty


def test_without_a_terminal_missing_flags_are_listed_and_exit_2(tmp_path):
    r = cim("init", tmp_path / "ada", "--name", "Ada", "--no-git")
    assert r.exit_code == 2
    for flag in ("--student-id", "--email", "--study-programme"):
        assert flag in r.stderr
    assert "--name" not in r.stderr.split("missing")[1].split("(")[0]
    assert not (tmp_path / "ada").exists()


def test_on_a_terminal_missing_values_are_prompted(tmp_path, monkeypatch):
    import cim_cli.cli.authoring as cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    r = cim("init", tmp_path / "ada", "--name", "Ada Lovelace", "--no-git", input="s1\nada@example.org\nMedicine\n")
    assert r.exit_code == 0, r.stderr
    data = parse_yaml((tmp_path / "ada" / "student.yaml").read_text(), "s").data
    assert (data["student_id"], data["email"], data["study_programme"]) == ("s1", "ada@example.org", "Medicine")


def test_path_that_is_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "f").write_text("x")
    assert cim("init", tmp_path / "f", *STUDENT, "--no-git").exit_code == 2


def test_no_git_and_commit_contradict(tmp_path):
    assert cim("init", tmp_path / "a", *STUDENT, "--no-git", "--commit").exit_code == 2
    assert not (tmp_path / "a").exists()


# -- git --------------------------------------------------------------------------------------


def test_init_starts_a_repository_with_a_first_commit(tmp_path):
    root = tmp_path / "ada"
    r = cim("init", root, *STUDENT)
    assert r.exit_code == 0, r.stderr
    assert "first commit" in r.stderr
    assert git(root, "log", "--format=%an <%ae>|%s").stdout.strip() == "Ada Lovelace <ada@example.org>|Register: Ada Lovelace (s1234567)"
    tracked = set(git(root, "ls-files").stdout.split())
    assert tracked == {"student.yaml", "README.md", ".gitignore", "activities/.gitkeep", "reflections/.gitkeep", "diary/.gitkeep", "evidence/.gitkeep", ".cim/schemas/student.schema.json", ".cim/schemas/activity.schema.json"}
    assert git(root, "status", "--porcelain").stdout == ""


def test_inside_an_existing_work_tree_no_new_repository(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "other.txt").write_text("staged by the student")
    git(tmp_path, "add", "other.txt")
    r = cim("init", tmp_path / "ada", *STUDENT)
    assert r.exit_code == 0
    assert not (tmp_path / "ada" / ".git").exists()
    assert "inside the git repository" in r.stderr
    r = cim("init", tmp_path / "ben", *STUDENT, "--commit")
    assert r.exit_code == 0, r.stderr
    committed = git(tmp_path, "show", "--name-only", "--format=", "HEAD").stdout.split()
    assert "ben/student.yaml" in committed and "other.txt" not in committed
    assert not any(p.startswith("ada/") for p in committed)


def test_without_git_installed_the_portfolio_is_still_created(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin-here"))
    r = cim("init", tmp_path / "ada", *STUDENT)
    assert r.exit_code == 0
    assert "warning" in r.stderr and "git is not installed" in r.stderr
    assert (tmp_path / "ada" / "student.yaml").is_file()
    assert not (tmp_path / "ada" / ".git").exists()
    r = cim("init", tmp_path / "ben", *STUDENT, "--commit")
    assert r.exit_code == 1 and (tmp_path / "ben" / "student.yaml").is_file()
