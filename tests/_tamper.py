"""Edits of a parsed JSON file at a slash path (list positions as numbers), shared by the
model-file and cutpoints-file tamper tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Edit = Callable[[dict[str, Any]], object]


def _parent(p: Any, path: str) -> tuple[Any, Any]:
    *parents, last = [int(k) if k.isdigit() else k for k in path.split("/")]
    for k in parents:
        p = p[k]
    return p, last


def set_field(path: str, value: Any) -> Edit:
    """An edit setting the field at ``path`` to ``value``."""
    def edit(p: dict[str, Any]) -> None:
        parent, last = _parent(p, path)
        parent[last] = value
    return edit


def pop_field(path: str) -> Edit:
    """An edit removing the field at ``path``."""
    def edit(p: dict[str, Any]) -> None:
        parent, last = _parent(p, path)
        parent.pop(last)
    return edit
