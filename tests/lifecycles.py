"""The check every lifecycle's table test makes: a (status, trigger) pair leads where the
test's own expectation table says, and a pair the table leaves out is refused, naming itself."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from workflow.lifecycle import Lifecycle, LifecycleRefused


def assert_step(
    lifecycle: Lifecycle[Any, Any],
    expected: dict[tuple[Any, Any], StrEnum],
    status: StrEnum,
    trigger: StrEnum,
) -> None:
    destination = expected.get((status, trigger))
    if destination is None:
        assert not lifecycle.allows(status, trigger)
        with pytest.raises(LifecycleRefused) as refused:
            lifecycle.fire(status, trigger)
        assert (refused.value.status, refused.value.trigger) == (status, trigger)
    else:
        assert lifecycle.allows(status, trigger)
        assert lifecycle.fire(status, trigger) is destination
