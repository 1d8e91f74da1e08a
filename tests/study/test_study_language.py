"""The study-file language the reference study needs (issue 19, item 2): named cuts, two-level
contrasts kept out of the model, St Gallen subtypes with indicator subgroups, an association,
competing causes; and `mirprog reproduce` as the bundled reference study file run by the study
runner, with today's outputs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.cli.commands import main
from mirprog.errors import StudyFileError
from mirprog.stats.association import AssociationResult
from mirprog.stats.competing import CIFResult, GrayTestResult
from mirprog.study.reference import reference_spec
from mirprog.study.reproduce import StudyColumns, reference_study, run_study
from mirprog.study.spec import template

DATA = Path(__file__).parent / "data"

ROTTERDAM = f"""
title = "Rotterdam grade pairs"

[cohort]
file = "{(DATA / 'rotterdam.csv').as_posix()}"
id = "pid"
time_unit = "days"

[[endpoint]]
name = "RFS"
time = "rtime"
event = "recur"

[[marker]]
column = "pgr"
label = "PgR"
adverse = "low"

[[factor]]
column = "nodes"
name = "nodes_gt"
label = "Nodes > 3"
cut = 3

[[factor]]
column = "grade"
name = "g2v3"
label = "Grade 2 vs 3"
levels = [2, 3]

[[factor]]
column = "grade"
name = "g1v3"
label = "Grade 1 vs 3"
levels = [1, 3]
multivariate = false

[[factor]]
column = "age"
name = "old"
label = "Age > 90"
cut = 90

[[factor]]
column = "hormon"
name = "hormonal"
label = "Hormonal therapy"

[subgroups]
"Treated" = "hormonal"

[association]
with = ["grade"]

