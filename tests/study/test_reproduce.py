"""mirprog reproduce on a user's cohort (GBSG2 through --cohort/--map) and its building blocks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import mirprog as mp
from mirprog.cli.commands import main
from mirprog.study.reproduce import StudyColumns, compare_published, run_study

GBSG_MAP = ["time=time", "event=cens", "marker=progrec", "other_markers=estrec", "size=tsize",
            "nodes=pnodes", "grade=none", "er=none", "pr=none", "her2=none", "size_cut=20",
            "marker_adverse=0", "time_unit=days"]


def test_reproduce_cli_on_a_users_cohort(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "study"
    code = main(["reproduce", "--cohort", str(mp.datasets.dataset_path("gbsg2")), "--map",
                 *GBSG_MAP, "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "686 patients, 299 events" in text
    assert "Backward selection kept: progrec_high, nodes_gt." in text
    for name in ("table3.csv", "table3.md", "table3.html", "model_comparison.csv",
                 "risk_groups.csv", "fig6a_marker_km.png", "fig6b_risk_groups_km.png"):
        assert (out / name).stat().st_size > 50, name
    assert not (out / "comparison.md").exists()  # published numbers belong to the paper's cohort
    t3 = pd.read_csv(out / "table3.csv", index_col=0)
    g = mp.Cutpoints.fit(mp.datasets.load_gbsg2(), "progrec").apply(mp.datasets.load_gbsg2())
    assert t3.loc["progrec_high", "logrank_chi2"] == pytest.approx(
        mp.logrank(g, "progrec_high").chi2, rel=1e-12)


def test_study_roles_and_errors() -> None:
    cols = StudyColumns.from_mapping({"marker": "progrec", "grade": "none",
                                      "other_markers": "a,b", "size_cut": "20"})
    assert cols.marker == "progrec"
    assert cols.grade is None
    assert cols.other_markers == ("a", "b")
    assert cols.size_cut == 20.0
    with pytest.raises(mp.CohortError, match="Unknown study roles"):
        StudyColumns.from_mapping({"markr": "x"})


def test_reproduce_map_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reproduce", "--cohort", str(mp.datasets.dataset_path("gbsg2")),
                 "--map", "time"]) == 2
    assert "--map expects ROLE=COLUMN" in capsys.readouterr().err
    assert main(["reproduce", "--cohort", str(mp.datasets.dataset_path("gbsg2")),
                 "--map", "time=time", "event=cens"]) == 2
    assert "study column 'mir125b' is not in the table" in capsys.readouterr().err


def test_comparison_statuses_on_gbsg2_are_computed_not_stored() -> None:
    cols = StudyColumns(time="time", event="cens", marker="progrec", other_markers=(),
                        age="age", size="tsize", nodes="pnodes", grade=None, er=None, pr=None,
                        her2=None, marker_adverse=0)
    table = compare_published(run_study(mp.datasets.load_gbsg2(), cols))
    assert set(table["status"].str.split(":").str[0]) <= {
        "match", "within tolerance", "differs", "not computed",
        "published value inconsistent"}
    row = table[(table["table"] == "Table 3") & (table["row"] == "nodes_gt")
                & (table["statistic"] == "chi2")]
    assert row["reproduced"].iloc[0] == pytest.approx(67.91, abs=0.01)


def test_reproduce_bundled_cohort_meets_the_required_targets(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    assert main(["reproduce", "--out", str(tmp_path)]) == 0
    assert "SYNTHETIC reference cohort: 65 patients, 10 events" in capsys.readouterr().out
    table = compare_published(run_study(mp.datasets.load_reference_cohort()))
    required = table[~table["statistic"].isin(["neg2ll"])
                     & ~((table["table"] == "Model comparison") & (table["statistic"] == "p"))
                     & ~((table["table"] == "Table 3 multivariate")
                         & (table["statistic"] == "p"))]
    status = required["status"].str.split(":").str[0]
    assert set(status) <= {"match", "within tolerance", "published value inconsistent"}, (
        required[status == "differs"])
    assert (tmp_path / "comparison.md").read_text(encoding="utf-8").startswith(
        "# Published vs reproduced")


def test_reproduced_numbers_are_computed_not_stored(tmp_path: Path) -> None:
    df = pd.read_csv(mp.datasets.dataset_path("reference"))
    base = run_study(mp.datasets.load_reference_cohort())
    moved = df.assign(relapse=df["relapse"].where(df.index != df["relapse"].idxmax(), 0))
    perturbed = run_study(mp.Cohort(moved, time="rfs_years", event="relapse", id="id"))
    before = base.table3.frame.loc["mir125b_high", "logrank_chi2"]
    after = perturbed.table3.frame.loc["mir125b_high", "logrank_chi2"]
    assert before != pytest.approx(after)
