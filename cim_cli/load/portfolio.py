"""Load a portfolio into the model: every read goes through a :class:`~cim_cli.load.source.Source`.

The source is a folder on disk (:class:`~cim_cli.load.source.DiskSource`,
the default for a path) or a git tree at a revision
(:class:`~cim_cli.load.source.GitTreeSource`); the loader reads both the
same way, so ``--rev`` gives the findings the same files on disk would.

Nothing here raises for bad content: each problem is recorded on the model
(as a :class:`LoadProblem` or a :class:`FileRef` status) for the rule modules
to report.
"""

from __future__ import annotations

import os
import re

from cim_cli.load import files
from cim_cli.load.source import UNREADABLE, DiskSource, Source
from cim_cli.load.yamlsafe import parse_yaml
from cim_cli.model import (
    MISSING,
    OK,
    UNSAFE,
    Activity,
    Evidence,
    FileRef,
    LoadProblem,
    LocalProgramme,
    MarkdownDocument,
    Portfolio,
    SourceMap,
    YamlDocument,
)

STUDENT_FILE = "student.yaml"
PROGRAMME_FILE = "programme.yaml"  # never read as the rules: see cim_cli.programme
REPORT_FILE = "report.md"
ACTIVITIES_DIR = "activities"
REFLECTIONS_DIR = "reflections"
DIARY_DIR = "diary"
EVIDENCE_DIR = "evidence"

_YAML_SUFFIXES = (".yaml", ".yml")
# Evidence up to this size is also compared with its other line endings (see _Loader.digest).
_LINE_ENDING_CHECK_BYTES = 16 * 1024 * 1024
_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, https:, data:, mailto: ...


def is_portfolio(path: str) -> bool:
    """A portfolio is a folder with a student.yaml."""
    return os.path.isfile(os.path.join(path, STUDENT_FILE))


def find_portfolio(start: str) -> str | None:
    """``start`` or the nearest folder above it that holds student.yaml (absolute), else None."""
    here = os.path.abspath(start)
    while True:
        if os.path.isdir(here) and is_portfolio(here):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def portfolio_of_file(path: str) -> str | None:
    """The portfolio folder (holding student.yaml) that the file ``path`` lies in, or None.

    Symbolic links are resolved first: a key or trust list reached through a
    link into a portfolio is still inside it.
    """
    return find_portfolio(os.path.dirname(os.path.realpath(path)))


def portfolios_below(path: str, limit: int = 1000) -> list[str]:
    """Names of the folders directly in ``path`` that are portfolios (a cohort root), sorted."""
    try:
        with os.scandir(path) as entries:
            names = [e.name for e in entries if e.is_dir(follow_symlinks=False) and is_portfolio(e.path)]
    except OSError:
        return []
    return sorted(names)[:limit]


def default_reflection(slug: str) -> str:
    return f"{REFLECTIONS_DIR}/{slug}.md"


def load_portfolio(root: str | Source) -> Portfolio:
    """Read the portfolio at ``root``: a folder that holds student.yaml, or a :class:`Source`."""
    return _Loader(DiskSource(root) if isinstance(root, str) else root).load()


