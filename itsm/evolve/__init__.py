"""Schema upgrades by numbered steps (``itsm-evolve``)."""

from typing import Any


def includeme(config: Any) -> None:
    from itsm.evolve.aliases import install

    install()
