"""Frozen, slotted value classes without the cost of ``@dataclass`` at import.

``@dataclass(frozen=True, slots=True)`` writes and compiles six methods per
class when the module is imported (about 4 million instructions each class);
``cim validate`` of one portfolio imports some twenty such classes, which
made up a sixth of its start-up. A :class:`Record` subclass declares its
fields as annotations, in order, as a dataclass does; defaults go in
``_defaults`` (name -> value) and fresh mutable defaults in ``_factories``
(name -> callable, also applied when None is passed). The class gets
``__slots__`` and an ``__init__`` compiled from one small template (about
0.7 million instructions a class, a sixth of a dataclass); the other methods are shared and behave as the
dataclass ones do: equality and hashing by the compared fields
(``_compare``, by default all), a ``Name(field=value, ...)`` repr
(``_repr``, by default all), assignment and deletion refused, pickling and
copying through the constructor.
"""

from __future__ import annotations

from typing import Any


class FrozenRecordError(AttributeError):
    """Raised on assigning to or deleting a field of a :class:`Record`."""


def _make_init(cls_name: str, fields: tuple[str, ...], defaults: dict, factories: dict):
    """``__init__(self, field, ...)`` that sets each field on a frozen instance."""
    env: dict = {"_set": object.__setattr__}
    params, body = ["self"], []
    for name in fields:
        if name in factories:
            env[f"_f_{name}"] = factories[name]
            params.append(f"{name}=None")
            body.append(f"    _set(self, {name!r}, _f_{name}() if {name} is None else {name})")
        elif name in defaults:
            env[f"_d_{name}"] = defaults[name]
            params.append(f"{name}=_d_{name}")
            body.append(f"    _set(self, {name!r}, {name})")
        else:
            params.append(name)
            body.append(f"    _set(self, {name!r}, {name})")
    source = f"def __init__({', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(compile(source, f"<Record {cls_name}>", "exec"), env)  # noqa: S102 - our own template
    return env["__init__"]


class _RecordType(type):
    """Gives each Record subclass ``__slots__`` and ``__init__`` from its annotated fields."""

    def __new__(mcls, name: str, bases: tuple, ns: dict):
        if "__slots__" not in ns:
            fields = tuple(field for field in ns.get("__annotations__", {}) if not field.startswith("_"))
            ns["__slots__"] = fields
            if "__init__" not in ns:
                ns["__init__"] = _make_init(name, fields, ns.pop("_defaults", {}), ns.pop("_factories", {}))
        return super().__new__(mcls, name, bases, ns)


class Record(metaclass=_RecordType):
    """Base of the model's frozen values: subclasses annotate their fields (see the module)."""

    __slots__ = ()
    # Fields compared (and hashed) and shown by repr; None means all of __slots__.
    _compare: tuple[str, ...] | None = None
    _repr: tuple[str, ...] | None = None

    def _values(self, names: tuple[str, ...]) -> tuple:
        return tuple([getattr(self, name) for name in names])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            names = self._compare or self.__slots__
            return self._values(names) == other._values(names)  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values(self._compare or self.__slots__))

    def __repr__(self) -> str:
        names = self._repr or self.__slots__
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenRecordError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenRecordError(f"cannot delete field {name!r}")

    def __reduce__(self):
        return self.__class__, self._values(self.__slots__)
