"""User-facing errors: every bad input becomes one of these, and the CLI prints it
without a traceback and exits with code 2."""

from __future__ import annotations


class UserError(Exception):
    """A problem with what the user gave us (config, data, model reference, arguments).

    `where` names the place (file:line, field, record) and `fix` says what to do.
    """

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.fix = fix

    def __str__(self) -> str:
        parts = [f"{self.where}: {self.message}" if self.where else self.message]
        if self.fix:
            parts.append(f"  fix: {self.fix}")
        return "\n".join(parts)


class ConfigError(UserError):
    """The pipeline file or a stage config is wrong."""


class DataError(UserError):
    """A dataset file or record is wrong."""


class ModelError(UserError):
    """A model reference cannot be resolved or loaded."""
