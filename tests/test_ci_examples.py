"""The CI examples (examples/ci/) and the pre-commit hook (.pre-commit-hooks.yaml) work.

Every ``cim ...`` command line in the GitHub Actions and GitLab CI examples is
extracted from its ``run:`` / ``script:`` entry and run, in a git repository
made of the example portfolios (a cohort monorepo) or of one of them (a
student's portfolio repository), with the CI's base branch replaced by a real
revision of that repository. Each must give the exit code the examples'
findings call for and write output that parses. A command added to an example
without an expectation here fails the test, so the examples cannot drift
from what cim does.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "example-portfolios"
CI = REPO / "examples" / "ci"
GITHUB = CI / "github-actions.yml"
GITLAB = CI / "gitlab-ci.yml"
PRE_COMMIT_CONFIG = CI / "pre-commit-config.yaml"
HOOKS = REPO / ".pre-commit-hooks.yaml"

# The base-branch spellings of the examples; the tests put a real revision there.
BASE_REFS = ('"origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"', "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "origin/main")


# -- helpers ------------------------------------------------------------------


def cim_lines(script: str) -> list[str]:
    """The ``cim ...`` command lines of a shell script (backslash continuations joined)."""
    joined = re.sub(r"\\\n\s*", " ", script)
    return [" ".join(line.split()) for line in joined.splitlines() if line.strip().startswith("cim ")]


def github_commands() -> list[tuple[str, str]]:
    """(job id, command line) for every cim command of the GitHub Actions example."""
    workflow = yaml.safe_load(GITHUB.read_text("utf-8"))
    found = []
    for job_id, job in workflow["jobs"].items():
        for step in job["steps"]:
            found += [(job_id, line) for line in cim_lines(step.get("run", ""))]
    return found


def gitlab_commands() -> list[tuple[str, str]]:
    """(job name, command line) for every cim command of the GitLab CI example."""
    config = yaml.safe_load(GITLAB.read_text("utf-8"))
    found = []
    for name, job in config.items():
        if isinstance(job, dict):
            for key in ("before_script", "script", "after_script"):
                for entry in job.get(key, []):
                    found += [(name, line) for line in cim_lines(entry)]
    return found


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_AUTHOR_NAME="CI", GIT_AUTHOR_EMAIL="ci@example.invalid",
               GIT_COMMITTER_NAME="CI", GIT_COMMITTER_EMAIL="ci@example.invalid")
    return env


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                          cwd=cwd, env=git_env(), capture_output=True, text=True, check=True)
    return done.stdout.strip()


def cim_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    env["NO_COLOR"] = "1"
    return env


def run_cim(line: str, cwd: Path, base: str | None = None) -> subprocess.CompletedProcess:
    """Run an example's command line as CI would, with cim from this checkout."""
    for ref in BASE_REFS:
        line = line.replace(ref, base or "HEAD")
    argv = shlex.split(line)
    assert argv[0] == "cim"
    return subprocess.run([sys.executable, "-m", "cim_cli", *argv[1:]], cwd=cwd, env=cim_env(), capture_output=True, text=True, timeout=300)


def cim_help(command: str) -> str | None:
    """The help of a cim command, or None while the command does not exist."""
    done = subprocess.run([sys.executable, "-m", "cim_cli", command, "--help"], capture_output=True, text=True, env={**cim_env(), "COLUMNS": "200"})
    return done.stdout if done.returncode == 0 else None


def require_batch(line: str) -> None:
    """Skip a `cim batch` line until the batch command (and the option it uses) has landed."""
    if not line.startswith("cim batch"):
        return
    help_text = cim_help("batch")
    if help_text is None:
        pytest.skip("cim batch has not landed yet (issue 4): its example command lines cannot run")
    if "--changed-since" in line and "--changed-since" not in help_text:
        pytest.skip("cim batch --changed-since has not landed yet (issue 4)")


# -- repositories like the ones CI checks out ----------------------------------

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def portfolio_repo(tmp_path) -> Path:
    """A student's portfolio repository: the ready example at the top."""
    root = tmp_path / "portfolio"
    shutil.copytree(EXAMPLES / "ready-ada", root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "My portfolio")
    return root


