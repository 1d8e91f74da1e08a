"""The model file: a :class:`~mirprog.PrognosticModel` as human-readable JSON.

Schema ``mirprog.model/1`` (one JSON object)::

    schema, mirprog_version
    roles          {time, event, id}: column roles of the training cohort
    training       {n, events, n_excluded, max_time}
    cutpoints      [Cutpoint fields: marker, column, rule, thresholds, high, ...]
    marker_ranges  {marker: {n, min, p01, q25, median, q75, p99, max}}
    clinical       [clinical covariates]
    cox            {ties, covariates, terms, term_factor, levels,
                    coefficients: {term: {coef, se, center}}}
    baseline       {centered, estimator, time: [...], cumhaz: [...]}
    risk_groups    null | {adverse: {factor: value}, labels: [...]}

Floats are written with Python's shortest round-trip repr, so a saved and
re-loaded model is equal to the original.  A file from a newer schema, or
one whose parts do not fit together, raises :class:`ModelFileError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from mirprog.cutpoints import Cutpoint, Cutpoints
from mirprog.errors import MirprogError
from mirprog.survival.cox import Design

if TYPE_CHECKING:
    from mirprog.model import PrognosticModel

__all__ = ["SCHEMA", "ModelFileError", "check", "decode", "encode"]

SCHEMA_PREFIX = "mirprog.model/"
SCHEMA_VERSION = 1
SCHEMA = f"{SCHEMA_PREFIX}{SCHEMA_VERSION}"


class ModelFileError(MirprogError, ValueError):
    """A model file is corrupted, or was written by a newer (unknown) schema."""


def encode(m: PrognosticModel, indent: int | None = 2) -> str:
    """The model as JSON text (raises ModelFileError for non-finite numbers)."""
    d = m.design
    payload = {
        "schema": SCHEMA, "mirprog_version": m.mirprog_version,
        "roles": {"time": m.time_col, "event": m.event_col, "id": m.id_col},
        "training": {"n": m.n, "events": m.events, "n_excluded": m.n_excluded,
                     "max_time": m.max_time},
        "cutpoints": [asdict(c) for c in m.cutpoints.cutpoints],
        "marker_ranges": {k: asdict(r) for k, r in m.marker_ranges.items()},
        "clinical": list(m.clinical),
        "cox": {"ties": m.ties, "covariates": list(d.covariates), "terms": list(d.terms),
                "term_factor": list(d.term_factor),
                "levels": {k: list(v) for k, v in d.levels.items()},
                "coefficients": {t: {"coef": b, "se": s, "center": c} for t, b, s, c in
                                 zip(d.terms, m.coef, m.se, m.center, strict=True)}},
        "baseline": {"centered": True, "estimator": m.ties, "time": list(m.baseline_time),
                     "cumhaz": list(m.baseline_cumhaz)},
        "risk_groups": None if m.adverse is None else {
            "adverse": m.adverse, "labels": list(m.group_labels or ())},
    }
    try:
        return _dumps(payload, indent) if indent else json.dumps(payload, allow_nan=False)
    except ValueError as exc:
        raise ModelFileError(f"The model holds non-finite numbers and cannot be saved as JSON "
                             f"({exc}); was a coefficient not estimable?") from exc


def _dumps(obj: Any, indent: int, level: int = 0) -> str:
    """Indented JSON with lists of scalars kept on one line (the baseline stays readable)."""
    pad, inner = " " * indent * level, " " * indent * (level + 1)
    if isinstance(obj, dict) and obj:
        items = [f"{inner}{json.dumps(str(k))}: {_dumps(v, indent, level + 1)}"
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(obj, list) and any(isinstance(v, dict | list) for v in obj):
        return "[\n" + ",\n".join(inner + _dumps(v, indent, level + 1) for v in obj) + \
            f"\n{pad}]"
    return json.dumps(obj, allow_nan=False)


def decode(text: str, source: str) -> dict[str, Any]:
    """Constructor arguments of a PrognosticModel from JSON text (schema checked first).

    ``marker_ranges`` are returned as plain dicts; the caller builds the model
    and passes it to :func:`check` (wrapped, like this function, by
    :meth:`PrognosticModel.from_json`, which turns slips into ModelFileError).
    """
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{source} is corrupted: not valid JSON ({exc}).") from exc
    schema = payload.get("schema") if isinstance(payload, dict) else None
    version = schema[len(SCHEMA_PREFIX):] if isinstance(schema, str) else ""
    if not (isinstance(schema, str) and schema.startswith(SCHEMA_PREFIX) and version.isdigit()):
        raise ModelFileError(f"{source} is not a mirprog model (schema {schema!r}, expected "
                             f"{SCHEMA!r}).")
    if int(version) > SCHEMA_VERSION:
        raise ModelFileError(
            f"{source} was written by a newer mirprog ({payload.get('mirprog_version')}, "
            f"schema {schema!r}); this version reads {SCHEMA!r}. Upgrade mirprog "
            "(pip install -U mirprog) to load it.")
    c, t, roles, groups = payload["cox"], payload["training"], payload["roles"], \
        payload["risk_groups"]
    coefs = [c["coefficients"][term] for term in c["terms"]]
    return {
        "cutpoints": Cutpoints(tuple(Cutpoint(**{
            **cp, "thresholds": tuple(float(x) for x in cp["thresholds"]),
            "group_sizes": tuple(int(s) for s in cp["group_sizes"])})
            for cp in payload["cutpoints"])),
        "clinical": tuple(payload["clinical"]),
        "design": Design(tuple(c["covariates"]), tuple(c["terms"]), tuple(c["term_factor"]),
                         {k: tuple(v) for k, v in c["levels"].items()}),
        "coef": tuple(float(x["coef"]) for x in coefs),
        "se": tuple(float(x["se"]) for x in coefs),
        "center": tuple(float(x["center"]) for x in coefs), "ties": c["ties"],
        "baseline_time": tuple(float(x) for x in payload["baseline"]["time"]),
        "baseline_cumhaz": tuple(float(x) for x in payload["baseline"]["cumhaz"]),
        "max_time": float(t["max_time"]), "n": int(t["n"]), "events": int(t["events"]),
        "n_excluded": int(t["n_excluded"]),
        "marker_ranges": dict(payload["marker_ranges"]),
        "adverse": None if groups is None else dict(groups["adverse"]),
        "group_labels": None if groups is None else tuple(groups["labels"]),
        "time_col": roles["time"], "event_col": roles["event"], "id_col": roles["id"],
        "mirprog_version": str(payload["mirprog_version"]),
    }


def check(m: PrognosticModel) -> None:
    """Raise ValueError when a loaded model's parts do not fit together."""
    bt, bh = np.array(m.baseline_time), np.array(m.baseline_cumhaz)
    checks: list[tuple[Callable[[], bool], str]] = [
        (lambda: m.ties in ("breslow", "efron"), f"unknown ties {m.ties!r}"),
        (lambda: list(m.design.covariates) == [c.column for c in m.cutpoints.cutpoints]
         + list(m.clinical), "the covariates do not match the markers and clinical factors"),
        (lambda: len(m.design.term_factor) == len(m.terms),
         "terms and term_factor differ in length"),
        (lambda: set(m.marker_ranges) == set(m.markers),
         "marker_ranges do not match the markers"),
        (lambda: bool(np.all(np.isfinite(m.coef)) and np.all(np.isfinite(m.center))),
         "a coefficient is not finite"),
        (lambda: len(bt) == len(bh) > 0 and bool(np.all(np.isfinite(bh))),
         "the baseline hazard is empty, not finite, or its times and values differ in length"),
        (lambda: bool(np.all(np.diff(bt) > 0) and np.all(np.diff(bh) >= 0) and bh[0] >= 0),
         "baseline times must increase and the cumulative hazard must not decrease"),
        (lambda: m.max_time >= bt[-1], "max_time is before the last baseline time"),
        (lambda: m.adverse is None or (set(m.adverse) <= set(m.design.covariates)
                                       and len(m.group_labels or ()) == len(m.adverse) + 1),
         "the risk-group factors are not model covariates, or the labels do not fit"),
    ]
    for ok, what in checks:
        if not ok():
            raise ValueError(what)
