"""The programme file: what the handbook leaves to each institution.

Defaults are the handbook's values. A programme file may set any subset;
what it leaves out keeps the default (mappings merge, lists replace).

Whoever is judged never sets the rules. Discovery (:func:`discover`):
``--programme FILE``; else the first ``programme.yaml`` walking up from the
portfolio's *parent* folder, passing over every folder that is itself a
portfolio (holds ``student.yaml``); else the built-in default. So a
``programme.yaml`` a student commits inside their portfolio is never used
(the ``programme-in-portfolio`` rule reports it). A file found this way must
be a regular file that is not reached through a symbolic link leaving the
folder it was found in, nor lie inside a portfolio (:func:`safe_config_path`,
the same check for every configuration file found next to the programme, such
as the staff trust list). Every result records the file that judged it, by
path and SHA-256 (:attr:`Programme.ref`).
"""

from __future__ import annotations

import copy
import os
import stat
from typing import Any

from cim_cli.findings import ProgrammeRef
from cim_cli.model import LoadProblem
from cim_cli.record import Record

PROGRAMME_FILE = "programme.yaml"
BUILTIN = "built-in"
# A folder holding this file is a portfolio: nothing in it configures cim.
_STUDENT_FILE = "student.yaml"

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
    "requirements": {
        "min_activities": 3,
        "min_abroad": 0,
        "min_home": 0,
        "min_reflection_words": 50,
        # The handbook: virtual exchange that is already part of a course module
        # earns certificate credit only with additional reflection.
        "formal_reflection": {"categories": ["virtual-exchange"], "min_words": 150},
    },
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
    # cim stats: what may be published (see docs/statistics.md).
    "statistics": {
        "min_count": 5,
        "min_percent_denominator": 23,
        "min_median_count": 8,
        "top_countries": 10,
        "academic_year_start": "09-01",
    },
}


class ProgrammeError(Exception):
    """The programme file cannot be used; ``problems`` carry line numbers."""

    def __init__(self, path: str, problems: list[LoadProblem]):
        super().__init__(f"{path}: invalid programme file")
        self.path = path
        self.problems = problems


class Programme(Record):
    """A loaded programme: the merged settings and the file they came from."""

    data: dict
    source: str  # path of the file as found or given, or "built-in"
    path: str | None  # absolute path of the file; None for the built-in default
    sha256: str | None  # of the file's exact bytes; None for the built-in default

    _defaults = {'path': None, 'sha256': None}

    @property
    def folder(self) -> str | None:
        """The absolute folder of the programme file (where its trust list is looked up); None when built-in."""
        return None if self.path is None else os.path.dirname(self.path)

    @property
    def ref(self) -> ProgrammeRef:
        """Which file judged a portfolio, as results report it."""
        return ProgrammeRef(self.source, self.sha256)

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

    @property
    def trust(self) -> str | None:
        """The staff trust list the programme file names (``trust: trust.yaml``), relative to its folder."""
        value = self.data.get("trust")
        return value if isinstance(value, str) else None

    @property
    def site_url(self) -> str | None:
        """The programme site's base URL (``site: {url: …}``), or None."""
        site = self.data.get("site")
        url = site.get("url") if isinstance(site, dict) else None
        return url if isinstance(url, str) and url else None

    def needs_extra_reflection(self, category: object, curriculum: object) -> bool:
        """True for an activity that is part of a course (curriculum: formal) in a category that then needs more reflection."""
        rule = self.requirements.get("formal_reflection") or {}
        return curriculum == "formal" and category in rule.get("categories", ())

    def reflection_words_needed(self, category: object, curriculum: object) -> int:
        """Words the reflection of an activity needs for it to count."""
        need = self.requirements["min_reflection_words"]
        if self.needs_extra_reflection(category, curriculum):
            return max(need, self.requirements["formal_reflection"]["min_words"])
        return need

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
    data, problems, _ = _read_programme(path)
    return data, problems


