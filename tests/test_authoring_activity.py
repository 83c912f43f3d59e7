"""cim activity add: checked values, the record and its reflection template, unique slugs."""

from __future__ import annotations

import json

import pytest

from authoring_support import cim, new_portfolio, snapshot
from cim_cli.load.yamlsafe import parse_yaml

CAFE = ["--title", "Spanish language café", "--category", "language-cafe", "--location", "home", "--start", "2024-10-05"]


def test_add_writes_record_and_reflection_and_prints_the_slug(tmp_path, monkeypatch):
    root = new_portfolio(tmp_path)
    monkeypatch.chdir(root)
    r = cim("activity", "add", *CAFE, "--end", "2024-12-14", "--host", "Student union", "--engagements", "8")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "spanish-language-cafe\n"
    assert "Wrote activities/spanish-language-cafe.yaml" in r.stderr
    assert "write your reflection in reflections/spanish-language-cafe.md, then add evidence with: cim evidence add spanish-language-cafe FILE" in r.stderr
    text = (root / "activities" / "spanish-language-cafe.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../.cim/schemas/activity.schema.json\n")
    assert parse_yaml(text, "a").data == {
        "title": "Spanish language café", "category": "language-cafe", "location": "home", "host": "Student union",
        "start": "2024-10-05", "end": "2024-12-14", "engagements": 8, "reflection": "reflections/spanish-language-cafe.md",
    }
    reflection = (root / "reflections" / "spanish-language-cafe.md").read_text()
    assert reflection.startswith("# Reflection: Spanish language café\n")
    from cim_cli.programme import REFLECTION_QUESTIONS

    for question in REFLECTION_QUESTIONS:
        assert f"\n## {question}\n" in reflection
    v = json.loads(cim("validate", root, "--format", "json").stdout)["portfolios"][0]
    assert [f["rule"] for f in v["findings"] if f["severity"] == "error"] == []


def test_abroad_with_lower_case_country_and_credits(tmp_path):
    root = new_portfolio(tmp_path)
    r = cim("activity", "add", "--portfolio", root, "--title", "Exchange in Berlin", "--category", "exchange-studies",
            "--location", "abroad", "--country", "de", "--start", "2024-02-01", "--credits", "30", "--credit-bearing", "--curriculum", "formal")
    assert r.exit_code == 0, r.stderr
    data = parse_yaml((root / "activities" / "exchange-in-berlin.yaml").read_text(), "a").data
    assert (data["country"], data["credits"], data["credit_bearing"], data["curriculum"]) == ("DE", 30, True, "formal")
    assert "engagements" not in data  # exchange studies need one; nothing to update


@pytest.mark.parametrize(
    "change, words",
    [
        ({"--category": "language-club"}, ["unknown category 'language-club'", "did you mean 'language-cafe'", "exchange-studies", "Guest lectures on global topics"]),
        ({"--location": "abroad"}, ["needs the country", "--country"]),
        ({"--location": "moon"}, ["home or abroad"]),
        ({"--start": "2024-13-01"}, ["--start", "YYYY-MM-DD"]),
        ({"--start": "5 March"}, ["--start", "YYYY-MM-DD"]),
        ({"--end": "2024-10-01"}, ["before --start"]),
        ({"--country": "XX"}, ["ISO 3166-1"]),
        ({"--engagements": "0"}, ["engagements", "at least 1"]),
        ({"--credits": "-1"}, ["--credits"]),
        ({"--curriculum": "sometimes"}, ["formal or informal"]),
        ({"--title": "   "}, ["missing --title"]),
        ({"--title": "two\nlines"}, ["--title must be one line"]),
    ],
)
def test_bad_values_exit_2_and_write_nothing(tmp_path, change, words):
    root = new_portfolio(tmp_path)
    args = list(CAFE)
    for flag, value in change.items():
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    before = snapshot(root)
    r = cim("activity", "add", "--portfolio", root, *args)
    assert r.exit_code == 2, r.stderr
    for word in words:
        assert word in r.stderr
    assert r.stdout == ""
    assert snapshot(root) == before


def test_warnings_for_what_will_not_count_yet(tmp_path):
    root = new_portfolio(tmp_path)
    r = cim("activity", "add", "--portfolio", root, "--title", "Erasmus at home?", "--category", "exchange-studies", "--location", "home", "--start", "2999-01-01")
    assert r.exit_code == 0
    assert "meant for activities abroad" in r.stderr
    assert "in the future" in r.stderr
    r = cim("activity", "add", "--portfolio", root, *CAFE)
    assert "counts after 3 engagements" in r.stderr
    assert "engagements: 1\n" in (root / "activities" / "spanish-language-cafe.yaml").read_text()


def test_slugs_are_unique(tmp_path):
    root = new_portfolio(tmp_path)
    (root / "evidence" / "spanish-language-cafe-2").mkdir()
    slugs = [cim("activity", "add", "--portfolio", root, *CAFE).stdout.strip() for _ in range(3)]
    assert slugs == ["spanish-language-cafe", "spanish-language-cafe-3", "spanish-language-cafe-4"]