@pytest.fixture
def cohort_repo(tmp_path) -> tuple[Path, str]:
    """A cohort monorepo of the four examples, and the revision 'main' was at before a change.

    After the base commit, a second commit edits two portfolios: the ready one
    (a new diary entry) and the one with report problems. --changed-since the
    base must check exactly those two.
    """
    root = tmp_path / "cohort"
    root.mkdir()
    for example in sorted(p for p in EXAMPLES.iterdir() if (p / "student.yaml").is_file()):
        shutil.copytree(example, root / example.name)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Cohort 2025")
    base = git(root, "rev-parse", "HEAD")
    (root / "ready-ada" / "diary").mkdir(exist_ok=True)
    (root / "ready-ada" / "diary" / "2025-05-01.md").write_text("# Ceremony\n\nThe certificate ceremony is next week.\n", "utf-8")
    report = root / "report-problems-chen" / "report.md"
    report.write_text(report.read_text("utf-8") + "\nOne more sentence after the review.\n", "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Ada and Chen update their portfolios")
    return root, base


def portfolios_in_github_output(stdout: str) -> set[str]:
    names = set()
    for line in stdout.splitlines():
        m = re.search(r"file=([^,:]+)/", line)
        if m:
            names.add(m.group(1).split("/")[0])
    return names


