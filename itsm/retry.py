"""A short random pause before pyramid_retry runs a conflicted request again.

Writers that conflicted once tend to conflict again when they restart in lockstep; a few
milliseconds of jitter (growing with the attempt) lets one of them commit first.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from pyramid_retry import IBeforeRetry

log = logging.getLogger(__name__)


def backoff_before_retry(event: Any) -> None:
    attempt = event.environ.get("retry.attempt", 0)
    pause = random.uniform(0, 0.02 * (2**attempt))
    # The exception's text names the object (oid and class) that conflicted: the hot spot.
    log.info(
        "conflict in %s %s, attempt %d; retrying in %.0f ms (%s: %s)",
        event.request.method,
        event.request.path,
        attempt + 1,
        pause * 1000,
        type(event.exception).__name__,
        str(event.exception)[:160],
    )
    time.sleep(pause)


def includeme(config: Any) -> None:
    config.add_subscriber(backoff_before_retry, IBeforeRetry)
