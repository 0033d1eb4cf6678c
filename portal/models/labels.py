"""Translated labels for enums: `LabelledEnum` members carry their label next to their value."""

import enum


class LabelledEnum(enum.Enum):
    """An enum whose members are declared as `NAME = ("value", _l("Label"))`."""

    def __new__(cls, value: str, label=None):
        member = object.__new__(cls)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return str(self._label) if self._label is not None else self.value
