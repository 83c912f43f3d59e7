"""Recording an activity (``cim activity add``): its record and a reflection template.

Values are checked before anything is written, by the rules ``cim validate``
applies: the activity schema, the programme's catalogue, real dates in order,
a country for an activity abroad. What is legal but will not count yet (a
category meant for abroad recorded at home, a start in the future, too few
engagements for the category) is returned as warnings.
"""

from __future__ import annotations

import datetime
import difflib
import math
import os
from dataclasses import dataclass, field

from cim_cli.atomic import write_text
from cim_cli.authoring import BadValue
from cim_cli.authoring.locate import safe_folder
from cim_cli.authoring.mdtext import escape_markdown
from cim_cli.authoring.slug import unique_slug
from cim_cli.authoring import schemas
from cim_cli.authoring.schemas import modeline
from cim_cli.authoring.yamledit import dump_mapping, expect_round_trip, text_problem
from cim_cli.load.portfolio import ACTIVITIES_DIR, REFLECTIONS_DIR, default_reflection
from cim_cli.model import SourceMap

LOCATIONS = ("home", "abroad")
CURRICULA = ("formal", "informal")
REQUIRED = (("title", "--title"), ("category", "--category"), ("location", "--location"), ("start", "--start"))


@dataclass
class ActivityInput:
    """What a student says about an activity; strings as typed, None when not given."""

    title: str | None = None
    category: str | None = None
    location: str | None = None
    start: str | None = None
    end: str | None = None
    country: str | None = None
    host: str | None = None
    description: str | None = None
    credits: float | None = None
    credit_bearing: bool | None = None
    curriculum: str | None = None
    engagements: int | None = None

    def missing(self) -> list[str]:
        """Flags of the required values not given."""
        return [flag for name, flag in REQUIRED if not (getattr(self, name) or "").strip()]


@dataclass
class Added:
    """An activity written: its slug, the files (relative), and what will not count yet."""

    slug: str
    record: dict
    files: list[str]
    warnings: list[str] = field(default_factory=list)


def catalogue_listing(programme) -> list[str]:
    """One line per catalogue entry: id, title, where and how many engagements."""
    lines = []
    for cid, entry in programme.catalogue.items():
        extra = []
        if entry.get("location", "any") != "any":
            extra.append(entry["location"])
        if int(entry.get("min_engagements", 1)) > 1:
            extra.append(f"{entry['min_engagements']} engagements")
        lines.append(f"{cid:<20} {entry.get('title', '')}" + (f" ({', '.join(extra)})" if extra else ""))
    return lines


def build_record(given: ActivityInput, programme, *, slug: str, today: datetime.date | None = None) -> tuple[dict, list[str]]:
    """(record, warnings) for ``given``; BadValue (nothing written) for anything cim validate would reject."""
    from cim_cli.validation import is_date, schema_problems

    gaps = given.missing()
    if gaps:
        raise BadValue("missing: " + ", ".join(gaps))
    text = {}
    problems = []
    for name in ("title", "category", "location", "start", "end", "country", "host", "description", "curriculum"):
        value = getattr(given, name)
        if value is None:
            continue
        value = value.strip()
        why = text_problem(value)
        if why:
            problems.append(f"--{name} {why}")
        text[name] = value
    if problems:
        raise BadValue("the activity cannot be recorded:", problems)

    catalogue = programme.catalogue
    category = text["category"]
    if category not in catalogue:
        folded = [cid for cid in catalogue if cid.casefold() == category.casefold()]
        category = folded[0] if len(folded) == 1 else category
    if category not in catalogue:
        guess = difflib.get_close_matches(category, list(catalogue), n=1)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        raise BadValue(f"unknown category '{category}'{hint}; the programme's catalogue has:", catalogue_listing(programme))
    location = text["location"].lower()
    if location not in LOCATIONS:
        raise BadValue(f"--location must be home or abroad, not {text['location']!r}")
    country = text.get("country") or None
    if country is not None:
        country = _country_code(country)
    if location == "abroad" and not country:
        raise BadValue("an activity abroad needs the country: add --country with its two-letter code, e.g. --country DE")
    for name in ("start", "end"):
        if name in text and not is_date(text[name]):
            raise BadValue(f"--{name}: {text[name]!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-03-01")
    if "end" in text and text["end"] < text["start"]:
        raise BadValue(f"--end {text['end']} is before --start {text['start']}")
    if given.credits is not None and (not math.isfinite(given.credits) or given.credits < 0):
        raise BadValue(f"--credits must be a number of at least 0, not {given.credits}")
    curriculum = text.get("curriculum")
    if curriculum is not None and curriculum.lower() not in CURRICULA:
        raise BadValue(f"--curriculum must be formal or informal, not {curriculum!r}")
    need = programme.min_engagements(category)
    engagements = given.engagements
    if engagements is None and need > 1:
        engagements = 1  # written out so the student sees what to update as sessions add up

    record = {
        "title": text["title"],
        "category": category,
        "location": location,
        "country": country,
        "host": text.get("host") or None,
        "description": text.get("description") or None,
        "start": text["start"],
        "end": text.get("end"),
        "curriculum": curriculum.lower() if curriculum else None,
        "credit_bearing": given.credit_bearing,
        "credits": given.credits,
        "engagements": engagements,
        "reflection": default_reflection(slug),
    }
    record = {k: v for k, v in record.items() if v is not None}
    found = [message for _, _, message in schema_problems("activity", record, SourceMap())]
    if found:
        raise BadValue("the activity cannot be recorded:", [_flagged(m) for m in found])
    return record, _warnings(record, programme, need, today or datetime.date.today())


