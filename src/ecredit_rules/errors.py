"""The two exceptions the public API raises, each carrying every problem it found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows.

    ``where`` is a fact path (``events[2].date``) for facts, or ``file:line:col`` for rule files.
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ProblemsError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class FactsError(ProblemsError):
    """The facts about a subject are malformed; ``problems`` names each bad field by its path."""


class RulesetError(ProblemsError):
    """A rule file is malformed; each problem is located as ``file:line:col``."""
