"""Person records, profile pages and API tokens."""

from typing import Any


def includeme(config: Any) -> None:
    config.scan("itsm.people.views")
