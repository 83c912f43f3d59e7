"""Registration (``cim init``): a new portfolio with its student.yaml and folders.

The record is checked against the student schema before anything is written.
The files are written in an order that leaves a re-runnable state if cim is
interrupted: folders and help files first, ``student.yaml`` last, because it
is what makes a folder a portfolio. Files that already exist in the folder
(a README of a cloned repository, a .gitignore) are kept, never replaced.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field

from cim_cli.atomic import write_text
from cim_cli.authoring import BadValue, Refused
from cim_cli.authoring import schemas
from cim_cli.authoring.schemas import modeline
from cim_cli.authoring.yamledit import dump_mapping, expect_round_trip, text_problem
from cim_cli.load.portfolio import ACTIVITIES_DIR, DIARY_DIR, EVIDENCE_DIR, REFLECTIONS_DIR, STUDENT_FILE, is_portfolio
from cim_cli.model import SourceMap

# (field, what a person is asked for) in the order of student.yaml.
REQUIRED = (
    ("student_id", "Student id"),
    ("name", "Full name (as on the certificate)"),
    ("email", "Email"),
    ("study_programme", "Study programme"),
)
FLAGS = {"student_id": "--student-id", "name": "--name", "email": "--email", "study_programme": "--study-programme", "registered": "--registered", "cohort": "--cohort"}
FOLDERS = (ACTIVITIES_DIR, REFLECTIONS_DIR, DIARY_DIR, EVIDENCE_DIR)
KEEP = ".gitkeep"
README = "README.md"
GITIGNORE = ".gitignore"

# Only what no student wants in their portfolio's history: cim's own
# interrupted temp files and what operating systems and editors leave behind.
GITIGNORE_TEXT = """\
# Written by cim init. Everything else in this folder belongs in git.
.cim-*.tmp
.DS_Store
Thumbs.db
desktop.ini
*~
*.swp
.~lock.*#
"""


@dataclass
class Created:
    """What :func:`create_portfolio` did: files written and kept, relative to ``root``."""

    root: str
    record: dict
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def missing(values: dict) -> list[str]:
    """The required fields without a value."""
    return [name for name, _ in REQUIRED if not (values.get(name) or "").strip()]


def build_record(values: dict, *, today: datetime.date | None = None) -> dict:
    """The student.yaml record for ``values``; BadValue listing every problem.

    ``values`` holds the REQUIRED fields and optionally ``registered``
    (YYYY-MM-DD, default today) and ``cohort``.
    """
    from cim_cli.validation import is_date, schema_problems

    gaps = missing(values)
    if gaps:
        raise BadValue("missing: " + ", ".join(FLAGS[g] for g in gaps))
    record: dict = {}
    problems = []
    for name in ("student_id", "name", "email", "study_programme", "registered", "cohort"):
        value = values.get(name)
        if value is None:
            continue
        value = value.strip()
        why = text_problem(value)
        if why:
            problems.append(f"{FLAGS[name]} {why}")
        if value or name != "cohort":
            record[name] = value
    record.setdefault("registered", (today or datetime.date.today()).isoformat())
    if not is_date(record["registered"]):
        problems.append(f"--registered: {record['registered']!r} is not a date; write it as YYYY-MM-DD")
    if not problems:
        problems = [f"{message} ({FLAGS.get(_field(message), 'value')})" for _, _, message in schema_problems("student", record, SourceMap())]
    if problems:
        raise BadValue("the registration cannot be written:", problems)
    return record


def answer_problem(name: str, value: str) -> str | None:
    """What is wrong with one answer typed at a prompt (``cim init`` re-asks it), or None."""
    trial = {"student_id": "s1", "name": "A", "email": "a@example.org", "study_programme": "P", name: value}
    try:
        build_record(trial)
    except BadValue as exc:
        # The messages name the flag; at a prompt there is none.
        return "; ".join(d.replace(f" ({FLAGS[name]})", "").removeprefix(FLAGS[name] + " ") for d in exc.details) or exc.message
    return None


def _field(message: str) -> str:
    for name in FLAGS:
        if message.startswith(name) or f"'{name}'" in message:
            return name
    return ""


def student_yaml(record: dict) -> str:
    """The text of student.yaml."""
    text = dump_mapping(
        record.items(),
        header=[modeline("student", STUDENT_FILE), "Your registration for the certificate. Check the portfolio with: cim status"],
    )
    expect_round_trip(text, record, STUDENT_FILE)
    return text


def readme_text(record: dict, programme_title: str) -> str:
    """A short README for the student: what goes where and the next commands."""
    return f"""# International merits portfolio

This folder is a portfolio for the {programme_title}. The `cim` tool reads it
and tells you how far you have come.

| Where | What |
| --- | --- |
| `student.yaml` | your registration |
| `activities/` | one record per activity (`cim activity add`) |
| `reflections/` | your reflection on each activity |
| `evidence/` | certificates, signed programmes, photos (`cim evidence add`) |
| `diary/` | your diary entries (`cim diary add`) |
| `report.md` | your final report (`cim report init`) |

Next steps:

1. Record an activity: `cim activity add --title "..." --category language-cafe --location home --start 2025-03-01`
2. Write your reflection in the file it names under `reflections/`.
3. Add evidence: `cim evidence add SLUG certificate.pdf`
4. See where you stand: `cim status`
5. With three activities that count, write your report: `cim report init`

Add `--commit` to any of these commands to save the change in git.
"""


def create_portfolio(path: str, values: dict, *, programme_title: str, today: datetime.date | None = None) -> Created:
    """Create the portfolio at ``path`` (made if missing). Refused when one is there already."""
    record = build_record(values, today=today)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise BadValue(f"{path} exists and is not a folder")
    if os.path.isdir(path) and (is_portfolio(path) or os.path.lexists(os.path.join(path, STUDENT_FILE))):
        raise Refused(f"{path} already holds a portfolio ({STUDENT_FILE}); nothing was changed")
    text = student_yaml(record)
    os.makedirs(path, exist_ok=True)
    done = Created(path, record)
    for folder in FOLDERS:
        where = os.path.join(path, folder)
        if os.path.lexists(where) and not os.path.isdir(where):
            raise Refused(f"{folder} in {path} is a file, not a folder; move it away and run cim init again")
        os.makedirs(where, exist_ok=True)
        if not os.listdir(where):
            _write_new(done, f"{folder}/{KEEP}", "")
    _write_new(done, README, readme_text(record, programme_title))
    _write_new(done, GITIGNORE, GITIGNORE_TEXT)
    done.written.extend(schemas.refresh(path))
    try:
        write_text(os.path.join(path, STUDENT_FILE), text, exclusive=True)
    except FileExistsError:
        raise Refused(f"{path} already holds a portfolio ({STUDENT_FILE}); nothing was changed") from None
    done.written.append(STUDENT_FILE)
    return done


def _write_new(done: Created, rel: str, text: str) -> None:
    try:
        write_text(os.path.join(done.root, rel), text, exclusive=True)
    except FileExistsError:
        done.kept.append(rel)
    else:
        done.written.append(rel)
