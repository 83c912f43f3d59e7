"""cim_cli.record.Record: the frozen value classes behave as the dataclasses they replaced."""

from __future__ import annotations

import copy
import pickle

import pytest

from cim_cli.findings import Finding, PortfolioResult
from cim_cli.model import LoadProblem, Portfolio, SourceMap, YamlDocument
from cim_cli.record import FrozenRecordError


def _problem(**changes) -> LoadProblem:
    fields = {"rule": "yaml-syntax", "file": "student.yaml", "line": 3, "column": 1, "message": "Fix it."}
    return LoadProblem(**{**fields, **changes})


def test_equal_by_value_and_hashable() -> None:
    assert _problem() == _problem()
    assert _problem() != _problem(line=4)
    assert hash(_problem()) == hash(_problem())
    assert len({_problem(), _problem(), _problem(column=2)}) == 2


def test_equality_needs_the_same_class() -> None:
    finding = Finding("yaml-syntax", "error", "student.yaml", 3, 1, "Fix it.")
    assert finding != ("yaml-syntax", "error", "student.yaml", 3, 1, "Fix it.")
    assert _problem() != finding


def test_repr_names_every_field() -> None:
    assert repr(_problem()) == "LoadProblem(rule='yaml-syntax', file='student.yaml', line=3, column=1, message='Fix it.')"


def test_fields_cannot_be_set_or_deleted() -> None:
    problem = _problem()
    with pytest.raises(AttributeError, match="cannot assign to field 'line'"):
        problem.line = 4  # type: ignore[misc]
    with pytest.raises(FrozenRecordError):
        del problem.line
    with pytest.raises(AttributeError):
        problem.other = 1  # type: ignore[attr-defined]
    assert problem.line == 3


def test_defaults_and_fresh_mutable_defaults() -> None:
    assert YamlDocument("a.yaml", None, SourceMap()).problems == ()
    first, second = SourceMap(), SourceMap()
    assert first.values == {} and first.values is not second.values
    result = PortfolioResult("p", None, None, "registered", 0, 3, 0, 0, None, ())
    assert result.extra == {} and result.stage_dates == {} and result.next_step == ""


def test_pickle_and_copy_round_trip() -> None:
    result = PortfolioResult("p", "id", "Ada", "collecting", 1, 3, 1, 0, 10, (Finding("r", "warning", "f", None, None, "m"),))
    for clone in (pickle.loads(pickle.dumps(result)), copy.copy(result), copy.deepcopy(result)):
        assert clone == result and clone is not result
        assert clone.findings[0].rule == "r"


def test_a_field_left_out_of_compare_and_repr() -> None:
    doc = YamlDocument("student.yaml", {}, SourceMap())
    one = Portfolio("p", doc, (), None, (), (), files="a source")  # type: ignore[arg-type]
    other = Portfolio("p", doc, (), None, (), (), files="another")  # type: ignore[arg-type]
    assert one == other
    assert "files" not in repr(one) and one.files == "a source"


def test_fields_defaults_and_factories_come_from_the_class_body():
    import pytest

    from cim_cli.record import FrozenRecordError, Record

    class Sample(Record):
        name: str
        size: int | None
        tags: dict
        _defaults = {"size": None}
        _factories = {"tags": dict}

    assert Sample.__slots__ == ("name", "size", "tags")
    a, b = Sample("a"), Sample("a", tags=None)
    assert a == b and a.size is None and a.tags == {} and a.tags is not b.tags  # a fresh dict each time
    assert Sample("x", 3, {"k": 1}).tags == {"k": 1}
    assert Sample("p", 1).__reduce__() == (Sample, ("p", 1, {}))  # pickled through the constructor
    with pytest.raises(TypeError):
        Sample()  # the field without a default is required
    with pytest.raises(FrozenRecordError):
        a.name = "b"
    assert not hasattr(a, "__dict__")
