"""Issue 8: the schema line cim writes into every record resolves offline, relative to the record."""

from __future__ import annotations

import json
import re

from authoring_support import cim, new_portfolio
from conftest import REPO

MODELINE = re.compile(r"\A# yaml-language-server: \$schema=(\S+)\n")
CAFE = ["--title", "Spanish language café", "--category", "language-cafe", "--location", "home", "--start", "2024-10-05"]


def _schema_of(path):
    """The schema file a record's first line names, resolved as yaml-language-server does: against the record."""
    m = MODELINE.match(path.read_text(encoding="utf-8"))
    assert m, f"{path} has no schema line"
    target = m.group(1)
    assert "://" not in target, f"{path} points at a URL ({target}); editors need it offline"
    return (path.parent / target).resolve()


def test_every_record_cim_writes_points_at_a_schema_that_exists(tmp_path, monkeypatch):
    root = new_portfolio(tmp_path)
    assert cim("activity", "add", "-P", root, *CAFE).exit_code == 0
    monkeypatch.chdir(tmp_path)
    (tmp_path / "office").mkdir()
    assert cim("programme", "init", "office/programme.yaml").exit_code == 0
    for record, name in (
        (root / "student.yaml", "student"),
        (root / "activities" / "spanish-language-cafe.yaml", "activity"),
        (tmp_path / "office" / "programme.yaml", "programme"),
    ):
        schema = _schema_of(record)
        assert schema.is_file(), f"{record}: {schema} does not exist"
        assert schema.read_text(encoding="utf-8") == (REPO / "cim_cli" / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
        assert json.loads(schema.read_text())["$id"] == f"urn:cim:schemas:{name}"


def test_the_copies_follow_the_schemas_of_the_cim_that_writes(tmp_path):
    root = new_portfolio(tmp_path)
    stale = root / ".cim" / "schemas" / "activity.schema.json"
    stale.write_text("{}")  # what an older cim left
    r = cim("activity", "add", "-P", root, *CAFE)
    assert r.exit_code == 0
    assert stale.read_text() == (REPO / "cim_cli" / "schemas" / "activity.schema.json").read_text()
    assert ".cim/schemas/activity.schema.json" in r.stderr  # said, like every file cim writes


def test_no_schema_id_modeline_or_sarif_link_points_at_a_host_that_cannot_resolve():
    writers = ["authoring/schemas.py", "authoring/register.py", "authoring/activity.py", "programme.py", "reporters/sarif.py"]
    for path in [*(REPO / "cim_cli" / "schemas").glob("*.json"), *(REPO / "cim_cli" / w for w in writers)]:
        assert ".invalid" not in path.read_text(encoding="utf-8"), path
