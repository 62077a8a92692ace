"""See ARCHITECTURE.md (itsm/cmdb/)."""

from typing import Any


def includeme(config: Any) -> None:
    pass
