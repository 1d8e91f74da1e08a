"""The study file (TOML) of an app session: what the user chose, for ``mirprog study FILE``.

:func:`study_toml` writes the choices of the session (the uploaded file, the roles of its
columns, the marker and its cut rule, the clinical factors, the combined signature and the
subgroups) as a study file (:mod:`mirprog.study.spec`) that runs from the command line
beside a copy of the data file.  No shiny here: plain values in, text out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mirprog.errors import ArgumentError
from mirprog.study.run import Study
from mirprog.study.spec import Endpoint, Factor, Marker

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
    weighting: str = "logrank"  # the one-marker view's test (mirprog.logrank's options)
    fh_p: float = 0.0
    fh_q: float = 0.0
    strata: Sequence[str] = ()


def factor_kind(values: pd.Series) -> str:
    """How the app's tables use a clinical column: ``binary`` (two values, as they are),
    ``continuous`` (a number, one HR per unit) or ``categorical`` (text, one HR per level)."""
    known = values.dropna()
    if known.nunique() <= 2:
        return "binary"
    if pd.api.types.is_numeric_dtype(known) and not pd.api.types.is_bool_dtype(known):
        return "continuous"
    return "categorical"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


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
    [{'column': 'miR-21', 'label': 'miR-21', 'rule': 'tertiles', 'adverse': 'high'}]
    """
    if s.rule not in _RULES:
        raise ArgumentError(f"rule must be one of {_RULES}, got {s.rule!r}.", argument="rule")
    if s.rule == "fixed" and s.threshold is None:
        raise ArgumentError("The fixed cut needs its threshold.", argument="threshold")
    head = ("# The study file of a mirprog app session. Put it in the folder of the data file\n"
            f"# {s.file_name} and run:   mirprog study <this file> --out results/\n")
    study = Study(
        title=f"mirprog app: {s.marker}", cohort_file=s.file_name, id=s.id or None,
        time_unit=s.time_unit or None, sheet=s.sheet or 0,
        endpoints=(Endpoint(s.event, s.time, s.event,
                            {str(k): int(v) for k, v in s.event_values.items()}
                            if s.event_values else None),),
        markers=tuple(Marker(**m) for m in _markers(s)),
        factors=tuple(Factor(**f) for f in _factors(s)),
        subgroups=dict(s.subgroups),  # type: ignore[arg-type]  # name -> condition, as a file
        signature=tuple(s.signature),
        analyses={"subgroups": bool(s.subgroups), "signature": bool(s.signature),
                  "p_remove": float(s.p_remove), "weighting": s.weighting,
                  "fh_p": float(s.fh_p), "fh_q": float(s.fh_q), "strata": tuple(s.strata)})
    return head + study.to_toml()


def _markers(s: SessionChoices) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, col in enumerate([s.marker, *[m for m in s.other_markers if m != s.marker]]):
        m: dict[str, Any] = {"column": col, "label": col,
                             "rule": s.rule if i == 0 else "median"}
        if i == 0 and s.rule == "fixed":
            m["threshold"] = (float(s.threshold),)  # type: ignore[arg-type]
        if col in s.signature:
            m["adverse"] = "high" if s.signature[col] in (1, "high") else "low"
        out.append(m)
    return out


def _factors(s: SessionChoices) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for col, kind in s.factors.items():
        if kind not in ("binary", "categorical", "continuous"):
            raise ArgumentError(f"factor {col!r}: kind {kind!r} is not binary, categorical or "
                                "continuous.", argument="factors")
        f: dict[str, Any] = {"column": col, "label": col}
        if kind != "binary":
            f[kind] = True
        if col in s.signature:
            f["adverse"] = _plain(s.signature[col])
        out.append(f)
    return out
