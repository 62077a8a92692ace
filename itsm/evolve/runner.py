"""Apply the numbered upgrade steps; the root records the generation it has reached."""

from __future__ import annotations

import logging
from typing import Any

from itsm.db import run_attempts
from itsm.evolve.steps import STEPS

log = logging.getLogger(__name__)


def latest_generation(steps: Any = STEPS) -> int:
    return max((number for number, _, _ in steps), default=0)


def pending_steps(root: Any, steps: Any = STEPS) -> list[tuple[int, str, Any]]:
    return [step for step in sorted(steps, key=lambda s: s[0]) if step[0] > root.generation]


def evolve(get_root: Any, tm: Any, steps: Any = STEPS) -> list[int]:
    """Run each pending step in its own transaction (a failure keeps the earlier steps).

    ``get_root`` returns the ServiceDesk root of a connection bound to ``tm``.
    """
    with tm:
        pending = pending_steps(get_root(), steps)
    done: list[int] = []
    for number, description, func in pending:

        def run_step(
            number: int = number, description: str = description, func: Any = func
        ) -> None:
            root = get_root()
            if root.generation >= number:  # another process got there first
                return
            log.info("evolve: step %d, %s", number, description)
            func(root)
            root.generation = number

        run_attempts(tm, run_step)
        done.append(number)
    return done