[signature]
factors = ["pgr", "nodes_gt"]
"""


@pytest.fixture(scope="module")
def rotterdam() -> mp.results.StudyRun:
    return mp.Study.from_toml(text=ROTTERDAM).run()


def test_the_bundled_reference_file_is_the_reference_study() -> None:
    assert _fields(reference_spec(StudyColumns())) == _fields(
        mp.Study.from_toml(text=template("reference")))
    study = reference_study()
    assert study.text == template("reference")
    assert [f.key for f in study.factors] == [
        "age_gt", "size_gt", "nodes_gt", "grade3", "sbr1v2", "sbr1v3", "sbr2v3", "er_pos",
        "pr_pos", "her2_pos"]
    assert [f.key for f in study.factors if not f.multivariate] == ["sbr1v2", "sbr1v3",
                                                                     "sbr2v3"]
    assert study.subtypes is not None
    assert study.associations == ("sbr_grade",)


def test_reproduce_equals_the_study_runner_on_the_bundled_file() -> None:
    res = run_study(mp.datasets.load_reference_cohort())
    run = mp.Study.from_toml(text=template("reference")).run()
    ep = run.endpoints["RFS"]
    t3 = ep.get("Univariate and multivariate analyses")
    pd.testing.assert_frame_equal(res.table3.table, t3.table)
    assert res.table3.selection.selected == ("mir125b_high", "nodes_gt")
    pd.testing.assert_frame_equal(res.table4.table,
                                  ep.get("mir125b (low; high) within subgroups").table)
    assert res.study is not None
    assert res.study.text == template("reference")
    assert "[[marker]]" in mp.report(res).html        # the report embeds the study file


def test_reproduce_cli_writes_todays_outputs(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reproduce", "--out", str(tmp_path)]) == 0
    assert "reference study file" in capsys.readouterr().out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([
        "association_marker_grade.csv", "comparison.md", "fig6a_marker_km.png",
        "fig6b_risk_groups_km.png", "model_comparison.csv", "risk_groups.csv", "table3.csv",
        "table3.html", "table3.md", "table4.csv", "table4.html", "table4.md"])


def test_template_reference_prints_the_file(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["study", "--template", "reference"]) == 0
    text = capsys.readouterr().out
    assert text == template("reference")
    path = tmp_path / "reference.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["study", str(path), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "report.html").is_file()


def test_contrasts_named_cuts_and_indicator_subgroups(rotterdam: mp.results.StudyRun) -> None:
    ep = rotterdam.endpoints["RFS"]
    table = ep.get("Univariate and multivariate analyses")
    cohort = ep.cohort
    grade = cohort.column("grade")
    g2v3 = cohort.column("g2v3")
    assert ((g2v3 == 1) == (grade == 3)).all()
    assert g2v3.isna().sum() == 0
    uni = mp.cox(cohort, ["g2v3"])
    row = table.table.loc[table.table["factor"] == "g2v3"].iloc[0]
    assert_allclose(row["hr"], uni.summary["hr"].iloc[0], rtol=1e-12)
    assert "g1v3" not in set(table.table["factor"])            # no grade-1 tumour
    assert any("level 1 does not occur in 'grade'" in n for n in ep.notes)
    assert any("Age > 90" in n and "one side" in n for n in ep.notes)
    sub = ep.get("PgR within subgroups").table
    treated = cohort.subset(cohort.column("hormonal").to_numpy() == 1)
    treated = treated.assign(pgr_high=cohort.column("pgr_high")[cohort.column("hormonal") == 1])
    lr = mp.logrank(treated, by="pgr_high")
    assert_allclose(sub.loc["Treated", "logrank_chi2"], lr.chi2, rtol=1e-12)
    assoc = ep.find(AssociationResult)
    assert assoc is not None
    direct = mp.associate(cohort, "pgr_high", "grade")
    assert_allclose(assoc.p, direct.p, rtol=1e-12)


def test_competing_causes_in_the_study_file() -> None:
    text = template().replace('event = "cens"', 'event = "status"\ncauses = { 1 = "early", '
                              '2 = "late" }\ncause = "early"', 1).replace('dataset = "gbsg2"',
                                                                       'file = "g.csv"')
    d = mp.datasets.load_gbsg2().data
    d["status"] = (d["cens"] * (1 + (d["age"] > 65))).astype(int)
    study = mp.Study.from_toml(text=text)
    cohort = mp.Cohort(d, time="time", event="status", id="id",
                       causes={1: "early", 2: "late"}, time_unit="days")
    ep = study.run(cohort=cohort).endpoints["RFS"]
    assert ep.cohort.cause == "early"
    assert ep.competing is not None
    assert ep.cohort.n_events == int((d["status"] == 1).sum())
    ci = ep.find(CIFResult, by="progrec_high")
    gray = ep.find(GrayTestResult)
    assert ci is not None
    assert gray is not None
    with_marker = cohort.assign(progrec_high=ep.cohort.column("progrec_high"))
    direct = mp.gray_test(with_marker, by="progrec_high", cause="early")
    assert_allclose(gray.chi2, direct.chi2, rtol=1e-12)
    assert_allclose(ci.table["cif"], mp.cif(with_marker, by="progrec_high").table["cif"],
                    rtol=1e-12)


@pytest.mark.parametrize(("old", "new", "match"), [
    ('levels = [2, 3]', 'levels = [2, 3, 1]', r"factor\[1\]\.levels \(line \d+\): .*two"),
    ('levels = [2, 3]', 'levels = [2, 3]\ncut = 2', r"factor\[1\]\.cut .*choose one"),
    ('name = "g2v3"', 'name = "g 2"', r"factor\[1\]\.name .*not a column name"),
    ('name = "g2v3"', 'name = "nodes_gt"', r"'nodes_gt' is listed twice"),
    ('with = ["grade"]', 'with = [3]', r"association\.with"),
    ('event = "recur"', 'event = "recur"\ncause = "x"', r"endpoint\[0\]\.cause .*causes"),
    ('event = "recur"', 'event = "recur"\ncauses = { 1 = "r" }',
     r"endpoint\[0\]\.causes .*cause = one of \['r'\]"),
    ('"Treated" = "hormonal"', '"Treated" = "grade"', r"subgroups\.Treated: 'grade' is not"),
    ('[association]', '[subtypes]\nscheme = "pam50"\n\n[association]',
     r"subtypes\.scheme .*st_gallen"),
])
def test_mistakes_in_the_new_keys(old: str, new: str, match: str) -> None:
    assert old in ROTTERDAM
    with pytest.raises(mp.MirprogError, match=match):
        mp.Study.from_toml(text=ROTTERDAM.replace(old, new, 1)).run()


def test_unknown_template() -> None:
    with pytest.raises(StudyFileError, match="No bundled study file 'x'"):
        template("x")


def test_subtypes_add_the_st_gallen_columns() -> None:
    res = run_study(mp.datasets.load_reference_cohort())
    typed = mp.st_gallen(mp.datasets.load_reference_cohort(), er="er", pr="pr", her2="her2",
                         grade="sbr_grade")
    for col in ("hr_pos_her2_neg", "luminal_a", "luminal_b"):
        got = res.cohort.column(col).astype("boolean")
        want = typed.column(col).astype("boolean")
        assert got.equals(want), col
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(res.table4.table["logrank_p"]).all()


VALIDATED = ROTTERDAM.replace('[subgroups]', f'''[[validation]]
name = "GBSG"
file = "{(DATA.parent.parent / 'reference' / 'concordance_gbsg.csv').as_posix()}"
id = "pid"
time = "rfstime"
event = "rfs"
horizons = [1095, 1825]

[subgroups]''')


def test_a_validation_cohort_gets_the_frozen_model_and_cutpoints() -> None:
    ep = mp.Study.from_toml(text=VALIDATED).run().endpoints["RFS"]
    val = ep.get("Validation on GBSG")
    final = ep.get("Univariate and multivariate analyses").selection.final
    gbsg = mp.read_cohort(DATA.parent.parent / "reference" / "concordance_gbsg.csv",
                          time="rfstime", event="rfs", id="pid", time_unit="days")
    assert ep.cutpoints is not None
    gbsg = ep.cutpoints.apply(gbsg)          # the Rotterdam median of pgr, not GBSG's
    gbsg = gbsg.assign(nodes_gt=(gbsg.column("nodes") > 3).astype("Float64"),
                       g2v3=(gbsg.column("grade") == 3).astype("Float64").where(
                           gbsg.column("grade").isin([2, 3])),
                       hormonal=gbsg.column("hormon").astype("Float64"))
    direct = mp.validate(final, gbsg, horizons=[1095, 1825])
    assert_allclose(val.harrell.c, direct.harrell.c, rtol=1e-12)
    assert_allclose(val.brier["brier"], direct.brier["brier"], rtol=1e-12)
    assert_allclose(val.calibration_slope.slope, direct.calibration_slope.slope,
                    rtol=1e-12)
    assert "Validation on GBSG" in mp.Study.from_toml(text=VALIDATED).run().report().html


@pytest.mark.parametrize(("old", "new", "match"), [
    ("horizons = [1095, 1825]", "horizons = []", r"validation\[0\]\.horizons"),
    ('name = "GBSG"', 'name = "GBSG"\nendpoint = "OS"', r"validation\[0\]\.endpoint .*'OS'"),
    ('name = "GBSG"', 'name = "GBSG"\ntime_unit = "years"', r"validation 'GBSG'.* same unit"),
    ('time = "rfstime"', 'time = "rfs_time"', r"validation 'GBSG'.*rfs_time"),
])
def test_mistakes_in_a_validation(old: str, new: str, match: str) -> None:
    assert old in VALIDATED
    with pytest.raises(mp.MirprogError, match=match):
        mp.Study.from_toml(text=VALIDATED.replace(old, new, 1)).run()


def test_km_figures_of_a_study_are_labelled_by_the_marker(tmp_path: Path) -> None:
    study = mp.Study.from_toml(text=template().replace('column = "estrec"\nlabel = "ER"\n'
                                                       'rule = "median"',
                                                       'column = "estrec"\nlabel = "ER"\n'
                                                       'rule = "tertiles"'))
    run = study.run()
    from mirprog.study.run import group_labels

    labels = group_labels(study, run.endpoints["RFS"])
    rows = run.endpoints["RFS"].get("Univariate and multivariate analyses").table
    er = rows[rows["factor"] == "estrec_level"]
    assert len(er) == 2                      # a HR per tertile against the lowest, not a trend
    cohort = run.endpoints["RFS"].cohort
    direct = mp.cox(cohort, ["estrec_level"], categorical=["estrec_level"],
                    reference={"estrec_level": 1})
    assert_allclose(er["hr"].to_numpy(dtype=float), direct.summary["hr"].to_numpy(), rtol=1e-12)
    assert labels["progrec_high"] == {0: "PgR low", 1: "PgR high"}
    assert labels["estrec_level"] == {1: "ER group 1 of 3", 2: "ER group 2 of 3",
                                      3: "ER group 3 of 3"}
    import matplotlib.pyplot as plt

    from mirprog.present.plots import km_plot

    fig = km_plot(run.endpoints["RFS"].get("KM by PgR"), labels=labels["progrec_high"])
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    texts = {t.get_text() for legend in legends for t in legend.get_texts()}
    plt.close(fig)
    assert {t.split(" (")[0] for t in texts} == {"PgR low", "PgR high"}
    run.save(tmp_path)
    assert (tmp_path / "rfs_km_by_pgr.png").is_file()


def _gbsg_with_rare(tmp_path: Path) -> Path:
    d = mp.datasets.load_gbsg2().data.copy()
    censored = d.index[d["cens"] == 0][:6]
    d["rare"] = 0
    d.loc[censored, "rare"] = 1                 # a group without events: monotone likelihood
    # a subgroup whose low-PgR arm has no events (any cut between the 10th and 90th centiles)
    high = d.index[(d["progrec"] > d["progrec"].quantile(0.95)) & (d["cens"] == 1)][:8]
    low = d.index[(d["progrec"] <= d["progrec"].quantile(0.05)) & (d["cens"] == 0)][:8]
    d["mixed"] = 0
    d.loc[high.union(low), "mixed"] = 1
    path = tmp_path / "gbsg_rare.csv"
    d.to_csv(path, index=False)
    return path


REVIEWER = """
[cohort]
file = "{file}"
id = "id"
time_unit = "days"