def _read_programme(path: str) -> tuple[dict | None, list[LoadProblem], str | None]:
    """(raw data or None, problems, SHA-256 of the bytes read or None)."""
    from cim_cli.load import files
    from cim_cli.load.yamlsafe import parse_yaml
    from cim_cli.validation import schema_problems

    name = os.path.basename(path)
    try:
        raw = files.read_bytes(path, files.MAX_YAML_BYTES)
        import hashlib  # here, not at the top: its OpenSSL import costs every command's start-up

        digest = hashlib.sha256(raw).hexdigest()
        text = files.decode_text(raw)
    except files.ReadError as exc:
        return None, [LoadProblem(exc.rule, name, exc.line, exc.column, f"{name} {exc.message}")], None
    doc = parse_yaml(text, name)
    problems = list(doc.problems)
    if problems or doc.data is None:
        if doc.data is None and not problems:
            return {}, [], digest  # an empty file means: all defaults
        return None, problems, digest
    if not isinstance(doc.data, dict):
        return None, [LoadProblem("schema", name, 1, 1, "a programme file is a set of 'key: value' lines")], digest
    for line, col, message in schema_problems("programme", doc.data, doc.source):
        problems.append(LoadProblem("schema", name, line, col, message))
    data = doc.data
    if not problems:
        from cim_cli.textsafe import quoted

        ids = [c["id"] for c in data.get("catalogue", [])]
        seen: set[str] = set()
        for i, cid in enumerate(ids):
            if cid in seen:
                line, col = doc.source.locate(("catalogue", i, "id"))
                problems.append(LoadProblem("schema", name, line, col, f"catalogue id {quoted(cid)} appears twice"))
            seen.add(cid)
        merged = _merge(DEFAULT, data)
        if merged["report"]["min_words"] > merged["report"]["max_words"]:
            line, col = doc.source.locate(("report", "min_words"))
            problems.append(LoadProblem("schema", name, line, col, "report.min_words is larger than report.max_words"))
    return (None if problems else data), problems, digest


def load_programme(path: str, *, found_in: str | None = None) -> Programme:
    """Load a programme file merged over the defaults; raises ProgrammeError.

    ``found_in``: the folder where discovery found the file; the file is then
    held to :func:`safe_config_path`. A file named on the command line is
    the caller's choice and is only required to be a regular file.
    """
    if found_in is not None:
        real = safe_config_path(found_in, os.path.basename(path))
    else:
        real = os.path.realpath(path)
    data, problems, digest = _read_programme(real)
    if problems or data is None:
        raise ProgrammeError(path, problems)
    return Programme(_merge(DEFAULT, data), path, os.path.abspath(path), digest)


def _refuse(path: str, message: str) -> ProgrammeError:
    name = os.path.basename(path)
    return ProgrammeError(path, [LoadProblem("path-unsafe", name, None, None, message)])


def _inside(real: str, folder_real: str) -> bool:
    return real == folder_real or real.startswith(folder_real.rstrip(os.sep) + os.sep)


