"""A study written back as a study file: :func:`study_toml` is the inverse of ``from_toml``.

A study built in Python (``mp.Study(endpoints=..., markers=...)``) gets its file this
way, so that its report embeds it and ``mirprog study`` reruns it; reading the text back
gives the same study (tested on every bundled and test study file).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mirprog.study.spec import ANALYSES, StudySpec

__all__ = ["study_toml"]



def _v(value: Any) -> str:
    """A TOML value: strings (JSON's escapes are TOML's), numbers, booleans, lists, tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_v(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_v(str(k))} = {_v(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)


def _table(head: str, pairs: list[tuple[str, Any]]) -> str:
    lines = [head] + [f"{k} = {_v(v)}" for k, v in pairs if v is not None]
    return "\n".join(lines) + "\n"


def _condition(col: str, op: str, value: Any) -> str:
    shown = f"'{value}'" if isinstance(value, str) else repr(value)
    return f"{col} {op} {shown}"


def _parts(spec: StudySpec) -> list[str]:
    parts = [_table("[cohort]", [("file", spec.cohort_file), ("dataset", spec.dataset),
                                 ("id", spec.id), ("time_unit", spec.time_unit),
                                 ("sheet", spec.sheet or None)])]
    for e in spec.endpoints:
        parts.append(_table("[[endpoint]]", [
            ("name", e.name), ("time", e.time), ("event", e.event),
            ("event_values", dict(e.event_values) if e.event_values else None),
            ("causes", dict(e.causes) if e.causes else None), ("cause", e.cause)]))
    for m in spec.markers:
        parts.append(_table("[[marker]]", [
            ("column", m.column), ("label", m.label), ("rule", m.rule),
            ("threshold", list(m.threshold) or None), ("q", list(m.q) or None),
            ("adverse", m.adverse)]))
    for f in spec.factors:
        parts.append(_table("[[factor]]", [
            ("column", f.column), ("name", f.name), ("label", f.label), ("cut", f.cut),
            ("categorical", f.categorical or None), ("reference", f.reference),
            ("continuous", f.continuous or None), ("levels", list(f.levels) or None),
            ("multivariate", None if f.multivariate else False), ("adverse", f.adverse)]))
    return parts


def _more(spec: StudySpec) -> list[str]:
    parts = []
    if spec.subtypes is not None:
        s = spec.subtypes
        parts.append(_table("[subtypes]", [("scheme", s.scheme), ("er", s.er), ("pr", s.pr),
                                           ("her2", s.her2), ("grade", s.grade),
                                           ("high_grade", s.high_grade)]))
    if isinstance(spec.subgroups, Mapping):       # name -> condition, as in the file
        parts.append(_table("[subgroups]", [(_v(k), v) for k, v in spec.subgroups.items()]))
    elif spec.subgroups:
        parts.append(_table("[subgroups]", [(_v(g.name), g.column if g.column is not None else
                                             " and ".join(_condition(*c)
                                                          for c in g.conditions))
                                            for g in spec.subgroups]))
    if spec.associations:
        parts.append(_table("[association]", [("with", list(spec.associations))]))
    if spec.signature:
        parts.append(_table("[signature]", [("factors", list(spec.signature))]))
    for c in spec.comparisons:
        parts.append(_table("[[comparison]]", [("name", c.name), ("full", list(c.full)),
                                               ("reduced", list(c.reduced))]))
    for v in spec.validations:
        parts.append(_table("[[validation]]", [
            ("name", v.name), ("file", v.file), ("dataset", v.dataset),
            ("sheet", v.sheet or None), ("id", v.id), ("endpoint", v.endpoint),
            ("time", v.time), ("event", v.event), ("time_unit", v.time_unit),
            ("horizons", list(v.horizons))]))
    parts.append(_table("[analyses]", [(k, spec.analyses.get(k, default))
                                       for k, (_, default) in ANALYSES.items()]))
    return parts


def study_toml(spec: StudySpec) -> str:
    """The study file of ``spec`` (reading it back gives the same study)."""
    head = f"# Written by mirprog.\ntitle = {_v(spec.title)}\n"
    return "\n".join([head, *_parts(spec), *_more(spec)])
