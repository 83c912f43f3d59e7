"""Frozen, slotted value classes without the cost of ``@dataclass`` at import.

``@dataclass(frozen=True, slots=True)`` writes and compiles six methods per
class when the module is imported (about 4 million instructions each class);
``cim validate`` of one portfolio imports some twenty such classes, which
made up a sixth of its start-up. A :class:`Record` subclass declares its
fields in ``__slots__`` and writes its own ``__init__``; the other methods are
shared and behave as the dataclass ones do: equality and hashing by the
compared fields (``_compare``, by default all), a ``Name(field=value, ...)``
repr (``_repr``, by default all), assignment and deletion refused, pickling
and copying through the constructor.
"""

from __future__ import annotations

from typing import Any


class FrozenRecordError(AttributeError):
    """Raised on assigning to or deleting a field of a :class:`Record`."""


class Record:
    """Base of the model's frozen values; subclasses set ``__slots__`` and ``__init__``."""

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
