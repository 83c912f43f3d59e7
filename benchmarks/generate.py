"""Generate a synthetic cohort of student portfolios for benchmarks and tests.

    python benchmarks/generate.py OUT --students N --activities K [--seed S]
                                  [--layout monorepo|git|repos] [--problems FRACTION]

Writes N portfolios under OUT (one folder per student), each with a
student.yaml, K activity records of mixed categories at home and abroad,
small evidence files, a reflection of 60-200 words per activity, a few diary
entries and, for about half of the students, a final report of 600-900 words
under the programme's required headings (taken from
``cim_cli.programme.DEFAULT``). About 5% of the portfolios get one deliberate
problem, in turn:

* ``duplicate-key``: an activity record repeats its ``host:`` key
  (cim reports ``yaml-duplicate-key``);
* ``missing-evidence``: an activity lists an evidence file that is not there
  (``file-missing``);
* ``short-report``: the report has fewer words than the programme's minimum
  (``report-words``).

The output is a pure function of the arguments: the same seed gives the same
bytes. ``OUT/.cohort.json`` records the arguments and which portfolio has
which problem, so that benchmarks can reuse a cohort and tests can check the
findings. With ``--layout repos`` every student folder is its own git
repository with one commit (as a folder of cloned student repositories
would be); that is slower, since git runs three times per student.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

# The generator is run as a script from the repository (benchmarks/ is not a
# package); make the checkout's cim_cli importable even without an install.
_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from cim_cli.programme import DEFAULT  # noqa: E402  (after the path set-up)

GENERATOR_VERSION = 1
MANIFEST = ".cohort.json"
# monorepo: plain folders; git: the same, committed in one repository (what
# --rev and --changed-since read); repos: each folder its own repository.
LAYOUTS = ("monorepo", "git", "repos")
PROBLEM_KINDS = ("duplicate-key", "missing-evidence", "short-report")
# The rule each deliberate problem must produce, and where.
PROBLEM_RULES = {"duplicate-key": "yaml-duplicate-key", "missing-evidence": "file-missing", "short-report": "report-words"}

WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")

# ---------------------------------------------------------------------------
# Vocabulary. Plain words only: every generator of text below keeps its own
# word count, so sizes are exact whichever (reasonable) counter reads them.

FIRST = [
    "Ada", "Ben", "Chen", "Dana", "Emil", "Fatima", "Gustav", "Hanna", "Ivan", "Julia", "Kofi", "Lena",
    "Mateo", "Noor", "Oskar", "Priya", "Quentin", "Rosa", "Sami", "Tuva", "Umar", "Vera", "Wei", "Ximena",
    "Yusuf", "Zoë", "Åsa", "Jürgen", "Łukasz", "Björn", "Chloé", "José", "Siobhán", "Müge", "Ngozi", "Aiko",
]
LAST = [
    "Lindqvist", "Okafor", "Nakamura", "Novak", "García", "Müller", "Ødegaard", "Kowalski", "Haddad", "Rossi",
    "Andersson", "Dubois", "Papadopoulos", "Kim", "Nguyen", "Silva", "O'Brien", "Van der Berg", "Hansen",
    "Yilmaz", "Mensah", "Ivanova", "Bergström", "Costa", "Jensen", "Fischer", "Lund", "Sato", "Patel", "Wang",
]
PROGRAMMES = [
    "Medicine", "Nursing", "Biomedicine", "Public Health", "Physiotherapy", "Dentistry", "Psychology",
    "Molecular Biology", "Occupational Therapy", "Global Health", "Pharmacy", "Speech Therapy",
]
ABROAD_COUNTRIES = [
    ("DE", "Berlin", "Charité Berlin"), ("FR", "Lyon", "Université Claude Bernard Lyon"),
    ("ES", "Granada", "University of Granada"), ("IT", "Bologna", "University of Bologna"),
    ("NL", "Utrecht", "Utrecht University"), ("JP", "Kyoto", "Kyoto University"),
    ("US", "Boston", "Boston University"), ("GB", "Edinburgh", "University of Edinburgh"),
    ("NO", "Oslo", "University of Oslo"), ("FI", "Helsinki", "University of Helsinki"),
    ("DK", "Aarhus", "Aarhus University"), ("KE", "Nairobi", "University of Nairobi"),
    ("BR", "São Paulo", "University of São Paulo"), ("VN", "Hanoi", "Hanoi Medical University"),
    ("CA", "Toronto", "University of Toronto"), ("AU", "Melbourne", "University of Melbourne"),
    ("CH", "Geneva", "University of Geneva"), ("PL", "Kraków", "Jagiellonian University"),
    ("CZ", "Prague", "Charles University"), ("PT", "Lisbon", "University of Lisbon"),
    ("IE", "Dublin", "Trinity College Dublin"), ("IN", "Manipal", "Manipal Academy of Higher Education"),
    ("ZA", "Cape Town", "University of Cape Town"), ("KR", "Seoul", "Seoul National University"),
]
LANGUAGES = ["Spanish", "French", "German", "Arabic", "Japanese", "Italian", "Portuguese", "Mandarin", "Swahili"]
TOPICS = [
    "global health", "antimicrobial resistance", "migration and health", "climate and health",
    "maternal care", "health equity", "digital health", "infectious disease", "palliative care",
    "rehabilitation", "mental health", "nutrition", "patient safety", "health policy",
]
HOME_HOSTS = [
    "Student union language club", "International Office", "Faculty of Medicine", "Global Health Society",
    "Red Cross local branch", "University Library", "Department of Public Health", "Buddy programme",
]

# Categories by where they happen: (category id, title template). Templates
# use {city}, {topic}, {language}; the catalogue's "location" decides which
# list a category is in.
_TITLES = {
    "exchange-studies": ["Exchange semester in {city}", "Erasmus studies in {city}"],
    "thesis-abroad": ["Thesis data collection in {city}", "Degree project at a lab in {city}"],
    "short-term-mobility": ["Study visit to {city}", "Clinical rotation in {city}", "Field trip to {city}"],
    "summer-course": ["Summer school on {topic}", "Winter course on {topic}"],
    "conference": ["Conference on {topic}", "Workshop on {topic}", "Poster at a symposium on {topic}"],
    "language-cafe": ["{language} language café", "{language} conversation club"],
    "mentoring": ["Mentoring incoming students", "Buddy for exchange students"],
    "guest-lecture": ["Guest lectures on {topic}", "Lecture series on {topic}"],
    "virtual-exchange": ["Virtual exchange on {topic}", "Online course with partners on {topic}"],
    "volunteer-work": ["Volunteering in {topic}", "Volunteer work with newcomers"],
    "other": ["Student network for {topic}", "International week on {topic}"],
}

OPENERS = [
    "During this activity", "At first", "Looking back", "In the first week", "Over time", "Later on",
    "To my surprise", "Most of all", "In the end", "Before I started", "Afterwards", "Every session",
]
SUBJECTS = [
    "I", "my group", "the other students", "our teachers", "the hosts", "my supervisor", "we",
    "the people I met", "my classmates", "the organisers",
]
VERBS = [
    "learned how", "noticed that", "discussed why", "saw how", "understood that", "talked about how",
    "reflected on why", "realised that", "compared how", "asked how",
]
CLAUSES = [
    "care is organised differently in every health system",
    "language shapes how patients describe their symptoms",
    "small habits of communication matter in a team",
    "my own assumptions were not shared by everyone",
    "cross-cultural teamwork needs explicit expectations",
    "good questions open a conversation across borders",
    "research travels less easily than we pretend",
    "hierarchies at work differ from one country to another",
    "patience is part of every international collaboration",
    "listening carefully builds trust with strangers",
    "the same guideline can be applied in different ways",
    "a shared goal helps a mixed group to work well",
    "humour and food bring people together quickly",
    "feedback is given and received differently",
    "my future profession is shaped by global questions",
    "local knowledge changes what a good solution looks like",
]
TAILS = [
    "", "", "", " in practice", " every day", " in my own field", " at my university",
    " in a hospital setting", " with real patients", " in small groups",
]


def _sentence(rng: random.Random) -> tuple[str, int]:
    text = f"{rng.choice(OPENERS)} {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(CLAUSES)}{rng.choice(TAILS)}."
    return text, len(WORD.findall(text))


def paragraphs(rng: random.Random, words: int, per_paragraph: tuple[int, int] = (40, 90)) -> tuple[list[str], int]:
    """Paragraphs of about ``words`` words in total (never fewer); (paragraphs, exact count)."""
    out: list[str] = []
    total = 0
    while total < words:
        target = min(rng.randint(*per_paragraph), words - total)
        sentences: list[str] = []
        n = 0
        while n < target or not sentences:
            s, k = _sentence(rng)
            sentences.append(s)
            n += k
        out.append(" ".join(sentences))
        total += n
    return out, total


def ascii_slug(text: str) -> str:
    """Lower-case ASCII with hyphens, as a file name a student would pick."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "activity"


