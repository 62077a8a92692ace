"""Person records, profile pages and API tokens."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.folder import Folder
    from itsm.root import People

    config.add_itsm_container("people", People)
    config.add_itsm_container("settings/groups", Folder)
    config.scan("itsm.people.views")
