"""The shared BTree-backed container of the resource tree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent


class Folder(Persistent):
    """A container whose items live in an OOBTree, so it scales to many children.

    Adding and removing set ``__parent__``/``__name__`` so traversal and ``resource_url`` work.
    The item count is a ``BTrees.Length``: concurrent additions merge instead of conflicting.
    """

    __parent__: Any = None
    __name__: str | None = None

    def __init__(self) -> None:
        self.data = OOBTree()
        self._count = Length()

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.data

    def __len__(self) -> int:
        return self._count()

    def __iter__(self) -> Iterator[str]:
        return iter(self.data.keys())

    def keys(self, min: str | None = None, max: str | None = None) -> Any:  # noqa: A002
        return self.data.keys(min, max)

    def values(self) -> Any:
        return self.data.values()

    def items(self) -> Any:
        return self.data.items()

    def add(self, name: str, obj: Any) -> Any:
        """Add ``obj`` under ``name``; a name already taken is a KeyError, never an overwrite."""
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"invalid name {name!r}")
        if name in self.data:
            raise KeyError(f"{name!r} exists already")
        obj.__parent__ = self
        obj.__name__ = name
        self.data[name] = obj
        self._count.change(1)
        return obj

    def remove(self, name: str) -> Any:
        obj = self.data.pop(name)
        self._count.change(-1)
        obj.__parent__ = None
        return obj
