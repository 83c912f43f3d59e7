"""Commands with which a student builds a portfolio: init, activity add, evidence add,
diary add, report init, log.

Thin: each command parses options, calls :mod:`cim_cli.authoring`, prints what
was done and the next step on stderr (data, such as a new slug or the log,
on stdout) and sets the exit code: 0 done; 1 refused or not committed; 2 a
bad value, no portfolio, or an I/O error (nothing was written).
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
from contextlib import ExitStack, contextmanager
from enum import Enum
from typing import Iterator, List, Optional

import typer

from cim_cli.cli.common import (
    EXIT_FINDINGS,
    EXIT_USAGE,
    NAMED,
    TextOrJson,
    complete_category,
    complete_slug,
    fail,
    load_programme_or_exit,
    portfolio_argument,
    programme_option,
    say,
    typed_portfolio,
)

PORTFOLIO_HELP = "The portfolio to write to, or any folder inside it (default: the portfolio you are in)."
COMMIT_HELP = "Commit exactly the files this command writes (git)."


def _portfolio_option() -> typer.models.OptionInfo:
    return typer.Option(None, "--portfolio", "-P", metavar="PORTFOLIO", help=PORTFOLIO_HELP)


def _commit_option() -> typer.models.OptionInfo:
    return typer.Option(False, "--commit", help=COMMIT_HELP)


# -- shared helpers -------------------------------------------------------------------------


def _interactive() -> bool:
    """True when a person can answer questions: stdin is a terminal."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def _errors() -> Iterator[None]:
    """Turn library errors into a message and the exit code they carry."""
    from cim_cli.authoring import AuthoringError

    try:
        yield
    except AuthoringError as exc:
        say(f"cim: {_printable(exc.message)}")
        for line in exc.details:
            say(f"  {_printable(line)}")
        raise typer.Exit(exc.code) from None
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        say(f"cim: cannot write{where}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_USAGE) from None


def _root(portfolio: Optional[str]) -> str:
    """The portfolio to work on (absolute): ``--portfolio``, or the one the current folder is in."""
    return os.path.abspath(portfolio_argument(portfolio, option="--portfolio"))


def _shown(root: str, rel: str) -> str:
    """A path in the portfolio as the person can type it from where they are."""
    return os.path.relpath(os.path.join(root, rel))


def _cim(root: str, command: str, args: str = "") -> str:
    """A cim command line for the next step, with --portfolio when it is not found from here."""
    where = typed_portfolio(os.path.relpath(root))
    return f"cim {command}" + (f" --portfolio{where}" if where else "") + (f" {args}" if args else "")


def _status(root: str) -> str:
    """The cim status command line for this portfolio, typed from here."""
    return "cim status" + typed_portfolio(os.path.relpath(root))


def _commit(root: str, files: list[str], message: str) -> None:
    """Commit ``files``; when that fails, say that they were written and exit 1."""
    from cim_cli.authoring import gitops

    try:
        sha = gitops.commit(root, files, message)
    except gitops.CommitFailed as exc:
        say(f"cim: the files were written but not committed: {_printable(exc.message)}")
        raise typer.Exit(EXIT_FINDINGS) from None
    say(f"Committed {sha[:8]}: {_printable(message)}")


# The locks the running command holds; released when it ends (see _writes).
_held: list[ExitStack] = []


def _writes(command):
    """Mark a command that writes: the locks it takes are held until it ends, however it ends."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        with ExitStack() as stack:
            _held.append(stack)
            try:
                return command(*args, **kwargs)
            finally:
                _held.pop()

    return run


def _hold_lock(folder: str) -> None:
    """Hold the portfolio's lock until this command ends (its whole read-modify-write and commit).

    A second command waits (saying so after a second) or exits 2 after a minute.
    """
    from cim_cli.atomic import PortfolioBusy, portfolio_lock

    if not _held:
        raise RuntimeError("_hold_lock outside a command marked with _writes")
    try:
        _held[-1].enter_context(portfolio_lock(folder, notify=say))
    except PortfolioBusy as exc:
        raise fail(f"{folder}: {exc.strerror}") from None
    except OSError as exc:
        raise fail(f"{folder}: cannot be locked ({exc.strerror})") from None


def _nearest_folder(path: str) -> str:
    """``path`` if it is a folder, else its nearest existing ancestor (cim init creates the rest)."""
    here = os.path.abspath(path)
    while not os.path.isdir(here) and os.path.dirname(here) != here:
        here = os.path.dirname(here)
    return here


def _ask(label: str) -> str:
    return typer.prompt(label, err=True).strip()


def _ask_until(label: str, problem, tries: int = 5) -> str:
    """Ask until ``problem(answer)`` is None: one bad answer is asked again, not fatal at the end."""
    answer = _ask(label)
    for _ in range(tries - 1):
        why = problem(answer)
        if why is None:
            break
        say(f"cim: {why}; try again")
        answer = _ask(label)
    return answer


def _printable(text: str) -> str:
    """Student text safe to print on a terminal (see :func:`cim_cli.textsafe.visible`)."""
    from cim_cli.textsafe import visible

    return visible(text)


# -- cim init -------------------------------------------------------------------------------


def init(
    path: str = typer.Argument(".", click_type=NAMED, metavar="[DIR]", help="Folder for the new portfolio (created if missing; default: the current folder).", show_default=False),
    student_id: Optional[str] = typer.Option(None, "--student-id", metavar="ID", help="Your student identifier."),
    name: Optional[str] = typer.Option(None, "--name", metavar="TEXT", help="Your full name as it should appear on the certificate."),
    email: Optional[str] = typer.Option(None, "--email", metavar="EMAIL", help="Where the programme can reach you."),
    study_programme: Optional[str] = typer.Option(None, "--study-programme", metavar="TEXT", help="Your study programme, e.g. Medicine."),
    registered: Optional[str] = typer.Option(None, "--registered", metavar="DATE", help="Registration date, YYYY-MM-DD (default: today)."),
    cohort: Optional[str] = typer.Option(None, "--cohort", metavar="TEXT", help="Cohort or intake, e.g. 2026 (optional)."),
    no_git: bool = typer.Option(False, "--no-git", help="Do not create a git repository."),
    commit: bool = typer.Option(False, "--commit", help="Inside an existing git repository: commit the new files to it."),
    programme: Optional[str] = programme_option(),
) -> None:
    """Register: create a portfolio with student.yaml, its folders and a git repository."""
    from cim_cli.authoring import gitops
    from cim_cli.authoring.register import FLAGS, REQUIRED, answer_problem, create_portfolio, missing

    if no_git and commit:
        raise fail("--no-git and --commit contradict each other; choose one")
    _refuse_nested(path)
    prog = load_programme_or_exit(programme, path)
    values = {"student_id": student_id, "name": name, "email": email, "study_programme": study_programme, "registered": registered, "cohort": cohort}
    gaps = missing(values)
    if gaps and _interactive():
        labels = dict(REQUIRED)
        for gap in gaps:
            values[gap] = _ask_until(labels[gap], lambda answer, gap=gap: answer_problem(gap, answer))
    elif gaps:
        raise fail("missing " + ", ".join(FLAGS[g] for g in gaps) + " (cim init asks for them only on a terminal)")
    tree = None if no_git else gitops.inside_work_tree(path)
    _hold_lock(_nearest_folder(path))
    with _errors():
        created = create_portfolio(path, values, programme_title=prog.title)
    root = os.path.abspath(path)
    say(f"Created the portfolio of {_printable(created.record['name'])} in {os.path.relpath(root)}:")
    for rel in created.written:
        say(f"  {rel}")
    for rel in created.kept:
        say(f"  {rel} (already there, kept)")
    if no_git:
        say("No git repository (--no-git).")
    elif tree:
        if commit:
            _commit(root, created.written, f"Register: {_subject(created.record['name'])} ({_subject(created.record['student_id'])})")
        else:
            say(f"The folder is inside the git repository at {tree}; commit the new files with git, or use --commit next time.")
    else:
        try:
            gitops.start_repository(root)
            sha = gitops.commit(root, created.written, f"Register: {_subject(created.record['name'])} ({_subject(created.record['student_id'])})")
        except gitops.CommitFailed as exc:
            say(f"cim: warning: no git history for this portfolio: {_printable(exc.message)}")
            say("The portfolio works without git; only --commit and cim log need it.")
            if commit:
                raise typer.Exit(EXIT_FINDINGS) from None
        else:
            say(f"Started a git repository with a first commit ({sha[:8]}).")
    if not no_git and not gitops.has_identity(root):
        record = created.record
        say("git does not know who you are yet, so your own git commits would fail. Tell it once with:")
        say(f"  git config --global user.name {shlex.quote(_printable(record['name']))}")
        say(f"  git config --global user.email {shlex.quote(_printable(record['email']))}")
    go = "" if os.path.samefile(root, os.getcwd()) else f"cd {shlex.quote(os.path.relpath(root))}, then "
    say(f"Next: {go}record your first activity with: cim activity add --title \"...\" --category CATEGORY --location home|abroad --start YYYY-MM-DD")
    say("      (cim programme show lists the categories)")


def _refuse_nested(path: str) -> None:
    """Exit 1 when ``path`` is in a portfolio or holds portfolios: one portfolio never holds another."""
    from cim_cli.load.portfolio import find_portfolio, portfolios_below

    probe = path
    while not os.path.isdir(probe):  # a folder to be made: look from the nearest one that exists
        parent = os.path.dirname(os.path.abspath(probe))
        if parent == os.path.abspath(probe):
            break
        probe = parent
    enclosing = find_portfolio(probe)
    if enclosing is not None:
        shown = os.path.relpath(enclosing)
        if os.path.isdir(path) and os.path.samefile(path, enclosing):
            raise fail(f"{path} already holds a portfolio; nothing was changed. See where it stands with: cim status{typed_portfolio(shown)}", EXIT_FINDINGS)
        raise fail(
            f"{path} is inside the portfolio at {shown}; a portfolio cannot hold another. "
            "To work on that one, use cim activity add, cim status and the like from anywhere inside it; "
            "to register a new one, choose a folder outside it",
            EXIT_FINDINGS,
        )
    cohort = portfolios_below(path) if os.path.isdir(path) else []
    if cohort:
        raise fail(f"{path} holds portfolios (e.g. {cohort[0]}); a portfolio cannot hold another: choose a folder of its own, e.g. {os.path.join(path, 'NAME')}", EXIT_FINDINGS)


def _subject(text: str) -> str:
    from cim_cli.authoring.gitops import subject

    return subject(text, 60)


# -- cim activity add -----------------------------------------------------------------------


def activity_add(
    title: Optional[str] = typer.Option(None, "--title", metavar="TEXT", help="What the activity was, in a few words."),
    category: Optional[str] = typer.Option(None, "--category", metavar="CATEGORY", autocompletion=complete_category, help="A category id from the programme's catalogue (a wrong one lists them)."),
    location: Optional[str] = typer.Option(None, "--location", metavar="<home|abroad>", help="home: internationalisation at home; abroad: you travelled."),
    country: Optional[str] = typer.Option(None, "--country", metavar="CC", help="Two-letter country code (ISO 3166-1), required when abroad, e.g. DE."),
    start: Optional[str] = typer.Option(None, "--start", metavar="DATE", help="First day, YYYY-MM-DD."),
    end: Optional[str] = typer.Option(None, "--end", metavar="DATE", help="Last day, YYYY-MM-DD (not before --start)."),
    host: Optional[str] = typer.Option(None, "--host", metavar="TEXT", help="Organiser or host institution."),
    description: Optional[str] = typer.Option(None, "--description", metavar="TEXT", help="What you did, in a sentence or two."),
    credits: Optional[float] = typer.Option(None, "--credits", metavar="NUMBER", help="ECTS credits, when credit bearing."),
    credit_bearing: Optional[bool] = typer.Option(None, "--credit-bearing/--not-credit-bearing", help="Whether the activity gave credits on your transcript."),
    curriculum: Optional[str] = typer.Option(None, "--curriculum", metavar="<formal|informal>", help="formal: part of a course; informal: outside the curriculum."),
    engagements: Optional[int] = typer.Option(None, "--engagements", metavar="N", help="How many times you took part (language café sessions, lectures)."),
    portfolio: Optional[str] = _portfolio_option(),
    programme: Optional[str] = programme_option(),
    commit: bool = _commit_option(),
) -> None:
    """Record an activity: activities/<slug>.yaml and a reflection template. Prints the slug."""
    from cim_cli.authoring.activity import REQUIRED, ActivityInput, add_activity, answer_problem, catalogue_listing

    root = _root(portfolio)
    prog = load_programme_or_exit(programme, root)
    given = ActivityInput(title, category, location, start, end, country, host, description, credits, credit_bearing, curriculum, engagements)
    gaps = given.missing()
    if gaps and _interactive():
        for field, flag in REQUIRED:
            if flag not in gaps:
                continue
            if field == "category":
                say("Categories:\n" + "\n".join(f"  {line}" for line in catalogue_listing(prog)))
            label = {"title": "Title", "category": "Category id", "location": "Location (home or abroad)", "start": "Start date (YYYY-MM-DD)"}[field]
            setattr(given, field, _ask_until(label, lambda answer, field=field: answer_problem(field, answer, prog)))
        if (given.location or "").strip().lower() == "abroad" and not given.country:
            given.country = _ask("Country code (e.g. DE)")
    elif gaps:
        raise fail("missing " + ", ".join(gaps) + " (cim asks for them only on a terminal)")
    _hold_lock(root)
    with _errors():
        added = add_activity(root, given, prog)
    typer.echo(added.slug)
    for rel in added.files:
        say(f"Wrote {_shown(root, rel)}")
    for warning in added.warnings:
        say(f"cim: warning: {_printable(warning)}")
    say(f"Next: write your reflection in {_shown(root, added.files[1])}, then add evidence with: {_cim(root, 'evidence add', added.slug + ' FILE')}")
    if commit:
        _commit(root, added.files, f"Add activity: {_subject(added.record['title'])}")


# -- cim evidence add -----------------------------------------------------------------------


def evidence_add(
    slug: str = typer.Argument(..., click_type=NAMED, metavar="SLUG", autocompletion=complete_slug, help="The activity (its slug, as printed by cim activity add)."),
    files: List[str] = typer.Argument(..., click_type=NAMED, metavar="FILE...", help="Files to add: certificates, signed programmes, photos."),
    kind: Optional[str] = typer.Option(None, "--kind", metavar="KIND", help="certificate, signed-programme, photo, transcript or other (default: photo for images, else other)."),
    description: Optional[str] = typer.Option(None, "--description", metavar="TEXT", help="What the file shows."),
    portfolio: Optional[str] = _portfolio_option(),
    commit: bool = _commit_option(),
) -> None:
    """Copy evidence files into evidence/<slug>/ and record them, with their SHA-256, in the activity."""
    from cim_cli.authoring.evidence import add_evidence

    root = _root(portfolio)
    _hold_lock(root)
    with _errors():
        result = add_evidence(root, slug, files, kind=kind, description=description)
    for outcome in result.outcomes:
        shown = _shown(root, outcome.path)
        if outcome.status == "copied":
            say(f"Copied {_printable(outcome.source)} to {_printable(shown)}")
        elif outcome.status == "recorded":
            say(f"{_printable(shown)} is already there with the same content; recorded it")
        else:
            say(f"{_printable(outcome.source)} is already recorded as {_printable(shown)}; not added again")
    if result.record in result.written:
        say(f"Updated {_shown(root, result.record)}")
    say(f"Next: see whether the activity counts with: {_status(root)}")
    if commit:
        new = [os.path.basename(o.path) for o in result.outcomes if o.status != "present"]
        if not result.written:
            say("Nothing new was written, so nothing was committed.")
            return
        names = ", ".join(new[:3]) + (f" and {len(new) - 3} more" if len(new) > 3 else "")
        _commit(root, result.written, f"Add evidence to {slug}: {_subject(names)}")


# -- cim diary add --------------------------------------------------------------------------


def diary_add(
    text: Optional[str] = typer.Option(None, "--text", "-t", metavar="TEXT", help="The entry (default: your editor on a terminal, or the text piped in)."),
    activity: Optional[str] = typer.Option(None, "--activity", metavar="SLUG", autocompletion=complete_slug, help="Link the entry to this activity."),
    date: Optional[str] = typer.Option(None, "--date", metavar="DATE", help="The entry's date, YYYY-MM-DD (default: today)."),
    portfolio: Optional[str] = _portfolio_option(),
    commit: bool = _commit_option(),
) -> None:
    """Write a dated diary entry in diary/ (opens $EDITOR on a terminal without --text)."""
    from cim_cli.authoring.diary import MAX_DIARY_CHARS, add_entry
    from cim_cli.authoring.editor import edit_text
    from cim_cli.authoring.locate import activity_record

    root = _root(portfolio)
    with _errors():
        if activity:
            activity_record(root, activity)  # an unknown slug is reported before the editor opens
        if text is None:
            if _interactive():
                text = edit_text("")
                if not text.strip():
                    say("cim: the entry is empty; nothing was written")
                    raise typer.Exit(EXIT_FINDINGS)
            else:
                text = sys.stdin.read(MAX_DIARY_CHARS + 1) if sys.stdin is not None else ""
                if not text.strip():
                    raise fail("no text for the entry: give --text TEXT, pipe the text in, or run cim diary add on a terminal to write it in your editor")
        _hold_lock(root)  # after the editor: a long edit must not block other commands
        entry = add_entry(root, text, activity=activity, date=date)
    say(f"Wrote {_shown(root, entry.path)}")
    if activity:
        say(f"Next: use your notes when you write {_shown(root, 'reflections/' + activity + '.md')}")
    else:
        say(f"Next: see where your portfolio stands with: {_status(root)}")
    if commit:
        _commit(root, [entry.path], f"Add diary entry: {entry.date}" + (f" ({activity})" if activity else ""))


# -- cim report init ------------------------------------------------------------------------


def report_init(
    force: bool = typer.Option(False, "--force", help="Start again from the template; the current report.md is kept as report.md.bak-<date-time>."),
    portfolio: Optional[str] = _portfolio_option(),
    programme: Optional[str] = programme_option(),
    commit: bool = _commit_option(),
) -> None:
    """Write report.md: the programme's headings, your counting activities, guidance in comments."""
    from cim_cli.authoring.report import init_report

    root = _root(portfolio)
    prog = load_programme_or_exit(programme, root)
    _hold_lock(root)
    with _errors():
        done = init_report(root, prog, force=force)
    if done.backup:
        say(f"Kept your previous report as {_shown(root, done.backup)}")
    rep = prog.report
    say(f"Wrote {_shown(root, 'report.md')} with the headings the programme asks for ({done.counting} counting activities listed)")
    if done.counting < done.required:
        say(f"cim: note: {done.counting} of {done.required} activities count so far; the report is the last step ({_status(root)} shows what is missing)")
    say(f"Next: write {rep['min_words']}-{rep['max_words']} words under the headings in {_shown(root, 'report.md')}, then check with: {_status(root)}")
    if commit:
        message = "Start the final report" if not done.backup else f"Restart the final report (previous kept as {done.backup})"
        _commit(root, done.written, message)


# -- cim log --------------------------------------------------------------------------------


def log(
    portfolio: Optional[str] = typer.Argument(None, click_type=NAMED, metavar="[PORTFOLIO]", help="The portfolio folder, or any folder inside it (default: the portfolio you are in).", show_default=False),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="text for people, json for programs."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, metavar="N", help="Show at most N changes."),
) -> None:
    """The portfolio's history from git: activities, evidence, reflections, diary, report; newest first."""
    import json

    from cim_cli.authoring.history import timeline

    root = os.path.abspath(portfolio_argument(portfolio))
    with _errors():
        found = timeline(root, limit)
    if found.partial:
        say("cim: note: this is a shallow clone, so the history is partial; get all of it with: git fetch --unshallow")
    if fmt == TextOrJson.json:
        typer.echo(json.dumps([e.as_dict() for e in found.events], indent=2, ensure_ascii=False))
        return
    if not found.events:
        say("No history yet: nothing of the portfolio has been committed.")
        return
    width = max(len(e.file) for e in found.events)
    for e in found.events:
        typer.echo(f"{e.date}  {e.kind:<12} {e.action:<7}  {_printable(e.file):<{width}}  {_printable(e.subject)}")


def register(app: typer.Typer) -> None:
    """Add the authoring commands to ``app``."""
    app.command("init")(_writes(init))
    groups = (
        ("activity", "Record international activities.", (("add", _writes(activity_add)),)),
        ("evidence", "Add evidence of participation to an activity.", (("add", _writes(evidence_add)),)),
        ("diary", "Keep a diary of your international activities.", (("add", _writes(diary_add)),)),
        ("report", "Write the final report.", (("init", _writes(report_init)),)),
    )
    for name, help_text, commands in groups:
        group = typer.Typer(help=help_text, no_args_is_help=True)
        for command_name, function in commands:
            group.command(command_name)(function)
        app.add_typer(group, name=name)
    app.command("log")(log)
