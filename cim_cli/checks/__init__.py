"""The rules: one module per rule, registered here.

Each module has ``ID`` (stable, kebab-case), ``SEVERITY`` (default severity),
a docstring that is its documentation (``cim rules``), and
``check(portfolio, programme)`` yielding :class:`~cim_cli.findings.Problem`.
The engine, not the rule, stamps the rule id and severity.
"""

from __future__ import annotations

from types import ModuleType

from cim_cli.checks import (
    approval_invalid,
    approval_stale,
    activity_duplicate,
    category,
    dates,
    encoding,
    engagements,
    evidence,
    evidence_digest,
    evidence_location,
    file_missing,
    file_too_large,
    formal_reflection,
    path_unsafe,
    programme_in_portfolio,
    reflection_shared,
    reflection_words,
    report_headings,
    report_structure,
    report_words,
    schema,
    yaml_alias,
    yaml_duplicate_key,
    yaml_syntax,
)

_MODULES: tuple[ModuleType, ...] = (
    yaml_syntax,
    yaml_duplicate_key,
    yaml_alias,
    encoding,
    file_too_large,
    path_unsafe,
    file_missing,
    schema,
    category,
    dates,
    evidence,
    evidence_location,
    evidence_digest,
    reflection_shared,
    activity_duplicate,
    reflection_words,
    formal_reflection,
    engagements,
    report_words,
    report_headings,
    report_structure,
    approval_invalid,
    approval_stale,
    programme_in_portfolio,
)

RULES: dict[str, ModuleType] = {m.ID: m for m in _MODULES}


def rule_infos() -> dict:
    """Rule metadata for reporters and ``cim rules``."""
    from cim_cli.findings import INTERNAL_ERROR, INTERNAL_ERROR_DOC
    from cim_cli.reporters import RuleInfo

    documented = [(rule_id, module.SEVERITY, (module.__doc__ or "").strip()) for rule_id, module in RULES.items()]
    documented.append((INTERNAL_ERROR, "error", INTERNAL_ERROR_DOC))
    return {rule_id: RuleInfo(rule_id, severity, doc.splitlines()[0], doc) for rule_id, severity, doc in documented}
