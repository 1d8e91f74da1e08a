"""The reference study on a cohort with competing causes: cause-specific tables, and the
marker's cumulative incidence instead of 1 - KM (reproduce, report and the CLI)."""

from __future__ import annotations

import pandas as pd
import pytest

import mirprog as mp
from mirprog.cli.commands import main
from mirprog.errors import CauseError, CohortError
from mirprog.study.report import report
from mirprog.study.reproduce import StudyColumns, run_study, study_causes, write_outputs

ROLES = dict(time="time", event="status", marker="progrec", other_markers=(), age="age",
             size="tsize", nodes="pnodes", grade=None, er=None, pr=None, her2=None,
             size_cut=20, marker_adverse=0, causes="1:early,2:late")


def _frame() -> pd.DataFrame:
    d = mp.datasets.load_gbsg2().data
    d["status"] = (d["cens"] * (1 + (d["age"] > 65))).astype(int)
    return d


@pytest.fixture(scope="module")
def result():
    cols = StudyColumns(**ROLES, cause="early")  # type: ignore[arg-type]
    cohort = mp.Cohort(_frame(), time="time", event="status", causes=study_causes(cols))
    return run_study(cohort, cols)


def test_the_study_is_cause_specific_and_its_curves_are_cumulative_incidences(result) -> None:
    early = int((_frame()["status"] == 1).sum())
    assert result.cohort.cause == "early"
    assert result.table3.univariate.cox["progrec_high"].events == early
    assert result.marker_cif is not None
    assert result.marker_cif.by == "progrec_high"
    assert result.marker_gray.cause == "early"
    ref = mp.cif(mp.Cohort(_frame().assign(progrec_high=result.cohort.data["progrec_high"]),
                           time="time", event="status", causes={1: "early", 2: "late"}),
                 by="progrec_high")
    pd.testing.assert_frame_equal(result.marker_cif.table, ref.table)


def test_outputs_and_report_say_cif_not_one_minus_km(result, tmp_path) -> None:
    names = {p.name for p in write_outputs(result, tmp_path, compare=False)}
    assert "fig6a_marker_cif.png" in names
    assert "fig6a_marker_km.png" not in names
    text = report(result, path=tmp_path / "r.html").html
    assert "not 1 − Kaplan–Meier" in text
    assert "Cumulative incidence by progrec (Gray" in text


def test_a_cohort_with_causes_needs_the_study_event_named() -> None:
    cols = StudyColumns(**ROLES)  # type: ignore[arg-type]
    cohort = mp.Cohort(_frame(), time="time", event="status", causes=study_causes(cols))
    with pytest.raises(CauseError, match="--map cause="):
        run_study(cohort, cols)
    with pytest.raises(CohortError, match="code:name pairs"):
        study_causes(StudyColumns(causes="early,late"))


@pytest.mark.slow
def test_cli_reproduce_with_causes(tmp_path, capsys) -> None:
    path = tmp_path / "c.csv"
    _frame().to_csv(path, index=False)
    roles = ["time=time", "event=status", "id=id", "marker=progrec", "other_markers=none",
             "age=age", "size=tsize", "size_cut=20", "nodes=pnodes", "grade=none", "er=none",
             "pr=none", "her2=none", "marker_adverse=0", "causes=1:early,2:late",
             "cause=early"]
    assert main(["reproduce", "--cohort", str(path), "--map", *roles,
                 "--out", str(tmp_path / "out")]) == 0
    assert "cumulative incidences" in capsys.readouterr().out
    assert (tmp_path / "out" / "fig6a_marker_cif.png").exists()
