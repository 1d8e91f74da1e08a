"""The study file (TOML) of an app session: what the user chose, for ``mirprog study FILE``.

:func:`study_toml` writes the choices of the session (the uploaded file, the roles of its
columns, the marker and its cut rule, the clinical factors, the combined signature and the
subgroups) as a study file (:mod:`mirprog.study.spec`) that runs from the command line
beside a copy of the data file.  No shiny here: plain values in, text out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mirprog.errors import ArgumentError

__all__ = ["SessionChoices", "factor_kind", "study_toml"]

_RULES = ("median", "tertiles", "quartiles", "fixed", "optimal")


@dataclass(frozen=True)
class SessionChoices:
    """What a session chose, as plain values (see :func:`study_toml`)."""

    file_name: str
    time: str
    event: str
    marker: str
    rule: str = "median"
    threshold: float | None = None
    event_values: Mapping[str, int] | None = None  # code (as text) -> 1 event / 0 censored
    id: str | None = None
    time_unit: str | None = None
    sheet: str | None = None
    other_markers: Sequence[str] = ()
    factors: Mapping[str, str] = field(default_factory=dict)  # column -> factor_kind(...)
    signature: Mapping[str, Any] = field(default_factory=dict)  # column -> adverse level/side
    subgroups: Mapping[str, str] = field(default_factory=dict)  # name -> "column == value"
    p_remove: float = 0.10


def factor_kind(values: pd.Series) -> str:
    """How the app's tables use a clinical column: ``binary`` (two values, as they are),
    ``continuous`` (a number, one HR per unit) or ``categorical`` (text, one HR per level)."""
    known = values.dropna()
    if known.nunique() <= 2:
        return "binary"
    if pd.api.types.is_numeric_dtype(known) and not pd.api.types.is_bool_dtype(known):
        return "continuous"
    return "categorical"


def _q(value: Any) -> str:
    """A TOML value: JSON's string escapes are TOML's basic-string escapes."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return json.dumps(str(value), ensure_ascii=False)


def study_toml(s: SessionChoices) -> str:
    """The study file of a session, as text.

    The first ``[[marker]]`` is the marker of the one-marker view with its cut rule
    (the study's KM, log-rank and subgroups use it); the other markers are split at the
    median, as the app's tables split them.

    Examples
    --------
    >>> text = study_toml(SessionChoices(file_name="cohort.csv", time="months",
    ...                                  event="dead", marker="miR-21", rule="tertiles"))
    >>> import tomllib
    >>> tomllib.loads(text)["marker"]
    [{'column': 'miR-21', 'label': 'miR-21', 'rule': 'tertiles'}]
    """
    if s.rule not in _RULES:
        raise ArgumentError(f"rule must be one of {_RULES}, got {s.rule!r}.", argument="rule")
    if s.rule == "fixed" and s.threshold is None:
        raise ArgumentError("The fixed cut needs its threshold.", argument="threshold")
    lines = ["# The study file of a mirprog app session. Put it in the folder of the data file",
             f"# {s.file_name} and run:   mirprog study <this file> --out results/",
             "", f"title = {_q('mirprog app: ' + s.marker)}", "", "[cohort]",
             f"file = {_q(s.file_name)}"]
    lines += [f"id = {_q(s.id)}"] if s.id else []
    lines += [f"time_unit = {_q(s.time_unit)}"] if s.time_unit else []
    lines += [f"sheet = {_q(s.sheet)}"] if s.sheet else []
    lines += ["", "[[endpoint]]", f"name = {_q(s.event)}", f"time = {_q(s.time)}",
              f"event = {_q(s.event)}"]
    if s.event_values:
        pairs = ", ".join(f"{_q(str(k))} = {int(v)}" for k, v in s.event_values.items())
        lines.append(f"event_values = {{ {pairs} }}")
    lines += _markers(s) + _factors(s)
    if s.subgroups:
        lines += ["", "[subgroups]"] + [f"{_q(k)} = {_q(v)}" for k, v in s.subgroups.items()]
    if s.signature:
        lines += ["", "[signature]", f"factors = [{', '.join(_q(c) for c in s.signature)}]"]
    lines += ["", "[analyses]", "km = true", "univariate = true", "multivariate = true",
              f"subgroups = {_q(bool(s.subgroups))}", f"signature = {_q(bool(s.signature))}",
              "ph_test = true", 'ties = "breslow"', "p_enter = 0.05",
              f"p_remove = {float(s.p_remove)!r}", 'selection = "lr"', ""]
    return "\n".join(lines)


def _markers(s: SessionChoices) -> list[str]:
    out: list[str] = []
    for i, col in enumerate([s.marker, *[m for m in s.other_markers if m != s.marker]]):
        out += ["", "[[marker]]", f"column = {_q(col)}", f"label = {_q(col)}",
                f"rule = {_q(s.rule if i == 0 else 'median')}"]
        if i == 0 and s.rule == "fixed":
            out.append(f"threshold = {float(s.threshold)!r}")  # type: ignore[arg-type]
        if col in s.signature:
            out.append(f"adverse = {_q('high' if s.signature[col] in (1, 'high') else 'low')}")
    return out


def _factors(s: SessionChoices) -> list[str]:
    out: list[str] = []
    for col, kind in s.factors.items():
        if kind not in ("binary", "categorical", "continuous"):
            raise ArgumentError(f"factor {col!r}: kind {kind!r} is not binary, categorical or "
                                "continuous.", argument="factors")
        out += ["", "[[factor]]", f"column = {_q(col)}", f"label = {_q(col)}"]
        out += [f"{kind} = true"] if kind != "binary" else []
        if col in s.signature:
            out.append(f"adverse = {_q(s.signature[col])}")
    return out
