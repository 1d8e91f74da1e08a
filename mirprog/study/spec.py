"""A study file: the user's study written down once, in TOML, checked before anything runs.

``Study.from_toml(path)`` reads it with the standard library's ``tomllib``; every
mistake is a :class:`~mirprog.errors.StudyFileError` that names the key, its line in
the file and the fix.  The template (``mirprog study --template``) documents every key
and runs as written on the bundled GBSG2 data.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Self

from mirprog.errors import StudyFileError

__all__ = ["ANALYSES", "Comparison", "Endpoint", "Factor", "Marker", "StudySpec", "Subgroup",
           "Subtypes", "Validation", "line_of", "template"]

RULES = ("median", "tertiles", "quartiles", "quantile", "fixed", "optimal")
UNITS = ("days", "weeks", "months", "years")
_OPS = ("==", "!=", "<=", ">=", "<", ">")
_CONDITION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$")


TEMPLATES = {"gbsg2": "template.toml", "reference": "reference.toml"}


def template(name: str = "gbsg2") -> str:
    """A commented study file shipped with mirprog.

    ``"gbsg2"`` (default) documents every key and runs as written on the bundled GBSG2
    data; ``"reference"`` is the reference study itself, the file ``mirprog reproduce``
    runs on the bundled cohort.
    """
    if name not in TEMPLATES:
        raise StudyFileError(f"No bundled study file {name!r}: use one of {sorted(TEMPLATES)}.")
    return (resources.files("mirprog.study") / TEMPLATES[name]).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Endpoint:
    """One outcome: its name, time and event columns (0/1 or ``event_values``)."""

    name: str
    time: str
    event: str
    event_values: Mapping[Any, int] | None = None
    causes: Mapping[int, str] | None = None     # competing causes: code -> name (0 censored)
    cause: str | None = None                    # the endpoint's event among the causes


@dataclass(frozen=True)
class Marker:
    """A continuous marker and its cut rule (``Cutpoints.fit``)."""

    column: str
    label: str
    rule: str = "median"
    threshold: tuple[float, ...] = ()
    q: tuple[float, ...] = ()
    adverse: str = "high"          # which side is adverse in the combined signature


@dataclass(frozen=True)
class Factor:
    """A clinical factor: binary as it is, cut at a value, categorical, or continuous."""

    column: str
    label: str
    cut: float | None = None
    categorical: bool = False
    reference: Any = None
    continuous: bool = False
    adverse: Any = None            # level (or "high") counted as adverse in the signature
    name: str | None = None        # the analysis column (default: derived from column)
    levels: tuple[Any, ...] = ()   # a two-level contrast: levels[1] vs levels[0]
    multivariate: bool = True      # a candidate for the multivariable model

    @property
    def key(self) -> str:
        """How the study refers to this factor: its ``name``, else its ``column``."""
        return self.name or self.column


@dataclass(frozen=True)
class Subgroup:
    """A named filter: conditions ``column op value`` joined by ``and``, or an indicator column."""

    name: str
    conditions: tuple[tuple[str, str, Any], ...]
    column: str | None = None      # a 0/1 (True/False) column: its true rows are the subgroup


@dataclass(frozen=True)
class Subtypes:
    """St Gallen surrogate subtypes (:func:`mirprog.st_gallen`) from four status columns."""

    er: str
    pr: str
    her2: str
    grade: str
    scheme: str = "st_gallen"
    high_grade: int = 3


@dataclass(frozen=True)
class Comparison:
    """A likelihood-ratio test of two nested Cox models on the same patients."""

    name: str
    full: tuple[str, ...]
    reduced: tuple[str, ...]


@dataclass(frozen=True)
class Validation:
    """An external cohort on which an endpoint's multivariable model is validated."""

    name: str
    horizons: tuple[float, ...]
    file: str | None = None
    dataset: str | None = None
    sheet: str | int = 0
    id: str | None = None
    endpoint: str | None = None      # default: the first endpoint
    time: str | None = None          # default: the endpoint's columns
    event: str | None = None
    time_unit: str | None = None     # default: the study's