# ---------------------------------------------------------------------------
# Tiny but real evidence files.

_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

# ---------------------------------------------------------------------------
# The cohort.


@dataclass
class StudentSpec:
    """What was generated for one student (kept in the manifest)."""

    folder: str
    student_id: str
    activities: int
    report: bool
    problem: str | None = None
    problem_file: str | None = None  # the file the problem's finding is reported on
    report_words: int | None = None
    reflection_words: list[int] = field(default_factory=list)


def _catalogue_by_location() -> dict[str, list[str]]:
    where: dict[str, list[str]] = {"home": [], "abroad": []}
    for entry in DEFAULT["catalogue"]:
        loc = entry.get("location", "any")
        for side in ("home", "abroad"):
            if loc in (side, "any") and entry["id"] in _TITLES:
                where[side].append(entry["id"])
    return where


_BY_LOCATION = _catalogue_by_location()
_MIN_ENGAGEMENTS = {c["id"]: int(c.get("min_engagements", 1)) for c in DEFAULT["catalogue"]}


def _date(rng: random.Random, first_year: int, last_year: int) -> tuple[int, int, int]:
    return rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28)


def _iso(d: tuple[int, int, int]) -> str:
    return f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}"


def _yaml_str(value: str) -> str:
    """A YAML scalar for ``value``: plain where safe (as a student writes), else double-quoted."""
    if re.fullmatch(r"[A-Za-zÀ-ɏ][\w .,()'À-ɏ–-]*", value) and not value.endswith(" ") and ": " not in value:
        return value
    return json.dumps(value, ensure_ascii=False)


