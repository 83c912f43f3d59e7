"""A cohort for trust tests: a copy of example-portfolios/ready-ada, staff keys, a trust list and a programme file."""

from __future__ import annotations

import base64
import datetime
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from conftest import EXAMPLES
from cim_cli.trust import keys

ALL_ROLES = ["activities", "report", "presentation"]


@dataclass
class Cohort:
    folder: Path  # the cohort: programme.yaml, trust.yaml, portfolios
    keys_folder: Path  # staff keys live outside the cohort
    staff: dict = field(default_factory=dict)  # name -> SigningKey
    entries: dict = field(default_factory=dict)  # name -> extra trust-list lines

    @property
    def ada(self) -> Path:
        return self.folder / "ada"

    def add_portfolio(self, name: str, student_id: str) -> Path:
        root = self.folder / name
        shutil.copytree(EXAMPLES / "ready-ada", root)
        text = (root / "student.yaml").read_text(encoding="utf-8").replace('"ada-2023-0142"', f'"{student_id}"')
        (root / "student.yaml").write_text(text, encoding="utf-8")
        return root

    def key(self, name: str, roles=ALL_ROLES, trusted: bool = True, **dates: str):
        """A staff key, listed in the trust list (unless not trusted) with ``roles`` and dates."""
        made, _ = keys.create_key_file(str(self.keys_folder / f"{name}.pem"), None)
        self.staff[name] = made
        if trusted:
            entry = keys.trust_entry(made.did, name, None, list(roles))
            entry += "".join(f"    {k}: {v}\n" for k, v in dates.items())
            self.entries[name] = entry
            self.write_trust()
        return made

    def write_trust(self) -> None:
        (self.folder / "trust.yaml").write_text("keys:\n" + "".join(self.entries.values()), encoding="utf-8")

    def programme(self):
        from cim_cli.programme import load_programme

        return load_programme(str(self.folder / "programme.yaml"))

    def trust(self):
        from cim_cli.trust.trustlist import load_trust_list

        return load_trust_list(str(self.folder / "trust.yaml"))

    def approve(self, stage: str, key: str = "staff", root: Path | None = None, **options):
        from cim_cli.trust.approvals import approve

        return approve(str(root or self.ada), stage, self.staff[key], self.programme(), self.trust(), **options)

    def result(self, root: Path | None = None):
        from cim_cli.engine import validate_path

        return validate_path(str(root or self.ada), self.programme())


def make_cohort(tmp_path: Path) -> Cohort:
    folder = tmp_path / "cohort"
    folder.mkdir()
    (tmp_path / "keys").mkdir()
    cohort = Cohort(folder, tmp_path / "keys")
    (folder / "programme.yaml").write_text("title: Certificate of International Merits\ntrust: trust.yaml\n", encoding="utf-8")
    cohort.add_portfolio("ada", "ada-2023-0142")
    cohort.key("staff")
    return cohort


def forge(root: Path, stage: str, key, *, student_id: str = "ada-2023-0142", sequence: int | None = None,
          previous: dict | None | str = "auto", when: datetime.datetime | None = None, name: str = "Mallory",
          kind: str | None = None, decision: str = "approved") -> Path:
    """Write an approval with the library's low-level pieces, bypassing every check of `approve`."""
    from cim_cli.trust.approvals import build_statement, next_file, write_approval

    number, rel, prev = next_file(str(root), stage)
    if sequence is not None:
        number, rel = sequence, f"approvals/{sequence:04d}-{stage}.json"
    statement = build_statement(
        str(root), stage, decision=decision, comment="", approver_name=name, approver_id=key.did,
        student_id=student_id, sequence=number, previous=prev if previous == "auto" else previous,
        programme=None, when=when or datetime.datetime.now(datetime.timezone.utc),
        date=(when or datetime.datetime.now(datetime.timezone.utc)).date().isoformat(),
        kind=kind if stage == "presentation" else None,
    )
    return Path(write_approval(str(root), statement, key, rel))


def rewrite_payload(path: Path, change) -> None:
    """Change the signed statement inside an approval file, keeping its old signature."""
    envelope = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    change(statement)
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    path.write_text(json.dumps(envelope, indent=2) + "\n")
