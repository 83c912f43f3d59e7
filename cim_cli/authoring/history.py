"""The portfolio's history (``cim log``): a timeline of what was added, changed or removed.

Read from git (see :func:`cim_cli.gitrepo.path_history`); each changed file
is classified by where it lives in the portfolio. Files that are not part of
the portfolio's content (.gitkeep, README.md, .gitignore) are left out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from cim_cli.authoring import AuthoringError

ACTIONS = {"A": "added", "M": "changed", "D": "removed", "T": "changed"}


@dataclass(frozen=True)
class Event:
    """One line of the timeline."""

    date: str  # YYYY-MM-DD (author date)
    time: str  # ISO 8601 with offset
    kind: str  # registration, activity, reflection, evidence, diary, report
    action: str  # added, changed, removed
    file: str  # relative to the portfolio
    subject: str
    commit: str
    author: str

    def as_dict(self) -> dict:
        return asdict(self)


def classify(rel: str) -> str | None:
    """The kind of a portfolio file, or None for files that are not its content."""
    parts = rel.split("/")
    name = parts[-1]
    if name.startswith("."):
        return None
    if rel == "student.yaml":
        return "registration"
    if rel == "report.md" or rel.startswith("report.md.bak-"):
        return "report"
    if len(parts) == 2 and parts[0] == "activities" and name.lower().endswith((".yaml", ".yml")):
        return "activity"
    if len(parts) == 2 and parts[0] == "reflections" and name.lower().endswith(".md"):
        return "reflection"
    if len(parts) == 2 and parts[0] == "diary" and name.lower().endswith(".md"):
        return "diary"
    if len(parts) >= 3 and parts[0] == "evidence":
        return "evidence"
    return None


@dataclass
class Timeline:
    """Events newest first; ``partial`` when the clone is shallow (older history missing)."""

    events: list[Event]
    partial: bool


def timeline(root: str, limit: int = 50) -> Timeline:
    """At most ``limit`` events of the portfolio at ``root``; AuthoringError when git cannot tell."""
    from cim_cli import gitrepo

    if limit < 1:
        raise AuthoringError("--limit must be at least 1")
    try:
        changes, shallow = gitrepo.path_history(root, limit)
    except gitrepo.GitUnavailable as exc:
        raise AuthoringError(f"no history: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - git's error becomes a message
        from cim_cli.authoring.gitops import _git_reason

        raise AuthoringError(f"git could not read the history: {_git_reason(exc)}") from None
    events = []
    for change in changes:
        kind = classify(change.path)
        if kind is None:
            continue
        events.append(Event(change.date[:10], change.date, kind, ACTIONS.get(change.status, "changed"), change.path, change.subject, change.commit, change.author))
        if len(events) >= limit:
            break
    return Timeline(events, shallow)