class _Writer:
    """Collects the files of one portfolio, then writes them in one go."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def text(self, rel: str, text: str) -> None:
        self.files[rel] = text.encode("utf-8")

    def binary(self, rel: str, data: bytes) -> None:
        self.files[rel] = data

    def flush(self, root: Path) -> None:
        made: set[str] = set()
        for rel, data in self.files.items():
            folder = os.path.dirname(rel)
            if folder not in made:
                os.makedirs(root / folder, exist_ok=True)
                made.add(folder)
            with open(root / rel, "wb") as fh:
                fh.write(data)


def _student(index: int, seed: int, n_activities: int, problem: str | None, rng: random.Random) -> tuple[StudentSpec, _Writer]:
    w = _Writer()
    first, last = rng.choice(FIRST), rng.choice(LAST)
    year = rng.choice((2021, 2022, 2023))
    student_id = f"{year}-{index:05d}"
    folder = f"{student_id}-{ascii_slug(last)}"
    email = f"{ascii_slug(first)}.{ascii_slug(last)}.{index}@student.example.edu".replace("-", "")
    registered = (year, rng.randint(8, 10), rng.randint(1, 28))
    w.text(
        "student.yaml",
        "# yaml-language-server: $schema=https://cim.invalid/schemas/student.schema.json\n"
        f'student_id: "{student_id}"\n'
        f"name: {_yaml_str(first + ' ' + last)}\n"
        f"email: {email}\n"
        f"study_programme: {rng.choice(PROGRAMMES)}\n"
        f"registered: {_iso(registered)}\n"
        f'cohort: "{year}"\n',
    )
    with_report = problem == "short-report" or rng.random() < 0.5
    spec = StudentSpec(folder, student_id, n_activities, with_report, problem)
    broken_activity = rng.randrange(n_activities) if problem in ("duplicate-key", "missing-evidence") else -1

    slugs: set[str] = set()
    photos: list[str] = []
    diary_dates: list[str] = []
    for a in range(n_activities):
        location = "abroad" if rng.random() < 0.45 else "home"
        category = rng.choice(_BY_LOCATION[location])
        country, city, university = rng.choice(ABROAD_COUNTRIES)
        topic, language = rng.choice(TOPICS), rng.choice(LANGUAGES)
        title = rng.choice(_TITLES[category]).format(city=city, topic=topic, language=language)
        if location == "home" and "{city}" in title:  # an "any" category at home names no city
            title = title.replace(f" in {city}", "")
        slug = ascii_slug(title)
        while slug in slugs:
            slug += "-2"
        slugs.add(slug)
        start = _date(rng, registered[0] + 1, 2025)
        days = rng.choice((1, 2, 3, 5, 14, 30, 90, 150))
        end_ord = _ordinal(start) + days
        end = _from_ordinal(min(end_ord, _ordinal((2025, 12, 31))))
        host = university if location == "abroad" else rng.choice(HOME_HOSTS)
        lines = [
            "# yaml-language-server: $schema=https://cim.invalid/schemas/activity.schema.json",
            f"title: {_yaml_str(title)}",
            f"category: {category}",
            f"location: {location}",
        ]
        if location == "abroad":
            lines.append(f"country: {country}")  # unquoted: NO stays the string "NO" in YAML 1.2
        lines.append(f"host: {_yaml_str(host)}")
        if a == broken_activity and problem == "duplicate-key":
            lines.append(f"host: {_yaml_str(rng.choice(HOME_HOSTS))}")
            spec.problem_file = f"activities/{slug}.yaml"
        lines += [f"start: {_iso(start)}", f"end: {_iso(end)}"]
        credit = category in ("exchange-studies", "summer-course", "virtual-exchange") and rng.random() < 0.7
        lines.append(f"credit_bearing: {'true' if credit else 'false'}")
        if credit:
            lines.append(f"credits: {rng.choice((1.5, 3, 5, 7.5, 15, 30))}")
        lines.append(f"curriculum: {'formal' if credit else 'informal'}")
        need = _MIN_ENGAGEMENTS.get(category, 1)
        if need > 1 or rng.random() < 0.2:
            lines.append(f"engagements: {rng.randint(need, need + 6)}")
        lines.append("evidence:")
        kinds = [("certificate.pdf", "certificate", "Certificate of participation")]
        if rng.random() < 0.5:
            kinds.append(("photo.png", "photo", "A photo from the activity"))
        if category in ("language-cafe", "guest-lecture") and rng.random() < 0.5:
            kinds[0] = ("attendance-signed.pdf", "signed-programme", "Attendance list signed by the organiser")
        for i, (name, kind, description) in enumerate(kinds):
            rel = f"evidence/{slug}/{name}"
            data = _PNG if name.endswith(".png") else _PDF + f"% {student_id} {slug}\n".encode()
            lines += [f"  - path: {rel}", f"    kind: {kind}", f"    description: {description}"]
            if rng.random() < 0.5:
                lines.append(f"    sha256: {hashlib.sha256(data).hexdigest()}")
            if a == broken_activity and problem == "missing-evidence" and i == 0:
                spec.problem_file = f"activities/{slug}.yaml"  # listed, never written
            else:
                w.binary(rel, data)
            if kind == "photo":
                photos.append(rel)
        w.text(f"activities/{slug}.yaml", "\n".join(lines) + "\n")

        # An activity in a course needs the longer reflection of DEFAULT's formal_reflection.
        formal = credit and category in DEFAULT["requirements"]["formal_reflection"]["categories"]
        body, count = paragraphs(rng, rng.randint(150 if formal else 60, 200), (30, 80))
        spec.reflection_words.append(count)
        text = [f"# Reflection: {title}", ""]
        questions = DEFAULT["reflection_questions"]
        if len(body) >= 2 and rng.random() < 0.6:
            half = len(body) // 2
            text += [f"## {questions[0]}", "", *_blank(body[:half]), f"## {questions[1]}", "", *_blank(body[half:])]
        else:
            text += _blank(body)
        w.text(f"reflections/{slug}.md", "\n".join(text))
        if rng.random() < 0.25:
            diary_dates.append(_iso(start))

    for day in sorted(set(diary_dates)):
        body, _ = paragraphs(rng, rng.randint(20, 90), (20, 60))
        w.text(f"diary/{day}.md", "\n".join([f"# {day}", "", *_blank(body)]))

    if with_report:
        words = rng.randint(150, 350) if problem == "short-report" else rng.randint(600, 900)
        if problem == "short-report":
            spec.problem_file = "report.md"
        text, count = _report(rng, words, photos)
        spec.report_words = count
        w.text("report.md", text)
    return spec, w


def _blank(paras: list[str]) -> list[str]:
    out = []
    for p in paras:
        out += [p, ""]
    return out


def _report(rng: random.Random, words: int, photos: list[str]) -> tuple[str, int]:
    """A report of exactly ``words`` body words or a little more, under the required headings."""
    headings = [DEFAULT["report"]["summary_heading"], *DEFAULT["report"]["questions"]]
    share = words // len(headings)
    parts = [
        "---", "title: My international merits", "---", "# Report: Certificate of International Merits", "",
        "<!-- Written for the certificate ceremony. Comments do not count as words. -->", "",
    ]
    total = 0
    for i, heading in enumerate(headings):
        want = share if i < len(headings) - 1 else max(words - total, 10)
        body, count = paragraphs(rng, want, (50, 120))
        total += count
        parts += [f"## {heading}", "", *_blank(body)]
        if i == 0 and photos and rng.random() < 0.4:
            parts += [f"![A moment from one of my activities]({rng.choice(photos)})", ""]
    return "\n".join(parts), total


def _ordinal(d: tuple[int, int, int]) -> int:
    import datetime

    return datetime.date(*d).toordinal()


def _from_ordinal(n: int) -> tuple[int, int, int]:
    import datetime

    d = datetime.date.fromordinal(n)
    return d.year, d.month, d.day


def problem_plan(students: int, seed: int, fraction: float) -> dict[int, str]:
    """Which student indexes get which deliberate problem (kinds in turn)."""
    count = round(students * fraction)
    if fraction > 0 and students >= len(PROBLEM_KINDS) and count == 0:
        count = 1
    chosen = sorted(random.Random(f"problems-{seed}").sample(range(students), min(count, students)))
    return {index: PROBLEM_KINDS[i % len(PROBLEM_KINDS)] for i, index in enumerate(chosen)}


def generate(out: str | os.PathLike, students: int, activities: int, seed: int = 1, layout: str = "monorepo", problems: float = 0.05) -> list[StudentSpec]:
    """Write the cohort under ``out`` and return what was generated, student by student."""
    if students < 1 or activities < 1:
        raise ValueError("--students and --activities must be at least 1")
    if layout not in LAYOUTS:
        raise ValueError(f"--layout is one of {', '.join(LAYOUTS)}")
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    if any(p.name != MANIFEST for p in root.iterdir()):
        raise FileExistsError(f"{root} is not empty; give a new folder")
    plan = problem_plan(students, seed, problems)
    specs = []
    for index in range(students):
        rng = random.Random(f"{seed}-{index}")
        spec, writer = _student(index, seed, activities, plan.get(index), rng)
        writer.flush(root / spec.folder)
        specs.append(spec)
    if layout == "repos":
        for spec in specs:
            commit_folder(root / spec.folder, f"Portfolio of {spec.student_id}")
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "students": students,
        "activities": activities,
        "seed": seed,
        "layout": layout,
        "problems": problems,
        "portfolios": [asdict(s) for s in specs],
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if layout == "git":
        commit_folder(root, f"Cohort of {students}")  # the manifest too: the work tree is clean
    return specs


def git_environment() -> dict[str, str]:
    """A git environment that ignores the user's and the system's configuration, with fixed dates."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="cim benchmark",
        GIT_AUTHOR_EMAIL="bench@example.invalid",
        GIT_COMMITTER_NAME="cim benchmark",
        GIT_COMMITTER_EMAIL="bench@example.invalid",
        GIT_AUTHOR_DATE="2025-06-01T12:00:00+00:00",
        GIT_COMMITTER_DATE="2025-06-01T12:00:00+00:00",
    )
    return env


