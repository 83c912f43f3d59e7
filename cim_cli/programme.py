"""The programme file: what the handbook leaves to each institution.

Defaults are the handbook's values. A programme file may set any subset;
what it leaves out keeps the default (mappings merge, lists replace).
Discovery: ``--programme FILE``, else the first ``programme.yaml`` found
walking up from the portfolio, else the built-in default.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cim_cli.model import LoadProblem

PROGRAMME_FILE = "programme.yaml"
BUILTIN = "built-in"

HANDBOOK_QUESTIONS = [
    "How has your participation contributed to an expansion of your global perspective "
    "in relation to your education and future profession?",
    "What has your participation taught you in relation to your education and future profession?",
    "How can the experience be applied in different cross-cultural situations?",
    "What has been most rewarding and interesting about collecting international merits?",
]

# The handbook asks students to consider these after each activity.
REFLECTION_QUESTIONS = [
    "How has your participation contributed to an expansion of your global perspective "
    "in relation to your education and your future profession?",
    "How can the experience be applied in different cross-cultural situations?",
]


def _category(id: str, title: str, description: str, location: str, min_engagements: int = 1) -> dict:
    return {"id": id, "title": title, "description": description, "location": location, "min_engagements": min_engagements}


DEFAULT: dict[str, Any] = {
    "title": "Certificate of International Merits",
    "requirements": {"min_activities": 3, "min_abroad": 0, "min_home": 0, "min_reflection_words": 50},
    "report": {
        "min_words": 500,
        "max_words": 1000,
        "count_headings": False,
        "questions": HANDBOOK_QUESTIONS,
        "summary_heading": "Summary of activities",
    },
    "reflection_questions": REFLECTION_QUESTIONS,
    "catalogue": [
        _category("exchange-studies", "Exchange studies", "A semester or year of studies at a partner university abroad.", "abroad"),
        _category("thesis-abroad", "Data collection or thesis work abroad", "Collecting data or writing your degree project at an institution abroad.", "abroad"),
        _category("summer-course", "Summer course", "A summer or winter school with an international perspective, abroad or online.", "any"),
        _category("conference", "Conference or workshop", "Attending or presenting at an international conference, symposium or workshop.", "any"),
        _category("short-term-mobility", "Short-term mobility visit", "A study visit, clinical rotation or field trip abroad of a few days or weeks.", "abroad"),
        _category("language-cafe", "Language café or foreign-language club", "Regular participation in a language café or a foreign-language club; several sessions make one merit.", "home", 3),
        _category("mentoring", "Mentoring visiting students", "Mentoring or buddying incoming international students during a term.", "home"),
        _category("guest-lecture", "Guest lectures on global topics", "Attending guest lectures on global topics; several lectures make one merit.", "home", 3),
        _category("virtual-exchange", "Virtual exchange", "Online collaboration with students abroad, extra-curricular or in a course (then with an additional reflection).", "home"),
        _category("volunteer-work", "Volunteer work", "Volunteer work with an international or intercultural dimension.", "any"),
        _category("other", "Other international activity", "Another activity the certificate administrator agrees counts.", "any"),
    ],
}


class ProgrammeError(Exception):
    """The programme file cannot be used; ``problems`` carry line numbers."""

    def __init__(self, path: str, problems: list[LoadProblem]):
        super().__init__(f"{path}: invalid programme file")
        self.path = path
        self.problems = problems


@dataclass(frozen=True)
class Programme:
    """A loaded programme: the merged settings and where they came from."""

    data: dict
    source: str  # path of the file, or "built-in"

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def requirements(self) -> dict:
        return self.data["requirements"]

    @property
    def report(self) -> dict:
        return self.data["report"]

    @property
    def catalogue(self) -> dict[str, dict]:
        return {c["id"]: c for c in self.data["catalogue"]}

    @property
    def reflection_questions(self) -> list[str]:
        return self.data["reflection_questions"]

    def min_engagements(self, category: str) -> int:
        return int(self.catalogue.get(category, {}).get("min_engagements", 1))


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return copy.deepcopy(over)


def default_programme() -> Programme:
    return Programme(copy.deepcopy(DEFAULT), BUILTIN)


def check_programme_file(path: str) -> tuple[dict | None, list[LoadProblem]]:
    """Parse and validate a programme file: (raw data or None, problems)."""
    from cim_cli.load import files
    from cim_cli.load.yamlsafe import parse_yaml
    from cim_cli.validation import schema_problems

    name = os.path.basename(path)
    try:
        text = files.read_text(path, files.MAX_YAML_BYTES)
    except files.ReadError as exc:
        return None, [LoadProblem(exc.rule, name, exc.line, exc.column, f"{name} {exc.message}")]
    doc = parse_yaml(text, name)
    problems = list(doc.problems)
    if problems or doc.data is None:
        if doc.data is None and not problems:
            return {}, []  # an empty file means: all defaults
        return None, problems
    if not isinstance(doc.data, dict):
        return None, [LoadProblem("schema", name, 1, 1, "a programme file is a set of 'key: value' lines")]
    for line, col, message in schema_problems("programme", doc.data, doc.source):
        problems.append(LoadProblem("schema", name, line, col, message))
    data = doc.data
    if not problems:
        ids = [c["id"] for c in data.get("catalogue", [])]
        for i, cid in enumerate(ids):
            if cid in ids[:i]:
                line, col = doc.source.locate(("catalogue", i, "id"))
                problems.append(LoadProblem("schema", name, line, col, f"catalogue id '{cid}' appears twice"))
        merged = _merge(DEFAULT, data)
        if merged["report"]["min_words"] > merged["report"]["max_words"]:
            line, col = doc.source.locate(("report", "min_words"))
            problems.append(LoadProblem("schema", name, line, col, "report.min_words is larger than report.max_words"))
    return (None if problems else data), problems


def load_programme(path: str) -> Programme:
    """Load a programme file merged over the defaults; raises ProgrammeError."""
    data, problems = check_programme_file(path)
    if problems or data is None:
        raise ProgrammeError(path, problems)
    return Programme(_merge(DEFAULT, data), path)


def discover(start: str | os.PathLike) -> str | None:
    """The first programme.yaml found walking up from ``start`` (a folder)."""
    here = Path(os.path.abspath(start))
    for folder in (here, *here.parents):
        candidate = folder / PROGRAMME_FILE
        if candidate.is_file():
            return str(candidate)
    return None


def resolve_programme(explicit: str | None, portfolio: str | None) -> Programme:
    """The programme for a run: the explicit file, the discovered one, or the default."""
    if explicit:
        return load_programme(explicit)
    if portfolio is not None:
        found = discover(portfolio)
        if found:
            return load_programme(found)
    return default_programme()


def dump_default() -> str:
    """The default programme as a commented YAML file for an institution to edit.

    Its first line points editors at the schema that ``cim programme init``
    writes into ``.cim/schemas/`` beside the file (see cim_cli.authoring.schemas).
    """
    import yaml

    from cim_cli.authoring.schemas import modeline

    body = yaml.safe_dump(DEFAULT, sort_keys=False, allow_unicode=True, width=100)
    head = (
        f"# {modeline('programme', 'programme.yaml')}\n"
        "# The Certificate of International Merits as your institution runs it.\n"
        "# Every value below is the handbook's default; change what your working group decided.\n"
        "# Check your edits with: cim programme check programme.yaml\n"
    )
    return head + body
