"""The final report as the programme reads it: its word count and its required headings.

Analysis, not judgement: the rules ``report-words``, ``report-headings`` and
``report-structure`` and the engine's next step all read these functions, so
that they agree.

Headings are compared after :func:`normalise_heading`, which folds what word
processors and PDF viewers change when a student copies a question: invisible
characters (soft hyphens, zero-width spaces), Unicode normal forms (NFKC:
decomposed accents, ligatures, full-width letters, no-break spaces),
hyphens and dashes (U+2011 non-breaking hyphen...), curly quotes and
apostrophes, runs of blanks, case, and trailing punctuation (``?``, ``？``,
``؟``, ``:``...). A heading that still differs but is *close* to a missing
one (difflib's ratio of the normalised texts at least :data:`CLOSE_RATIO`) is
reported as "change it", not "add it", so that a student does not end up with
two headings for one question.
"""

from __future__ import annotations

import unicodedata

from cim_cli.model import Heading, MarkdownAnalysis
from cim_cli.record import Record



__all__ = ["CLOSE_RATIO", "HeadingMatch", "match_headings", "normalise_heading", "report_words", "required_headings"]

# How similar (difflib.SequenceMatcher.ratio, 0..1) a heading must be to a
# missing required one to count as an attempt at it: one or two typos or a
# missing word in a question of ~60 characters give 0.85-0.98; a different
# question scores below 0.6.
CLOSE_RATIO = 0.8
# At most this many full similarity computations per report (each costs up to
# the product of two heading lengths): a report of thousands of headings
# cannot make matching slow. Cheap upper bounds rule out most pairs first.
_MAX_COMPARISONS = 200
# Longer headings are not compared at all (a question is one sentence).
_MAX_COMPARED_LENGTH = 400

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\ufe63": "-",
    }
)  # fmt: skip
_TRAILING_PUNCTUATION = " .?!:;,\u2026\u061f\u3002"


def normalise_heading(text: str) -> str:
    """Fold a heading for comparison (see the module's docstring).

    Linear in the heading's length: str methods only, no regex that could
    backtrack over a long run of blanks or dots.
    """
    from cim_cli.load.markdown import visible_text  # loaded with the report's analysis

    text = unicodedata.normalize("NFKC", visible_text(text)).translate(_QUOTES)
    text = " ".join(text.split()).rstrip(_TRAILING_PUNCTUATION)
    return text.casefold()


def required_headings(programme) -> list[str]:
    """The headings a report must have: the summary of activities, then each question."""
    return [programme.report["summary_heading"], *programme.report["questions"]]


def report_words(analysis: MarkdownAnalysis, programme) -> int:
    """Words of the report as the programme counts them (headings only if it says so)."""
    extra = analysis.heading_words if programme.report.get("count_headings") else 0
    return analysis.words + extra


class HeadingMatch(Record):
    """How a report's headings meet the programme's required ones."""

    # Required headings with no heading of the same normalised text, in the
    # programme's order (including those in ``close``).
    missing: tuple[str, ...]
    # (required heading, the report's heading close to it), for those of
    # ``missing`` that a heading of the report nearly matches.
    close: tuple[tuple[str, Heading], ...]

    def close_to(self, required: str) -> Heading | None:
        """The report's heading close to ``required``, if there is one."""
        return next((heading for wanted, heading in self.close if wanted == required), None)


def match_headings(analysis: MarkdownAnalysis, programme) -> HeadingMatch:
    """Which required headings the report lacks, and which of them it nearly has."""
    from difflib import SequenceMatcher

    required = required_headings(programme)
    keys = [normalise_heading(h.text) for h in analysis.headings]
    present = set(keys)
    missing = [h for h in required if normalise_heading(h) not in present]
    if not missing:
        return HeadingMatch((), ())
    required_keys = {normalise_heading(h) for h in required}
    # Headings that match no required one are the candidates, first one first.
    candidates = [(key, heading) for key, heading in zip(keys, analysis.headings) if key not in required_keys and 0 < len(key) <= _MAX_COMPARED_LENGTH]
    close: list[tuple[str, Heading]] = []
    taken: set[int] = set()
    budget = _MAX_COMPARISONS
    for wanted in missing:
        target = normalise_heading(wanted)
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(target)
        best: tuple[float, int] | None = None
        for index, (key, _) in enumerate(candidates):
            if index in taken or budget <= 0:
                continue
            matcher.set_seq1(key)
            if matcher.real_quick_ratio() < CLOSE_RATIO or matcher.quick_ratio() < CLOSE_RATIO:
                continue
            budget -= 1
            ratio = matcher.ratio()
            if ratio >= CLOSE_RATIO and (best is None or ratio > best[0]):
                best = (ratio, index)
        if best is not None:
            taken.add(best[1])
            close.append((wanted, candidates[best[1]][1]))
    return HeadingMatch(tuple(missing), tuple(close))
