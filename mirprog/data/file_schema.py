"""A small schema validator for mirprog's JSON files (model and cutpoints).

A *spec* is a function ``spec(value, path) -> converted value`` that raises
:class:`Invalid` naming the JSON path of the first defect (``cutpoints[0].
thresholds[1]``).  Specs are built from a handful of combinators
(:func:`number`, :func:`integer`, :func:`text`, :func:`array`, :func:`obj`,
:func:`mapping`, ...), so a file format is declared once, as data, and every
field is checked once, at load time, before any of it is used.

:func:`parse` reads the JSON text itself: size limit, duplicated keys and
over-deep nesting are refused there, with the same :class:`ModelFileError`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from mirprog.errors import ModelFileError

__all__ = ["MAX_BYTES", "Invalid", "Spec", "array", "choice", "integer", "mapping", "number",
           "obj", "optional", "parse", "same", "scalar", "schema_version", "text", "validate"]

MAX_BYTES = 64 * 2**20
"""Largest model/cutpoints file read (64 MiB: a baseline hazard of ~2 million event times)."""
MAX_COUNT = 10**12
_SAFE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

Spec = Callable[[Any, str], Any]


class Invalid(Exception):
    """A field of a JSON file is wrong: ``path`` is where, ``problem`` says what and the fix."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path or 'the top level'} {problem}")
        self.path, self.problem = path, problem


def key_path(path: str, key: str) -> str:
    """``path.key`` for a plain name, ``path['odd key']`` otherwise."""
    if _SAFE_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


def _kind(value: Any) -> str:
    names = {bool: "a boolean", str: "a string", int: "an integer", float: "a number",
             list: "a list", dict: "an object", type(None): "null"}
    shown = repr(value) if not isinstance(value, list | dict) else ""
    return f"{shown} ({names.get(type(value), type(value).__name__)})".strip()


def same(a: Any, b: Any) -> bool:
    """``a == b`` where a boolean never equals a number (``True`` is not ``1``)."""
    return isinstance(a, bool) == isinstance(b, bool) and bool(a == b)


