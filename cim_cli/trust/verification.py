"""The check model of ``cim verify`` (after in-toto's verifylib): a list of named checks.

Every verification, of an approval or of a credential, is a list of
:class:`Check` values, each passed or failed with a reason a person can act
on. A result is valid only when every check passed; reporters print them
all, so what failed is named, never hidden behind a single "invalid".
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Check:
    """One named check: ``signature``, ``key trusted``, ``role``, ``digests``, ..."""

    name: str
    passed: bool
    detail: str = ""

    def as_dict(self) -> dict:
        return {"check": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class Verification:
    """What was verified (a file or folder), of which kind, and its checks.

    ``items`` holds the verifications of the parts (each approval of a
    portfolio); ``info`` what a reader wants to know beside the checks
    (the trust list and programme that judged it, the stage reached).
    """

    subject: str
    kind: str  # "portfolio", "approval", "credential", ...
    checks: tuple[Check, ...] = ()
    items: tuple["Verification", ...] = ()
    info: dict = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return all(c.passed for c in self.checks) and all(i.valid for i in self.items)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def as_dict(self) -> dict:
        return {
            "subject": self.subject,
            "kind": self.kind,
            "valid": self.valid,
            "checks": [c.as_dict() for c in self.checks],
            "items": [i.as_dict() for i in self.items],
            "info": self.info,
        }
