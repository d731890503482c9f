"""A declared transition table for the lifecycles beside the claim's (payout, interview,
uploaded document): which trigger moves which status where, and nothing else. The claim
has its own richer machine (`workflow.machine`) with roles and guards; these lifecycles are
driven only by the services that own them, so the table is all they need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

S = TypeVar("S", bound=StrEnum)
T = TypeVar("T", bound=StrEnum)


class LifecycleRefused(Exception):
    """A trigger that does not leave the current status: the caller's data is stale or the
    step is not allowed (the service maps it to a 409)."""

    def __init__(self, lifecycle: str, status: StrEnum, trigger: StrEnum) -> None:
        super().__init__(f"{lifecycle}: {trigger.value} is not allowed from {status.value}")
        self.lifecycle = lifecycle
        self.status = status
        self.trigger = trigger


@dataclass(frozen=True)
class Step(Generic[S, T]):
    trigger: T
    sources: tuple[S, ...]
    dest: S


class Lifecycle(Generic[S, T]):
    """`fire(status, trigger)` answers the next status or raises `LifecycleRefused`."""

    def __init__(self, name: str, initial: S, steps: Iterable[Step[S, T]]) -> None:
        self.name = name
        self.initial = initial
        self.steps = tuple(steps)
        self._next: dict[tuple[S, T], S] = {}
        for step in self.steps:
            for source in step.sources:
                key = (source, step.trigger)
                if key in self._next:
                    raise ValueError(f"{name}: {step.trigger} from {source} declared twice")
                self._next[key] = step.dest

    def fire(self, status: S, trigger: T) -> S:
        try:
            return self._next[(status, trigger)]
        except KeyError:
            raise LifecycleRefused(self.name, status, trigger) from None

    def allows(self, status: S, trigger: T) -> bool:
        return (status, trigger) in self._next

    def triggers_from(self, status: S) -> list[T]:
        return [trigger for (source, trigger) in self._next if source == status]