def _country_code(given: str) -> str:
    """The ISO code for --country, or BadValue that suggests one (``Germany`` -> DE)."""
    from cim_cli.countries import is_code, suggest

    if is_code(given.strip().upper()) and len(given.strip()) == 2:
        return given.strip().upper()
    code = suggest(given)
    hint = f"did you mean --country {code}?" if code else "use the two-letter ISO 3166-1 code, e.g. --country DE"
    raise BadValue(f"--country {given!r} is not a country code; {hint}")


def _flagged(message: str) -> str:
    """A schema message with the command-line flag instead of the field name."""
    head, sep, rest = message.partition(":")
    if sep and head.isidentifier():
        return f"--{head.replace('_', '-')}:{rest}"
    return message


def _warnings(record: dict, programme, need: int, today: datetime.date) -> list[str]:
    warnings = []
    entry = programme.catalogue[record["category"]]
    where = entry.get("location", "any")
    if where in LOCATIONS and where != record["location"]:
        warnings.append(f"the category '{record['category']}' is meant for activities {'at ' if where == 'home' else ''}{where}, but this one is {record['location']}; check the category")
    home_country = programme.data.get("country")
    if record["location"] == "home" and record.get("country") and record["country"] != home_country:
        from cim_cli.countries import name

        warnings.append(
            f"the activity is at home, but the country is {record['country']} ({name(record['country'])}); "
            "if you travelled, record it with --location abroad (a partner's country in a virtual exchange is fine)"
        )
    if datetime.date.fromisoformat(record["start"]) > today:
        warnings.append(f"the start {record['start']} is in the future; it will not count until it has taken place")
    if record.get("engagements", 1) < need:
        warnings.append(
            f"'{record['category']}' counts after {need} engagements and you recorded {record.get('engagements', 1)}; "
            "raise 'engagements' in the record as you attend more"
        )
    return warnings


def reflection_template(title: str, programme, record: dict | None = None) -> str:
    """The reflection file: a title, guidance in an HTML comment, one heading per question."""
    record = record or {}
    need = programme.reflection_words_needed(record.get("category"), record.get("curriculum"))
    why = " (more than usual: the activity is part of your course)" if programme.needs_extra_reflection(record.get("category"), record.get("curriculum")) else ""
    parts = [
        f"# Reflection: {escape_markdown(title)}",
        "",
        "<!--",
        f"Write at least {need} words{why} under the questions below, in your own words, soon after the activity.",
        "Keep the headings. Text inside these comment marks does not count as words; you can delete it.",
        "See how many words count with: cim status",
        "-->",
    ]
    for question in programme.reflection_questions:
        parts += ["", f"## {question}", ""]
    return "\n".join(parts) + "\n"


def add_activity(root: str, given: ActivityInput, programme, *, today: datetime.date | None = None) -> Added:
    """Write ``activities/<slug>.yaml`` and ``reflections/<slug>.md``; nothing when a value is wrong.

    If the second file cannot be written the first is removed again, so an
    activity is recorded whole or not at all.
    """
    slug = unique_slug(root, (given.title or "").strip())
    record, warnings = build_record(given, programme, slug=slug, today=today)
    text = dump_mapping(
        record.items(),
        header=[
            modeline("activity", f"{ACTIVITIES_DIR}/{slug}.yaml"),
            "Recorded with cim activity add. Edit it as you like; check it with: cim validate",
            f"Add evidence with: cim evidence add {slug} FILE",
        ],
    )
    record_rel = f"{ACTIVITIES_DIR}/{slug}.yaml"
    expect_round_trip(text, record, record_rel)
    reflection_rel = record["reflection"]
    activities = safe_folder(root, ACTIVITIES_DIR)
    reflections = safe_folder(root, REFLECTIONS_DIR)
    record_path = os.path.join(activities, f"{slug}.yaml")
    write_text(record_path, text, exclusive=True)
    try:
        write_text(os.path.join(reflections, f"{slug}.md"), reflection_template(record["title"], programme, record), exclusive=True)
    except BaseException:
        os.unlink(record_path)
        raise
    # The schema the record's first line points at, for editors (after the record: never without it).
    return Added(slug, record, [record_rel, reflection_rel, *schemas.refresh(root)], warnings)


def answer_problem(name: str, value: str, programme) -> str | None:
    """What is wrong with one answer typed at a prompt (``cim activity add`` re-asks it), or None."""
    from cim_cli.validation import is_date

    value = value.strip()
    if not value:
        return "an answer is needed"
    why = text_problem(value)
    if why:
        return why
    if name == "category":
        catalogue = programme.catalogue
        if value in catalogue or sum(1 for cid in catalogue if cid.casefold() == value.casefold()) == 1:
            return None
        guess = difflib.get_close_matches(value, list(catalogue), n=1)
        return f"'{value}' is not in the catalogue" + (f"; did you mean '{guess[0]}'?" if guess else "; choose an id from the list above")
    if name == "location" and value.lower() not in LOCATIONS:
        return "answer home or abroad"
    if name in ("start", "end") and not is_date(value):
        return "write the date as YYYY-MM-DD, e.g. 2025-03-01"
    return None
