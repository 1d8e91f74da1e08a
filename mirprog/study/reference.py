"""The reference study as a study file: ``mirprog reproduce`` is this file run by the study runner.

:func:`reference_spec` builds the reference paper's analysis as a study for a set of
column roles (:class:`StudyColumns`); on the default roles it is the bundled, commented
``reference.toml`` (``mirprog study --template reference``), kept equal to it by a
test.  Every analysis of the paper is a key of the study-file language: the paper's
binary factors are cuts with a ``name``, the grade pairs are two-level contrasts kept out
of the multivariable model, Table 4 is the first marker within the St Gallen subtypes,
and the marker x grade table is an association.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from mirprog.errors import CohortError
from mirprog.study.run import Study
from mirprog.study.spec import Endpoint, Factor, Marker, Subtypes

__all__ = ["StudyColumns", "reference_spec", "study_causes"]

_HEAD = """\
# The reference study (miR-125b and resistance to aromatase inhibitors: Table 3, Table 4,
# Fig. 6 and the -2 log-likelihood comparison) written as a mirprog study file.
# `mirprog reproduce` runs this file on the bundled SYNTHETIC cohort and sets its numbers
# beside the published ones; `mirprog study` runs it as any other study file.
# Print it with `mirprog study --template reference`; edit the columns for your cohort.
"""


@dataclass(frozen=True)
class StudyColumns:
    """Which cohort columns play which role in the study (``None``: not available).

    Defaults are the bundled reference cohort's names.  Binary factors are
    derived as in the paper: age > ``age_cut``, size > ``size_cut`` mm,
    nodes > ``nodes_cut``, grade 3 vs 1-2; markers are split at the median.
    ``marker_adverse`` is the marker group counted as adverse in the A/B/C
    groups: 1 (high, as miR-125b in the paper) or 0 (low, e.g. progesterone
    receptor).  ``causes`` names the competing causes of the event column
    (``"1:recurrence,2:death"``, 0 = censored) and ``cause`` the study's event
    among them: the Cox and log-rank analyses are then cause-specific and the
    marker's curves are cumulative incidences, not 1 - Kaplan-Meier.
    """

    time: str = "rfs_years"
    event: str = "relapse"
    id: str | None = "id"
    marker: str = "mir125b"
    other_markers: tuple[str, ...] = ("mir205", "mir424")
    age: str | None = "age"
    size: str | None = "tumour_size_mm"
    nodes: str = "nodes"
    grade: str | None = "sbr_grade"
    er: str | None = "er"
    pr: str | None = "pr"
    her2: str | None = "her2"
    marker_adverse: int = 1
    time_unit: str | None = "years"
    age_cut: float = 50.0
    size_cut: float = 30.0
    nodes_cut: float = 3.0
    causes: str | None = None
    cause: str | None = None

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str]) -> StudyColumns:
        """Override roles by name, e.g. ``{"marker": "progrec", "time": "time"}``.

        ``"none"`` (any case) or an empty string marks a role as unavailable;
        ``other_markers`` takes a comma-separated list.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(mapping) - names)
        if unknown:
            raise CohortError(f"Unknown study roles {unknown}; known roles: {sorted(names)}.")
        values: dict[str, Any] = {}
        for key, value in mapping.items():
            text = str(value).strip()
            if key == "other_markers":
                values[key] = tuple(v for v in text.split(",") if v and v.lower() != "none")
            elif key.endswith("_cut"):
                values[key] = _number(key, text, float)
            elif key == "marker_adverse":
                values[key] = _number(key, text, int)
                if values[key] not in (0, 1):
                    raise CohortError(f"Study role marker_adverse must be 1 (high) or 0 "
                                      f"(low), got {text!r}.")
            elif key == "time_unit":
                values[key] = text or None
            else:
                values[key] = None if text.lower() in ("", "none") else text
        return replace(cls(), **values)