[[endpoint]]
name = "RFS"
time = "time"
event = "cens"

[[marker]]
column = "progrec"
label = "PgR"
rule = "optimal"

[[factor]]
column = "pnodes"
name = "nodes_gt"
label = "Nodes > 3"
cut = 3

[[factor]]
column = "tgrade"
label = "Grade"
categorical = true
reference = "I"

[[factor]]
column = "rare"
label = "Rare"

[[comparison]]
name = "PgR adds to nodes and grade"
full = ["progrec", "nodes_gt", "tgrade"]
reduced = ["nodes_gt", "tgrade"]

[subgroups]
"Mixed" = "mixed == 1"
"Others" = "mixed == 0"
"""


def test_what_a_reviewer_checks_optimal_firth_comparison(tmp_path: Path) -> None:
    text = REVIEWER.format(file=_gbsg_with_rare(tmp_path).as_posix())
    run = mp.Study.from_toml(text=text).run()
    ep = run.endpoints["RFS"]
    cohort = ep.cohort
    opt = ep.get("Optimal cutpoint of PgR (p corrected for the search)")
    direct = mp.optimal_cutpoint(cohort, "progrec")
    assert_allclose(opt.p, direct.p, rtol=1e-12)
    assert ep.cutpoints is not None
    assert_allclose(ep.cutpoints.cutpoints[0].thresholds[0], direct.cutpoint, rtol=1e-12)
    cv = ep.get("Cross-validated cutpoint of PgR (out-of-fold HR)")
    cv_direct = mp.cv_optimal_cutpoint(cohort, "progrec", seed=1)
    assert_allclose(cv.cv_cox.summary["coef"], cv_direct.cv_cox.summary["coef"], rtol=1e-12)
    firth = ep.get("Firth-penalised Cox: Rare (a group without events)")
    assert_allclose(firth.summary["coef"], mp.cox(cohort, ["rare"], firth=True).summary["coef"],
                    rtol=1e-12)
    assert firth.penalty is not None
    cmp = ep.get("Model comparison: PgR adds to nodes and grade")
    big = mp.cox(cohort, ["progrec_high", "nodes_gt", "tgrade"], categorical=["tgrade"],
                 reference={"tgrade": "I"})
    small = mp.cox(cohort, ["nodes_gt", "tgrade"], categorical=["tgrade"],
                   reference={"tgrade": "I"})
    assert_allclose(cmp.lr_chi2, mp.compare_models(big, small).lr_chi2, rtol=1e-12)
    sub = ep.get("PgR within subgroups, Firth-penalised").table
    assert np.isfinite(sub.loc["Mixed", "hr"])
    html = run.report().html
    assert "corrected for that search" in html
    assert "Firth-penalised" in html


def test_a_comparison_must_be_nested() -> None:
    bad = REVIEWER.replace('reduced = ["nodes_gt", "tgrade"]',
                           'reduced = ["nodes_gt", "tgrade", "progrec"]').format(file="x.csv")
    with pytest.raises(StudyFileError, match=r"comparison\[0\]\.reduced .*some, not all"):
        mp.Study.from_toml(text=bad)


def test_the_embedded_study_file_reruns_a_coded_cohort(tmp_path: Path) -> None:
    d = pd.read_csv(DATA.parent.parent / "reference" / "lung.csv")
    d["status"] = d.pop("event") + 1                         # R's 1 = censored, 2 = dead
    lung = tmp_path / "lung.csv"
    d.to_csv(lung, index=False)
    cols = StudyColumns(time="time", event="status", id=None, marker="ph.karno",
                        other_markers=(), age="age", size=None, nodes="ph.ecog", grade=None,
                        er=None, pr=None, her2=None, nodes_cut=1, marker_adverse=0,
                        time_unit="days")
    cohort = mp.read_cohort(lung, time="time", event="status", event_values={2: 1, 1: 0},
                            time_unit="days")
    res = run_study(cohort, cols, cohort_file=lung.as_posix(), event_values={2: 1, 1: 0})
    assert res.study is not None
    assert 'event_values = { "2" = 1, "1" = 0 }' in res.study.text
    rerun = mp.Study.from_toml(text=res.study.text).run().endpoints["RFS"]
    assert rerun.cohort.n_events == cohort.n_events
    pd.testing.assert_frame_equal(rerun.get("Univariate and multivariate analyses").table,
                                  res.table3.table)


def test_report_sections_name_the_groups_and_the_chosen_cutpoint(tmp_path: Path) -> None:
    text = REVIEWER.format(file=_gbsg_with_rare(tmp_path).as_posix())
    run = mp.Study.from_toml(text=text).run()
    page = run.report().html
    opt = run.endpoints["RFS"].get("Optimal cutpoint of PgR (p corrected for the search)")
    assert f"Cutpoint {opt.cutpoint:g} (high = above it)" in page
    assert "<details><summary>Every candidate cutpoint" in page
    assert "<td>PgR low</td>" in page
    assert "<td>PgR high</td>" in page


def _fields(study: mp.Study) -> dict[str, object]:
    from dataclasses import fields

    return {f.name: getattr(study, f.name) for f in fields(study) if f.name not in ("text",
                                                                                    "base")}


@pytest.mark.parametrize("name", ["template", "reference", "rotterdam", "validated",
                                  "reviewer"])
def test_a_study_written_back_reads_as_the_same_study(name: str) -> None:
    text = {"template": template(), "reference": template("reference"),
            "rotterdam": ROTTERDAM, "validated": VALIDATED,
            "reviewer": REVIEWER.format(file="x.csv")}[name]
    study = mp.Study.from_toml(text=text)
    again = mp.Study.from_toml(text=study.to_toml())
    assert _fields(again) == _fields(study)


def test_a_study_built_in_python_is_checked_as_a_file() -> None:
    with pytest.raises(StudyFileError, match=r"marker\[0\]\.rule .*'mean' is not a cut rule"):
        mp.Study(dataset="gbsg2", endpoints=[{"name": "RFS", "time": "time", "event": "cens"}],
                 markers=[{"column": "progrec", "label": "PgR", "rule": "mean"}])
    study = mp.Study(endpoints=[{"name": "RFS", "time": "time", "event": "cens"}],
                     markers=[{"column": "progrec", "label": "PgR"}])
    with pytest.raises(StudyFileError, match="names no cohort"):
        study.run()
    ep = study.run(cohort=mp.datasets.load_gbsg2()).endpoints["RFS"]
    assert ep.cohort.n == 686