class _Loader:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.root = source.root
        self.problems: list[LoadProblem] = []

    def load(self) -> Portfolio:
        student = self.yaml(STUDENT_FILE)
        activities = tuple(self.activity(slug, rel) for slug, rel in self.listing(ACTIVITIES_DIR, _YAML_SUFFIXES))
        report, images = self.report()
        diary = tuple(self.markdown(rel) for _, rel in self.listing(DIARY_DIR, (".md",)))
        return Portfolio(self.root, student, activities, report, images, diary, tuple(self.problems), self.local_programme(), self.source)

    def local_programme(self) -> LocalProgramme | None:
        """The digest of a programme.yaml in the portfolio, to compare with the file that judges it."""
        import hashlib

        where = self.source.resolve(PROGRAMME_FILE)
        if where.status == MISSING:
            return None
        if where.status != OK or where.path is None:
            return LocalProgramme(PROGRAMME_FILE, None, where.reason)
        try:
            return LocalProgramme(PROGRAMME_FILE, hashlib.sha256(self.source.read_bytes(where, files.MAX_YAML_BYTES)).hexdigest())
        except files.ReadError as exc:
            return LocalProgramme(PROGRAMME_FILE, None, exc.message)

    # -- folders -----------------------------------------------------------
    def listing(self, folder: str, suffixes: tuple[str, ...]) -> list[tuple[str, str]]:
        """(stem, relative path) of the files in ``folder`` with one of ``suffixes``, sorted."""
        where = self.source.list_folder(folder)
        if where.status == MISSING:
            return []
        if where.status == UNSAFE:
            self.problems.append(LoadProblem("path-unsafe", folder, None, None, f"{folder}/ {where.reason}; it was not read"))
            return []
        if where.status == UNREADABLE:
            self.problems.append(LoadProblem("file-missing", folder, None, None, f"{folder}/ cannot be read ({where.reason})"))
            return []
        if where.status != OK:
            self.problems.append(LoadProblem("path-unsafe", folder, None, None, f"{folder} should be a folder"))
            return []
        found = []
        for name in where.names:
            stem, dot, ext = name.rpartition(".")
            if dot and "." + ext.lower() in suffixes and stem and not name.startswith("."):
                found.append((stem, f"{folder}/{name}"))
        return found

    # -- records -----------------------------------------------------------
    def read(self, rel: str, limit: int) -> tuple[str | None, list[LoadProblem]]:
        where = self.source.resolve(rel)
        if where.status != OK:
            rule = "file-missing" if where.status == MISSING else "path-unsafe"
            return None, [LoadProblem(rule, rel, None, None, f"{rel} {where.reason}")]
        try:
            return self.source.read_text(where, limit), []
        except files.ReadError as exc:
            return None, [LoadProblem(exc.rule, rel, exc.line, exc.column, f"{rel} {exc.message}")]

    def yaml(self, rel: str) -> YamlDocument:
        text, problems = self.read(rel, files.MAX_YAML_BYTES)
        if text is None:
            return YamlDocument(rel, None, SourceMap(), tuple(problems))
        return parse_yaml(text, rel)

    def markdown(self, rel: str) -> MarkdownDocument:
        from cim_cli.load.markdown import analyze

        text, problems = self.read(rel, files.MAX_TEXT_BYTES)
        if text is None:
            return MarkdownDocument(rel, None, None, tuple(problems))
        return MarkdownDocument(rel, text, analyze(text))

    def ref(self, rel: object, referrer: str, pos: tuple[int | None, int | None], what: str) -> FileRef:
        text = rel if isinstance(rel, str) else ""
        where = self.source.resolve(text)
        return FileRef(text, where.status, referrer, pos[0], pos[1], what, where.reason, where.size, where.real)

    def digest(self, ref: FileRef, recorded: str | None) -> str | None:
        """The file's SHA-256 now, when one was recorded to compare with (tampering shows).

        A text file that git checked out with other line endings (``core.autocrlf``)
        than it had when it was recorded is the same evidence: when its CRLF or LF
        spelling has the recorded digest, that digest is returned.
        """
        if recorded is None or ref.status != OK:
            return None
        where = self.source.resolve(ref.path)
        try:
            actual = self.source.sha256(where)
            if actual == recorded.lower() or (where.size or 0) > _LINE_ENDING_CHECK_BYTES:
                return actual
            data = self.source.read_bytes(where, _LINE_ENDING_CHECK_BYTES)
        except (files.ReadError, OSError):
            return None
        if b"\0" not in data:  # text, as git judges it: line endings may have been converted
            import hashlib

            lf = data.replace(b"\r\n", b"\n")
            if recorded.lower() in (hashlib.sha256(lf).hexdigest(), hashlib.sha256(lf.replace(b"\n", b"\r\n")).hexdigest()):
                return recorded.lower()
        return actual

    def activity(self, slug: str, rel: str) -> Activity:
        record = self.yaml(rel)
        data = record.data if isinstance(record.data, dict) else {}
        evidence = []
        items = data.get("evidence")
        if isinstance(items, list):
            for i, item in enumerate(items):
                if not isinstance(item, dict) or not isinstance(item.get("path"), str) or not item["path"]:
                    continue  # the schema rule reports the malformed entry
                pos = record.source.locate(("evidence", i, "path"))
                ref = self.ref(item["path"], rel, pos, "evidence")
                recorded = _text(item.get("sha256"))
                evidence.append(Evidence(ref, _text(item.get("kind")), _text(item.get("description")), recorded, self.digest(ref, recorded), i))
        reflection_ref = reflection = None
        written = data.get("reflection")
        # An unreadable record says nothing about its reflection: do not guess.
        if record.data is not None and (written is None or isinstance(written, str)):
            path = written or default_reflection(slug)
            pos = record.source.locate(("reflection",)) if written else (None, None)
            reflection_ref = self.ref(path, rel, pos, "reflection")
            if reflection_ref.status == OK:
                reflection = self.markdown(path)
        return Activity(slug, record, tuple(evidence), reflection_ref, reflection)

    def report(self) -> tuple[MarkdownDocument | None, tuple[FileRef, ...]]:
        where = self.source.resolve(REPORT_FILE)
        if where.status == MISSING:
            return None, ()
        doc = self.markdown(REPORT_FILE)
        images = []
        if doc.analysis is not None:
            for image in doc.analysis.images:
                pos = (image.line, image.column)
                if _REMOTE.match(image.target):
                    images.append(
                        FileRef(image.target, MISSING, REPORT_FILE, *pos, "image", "is a web address; put the image in the portfolio and link to it there")
                    )
                else:
                    images.append(self.ref(image.target.split("#")[0].split("?")[0], REPORT_FILE, pos, "image"))
        return doc, tuple(images)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None

