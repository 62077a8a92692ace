"""Problem management (later): for now the /problems container only."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.containers import Problems

    config.add_itsm_container("problems", Problems)