@dataclass(frozen=True)
class StudySpec:
    """What a study file says: cohort, endpoints, markers, factors, subgroups, signature.

    :class:`mirprog.Study` adds :meth:`~mirprog.Study.run`; build either with
    :meth:`from_toml` (a file or its text), or ``mp.Study(...)`` in Python, where the
    items may be dicts of the file's keys and ``subgroups`` a mapping name -> condition
    (checked as a file is, through its own :meth:`~mirprog.Study.to_toml`).
    """

    title: str = "Prognostic marker study"
    cohort_file: str | None = None
    dataset: str | None = None
    id: str | None = None
    time_unit: str | None = None
    sheet: str | int = 0
    endpoints: tuple[Endpoint, ...] = ()
    markers: tuple[Marker, ...] = ()
    factors: tuple[Factor, ...] = ()
    subgroups: tuple[Subgroup, ...] = ()
    signature: tuple[str, ...] = ()
    analyses: Mapping[str, Any] = field(default_factory=dict)
    subtypes: Subtypes | None = None
    associations: tuple[str, ...] = ()          # columns tested against the first marker
    validations: tuple[Validation, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    text: str = ""
    base: Path = Path(".")

    @staticmethod
    def template() -> str:
        """The commented study-file template (``mirprog study --template``)."""
        return template()

    @classmethod
    def from_toml(cls, path: str | Path | None = None, *, text: str | None = None) -> Self:
        """Read and check a study file (``path``) or its ``text``.

        Raises
        ------
        StudyFileError
            A syntax error, an unknown or missing key, or a value of the wrong kind,
            with the key, its line and the fix.
        """
        if (path is None) == (text is None):
            raise StudyFileError("Give the study file's path or its text, not both.")
        base = Path(".")
        if path is not None:
            p = Path(path)
            if not p.is_file():
                raise StudyFileError(f"No study file at {str(p)!r}.")
            text = p.read_text(encoding="utf-8")
            base = p.resolve().parent
        assert text is not None
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise StudyFileError(f"The study file is not valid TOML: {exc}.") from exc
        return cls(**_parse(raw, text, base))


# ------------------------------------------------------------------------------ parsing

def line_of(text: str, key: str, section: str | None = None, nth: int = 0) -> int | None:
    """The line of ``key = ...`` (in the ``nth`` ``[section]``/``[[section]]`` when given)."""
    lines = text.splitlines()
    start = 0
    if section is not None:
        heads = [i for i, ln in enumerate(lines)
                 if re.match(rf"^\s*\[\[?\s*{re.escape(section)}\s*\]\]?\s*(#.*)?$", ln)]
        if nth < len(heads):
            start = heads[nth]
            if not key:
                return start + 1
    for i in range(start, len(lines)):
        if i > start and section is not None and re.match(r"^\s*\[", lines[i]):
            break
        if re.match(rf'^\s*"?{re.escape(key)}"?\s*=', lines[i]):
            return i + 1
    return None


class _Reader:
    """Typed access to one table of the file, with errors that name key and line."""

    def __init__(self, table: Mapping[str, Any], text: str, where: str,
                 section: str | None = None, nth: int = 0) -> None:
        self.table, self.text, self.where = table, text, where
        self.section, self.nth = section, nth
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> StudyFileError:
        line = line_of(self.text, key, self.section, self.nth)
        at = f" (line {line})" if line else ""
        return StudyFileError(f"{self.where}.{key}{at}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, *,
            required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.table:
            if required:
                line = line_of(self.text, "", self.section, self.nth)
                at = f" (the table starts at line {line})" if line else ""
                raise StudyFileError(f"{self.where}{at}: the key {key!r} is required.")
            return default
        value = self.table[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in (
                kind if isinstance(kind, tuple) else (kind,))):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(
                k.__name__ for k in kind)
            raise self.error(key, f"expected {names}, got {value!r}.")
        return value

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise self.error(unknown[0], f"unknown key; the keys here are "
                                         f"{sorted(self.used)}.")


def _parse(raw: Mapping[str, Any], text: str, base: Path) -> dict[str, Any]:
    top = _Reader(raw, text, "study")
    title = top.get("title", str, "Prognostic marker study")
    cohort = _Reader(top.get("cohort", dict, required=True), text, "cohort", "cohort")
    file, dataset = _source(cohort, optional=True)
    unit = cohort.get("time_unit", str)
    if unit is not None and unit not in UNITS:
        raise cohort.error("time_unit", f"{unit!r} is not a time unit: use one of {UNITS}.")
    id_col = cohort.get("id", str)
    sheet = cohort.get("sheet", (str, int), 0)
    cohort.done()
    endpoints = tuple(_endpoint(t, text, i) for i, t in
                      enumerate(top.get("endpoint", list, required=True)))
    if len({e.name for e in endpoints}) != len(endpoints):
        raise StudyFileError("[[endpoint]]: two endpoints share a name; name each one.")
    markers = tuple(_marker(t, text, i) for i, t in enumerate(top.get("marker", list, [])))
    factors = tuple(_factor(t, text, i) for i, t in enumerate(top.get("factor", list, [])))
    if not markers and not factors:
        raise StudyFileError("The study has no [[marker]] and no [[factor]]: add at least one.")
    columns = [m.column for m in markers] + [f.key for f in factors]
    dup = sorted({c for c in columns if columns.count(c) > 1})
    if dup:
        raise StudyFileError(f"{dup[0]!r} is listed twice among markers and factors: give "
                             "each [[factor]] of the same column its own name = \"...\".")
    subs = _Reader(top.get("subgroups", dict, {}), text, "subgroups", "subgroups")
    subgroups = tuple(_subgroup(subs, name) for name in list(subs.table))
    sig = _Reader(top.get("signature", dict, {}), text, "signature", "signature")
    signature = tuple(sig.get("factors", list, []))
    unknown = [s for s in signature if s not in columns]
    if unknown:
        raise sig.error("factors", f"{unknown[0]!r} is not a [[marker]] column or a "
                                   "[[factor]] column (or name).")
    sig.done()
    assoc = _Reader(top.get("association", dict, {}), text, "association", "association")
    associations = tuple(assoc.get("with", list, []))
    if not all(isinstance(c, str) for c in associations):
        raise assoc.error("with", "list column names, e.g. with = [\"grade\"].")
    if associations and not markers:
        raise assoc.error("with", "the association is of the first [[marker]]'s groups: add "
                                  "a marker.")
    assoc.done()
    subtypes = _subtypes(_Reader(top.get("subtypes", dict, {}), text, "subtypes", "subtypes"))
    validations = tuple(_validation(t, text, i, endpoints) for i, t in
                        enumerate(top.get("validation", list, [])))
    comparisons = tuple(_comparison(t, text, i, columns) for i, t in
                        enumerate(top.get("comparison", list, [])))
    analyses = _analyses(_Reader(top.get("analyses", dict, {}), text, "analyses", "analyses"))
    top.done()
    return {"title": title, "cohort_file": file, "dataset": dataset, "id": id_col,
            "time_unit": unit, "sheet": sheet, "endpoints": endpoints, "markers": markers,
            "factors": factors, "subgroups": subgroups, "signature": signature,
            "analyses": analyses, "subtypes": subtypes, "associations": associations,
            "validations": validations, "comparisons": comparisons, "text": text,
            "base": base}


def _source(r: _Reader, optional: bool = False) -> tuple[str | None, str | None]:
    """``file`` or ``dataset`` of a cohort table (one; none when ``optional``: the cohort
    is then given to ``run(cohort=...)``)."""
    file, dataset = r.get("file", str), r.get("dataset", str)
    if (file is None) == (dataset is None) and not (optional and file is None):
        raise r.error("file", "give either file = \"path/to/cohort.csv\" (relative to "
                              "the study file) or dataset = \"gbsg2\" (bundled), not both.")
    if dataset is not None and dataset not in ("gbsg2", "reference"):
        raise r.error("dataset", f"unknown bundled data set {dataset!r}: use \"gbsg2\" or "
                                 "\"reference\".")
    return file, dataset


def _comparison(table: Any, text: str, i: int, columns: list[str]) -> Comparison:
    r = _Reader(table, text, f"comparison[{i}]", "comparison", i)
    c = Comparison(name=r.get("name", str, required=True),
                   full=tuple(r.get("full", list, required=True)),
                   reduced=tuple(r.get("reduced", list, required=True)))
    r.done()
    for key in ("full", "reduced"):
        unknown = [k for k in getattr(c, key) if k not in columns]
        if unknown:
            raise r.error(key, f"{unknown[0]!r} is not a [[marker]] column or a [[factor]] "
                               "column (or name).")
    if not c.reduced or not set(c.reduced) < set(c.full):
        raise r.error("reduced", "the reduced model's terms must be some, not all, of the "
                                 "full model's.")
    return c


def _validation(table: Any, text: str, i: int, endpoints: tuple[Endpoint, ...]) -> Validation:
    r = _Reader(table, text, f"validation[{i}]", "validation", i)
    file, dataset = _source(r)
    horizons = _floats(r, "horizons")
    if not horizons or min(horizons) <= 0:
        raise r.error("horizons", "give the times at which to validate, e.g. horizons = "
                                  "[1, 3, 5], in the cohort's time unit (positive).")
    v = Validation(name=r.get("name", str, required=True), horizons=horizons, file=file,
                   dataset=dataset, sheet=r.get("sheet", (str, int), 0), id=r.get("id", str),
                   endpoint=r.get("endpoint", str), time=r.get("time", str),
                   event=r.get("event", str), time_unit=r.get("time_unit", str))
    r.done()
    if v.endpoint is not None and v.endpoint not in [e.name for e in endpoints]:
        raise r.error("endpoint", f"{v.endpoint!r} is not an endpoint: use one of "
                                  f"{[e.name for e in endpoints]}.")
    if v.time_unit is not None and v.time_unit not in UNITS:
        raise r.error("time_unit", f"{v.time_unit!r} is not a time unit: use one of {UNITS}.")
    return v


def _subtypes(r: _Reader) -> Subtypes | None:
    if not r.table:
        return None
    scheme = r.get("scheme", str, "st_gallen")
    if scheme != "st_gallen":
        raise r.error("scheme", f"{scheme!r} is not a subtype scheme: use \"st_gallen\".")
    out = Subtypes(er=r.get("er", str, required=True), pr=r.get("pr", str, required=True),
                   her2=r.get("her2", str, required=True),
                   grade=r.get("grade", str, required=True),
                   high_grade=r.get("high_grade", int, 3))
    r.done()
    return out


def _endpoint(table: Any, text: str, i: int) -> Endpoint:
    r = _Reader(table, text, f"endpoint[{i}]", "endpoint", i)
    e = Endpoint(name=r.get("name", str, required=True), time=r.get("time", str, required=True),
                 event=r.get("event", str, required=True))
    codes = r.get("event_values", dict)
    causes, cause = r.get("causes", dict), r.get("cause", str)
    r.done()
    if codes is not None:
        if not all(v in (0, 1) for v in codes.values()):
            raise r.error("event_values", "map each coded value to 1 (event) or 0 (censored).")
        e = replace(e, event_values=dict(codes))
    if causes is not None:
        if codes is not None:
            raise r.error("causes", "give causes = {...} or event_values = {...}, not both.")
        if not all(k.isdigit() and int(k) > 0 and isinstance(v, str) and v
                   for k, v in causes.items()):
            raise r.error("causes", "map each event code to its cause's name, e.g. causes = "
                                    "{ 1 = \"recurrence\", 2 = \"death\" } (0 = censored).")
        e = replace(e, causes={int(k): v for k, v in causes.items()})
        if cause is None or cause not in causes.values():
            raise r.error("causes", f"name the endpoint's event among the causes: cause = "
                                    f"one of {list(causes.values())}.")
        e = replace(e, cause=cause)
    elif cause is not None:
        raise r.error("cause", "cause = applies with causes = { code = \"name\", ... }.")
    return e


def _floats(r: _Reader, key: str) -> tuple[float, ...]:
    v = r.get(key, (int, float, list))
    if v is None:
        return ()
    vals = v if isinstance(v, list) else [v]
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in vals):
        raise r.error(key, f"expected numbers, got {v!r}.")
    return tuple(float(x) for x in vals)


def _marker(table: Any, text: str, i: int) -> Marker:
    r = _Reader(table, text, f"marker[{i}]", "marker", i)
    col = r.get("column", str, required=True)
    rule = r.get("rule", str, "median")
    if rule not in RULES:
        raise r.error("rule", f"{rule!r} is not a cut rule: use one of {RULES}.")
    m = Marker(column=col, label=r.get("label", str, col), rule=rule,
               threshold=_floats(r, "threshold"), q=_floats(r, "q"),
               adverse=r.get("adverse", str, "high"))
    r.done()
    if rule == "fixed" and not m.threshold:
        raise r.error("rule", "rule = \"fixed\" needs threshold = <value> (or a list).")
    if rule == "quantile" and not m.q:
        raise r.error("rule", "rule = \"quantile\" needs q = [0.25, 0.75] (the quantiles).")
    if m.adverse not in ("high", "low"):
        raise r.error("adverse", "use \"high\" or \"low\": the side counted as adverse.")
    return m


def _factor(table: Any, text: str, i: int) -> Factor:
    r = _Reader(table, text, f"factor[{i}]", "factor", i)
    col = r.get("column", str, required=True)
    cut = r.get("cut", (int, float))
    f = Factor(column=col, label=r.get("label", str, col),
               cut=None if cut is None else float(cut),
               categorical=r.get("categorical", bool, False), reference=r.get("reference",
                                                                               (str, int, float)),
               continuous=r.get("continuous", bool, False),
               adverse=r.get("adverse", (str, int, float)), name=r.get("name", str),
               levels=tuple(r.get("levels", list, [])),
               multivariate=r.get("multivariate", bool, True))
    r.done()
    if sum([f.cut is not None, f.categorical, f.continuous, bool(f.levels)]) > 1:
        raise r.error("cut", "a factor is cut, categorical, continuous or a two-level "
                             "contrast (levels = [a, b]): choose one.")
    if f.levels and (len(f.levels) != 2 or f.levels[0] == f.levels[1]):
        raise r.error("levels", "levels = [a, b] compares patients at level b with those at "
                                "level a: give two different levels.")
    if f.name is not None and not re.fullmatch(r"[A-Za-z_]\w*", f.name):
        raise r.error("name", f"{f.name!r} is not a column name: use letters, digits and _.")
    if f.reference is not None and not f.categorical:
        raise r.error("reference", "reference = applies to categorical = true factors.")
    return f


def _value(text: str) -> Any:
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        return t[1:-1]
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        return t


def _subgroup(r: _Reader, name: str) -> Subgroup:
    expr = r.get(name, str)
    if re.fullmatch(r"\s*[A-Za-z_][\w.]*\s*", expr):     # an indicator column
        return Subgroup(name=name, conditions=(), column=expr.strip())
    conditions = []
    for part in re.split(r"\s+and\s+", expr):
        m = _CONDITION.match(part)
        if not m:
            raise r.error(name, f"cannot read the condition {part!r}: write column op value, "
                                f"op one of {_OPS}, joined by 'and' (e.g. \"age >= 50 and "
                                "meno == 1\").")
        conditions.append((m.group(1), m.group(2), _value(m.group(3))))
    return Subgroup(name=name, conditions=tuple(conditions))


# The [analyses] keys: key -> (type, default); read here, written back by study/writer.py.
ANALYSES: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "km": (bool, True), "univariate": (bool, True), "multivariate": (bool, True),
    "subgroups": (bool, True), "signature": (bool, True), "ph_test": (bool, True),
    "ties": (str, "breslow"), "p_enter": ((int, float), 0.05), "p_remove": ((int, float), 0.10),
    "selection": (str, "lr"), "seed": (int, 1),
    "weighting": (str, "logrank"), "fh_p": ((int, float), 0.0), "fh_q": ((int, float), 0.0),
    "strata": (list, ()),
}


def _analyses(r: _Reader) -> dict[str, Any]:
    out = {k: r.get(k, kind, default) for k, (kind, default) in ANALYSES.items()}
    r.done()
    if out["ties"] not in ("breslow", "efron"):
        raise r.error("ties", "use \"breslow\" (SPSS, Stata, the reference study) or "
                              "\"efron\" (R).")
    if out["selection"] not in ("lr", "wald"):
        raise r.error("selection", "use \"lr\" (likelihood ratio) or \"wald\".")
    from mirprog.stats.logrank import WEIGHTINGS

    if out["weighting"] not in WEIGHTINGS:
        raise r.error("weighting", f"use one of {', '.join(map(repr, WEIGHTINGS))}.")
    if (out["fh_p"] or out["fh_q"]) and out["weighting"] != "fleming-harrington":
        raise r.error("fh_p" if out["fh_p"] else "fh_q",
                      "the exponents are for weighting = \"fleming-harrington\" only.")
    if not all(isinstance(v, str) for v in out["strata"]):
        raise r.error("strata", "list the stratification columns by name, e.g. [\"grade\"].")
    out["strata"] = tuple(out["strata"])
    return out