def commit_folder(folder: Path, message: str) -> None:
    """git init ``folder`` and commit everything in it (no hooks, no signing)."""
    env = git_environment()
    safe = ["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", message]):
        subprocess.run(["git", *safe, *args], cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL)


def read_manifest(out: str | os.PathLike) -> dict | None:
    """The manifest of a generated cohort, or None."""
    try:
        return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="folder to create the cohort in (must be new or empty)")
    parser.add_argument("--students", type=int, required=True, help="number of portfolios")
    parser.add_argument("--activities", type=int, required=True, help="activities per portfolio")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--layout", choices=LAYOUTS, default="monorepo", help="monorepo: plain folders; git: one repository with one commit; repos: each folder its own git repository")
    parser.add_argument("--problems", type=float, default=0.05, help="fraction of portfolios with a deliberate problem (default 0.05)")
    args = parser.parse_args(argv)
    import time

    began = time.perf_counter()
    try:
        specs = generate(args.out, args.students, args.activities, args.seed, args.layout, args.problems)
    except (ValueError, FileExistsError) as exc:
        print(f"generate.py: {exc}", file=sys.stderr)
        return 2
    broken = sum(1 for s in specs if s.problem)
    print(f"{len(specs)} portfolios ({broken} with a deliberate problem) in {args.out} in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
