"""Slugs: ASCII kebab-case from the title, unique in the portfolio."""

from __future__ import annotations

import pytest

from cim_cli.authoring.slug import MAX_SLUG, slugify, unique_slug


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Spanish language café", "spanish-language-cafe"),
        ("Exchange semester at Charité – Universitätsmedizin Berlin", "exchange-semester-at-charite-universitatsmedizin-berlin"),
        ("Straße in Łódź, Ærø & Øresund", "strasse-in-lodz-aero-oresund"),
        ("  --Poster @ Kyoto!!  ", "poster-kyoto"),
        ("日本語の会議", "ri-ben-yu-no-hui-yi"),
        ("한국어 카페", "han-gug-eo-ka-pe"),
        ("Конференция в Москве", "konferentsiya-v-moskve"),
        ("Συνέδριο υγείας", "synedrio-ygeias"),
        ("مؤتمر الصحة", "mu-tmr-lshh"),
        ("😀😀", "grinning-grinning"),
        ("\u200b\u0301", "activity"),
        ("../../etc/passwd", "etc-passwd"),
        ("Crème brûlée 2025", "creme-brulee-2025"),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_long_titles_are_cut_at_a_word_boundary():
    slug = slugify("A very long title about an international summer course on global health and migration in Europe")
    assert len(slug) <= MAX_SLUG
    assert not slug.endswith("-")
    assert "a-very-long-title-about-an-international-summer-course-on".startswith(slug)
    assert len(slugify("x" * 200)) == MAX_SLUG


def test_unique_against_records_reflections_and_evidence_folders(tmp_path):
    for rel in ("activities/berlin.yaml", "reflections/berlin-2.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    (tmp_path / "evidence" / "Berlin-3").mkdir(parents=True)  # compared ignoring case
    assert unique_slug(str(tmp_path), "Berlin") == "berlin-4"
    assert unique_slug(str(tmp_path), "Kyoto") == "kyoto"


def test_unique_suffix_keeps_the_length_limit(tmp_path):
    (tmp_path / "activities").mkdir()
    base = slugify("y" * 100)
    (tmp_path / "activities" / f"{base}.yaml").write_text("x")
    slug = unique_slug(str(tmp_path), "y" * 100)
    assert slug.endswith("-2") and len(slug) <= MAX_SLUG


def test_titles_in_one_script_get_distinct_readable_slugs(tmp_path):
    slugs = {slugify(t) for t in ("東京の学会", "大阪の学会", "Семинар в Киеве", "Семинар в Минске")}
    assert len(slugs) == 4 and "activity" not in slugs
