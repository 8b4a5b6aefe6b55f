"""The base of the enums shown to people: each member has its value and its French label."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Self


class LabelledEnum(enum.StrEnum):
    """A ``StrEnum`` whose members are declared ``TESTIMONY = "testimony", "Parole de citoyen"``.

    The value stays the plain string (what the database, forms, URLs and JSON hold), so a member
    still equals, prints and pickles as before; the label rides along as an attribute."""

    _value_: str
    label: str

    if TYPE_CHECKING:
        # Calling the class looks a member up by its value (``Role("admin")``), as with any
        # enum: a type checker would read this class's two-argument ``__new__`` instead.
        def __new__(cls, value: str) -> Self: ...

    else:
        def __new__(cls, value: str, label: str) -> Self:
            member = str.__new__(cls, value)
            member._value_ = value
            member.label = label
            return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) for every member, in declaration order: a form's choices."""
        return [(member.value, member.label) for member in cls]
