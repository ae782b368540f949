"""Answers of the estimators' pure functions, remembered within a process: a backfill or `verify` over a quiet
market asks the same question day after day (the same firms at the same prices), and the answer cannot differ."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Remembered(Generic[V]):
    """Answers by (parameter set, key), at most `at_most` of them: the oldest is forgotten first."""

    def __init__(self, at_most: int) -> None:
        self.at_most = at_most
        self._answers: dict[tuple[int, Hashable], V] = {}
        self._params: dict[int, object] = {}  # held, so a parameter set's id is never reused by another

    def known(self, params: object, key: Hashable) -> V | None:
        """The answer for `key` under `params` if it is remembered."""
        return self._answers.get((id(params), key))

    def remember(self, params: object, key: Hashable, answer: V) -> V:
        """Keep `answer` for `key` under `params` (forgetting the oldest when full), and give it back."""
        self._params.setdefault(id(params), params)
        entry = (id(params), key)
        if entry not in self._answers and len(self._answers) >= self.at_most:
            self._answers.pop(next(iter(self._answers)))
        self._answers[entry] = answer
        return answer