def check_github_annotations(stdout: str) -> list[str]:
    """The annotation lines; every line but the closing summary is a workflow command."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert lines and re.fullmatch(r"cim: \d+ portfolios?, \d+ errors?, \d+ warnings?; programme .+", lines[-1]), stdout
    # Plain lines naming each portfolio's programme (when several judged a run) are log output.
    commands = [line for line in lines[:-1] if not re.fullmatch(r"cim: .+ judged by .+", line)]
    for line in commands:
        assert re.match(r"::(error|warning|notice)( [^:]*)?::", line), line
    return commands


def check_sarif(path: Path) -> dict:
    log = json.loads(path.read_text("utf-8"))
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "cim"
    assert run["results"], "the examples have findings"
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in run["results"]} <= rule_ids
    return log


def check_junit(path: Path) -> ET.Element:
    tree = ET.parse(path)
    root = tree.getroot()
    cases = list(root.iter("testcase"))
    assert cases, "one test case per portfolio"
    return root


# -- the examples parse and their commands are the ones we expect -------------


# What each command of the examples must do: (where it runs, exit code, check of its output).
EXPECTED_GITHUB = {
    ("portfolio", "cim validate . --format github"): ("portfolio", 0),
    ("cohort", "cim batch . --changed-since origin/main --format github"): ("cohort", 1),
    ("cohort", "cim batch . --format sarif -o cim.sarif"): ("cohort", 1),
}
EXPECTED_GITLAB = {
    ("cim", "cim batch . --format junit -o cim-junit.xml"): ("cohort", 1),
    ("cim-changed", 'cim batch . --changed-since "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" --format junit -o cim-changed-junit.xml'): ("cohort", 1),
}


def test_github_example_is_a_workflow_with_the_expected_commands():
    workflow = yaml.safe_load(GITHUB.read_text("utf-8"))
    assert set(workflow["jobs"]) == {"portfolio", "cohort"}
    assert workflow.get("on", workflow.get(True))  # PyYAML reads the key `on` as YAML 1.1 true
    steps = {job: [s.get("uses", "") for s in spec["steps"]] for job, spec in workflow["jobs"].items()}
    for job in ("portfolio", "cohort"):
        assert any(u.startswith("actions/checkout@") for u in steps[job])
        assert any(u.startswith("actions/setup-python@") for u in steps[job])
        checkout = next(s for s in workflow["jobs"][job]["steps"] if s.get("uses", "").startswith("actions/checkout@"))
        assert "fetch-depth" in checkout["with"]
    # --changed-since origin/main needs the history: a full fetch.
    assert next(s for s in workflow["jobs"]["cohort"]["steps"] if s.get("uses", "").startswith("actions/checkout@"))["with"]["fetch-depth"] == 0
    upload = next(s for s in workflow["jobs"]["cohort"]["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "cim.sarif"
    assert workflow["jobs"]["cohort"]["permissions"]["security-events"] == "write"
    assert set(github_commands()) == set(EXPECTED_GITHUB)


def test_gitlab_example_reports_junit():
    config = yaml.safe_load(GITLAB.read_text("utf-8"))
    for name in ("cim", "cim-changed"):
        reports = config[name]["artifacts"]["reports"]["junit"]
        assert reports.endswith(".xml")
        assert any(f"-o {reports}" in line for _, line in gitlab_commands() if _ == name)
        assert config[name]["artifacts"]["when"] == "always"
    assert set(gitlab_commands()) == set(EXPECTED_GITLAB)


# -- and they run --------------------------------------------------------------


@pytest.mark.parametrize(("job", "line"), sorted(EXPECTED_GITHUB), ids=lambda v: v if " " not in v else None)
def test_github_commands_run(job, line, request):
    require_batch(line)
    where, code = EXPECTED_GITHUB[(job, line)]
    cwd, base = (request.getfixturevalue("portfolio_repo"), None) if where == "portfolio" else request.getfixturevalue("cohort_repo")
    done = run_cim(line, cwd, base)
    assert done.returncode == code, done.stderr
    if "--format github" in line:
        annotations = check_github_annotations(done.stdout)
        if "--changed-since" in line:
            # Only the two portfolios changed since the base, and of them only Chen has findings.
            assert portfolios_in_github_output(done.stdout) == {"report-problems-chen"}
        if where == "portfolio":
            assert annotations == []  # the ready example is clean
    if "-o cim.sarif" in line:
        log = check_sarif(cwd / "cim.sarif")
        files = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"] for loc in r.get("locations", [])}
        assert any(f.startswith("record-problems-dana/") for f in files)
        assert any("startLine" in loc["physicalLocation"].get("region", {}) for r in log["runs"][0]["results"] for loc in r.get("locations", []))
        assert done.stdout == ""  # -o: nothing on stdout


@pytest.mark.parametrize(("job", "line"), sorted(EXPECTED_GITLAB), ids=lambda v: v if " " not in v else None)
def test_gitlab_commands_run(job, line, cohort_repo):
    require_batch(line)
    where, code = EXPECTED_GITLAB[(job, line)]
    cwd, base = cohort_repo
    done = run_cim(line, cwd, base)
    assert done.returncode == code, done.stderr
    out = cwd / shlex.split(line)[shlex.split(line).index("-o") + 1]
    root = check_junit(out)
    cases = list(root.iter("testcase"))
    failures = [c for c in cases if c.find("failure") is not None]
    if "--changed-since" in line:
        assert len(cases) == 2  # ready-ada and report-problems-chen changed
        assert len(failures) == 1
    else:
        assert len(cases) == 4  # one per example portfolio
        assert len(failures) == 3  # all but the ready one have errors
    assert done.stdout == ""


# -- the pre-commit hook ---------------------------------------------------------


def test_pre_commit_manifest():
    hooks = yaml.safe_load(HOOKS.read_text("utf-8"))
    assert isinstance(hooks, list) and len(hooks) == 1
    hook = hooks[0]
    assert hook["id"] == "cim-validate"
    assert hook["entry"] == "cim validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is True
    assert hook["args"] == ["."]
    for key in ("name", "description"):
        assert hook[key]
    # The package the python language installs provides the entry's executable.
    pyproject = (REPO / "pyproject.toml").read_text("utf-8")
    assert re.search(r'^cim = "cim_cli\.cli:main"', pyproject, re.M)


def test_pre_commit_consumer_config_uses_the_hook():
    config = yaml.safe_load(PRE_COMMIT_CONFIG.read_text("utf-8"))
    ids = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert ids == ["cim-validate"]
    assert config["repos"][0]["rev"]


def _hook_argv() -> list[str]:
    hook = yaml.safe_load(HOOKS.read_text("utf-8"))[0]
    argv = shlex.split(hook["entry"]) + hook["args"]
    assert argv[0] == "cim"
    return [sys.executable, "-m", "cim_cli", *argv[1:]]


@pytest.mark.parametrize(("example", "code"), [("ready-ada", 0), ("collecting-ben", 1), ("record-problems-dana", 1)])
def test_pre_commit_hook_runs_in_a_portfolio(tmp_path, example, code):
    # pre-commit runs the hook at the top of the repository, i.e. in the portfolio.
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES / example, root)
    done = subprocess.run(_hook_argv(), cwd=root, env=cim_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stderr
    if code:
        assert "error" in done.stdout


def test_pre_commit_validates_the_files_when_installed():
    """pre-commit's own schema check of both files (only where pre-commit is installed)."""
    exe = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not os.path.exists(exe):
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    for args in (["validate-manifest", str(HOOKS)], ["validate-config", str(PRE_COMMIT_CONFIG)]):
        done = subprocess.run([exe, *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
