"""Adding evidence (``cim evidence add``): copy files in, record them with their SHA-256.

Sources are checked before anything is copied: each must be a regular file
(never a FIFO, device or folder, which could block or make no sense) no larger
than :data:`MAX_EVIDENCE_BYTES`. Each is read once, to hash and to copy.
Copies go to ``evidence/<slug>/<safe name>`` and never replace a file: the
same content already there (or already recorded) is recognised and not copied
or listed again; a different file with the same name gets ``name-2.ext``.
The activity record is then edited in place (comments, order and quoting
kept, see :mod:`yamledit`); if that fails, the copies made in this run are
removed again.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field

from cim_cli.atomic import write_bytes, write_text
from cim_cli.authoring import BadValue, Refused
from cim_cli.authoring.locate import activity_record, safe_folder
from cim_cli.load.portfolio import EVIDENCE_DIR

MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
MAX_NAME = 100
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".tif", ".tiff", ".bmp", ".avif"})
_UNSAFE_CHARS = re.compile(r"[^\w.\-]+")
_WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))})


@dataclass
class Outcome:
    """One source file: where it is in the portfolio and what happened to it."""

    source: str
    path: str  # relative to the portfolio
    status: str  # "copied", "recorded" (already in the folder, now listed), "present" (already recorded)
    sha256: str


@dataclass
class EvidenceResult:
    """What :func:`add_evidence` did; ``written`` lists the files it wrote (relative)."""

    slug: str
    record: str
    outcomes: list[Outcome] = field(default_factory=list)
    written: list[str] = field(default_factory=list)


def kinds() -> list[str]:
    """The evidence kinds the activity schema allows."""
    from cim_cli.validation import schema

    return list(schema("activity")["properties"]["evidence"]["items"]["properties"]["kind"]["enum"])


def guess_kind(name: str) -> str:
    """photo for images, other for anything else."""
    return "photo" if os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES else "other"


def safe_name(name: str) -> str:
    """A file name that is safe in any file system and URL: no path, no odd characters."""
    name = unicodedata.normalize("NFC", name.split("/")[-1])
    name = _UNSAFE_CHARS.sub("-", name)
    name = re.sub(r"-{2,}", "-", name).strip("-.") or "file"
    stem, ext = os.path.splitext(name)
    if not stem:
        stem, ext = name, ""
    if stem.lower() in _WINDOWS_RESERVED:
        stem += "-file"
    ext = ext[:20]
    return stem[: MAX_NAME - len(ext)].rstrip("-.") + ext


def numbered(name: str, n: int) -> str:
    """``name`` with ``-n`` before its extension (certificate-2.pdf)."""
    stem, ext = os.path.splitext(name)
    return f"{stem}-{n}{ext}" if n > 1 else name


def check_source(path: str) -> os.stat_result:
    """stat of ``path``; BadValue unless it is a regular file within the size cap."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise BadValue(f"{path}: no such file") from None
    except OSError as exc:
        raise BadValue(f"{path}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadValue(f"{path} is a folder; name the files in it")
    if not stat.S_ISREG(st.st_mode):
        raise BadValue(f"{path} is not a regular file (a pipe or device); copy it to a file first")
    if st.st_size > MAX_EVIDENCE_BYTES:
        raise BadValue(f"{path} is {st.st_size:,} bytes; evidence files may be at most {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB (scan or export it smaller)")
    return st


def read_source(path: str) -> bytes:
    """The bytes of a source file, read once, never blocking and never beyond the cap."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise BadValue(f"{path}: cannot be opened ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a FIFO since check_source
            raise BadValue(f"{path} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_EVIDENCE_BYTES + 1)
    except OSError as exc:
        raise BadValue(f"{path}: cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise BadValue(f"{path} is larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB")
    return data


def _sha256_of(path: str) -> str | None:
    """SHA-256 of a regular file already in the portfolio, or None when it is not one."""
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_EVIDENCE_BYTES:
            return None
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _listed_digest(root: str, rel: object) -> str | None:
    """SHA-256 of a file a record lists, resolved safely (never outside the portfolio)."""
    from cim_cli.load import files
    from cim_cli.model import OK

    if not isinstance(rel, str):
        return None
    where = files.resolve(os.path.realpath(root), rel)
    return _sha256_of(where.path) if where.status == OK else None


def add_evidence(
    root: str,
    slug: str,
    sources: list[str],
    *,
    kind: str | None = None,
    description: str | None = None,
    today: datetime.date | None = None,
) -> EvidenceResult:
    """Copy ``sources`` into ``evidence/<slug>/`` and list them in the activity record."""
    from cim_cli.authoring.yamledit import append_to_list, text_problem
    from cim_cli.load import files

    if not sources:
        raise BadValue("name at least one file to add")
    if kind is not None and kind not in kinds():
        raise BadValue(f"--kind must be one of {', '.join(kinds())}, not {kind!r}")
    if description is not None:
        description = description.strip() or None
        why = description and text_problem(description)
        if why:
            raise BadValue(f"--description {why}")
    record_rel = activity_record(root, slug)
    record_path = os.path.join(root, record_rel)
    try:
        text = files.read_text(record_path, files.MAX_YAML_BYTES)
    except files.ReadError as exc:
        raise Refused(f"{record_rel} {exc.message}; fix it first") from None
    for source in sources:  # every source is checked before anything is copied
        check_source(source)

    from cim_cli.load.yamlsafe import parse_yaml

    doc = parse_yaml(text, record_rel)
    if doc.problems:
        raise Refused(f"{record_rel} has YAML errors; fix them, then add the evidence again", [f"{record_rel}:{p.line or '?'}:{p.column or '?'}: {p.message}" for p in doc.problems])
    if not isinstance(doc.data, dict):
        raise Refused(f"{record_rel} is not a set of 'key: value' lines; fix it first")
    listed = doc.data.get("evidence")
    if listed is not None and not isinstance(listed, list):
        line, col = doc.source.locate(("evidence",))
        raise Refused(f"{record_rel}:{line}:{col}: 'evidence' should be a list; fix it first")
    listed = listed or []
    listed_paths = {e.get("path") for e in listed if isinstance(e, dict)}
    listed_hashes = {e.get("sha256"): e.get("path") for e in listed if isinstance(e, dict) and isinstance(e.get("sha256"), str)}

    folder_rel = f"{EVIDENCE_DIR}/{slug}"
    result = EvidenceResult(slug, record_rel)
    copies: list[str] = []
    entries: list[dict] = []
    added = today or datetime.date.today()
    folder = safe_folder(root, folder_rel, create=False)
    made_folder = False
    try:
        for source in sources:
            data = read_source(source)
            digest = hashlib.sha256(data).hexdigest()
            if digest in listed_hashes and _listed_digest(root, listed_hashes[digest]) == digest:
                result.outcomes.append(Outcome(source, listed_hashes[digest], "present", digest))
                continue
            name = safe_name(os.path.basename(source))
            n = 1
            while True:
                candidate = numbered(name, n)
                rel = f"{folder_rel}/{candidate}"
                target = os.path.join(folder, candidate)
                if os.path.lexists(target):
                    if _sha256_of(target) == digest:
                        status = "present" if rel in listed_paths else "recorded"
                        break
                    n += 1
                    continue
                if not os.path.isdir(folder):
                    os.makedirs(folder)
                    made_folder = True
                try:
                    write_bytes(target, data, exclusive=True)
                except FileExistsError:  # appeared meanwhile: look again
                    continue
                copies.append(target)
                result.written.append(rel)
                status = "copied"
                break
            result.outcomes.append(Outcome(source, rel, status, digest))
            if status != "present":
                listed_paths.add(rel)
                listed_hashes[digest] = rel
                entries.append({"path": rel, "kind": kind or guess_kind(candidate), "description": description, "sha256": digest, "added": added})
        if entries:
            new_text = append_to_list(text, "evidence", entries, file=record_rel)
            write_text(record_path, new_text)
            result.written.append(record_rel)
    except BaseException:
        for path in copies:
            try:
                os.unlink(path)
            except OSError:
                pass
        if made_folder:
            try:
                os.rmdir(folder)
            except OSError:
                pass
        raise
    return result