def study_causes(cols: StudyColumns) -> dict[int, str] | None:
    """The ``causes`` role (``"1:recurrence,2:death"``) as ``{1: "recurrence", 2: "death"}``."""
    if cols.causes is None:
        return None
    out: dict[int, str] = {}
    for part in cols.causes.split(","):
        code, sep, name = part.partition(":")
        if not sep or not code.strip().isdigit() or not name.strip():
            raise CohortError(f"Study role causes needs code:name pairs, e.g. "
                              f"causes=1:recurrence,2:death; got {cols.causes!r}.")
        out[int(code)] = name.strip()
    return out


def _number(role: str, text: str, kind: type) -> Any:
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        raise CohortError(f"Study role {role} needs a finite {kind.__name__} "
                          f"(e.g. {role}=3), got {text!r}.")
    return value


def _factors(cols: StudyColumns) -> list[dict[str, Any]]:
    """The paper's clinical factors: binary cuts named as in its tables, grade pairs."""
    out: list[dict[str, Any]] = []

    def cut(column: str, name: str, label: str, at: float) -> None:
        out.append({"column": column, "name": name, "label": label, "cut": float(at)})

    if cols.age:
        cut(cols.age, "age_gt", f"Age (≤{cols.age_cut:g}; >{cols.age_cut:g})", cols.age_cut)
    if cols.size:
        cut(cols.size, "size_gt", f"Tumour size (≤{cols.size_cut:g}; >{cols.size_cut:g} mm)",
            cols.size_cut)
    cut(cols.nodes, "nodes_gt", f"Lymph nodes (≤{cols.nodes_cut:g}; >{cols.nodes_cut:g})",
        cols.nodes_cut)
    out[-1]["adverse"] = "high"
    if cols.grade:       # grade 3 against 1-2 (a candidate), then each pair (univariate only)
        cut(cols.grade, "grade3", "Grade (SBR1+2; SBR3)", 2)
        out += [{"column": cols.grade, "name": f"sbr{a}v{b}", "label": f"Grade (SBR{a}; SBR{b})",
                 "levels": (a, b), "multivariate": False} for a, b in ((1, 2), (1, 3), (2, 3))]
    for role, label in (("er", "ER"), ("pr", "PR"), ("her2", "HER2")):
        column = getattr(cols, role)
        if column:
            out.append({"column": column, "name": f"{role}_pos",
                        "label": f"{label} status (negative; positive)"})
    return out


def reference_spec(cols: StudyColumns, *, ties: str = "breslow",
                   cohort_file: str | None = None,
                   event_values: Mapping[Any, int] | None = None) -> Study:
    """The reference paper's analysis for the column roles ``cols``, as a :class:`~mirprog.Study`.

    ``cohort_file`` names the cohort's file (default: the bundled reference cohort);
    ``event_values`` the event column's coding when it is not 0/1.  On the default roles
    it equals the bundled ``reference.toml`` (a test keeps them equal).
    """
    markers = [cols.marker, *cols.other_markers]
    endpoint: dict[str, Any] = {"name": "RFS", "time": cols.time, "event": cols.event}
    if event_values:
        endpoint["event_values"] = {str(k): int(v) for k, v in event_values.items()}
    if cols.causes:
        endpoint.update(causes=study_causes(cols), cause=cols.cause)
    parts: dict[str, Any] = {}
    if cols.er and cols.pr and cols.her2 and cols.grade:     # Table 4: St Gallen subtypes
        parts["subtypes"] = Subtypes(er=cols.er, pr=cols.pr, her2=cols.her2, grade=cols.grade)
        parts["subgroups"] = {"HR+/HER2−": "hr_pos_her2_neg", "Luminal A": "luminal_a",
                              "Luminal B": "luminal_b"}
    return Study(
        title="The reference study: miR-125b and relapse on aromatase inhibitors",
        cohort_file=cohort_file, dataset=None if cohort_file else "reference", id=cols.id,
        time_unit=cols.time_unit, endpoints=(Endpoint(**endpoint),),
        markers=tuple(Marker(column=m, label=f"{m} (low; high)", rule="median",
                             adverse=("high" if cols.marker_adverse == 1 else "low")
                             if i == 0 else "high") for i, m in enumerate(markers)),
        factors=tuple(Factor(**f) for f in _factors(cols)),
        associations=(cols.grade,) if cols.grade else (),
        signature=(cols.marker, "nodes_gt"), analyses={"ties": ties}, **parts)
