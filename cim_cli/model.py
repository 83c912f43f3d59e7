"""The portfolio model: frozen values built by :mod:`cim_cli.load.portfolio`.

No I/O happens here. Everything a check needs is on these objects, including
the problems met while loading (a file that is not UTF-8, a YAML syntax
error, a path that escapes the portfolio), which rule modules turn into
findings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from cim_cli.record import Record

if TYPE_CHECKING:  # pragma: no cover - the model never reads; the trust layer reads through this handle
    from cim_cli.load.source import Source

# Status of a path that a record refers to (evidence, reflection, image).
OK = "ok"
MISSING = "missing"
UNSAFE = "unsafe"  # absolute, contains '..', or resolves outside the portfolio
NOT_REGULAR = "not-regular"  # a folder, FIFO, device, socket



class LoadProblem(Record):
    """A problem met while reading a file; ``rule`` names the rule that reports it."""

    rule: str
    file: str
    line: int | None
    column: int | None
    message: str


class SourceMap(Record):
    """Where each value of a YAML document stands: path tuple -> (line, column), 1-based.

    A path is a tuple of mapping keys and sequence indexes, ``()`` for the root.
    ``keys`` holds the position of the key of a mapping entry, for findings
    about the key itself (an unknown property).
    """

    values: Mapping[tuple, tuple[int, int]]
    keys: Mapping[tuple, tuple[int, int]]

    _factories = {'values': dict, 'keys': dict}

    def locate(self, path: tuple, *, key: bool = False) -> tuple[int | None, int | None]:
        """Position of ``path`` or, failing that, of its nearest ancestor."""
        table = self.keys if key else self.values
        p = tuple(path)
        while True:
            if p in table:
                return table[p]
            if key and p in self.values:
                return self.values[p]
            if not p:
                return (None, None)
            p = p[:-1]


class YamlDocument(Record):
    """A parsed YAML file. ``data`` is None when it could not be parsed."""

    file: str
    data: Any
    source: SourceMap
    problems: tuple[LoadProblem, ...]

    _defaults = {'problems': ()}


class Heading(Record):
    """A markdown heading and what its section holds."""

    level: int
    text: str  # the heading's text as a reader sees it (inline markup removed)
    line: int
    # Paragraph-like blocks (paragraphs, lists, quotes, tables) before the next
    # heading of any level.
    paragraphs: int
    words: int  # body words in the section (not the heading's own words)


class Link(Record):
    """A link or image target in markdown, with its position."""

    target: str
    text: str
    line: int
    column: int


class MarkdownAnalysis(Record):
    """Counts and structure of a markdown text (see :mod:`cim_cli.load.markdown`)."""

    words: int  # body words: paragraphs, lists, quotes, tables, link text
    heading_words: int  # words in headings
    headings: tuple[Heading, ...]
    images: tuple[Link, ...]
    links: tuple[Link, ...]
    # Paragraph-like blocks before the first heading.
    preamble_paragraphs: int
    has_front_matter: bool


class MarkdownDocument(Record):
    """A markdown file of the portfolio. ``analysis`` is None when unreadable."""

    file: str
    text: str | None
    analysis: MarkdownAnalysis | None
    problems: tuple[LoadProblem, ...]

    _defaults = {'problems': ()}


class FileRef(Record):
    """A path written in a record, resolved against the portfolio."""

    path: str  # as written
    status: str  # OK, MISSING, UNSAFE, NOT_REGULAR
    referrer: str  # the file that names it
    line: int | None
    column: int | None
    what: str  # "evidence", "reflection", "image"
    reason: str  # why the status is not OK, as a phrase: "does not exist"
    size: int | None
    # Where the path really leads (symbolic links followed), relative to the
    # portfolio root and '/'-separated; None unless status is OK.
    real: str | None

    _defaults = {'reason': "", 'size': None, 'real': None}


class Evidence(Record):
    """One entry of an activity's ``evidence`` list."""

    ref: FileRef
    kind: str | None
    description: str | None
    sha256: str | None  # as recorded when the evidence was added
    # SHA-256 of the file as it is now; computed only when one was recorded.
    actual_sha256: str | None
    index: int  # position in the record's evidence list

    _defaults = {'actual_sha256': None, 'index': 0}


class Activity(Record):
    """One activity record with what it refers to."""

    slug: str
    record: YamlDocument
    evidence: tuple[Evidence, ...]
    reflection_ref: FileRef | None
    reflection: MarkdownDocument | None

    @property
    def file(self) -> str:
        return self.record.file

    @property
    def data(self) -> Mapping[str, Any]:
        """The record's mapping, or an empty one when the file is not a mapping."""
        return self.record.data if isinstance(self.record.data, dict) else {}


class LocalProgramme(Record):
    """A ``programme.yaml`` found inside the portfolio: never used to judge it."""

    file: str  # relative to the portfolio root
    sha256: str | None  # of its bytes; None when it could not be read
    reason: str  # why it could not be read

    _defaults = {'reason': ""}


class Portfolio(Record):
    """A student's portfolio folder as loaded from disk (or from a git revision)."""

    root: str  # as the user named it
    student: YamlDocument
    activities: tuple[Activity, ...]
    report: MarkdownDocument | None
    report_images: tuple[FileRef, ...]
    diary: tuple[MarkdownDocument, ...]
    # Problems not tied to one record: unreadable folders, unsafe entries.
    problems: tuple[LoadProblem, ...]
    # A programme file the student keeps in the portfolio (rule programme-in-portfolio).
    local_programme: LocalProgramme | None
    # Where the files were read from (a cim_cli.load.source.Source: a folder, or a git tree at --rev).
    # Read-only, for the trust layer alone: how it reads the signed records and digests the files
    # they cover, so that --rev judges them as committed. Checks never use it. None: the folder at root.
    files: "Source | None"

    _defaults = {'problems': (), 'local_programme': None, 'files': None}
    _compare = ('root', 'student', 'activities', 'report', 'report_images', 'diary', 'problems', 'local_programme',)
    _repr = ('root', 'student', 'activities', 'report', 'report_images', 'diary', 'problems', 'local_programme',)

    @property
    def student_data(self) -> Mapping[str, Any]:
        return self.student.data if isinstance(self.student.data, dict) else {}