@pytest.mark.parametrize("title", ["NO", "yes", "1:30", "0123", "Poster: results # 2", "'quoted'", "- dash", "日本語"])
def test_hostile_titles_round_trip(tmp_path, title):
    root = new_portfolio(tmp_path)
    r = cim("activity", "add", "--portfolio", root, *CAFE[2:], "--title", title)
    assert r.exit_code == 0, r.stderr
    slug = r.stdout.strip()
    data = parse_yaml((root / "activities" / f"{slug}.yaml").read_text(), "a").data
    assert data["title"] == title
    import yaml

    assert yaml.safe_load((root / "activities" / f"{slug}.yaml").read_text())["title"] == title


def test_portfolio_is_found_from_a_subfolder_and_not_elsewhere(tmp_path, monkeypatch):
    root = new_portfolio(tmp_path)
    monkeypatch.chdir(root / "evidence")
    r = cim("activity", "add", *CAFE)
    assert r.exit_code == 0 and (root / "activities" / "spanish-language-cafe.yaml").is_file()
    monkeypatch.chdir(tmp_path)
    r = cim("activity", "add", *CAFE)
    assert r.exit_code == 2
    # A cohort root: the hint names one of its portfolios, never `cim init` there.
    assert "--portfolio ada" in r.stderr and "cim init" not in r.stderr
    assert cim("activity", "add", "--portfolio", tmp_path / "nope", *CAFE).exit_code == 2


def test_missing_values_without_a_terminal(tmp_path):
    root = new_portfolio(tmp_path)
    r = cim("activity", "add", "--portfolio", root, "--title", "X")
    assert r.exit_code == 2
    assert "missing --category, --location, --start" in r.stderr


def test_prompts_on_a_terminal(tmp_path, monkeypatch):
    import cim_cli.cli.authoring as cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    root = new_portfolio(tmp_path)
    r = cim("activity", "add", "--portfolio", root, "--title", "Kyoto", input="conference\nabroad\n2024-09-12\njp\n")
    assert r.exit_code == 0, r.stderr
    assert "language-cafe" in r.stderr  # the catalogue was shown before asking
    data = parse_yaml((root / "activities" / "kyoto.yaml").read_text(), "a").data
    assert (data["category"], data["location"], data["country"]) == ("conference", "abroad", "JP")


def test_a_programme_file_decides_the_catalogue(tmp_path):
    root = new_portfolio(tmp_path)
    (tmp_path / "programme.yaml").write_text(
        "catalogue:\n  - id: field-trip\n    title: Field trip\n    description: A trip.\n    location: any\n    min_engagements: 1\n"
    )
    assert cim("activity", "add", "--portfolio", root, *CAFE).exit_code == 2
    r = cim("activity", "add", "--portfolio", root, *CAFE[:2], "--category", "field-trip", *CAFE[4:])
    assert r.exit_code == 0, r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("report: [\n")
    assert cim("activity", "add", "--portfolio", root, *CAFE, "--programme", bad).exit_code == 2


def test_record_is_removed_when_the_reflection_cannot_be_written(tmp_path, monkeypatch):
    import cim_cli.authoring.activity as activity

    root = new_portfolio(tmp_path)
    real = activity.write_text

    def failing(path, text, **kw):
        if str(path).endswith(".md"):
            raise OSError(28, "No space left on device", str(path))
        return real(path, text, **kw)

    monkeypatch.setattr(activity, "write_text", failing)
    before = snapshot(root)
    r = cim("activity", "add", "--portfolio", root, *CAFE)
    assert r.exit_code == 2
    assert "No space left on device" in r.stderr
    assert snapshot(root) == before


def test_a_symlinked_folder_leading_outside_is_refused(tmp_path):
    root = new_portfolio(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "reflections" / ".gitkeep").unlink()
    (root / "reflections").rmdir()
    (root / "reflections").symlink_to(outside)
    r = cim("activity", "add", "--portfolio", root, *CAFE)
    assert r.exit_code == 1
    assert "outside the portfolio" in r.stderr
    assert list(outside.iterdir()) == []
    assert not (root / "activities" / "spanish-language-cafe.yaml").exists()


@pytest.mark.parametrize("given, code", [("Germany", "DE"), ("germany", "DE"), ("UK", "GB"), ("Deutschland", "DE"), ("Sverige", "SE"), ("Germny", "DE")])
def test_country_names_get_the_iso_code_suggested(tmp_path, given, code):
    root = new_portfolio(tmp_path)
    before = snapshot(root)
    r = cim("activity", "add", "--portfolio", root, "--title", "Exchange", "--category", "exchange-studies",
            "--location", "abroad", "--country", given, "--start", "2024-02-01")
    assert r.exit_code == 2
    assert f"did you mean --country {code}?" in r.stderr
    assert snapshot(root) == before


def test_home_activity_in_a_foreign_country_is_warned(tmp_path):
    root = new_portfolio(tmp_path)
    r = cim("activity", "add", "--portfolio", root, *CAFE, "--country", "DE")
    assert r.exit_code == 0, r.stderr
    assert "at home, but the country is DE (Germany)" in r.stderr and "--location abroad" in r.stderr


def test_validate_suggests_the_code_for_a_country_name(make_portfolio):
    from conftest import activity_yaml, complete_activity, result_of

    path = make_portfolio({**complete_activity("x"), "activities/x.yaml": activity_yaml("x", category="conference", location="abroad", country="Germany")})
    (finding,) = [f for f in result_of(path).findings if f.rule == "schema"]
    assert finding.message.endswith("is not a two-letter country code; did you mean DE?") and finding.line == 9