def safe_config_path(folder: str, name: str) -> str:
    """The real path of configuration file ``name`` found in (or named relative to) ``folder``.

    For files that configure how portfolios are judged (``programme.yaml``,
    the staff trust list a programme file names). Raises :class:`ProgrammeError`
    when ``name`` is absolute or uses ``..``, when it is reached through a
    symbolic link that leads out of ``folder``, when it is not a regular file,
    or when it lies inside a portfolio (a folder holding ``student.yaml``,
    whose student could then set it).
    """
    from cim_cli.load.files import is_unsafe_spelling

    shown = os.path.join(folder, name)
    why = is_unsafe_spelling(name)
    if why:
        # The spelling rules speak of portfolios; here the file is named by the programme's side.
        why = why.replace("paths must stay inside the portfolio folder", f"name a file in {folder} or below it")
        raise _refuse(shown, f"{os.path.basename(shown) or name} {why}")
    folder_real = os.path.realpath(folder)
    real = os.path.realpath(os.path.join(folder_real, name))
    if not _inside(real, folder_real):
        raise _refuse(shown, f"{shown} is a symbolic link that leads out of {folder} (to {real}); it was not used. Put the file itself there, or name it with --programme")
    try:
        st = os.stat(real)
    except OSError as exc:
        raise _refuse(shown, f"{shown} cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(shown, f"{shown} is not a regular file; it was not used")
    from cim_cli.load.portfolio import portfolio_of_file

    holder = portfolio_of_file(real)
    if holder is not None:
        raise _refuse(shown, f"{shown} lies inside the portfolio {holder}; a file a student can edit never sets the rules. Keep it above the portfolios, or name it with --programme")
    return real


def _holds_programme(folder: str) -> bool:
    # A folder that is a portfolio is passed over: what is inside a portfolio
    # never sets the rules it is judged by. lexists: a broken link is found
    # (and refused), not silently skipped in favour of a file further up.
    return os.path.lexists(os.path.join(folder, PROGRAMME_FILE)) and not os.path.isfile(os.path.join(folder, _STUDENT_FILE))


def discover(start: str | os.PathLike, cache: dict[str, str | None] | None = None, *, portfolio: bool | None = True) -> str | None:
    """The programme file for ``start``, or None.

    The first ``programme.yaml`` walking up from the portfolio's parent,
    passing over folders that are portfolios. ``start`` is a portfolio (or
    one about to be made, or one read at a git revision) unless ``portfolio``
    is False; with None, a folder holding ``student.yaml`` is one, and any
    other folder is searched from itself (``cim programme show`` in a cohort
    folder). ``cache`` remembers each folder passed, so the siblings of a
    cohort share one walk.
    """
    from cim_cli.load.files import find_upwards

    here = os.path.abspath(start)
    if portfolio is None:
        portfolio = os.path.isfile(os.path.join(here, _STUDENT_FILE))
    if portfolio:
        here = os.path.dirname(here)
    home = find_upwards(here, _holds_programme, cache if cache is not None else {})
    return None if home is None else os.path.join(home, PROGRAMME_FILE)


class ProgrammeResolver:
    """The programme of each portfolio of a run, each programme file read once.

    With an explicit file, that one for all; otherwise :func:`discover` per
    portfolio (memoised per folder), else the built-in default. A broken or
    unsafe file raises :class:`ProgrammeError`. :attr:`programmes` lists the
    programmes in first-use order; :meth:`key_for` gives a portfolio's index.
    """

    def __init__(self, explicit: str | None = None) -> None:
        self.programmes: list[Programme] = []
        self._index: dict[str | None, int] = {}
        self._folders: dict[str, str | None] = {}
        self._explicit = explicit is not None
        if explicit is not None:
            self._add(explicit, load_programme(explicit))

    def _add(self, key: str | None, programme: Programme) -> int:
        self._index[key] = len(self.programmes)
        self.programmes.append(programme)
        return self._index[key]

    def key_for(self, portfolio: str, *, is_portfolio: bool | None = True) -> int:
        """Index in :attr:`programmes` of the programme for ``portfolio`` (see :func:`discover`)."""
        if self._explicit:
            return 0
        found = discover(portfolio, self._folders, portfolio=is_portfolio)
        if found in self._index:
            return self._index[found]
        if found is None:
            return self._add(None, default_programme())
        return self._add(found, load_programme(found, found_in=os.path.dirname(found)))

    def for_portfolio(self, portfolio: str, *, is_portfolio: bool | None = True) -> Programme:
        """The programme that judges ``portfolio``."""
        return self.programmes[self.key_for(portfolio, is_portfolio=is_portfolio)]


def resolve_programme(explicit: str | None, portfolio: str | None, *, is_portfolio: bool | None = True) -> Programme:
    """The programme for a run: the explicit file, the discovered one, or the default."""
    if explicit:
        return load_programme(explicit)
    if portfolio is not None:
        return ProgrammeResolver().for_portfolio(portfolio, is_portfolio=is_portfolio)
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
