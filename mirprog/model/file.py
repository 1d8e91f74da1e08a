"""The model file: a :class:`~mirprog.PrognosticModel` as human-readable JSON.

Schema ``mirprog.model/3`` (one JSON object)::

    schema, mirprog_version
    roles          {time, event, id}: column roles of the training cohort
    training       {n, events, n_excluded, max_time, time_unit}
    cutpoints      [Cutpoint fields: marker, column, rule, thresholds, high, ...]
    marker_ranges  {marker: {n, min, p01, q25, median, q75, p99, max}}
    clinical       [clinical covariates]
    cox            {ties, covariates, terms, term_factor, levels,
                    coefficients: {term: {coef, se, center}}}
    baseline       null | {centered, estimator, time: [...], cumhaz: [...]}
    strata         null | {columns: [...], centered, estimator,
                           baselines: [{level: [...], n, events, max_time,
                                        time: [...], cumhaz: [...]}]}
    weights        null | case-weights column of the training fit
    risk_groups    null | {adverse: {factor: value}, labels: [...]}

``time_unit`` is ``days``, ``weeks``, ``months``, ``years`` or ``unknown``
(the training Cohort had no ``time_unit``).  A stratified model has
``baseline: null`` and one baseline per stratum under ``strata`` (``level``
holds the stratum's value of each of ``columns``); an unstratified one has
``strata: null``.  Schema 2 is schema 3 without ``strata`` and ``weights``
(it loads as an unstratified, unweighted model), and schema 1 is schema 2
without ``time_unit``; such a file loads as ``unknown``, with a
:class:`ModelFileWarning`.

Floats are written with Python's shortest round-trip repr, so a saved and
re-loaded model is equal to the original.  :func:`decode` checks every field
once, before any is used (the specs below, built with
:mod:`mirprog.data.file_schema`, then how the parts fit together): a wrong type,
a non-finite number, a boolean for a number, an unknown or missing key,
unsorted thresholds or baseline times, terms that do not follow from the
levels, an adverse value the model cannot have, ... raise
:class:`ModelFileError` naming the field by its JSON path.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mirprog.data import file_schema as fs
from mirprog.data.scale import MarkerRange
from mirprog.errors import DataFileError, ModelFileError, ModelFileWarning
from mirprog.factors.cutpoints import Cutpoints, cutpoints_spec
from mirprog.model.strata import StratumBaseline
from mirprog.stats.cox.coxph import Design

__all__ = ["SCHEMA", "TIME_UNITS", "ModelFileError", "decode", "encode"]

SCHEMA_PREFIX = "mirprog.model/"
SCHEMA_VERSIONS = (1, 2, 3)  # 2 adds training.time_unit, 3 strata and weights
SCHEMA = f"{SCHEMA_PREFIX}{SCHEMA_VERSIONS[-1]}"
TIME_UNITS = ("days", "weeks", "months", "years")


def encode(m: Any, indent: int | None = 2) -> str:
    """A :class:`~mirprog.PrognosticModel` ``m`` as JSON (ModelFileError if not finite)."""
    d = m.design
    payload = {
        "schema": SCHEMA, "mirprog_version": m.mirprog_version,
        "roles": {"time": m.time_col, "event": m.event_col, "id": m.id_col},
        "training": {"n": m.n, "events": m.events, "n_excluded": m.n_excluded,
                     "max_time": m.max_time, "time_unit": m.time_unit or "unknown"},
        "cutpoints": [asdict(c) for c in m.cutpoints.cutpoints],
        "marker_ranges": {k: asdict(r) for k, r in m.marker_ranges.items()},
        "clinical": list(m.clinical),
        "cox": {"ties": m.ties, "covariates": list(d.covariates), "terms": list(d.terms),
                "term_factor": list(d.term_factor),
                "levels": {k: list(v) for k, v in d.levels.items()},
                "coefficients": {t: {"coef": b, "se": s, "center": c} for t, b, s, c in
                                 zip(d.terms, m.coef, m.se, m.center, strict=True)}},
        "baseline": None if m.strata else {
            "centered": True, "estimator": m.ties, "time": list(m.baseline_time),
            "cumhaz": list(m.baseline_cumhaz)},
        "strata": None if not m.strata else {
            "columns": list(m.strata), "centered": True, "estimator": m.ties,
            "baselines": [{"level": list(b.level), "n": b.n, "events": b.events,
                           "max_time": b.max_time, "time": list(b.time),
                           "cumhaz": list(b.cumhaz)} for b in m.stratum_baselines]},
        "weights": m.weights,
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


def read(path: Path) -> str:
    """The text of the model file at ``path`` (refused: missing, huge, not UTF-8)."""
    if not path.is_file():
        raise DataFileError(f"No model file at {str(path)!r}.")
    size = path.stat().st_size
    if size > fs.MAX_BYTES:
        raise ModelFileError(f"Model file {path.name!r} has {size:,} bytes, more than any "
                             f"mirprog model ({fs.MAX_BYTES:,}); it is not a file mirprog "
                             "wrote. Give the JSON file written by mirprog fit.")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"Model file {path.name!r} is not UTF-8 text ({exc}); give the "
                             "JSON file written by mirprog fit.") from None
    except OSError as exc:
        raise DataFileError(f"Cannot read the model file {str(path)!r}: {exc.strerror}.") \
            from None


def _spec(version: int) -> fs.Spec:
    """The structure of a model file of schema ``version``: every field, its type and range."""
    training: dict[str, fs.Spec] = {
        "n": fs.integer(minimum=1), "events": fs.integer(minimum=1),
        "n_excluded": fs.integer(), "max_time": fs.number(positive=True)}
    if version >= 2:
        training["time_unit"] = fs.choice(*TIME_UNITS, "unknown")
    ties = fs.choice("breslow", "efron")
    names = fs.array(fs.text(), unique=True)
    curve = {"time": fs.array(fs.number(), min_len=1, order="increasing"),
             "cumhaz": fs.array(fs.number(minimum=0), min_len=1, order="non-decreasing")}
    baseline = fs.obj({"centered": fs.choice(True), "estimator": ties, **curve})
    later: dict[str, fs.Spec] = {}
    if version >= 3:
        baseline = fs.optional(baseline)
        later["strata"] = fs.optional(fs.obj({
            "columns": fs.array(fs.text(), min_len=1, unique=True),
            "centered": fs.choice(True), "estimator": ties,
            "baselines": fs.array(fs.obj({
                "level": fs.array(fs.scalar, min_len=1), "n": fs.integer(minimum=1),
                "events": fs.integer(minimum=1), "max_time": fs.number(positive=True),
                **curve}), min_len=1)}))
        later["weights"] = fs.optional(fs.text())
    return fs.obj({
        "schema": fs.text(), "mirprog_version": fs.text(),
        "roles": fs.obj({"time": fs.text(), "event": fs.text(), "id": fs.optional(fs.text())}),
        "training": fs.obj(training),
        "cutpoints": cutpoints_spec,
        "marker_ranges": fs.mapping(MarkerRange.from_json),
        "clinical": names,
        "cox": fs.obj({
            "ties": ties, "covariates": fs.array(fs.text(), min_len=1, unique=True),
            "terms": fs.array(fs.text(), min_len=1, unique=True),
            "term_factor": fs.array(fs.text(), min_len=1),
            "levels": fs.mapping(fs.array(fs.scalar, min_len=2, unique=True)),
            "coefficients": fs.mapping(fs.obj({"coef": fs.number(), "se": fs.number(minimum=0),
                                               "center": fs.number()}))}),
        "baseline": baseline,
        **later,
        "risk_groups": fs.optional(fs.obj({"adverse": fs.mapping(fs.scalar),
                                           "labels": fs.array(fs.text(), min_len=2,
                                                              unique=True)})),
    })


def decode(text: str, source: str) -> dict[str, Any]:
    """Constructor arguments of a PrognosticModel from JSON text, every field checked.

    Raises
    ------
    ModelFileError
        Not JSON, not a model, an unknown schema, or a defective field (named by
        its JSON path).

    Warns
    -----
    ModelFileWarning
        A schema-1 file, which records no time unit.
    """
    payload = fs.parse(text, source)
    version = fs.schema_version(payload, SCHEMA_PREFIX, SCHEMA_VERSIONS, source, "model")
    p = fs.validate(_spec(version), payload, source)
    try:
        _fits_together(p)
    except fs.Invalid as exc:
        raise fs.corrupted(source, exc) from None
    if version == 1:
        warnings.warn(f"{source} uses schema {p['schema']!r}, which records no time unit: "
                      "score() needs explicit horizons, in the training time unit. Refit with "
                      "a Cohort(..., time_unit=...) to record it.", ModelFileWarning,
                      stacklevel=3)
    c, t, roles, groups = p["cox"], p["training"], p["roles"], p["risk_groups"]
    coefs = [c["coefficients"][term] for term in c["terms"]]
    unit = t.get("time_unit", "unknown")
    base, strata = p["baseline"], p.get("strata")
    return {
        "cutpoints": Cutpoints(p["cutpoints"]), "clinical": p["clinical"],
        "design": Design(c["covariates"], c["terms"], c["term_factor"], c["levels"]),
        "coef": tuple(x["coef"] for x in coefs), "se": tuple(x["se"] for x in coefs),
        "center": tuple(x["center"] for x in coefs), "ties": c["ties"],
        "baseline_time": () if base is None else base["time"],
        "baseline_cumhaz": () if base is None else base["cumhaz"],
        "strata": () if strata is None else strata["columns"],
        "stratum_baselines": () if strata is None else tuple(
            StratumBaseline(**b) for b in strata["baselines"]),
        "weights": p.get("weights"),
        "max_time": t["max_time"], "n": t["n"], "events": t["events"],
        "n_excluded": t["n_excluded"], "marker_ranges": p["marker_ranges"],
        "adverse": None if groups is None else groups["adverse"],
        "group_labels": None if groups is None else groups["labels"],
        "time_col": roles["time"], "event_col": roles["event"], "id_col": roles["id"],
        "mirprog_version": p["mirprog_version"],
        "time_unit": None if unit == "unknown" else unit,
    }


def _first_difference(path: str, found: tuple[str, ...], expected: list[str], why: str) -> None:
    for i, (f, e) in enumerate(zip(found, expected, strict=False)):
        if f != e:
            raise fs.Invalid(f"{path}[{i}]", f"is {f!r}, expected {e!r} ({why})")
    if len(found) != len(expected):
        raise fs.Invalid(path, f"has {len(found)} entries, expected {len(expected)} ({why})")


def _fits_together(p: dict[str, Any]) -> None:
    """Raise Invalid where the (well-typed) parts of a model file contradict each other."""
    c, cuts = p["cox"], p["cutpoints"]
    _first_difference("cox.covariates", c["covariates"],
                      [cut.column for cut in cuts] + list(p["clinical"]),
                      "the marker columns of cutpoints, then clinical")
    for name in c["levels"]:
        if name not in c["covariates"]:
            raise fs.Invalid(fs.key_path("cox.levels", name), "is not a model covariate")
    factors = [cov for cov in c["covariates"] for _ in range(len(c["levels"].get(cov, "xx")) - 1)]
    _first_difference("cox.term_factor", c["term_factor"], factors,
                      "one term per numeric covariate, one per non-reference level")
    _first_difference("cox.terms", c["terms"][:len(factors)], [
        t if t.startswith(f + "[") and t.endswith("]") and f in c["levels"] else f
        for t, f in zip(c["terms"], factors, strict=False)], "named after its covariate")
    _first_difference("cox.terms", c["terms"], c["terms"][:len(factors)], "one per term_factor")
    for term in c["terms"]:
        if term not in c["coefficients"]:
            raise fs.Invalid(fs.key_path("cox.coefficients", term), "is missing")
    for term in c["coefficients"]:
        if term not in c["terms"]:
            raise fs.Invalid(fs.key_path("cox.coefficients", term), "is not a model term")
    for m in set(p["marker_ranges"]) ^ {cut.marker for cut in cuts}:
        raise fs.Invalid(fs.key_path("marker_ranges", m),
                         "is missing" if m not in p["marker_ranges"] else "is not a marker")
    _check_training(p)
    if p["risk_groups"] is not None:
        _check_groups(p)


def _check_training(p: dict[str, Any]) -> None:
    t, b, strata = p["training"], p["baseline"], p.get("strata")
    if t["events"] > t["n"]:
        raise fs.Invalid("training.events", f"is {t['events']}, more than training.n "
                                            f"{t['n']}")
    if b is None and strata is None:
        raise fs.Invalid("baseline", "is null, but strata is null too: an unstratified model "
                                     "needs its baseline hazard")
    if b is not None and strata is not None:
        raise fs.Invalid("baseline", "is given, but the model is stratified (strata): its "
                                     "baselines are strata.baselines, and baseline is null")
    if strata is not None:
        _check_strata(p, strata)
        return
    _check_curve("baseline", b, p["cox"]["ties"], t, "training")


def _check_curve(path: str, b: dict[str, Any], ties: str, counts: dict[str, Any],
                 where: str) -> None:
    """One baseline hazard ``b`` at ``path``: its estimator, lengths, and times within the
    follow-up ``max_time`` and the ``events`` of ``counts`` (the fields at ``where``)."""
    max_time, events = counts["max_time"], counts["events"]
    if "estimator" in b and b["estimator"] != ties:
        raise fs.Invalid(f"{path}.estimator", f"is {b['estimator']!r}, but cox.ties is "
                                              f"{ties!r}; they must agree")
    if len(b["cumhaz"]) != len(b["time"]):
        raise fs.Invalid(f"{path}.cumhaz", f"has {len(b['cumhaz'])} entries, but "
                                           f"{path}.time has {len(b['time'])}")
    if max_time < b["time"][-1]:
        raise fs.Invalid(f"{where}.max_time", f"is {max_time!r}, before the last baseline "
                                              f"time {b['time'][-1]!r}")
    if len(b["time"]) > events:
        raise fs.Invalid(f"{path}.time", f"has {len(b['time'])} event times, more than the "
                                         f"{events} {where}.events")


def _check_strata(p: dict[str, Any], strata: dict[str, Any]) -> None:
    """The per-stratum baselines of a stratified model, and their sums against training."""
    t, cols, ties = p["training"], strata["columns"], p["cox"]["ties"]
    for col in cols:
        if col in p["cox"]["covariates"] or col in p["roles"].values():
            raise fs.Invalid("strata.columns", f"names {col!r}, which is a model covariate or "
                                               "the time/event/id column, not a stratum")
    if strata["estimator"] != ties:
        raise fs.Invalid("strata.estimator", f"is {strata['estimator']!r}, but cox.ties is "
                                             f"{ties!r}; they must agree")
    seen: list[tuple[Any, ...]] = []
    for i, b in enumerate(strata["baselines"]):
        path = f"strata.baselines[{i}]"
        if len(b["level"]) != len(cols):
            raise fs.Invalid(f"{path}.level", f"has {len(b['level'])} values, expected "
                                              f"{len(cols)} (one per strata.columns)")
        if any(all(fs.same(a, c) for a, c in zip(b["level"], s, strict=True)) for s in seen):
            raise fs.Invalid(f"{path}.level", f"repeats the stratum {list(b['level'])}")
        seen.append(b["level"])
        if b["events"] > b["n"]:
            raise fs.Invalid(f"{path}.events", f"is {b['events']}, more than {path}.n {b['n']}")
        _check_curve(path, b, ties, b, path)
    for key in ("n", "events"):
        total = sum(b[key] for b in strata["baselines"])
        if total != t[key]:
            raise fs.Invalid(f"training.{key}", f"is {t[key]}, but the strata add up to {total}")
    longest = max(b["max_time"] for b in strata["baselines"])
    if longest != t["max_time"]:
        raise fs.Invalid("training.max_time", f"is {t['max_time']!r}, but the longest stratum "
                                              f"follow-up is {longest!r}")


def _check_groups(p: dict[str, Any]) -> None:
    adverse, labels = p["risk_groups"]["adverse"], p["risk_groups"]["labels"]
    levels, cuts = p["cox"]["levels"], {cut.column: cut for cut in p["cutpoints"]}
    if not adverse:
        raise fs.Invalid("risk_groups.adverse", "is empty; give at least one factor")
    for factor, value in adverse.items():
        path = fs.key_path("risk_groups.adverse", factor)
        if factor not in p["cox"]["covariates"]:
            raise fs.Invalid(path, "is not a model covariate")
        if factor in levels:
            allowed = list(levels[factor])
        elif factor in cuts:
            k = len(cuts[factor].thresholds)
            allowed = [0, 1] if k == 1 else list(range(1, k + 2))
        else:
            allowed = None
        ok = (any(fs.same(value, a) for a in allowed) if allowed is not None
              else isinstance(value, int | float) and not isinstance(value, bool))
        if not ok:
            raise fs.Invalid(path, f"is {value!r}, which {factor!r} cannot take (expected "
                                   f"{'a number' if allowed is None else allowed})")
    if len(labels) != len(adverse) + 1:
        raise fs.Invalid("risk_groups.labels", f"has {len(labels)} labels, expected "
                                               f"{len(adverse) + 1} (0 to {len(adverse)} "
                                               "adverse factors)")
