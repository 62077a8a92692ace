"""Aliases for persistent classes that moved, so old pickles still load.

Add ``("old.module", "OldName", "new.module", "NewName")`` rows here when a class moves;
:func:`install` registers them in ``sys.modules`` before the database is opened.
"""

from __future__ import annotations

ALIASES: tuple[tuple[str, str, str, str], ...] = ()


def install() -> None:
    import importlib
    import sys
    import types

    for old_mod, old_name, new_mod, new_name in ALIASES:
        target = getattr(importlib.import_module(new_mod), new_name)
        module = sys.modules.get(old_mod)
        if module is None:
            module = sys.modules[old_mod] = types.ModuleType(old_mod)
        setattr(module, old_name, target)
