"""Explicit registries: ``name -> constructor``, with errors that list the valid names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from photogenic.errors import PhotogenicError

T = TypeVar("T")


class Registry(Generic[T]):
    """A named mapping of constructors (model families, filters, scorers, judges)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator: register ``fn`` under ``name``; a second registration of a name is an error."""

        def add(fn: Callable[..., T]) -> Callable[..., T]:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._items[name] = fn
            return fn

        return add

    def get(self, name: str) -> Callable[..., T]:
        """The constructor registered as ``name``; a clear error naming the valid choices otherwise."""
        try:
            return self._items[name]
        except KeyError:
            raise PhotogenicError(
                f"unknown {self.kind} {name!r}; expected one of: {', '.join(self.names())}"
            ) from None

    def names(self) -> list[str]:
        """Registered names, sorted (used for CLI choices)."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