def number(*, minimum: float | None = None, positive: bool = False) -> Spec:
    """A finite JSON number (not a boolean, not a string), as float."""
    def check(value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(path, f"is {_kind(value)}, expected a number")
        x = float(value)
        if not math.isfinite(x):
            raise Invalid(path, f"is {value!r}, expected a finite number")
        if positive and x <= 0:
            raise Invalid(path, f"is {x!r}, expected a number > 0")
        if minimum is not None and x < minimum:
            raise Invalid(path, f"is {x!r}, expected a number >= {minimum:g}")
        return x
    return check


def integer(*, minimum: int = 0) -> Spec:
    """A whole JSON number in [minimum, 10**12] (not a boolean, not 3.0)."""
    def check(value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(path, f"is {_kind(value)}, expected a whole number")
        if not minimum <= value <= MAX_COUNT:
            raise Invalid(path, f"is {value}, expected a whole number >= {minimum}")
        return value
    return check


def text(*, empty: bool = False) -> Spec:
    """A JSON string (non-empty unless ``empty``)."""
    def check(value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise Invalid(path, f"is {_kind(value)}, expected a string")
        if not value and not empty:
            raise Invalid(path, "is an empty string, expected a name")
        return value
    return check


def choice(*allowed: Any) -> Spec:
    """One of ``allowed`` (compared with type: ``True`` is not ``1``)."""
    def check(value: Any, path: str) -> Any:
        if not any(same(value, a) for a in allowed):
            raise Invalid(path, f"is {_kind(value)}, expected one of "
                                f"{', '.join(json.dumps(a) for a in allowed)}")
        return value
    return check


def scalar(value: Any, path: str) -> Any:
    """A string, boolean or finite number (a level or an adverse value)."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return number()(value, path) if isinstance(value, float) else value
    raise Invalid(path, f"is {_kind(value)}, expected a string or a number")


def optional(spec: Spec) -> Spec:
    """``null`` or what ``spec`` accepts."""
    def check(value: Any, path: str) -> Any:
        return None if value is None else spec(value, path)
    return check


def array(item: Spec, *, min_len: int = 0, order: Literal["increasing", "non-decreasing"]
          | None = None, unique: bool = False) -> Spec:
    """A JSON list of ``item``, as a tuple; optionally ordered or without repeats."""
    def check(value: Any, path: str) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise Invalid(path, f"is {_kind(value)}, expected a list")
        if len(value) < min_len:
            raise Invalid(path, f"has {len(value)} entries, expected at least {min_len}")
        out = tuple(item(v, f"{path}[{i}]") for i, v in enumerate(value))
        for i in range(1, len(out)):
            if order == "increasing" and not out[i] > out[i - 1]:
                raise Invalid(f"{path}[{i}]", f"is {out[i]!r}, not above the previous entry "
                                              f"{out[i - 1]!r}: the list must increase")
            if order == "non-decreasing" and out[i] < out[i - 1]:
                raise Invalid(f"{path}[{i}]", f"is {out[i]!r}, below the previous entry "
                                              f"{out[i - 1]!r}: the list must not decrease")
        if unique:
            seen: list[Any] = []
            for i, v in enumerate(out):
                if any(same(v, s) for s in seen):
                    raise Invalid(f"{path}[{i}]", f"repeats {v!r}; entries must be distinct")
                seen.append(v)
        return out
    return check


def obj(fields: Mapping[str, Spec]) -> Spec:
    """A JSON object with exactly ``fields`` (no key missing, none unknown), as a dict."""
    def check(value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid(path, f"is {_kind(value)}, expected an object")
        missing = [k for k in fields if k not in value]
        if missing:
            raise Invalid(key_path(path, missing[0]), "is missing")
        unknown = [k for k in value if k not in fields]
        if unknown:
            raise Invalid(key_path(path, unknown[0]),
                          f"is not a known field (expected only {', '.join(fields)})")
        return {k: spec(value[k], key_path(path, k)) for k, spec in fields.items()}
    return check


def mapping(spec: Spec) -> Spec:
    """A JSON object whose keys are names and whose values are ``spec``, as a dict."""
    def check(value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid(path, f"is {_kind(value)}, expected an object")
        for k in value:
            if not k:
                raise Invalid(path, "has an empty key, expected names")
        return {k: spec(v, key_path(path, k)) for k, v in value.items()}
    return check


def _no_duplicates(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise Invalid("", f"has the key {k!r} twice in one object; JSON readers disagree "
                              "on which one wins")
        out[k] = v
    return out


def parse(text: str, source: str) -> Any:
    """JSON text as Python values; refuses huge files, repeated keys and deep nesting."""
    if not isinstance(text, str):
        raise ModelFileError(f"{source} must be JSON text (a str), got {type(text).__name__}.")
    if len(text) > MAX_BYTES:
        raise ModelFileError(f"{source} is {len(text):,} characters long, more than any "
                             f"mirprog file ({MAX_BYTES:,}); it is not a file mirprog wrote.")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except Invalid as exc:
        raise ModelFileError(f"{source} is corrupted: an object {exc.problem}. Restore the "
                             "file as mirprog wrote it.") from None
    except RecursionError:
        raise ModelFileError(f"{source} is corrupted: its JSON is nested far deeper than any "
                             "mirprog file. Restore the file as mirprog wrote it.") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of > 4300 digits
        raise ModelFileError(f"{source} is corrupted: not valid JSON ({exc}). Restore the file "
                             "as mirprog wrote it.") from None


def schema_version(payload: Any, prefix: str, known: Iterable[int], source: str,
                   kind: str) -> int:
    """The version ``n`` of ``payload["schema"] == prefix + n``, one of ``known``."""
    known = sorted(known)
    expected = " or ".join(repr(f"{prefix}{v}") for v in known)
    if not isinstance(payload, dict):
        raise ModelFileError(f"{source} is not a mirprog {kind}: its top level is "
                             f"{_kind(payload)}, expected an object with schema {expected}.")
    schema = payload.get("schema")
    version = schema[len(prefix):] if isinstance(schema, str) and schema.startswith(prefix) \
        else ""
    if not re.fullmatch(r"0|[1-9][0-9]{0,5}", version):
        raise ModelFileError(f"{source} is not a mirprog {kind}: schema is {_kind(schema)}, "
                             f"expected {expected}.")
    if int(version) > known[-1]:
        raise ModelFileError(
            f"{source} was written by a newer mirprog ({payload.get('mirprog_version')!r}, "
            f"schema {schema!r}); this version reads {expected}. Upgrade mirprog "
            "(pip install -U mirprog) to load it.")
    if int(version) not in known:
        raise ModelFileError(f"{source} has schema {schema!r}, which no mirprog release "
                             f"wrote; expected {expected}.")
    return int(version)


def validate(spec: Spec, payload: Any, source: str) -> Any:
    """``spec(payload)``, with a defect turned into ModelFileError naming its field."""
    try:
        return spec(payload, "")
    except Invalid as exc:
        raise corrupted(source, exc) from None


def corrupted(source: str, exc: Invalid) -> ModelFileError:
    """The ModelFileError of a defect ``exc`` found in ``source``."""
    return ModelFileError(f"{source} is corrupted: {exc}. Restore the file as mirprog wrote "
                          "it, or refit and save again.")
