"""Errors with the exit codes of DESIGN.md §2.

Every message is one line that says what is wrong and what to do about it."""

from __future__ import annotations

ISSUES_URL = "https://github.com/midstance/midstance/issues"


class MidstanceError(Exception):
    """Base class: an expected failure with a one-line message and an exit code."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())  # always a single line


class InputError(MidstanceError):
    """Unusable input or arguments (exit code 2)."""

    exit_code = 2


class AnalysisError(MidstanceError):
    """Valid input that cannot be analysed, e.g. no runner or no complete stance (exit code 3)."""

    exit_code = 3
