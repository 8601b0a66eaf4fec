"""What is wrong with one record: kept as data so the validation policy (error, drop,
warn) decides what happens, and the report can group problems by reason."""

from __future__ import annotations

from dataclasses import dataclass

from tuneline.errors import DataError


@dataclass
class RowProblem:
    source: str  # "file:line" or "file#N"
    reason: str  # short and stable, used to group the summary ("invalid JSON", "empty content")
    detail: str  # what exactly is wrong and what was expected, naming the field
    fix: str

    def to_error(self) -> DataError:
        return DataError(self.detail, where=self.source, fix=self.fix)


class RecordProblem(Exception):
    """Raised by a converter or a check; the loader attaches the record's source."""

    def __init__(self, reason: str, detail: str, fix: str):
        super().__init__(detail)
        self.reason, self.detail, self.fix = reason, detail, fix

    def at(self, source: str) -> RowProblem:
        return RowProblem(source, self.reason, self.detail, self.fix)
