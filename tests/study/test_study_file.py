"""Study files (issue 19, item 1): the template runs as written, a Rotterdam study runs end to
end with its units and labels, its numbers are the library's, and every mistake in a file is
a StudyFileError naming the key and its line (the CLI: exit 2, one line)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.cli.commands import main
from mirprog.errors import StudyFileError

DATA = Path(__file__).parent / "data"

ROTTERDAM = """
title = "Rotterdam: PgR and recurrence-free survival"

[cohort]
file = "{file}"
id = "pid"
time_unit = "days"

[[endpoint]]
name = "RFS"
time = "rtime"
event = "recur"

[[endpoint]]
name = "OS"
time = "dtime"
event = "death"

[[marker]]
column = "pgr"
label = "PgR"
adverse = "low"

[[factor]]
column = "nodes"
label = "Nodes > 3"
cut = 3

[[factor]]
column = "size"
label = "Size"
categorical = true
reference = "<=20"

[[factor]]
column = "grade"
label = "Grade"
categorical = true
reference = 2

[[factor]]
column = "hormon"
label = "Hormonal therapy"

[subgroups]
"Premenopausal" = "meno == 0"
"Postmenopausal" = "meno == 1"

[signature]
factors = ["pgr", "nodes"]
"""


@pytest.fixture(scope="module")
def rotterdam_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rot")
    path = folder / "rotterdam.toml"
    path.write_text(ROTTERDAM.format(file=(DATA / "rotterdam.csv").as_posix()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rotterdam_run(rotterdam_study: Path) -> mp.results.StudyRun:
    return mp.Study.from_toml(rotterdam_study).run()


def test_template_runs_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["study", "--template"]) == 0
    text = capsys.readouterr().out
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    assert main(["study", str(tmp_path / "study.toml"), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "RFS: 686 patients, 299 events" in out
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"report.html", "tables.xlsx", "rfs_km_by_pgr.png", "rfs_km_by_pgr.pdf"} <= files


def test_rotterdam_runs_with_its_units_and_labels(rotterdam_run: mp.results.StudyRun) -> None:
    rfs = rotterdam_run.endpoints["RFS"]
    assert rfs.cohort.n == 2982
    assert rfs.cohort.time_unit == "days"
    table = rfs.get("Univariate and multivariate analyses").formatted()
    factors = list(table["Factor"])
    assert "Size [20-50 vs <=20]" in factors
    assert "Size [>50 vs <=20]" in factors
    assert "Grade [3 vs 2]" in factors                   # no grade-1 tumours: no crash
    assert set(rotterdam_run.endpoints) == {"RFS", "OS"}
    html = rotterdam_run.report().html
    assert "Median follow-up" not in html or "days" in html
    assert "time in days" in html


def test_rotterdam_numbers_are_the_librarys(rotterdam_run: mp.results.StudyRun) -> None:
    frame = pd.read_csv(DATA / "rotterdam.csv")
    c = mp.Cohort(frame, time="rtime", event="recur", id="pid", time_unit="days")
    c = mp.Cutpoints.fit(c, "pgr").apply(c)
    c = mp.Cutpoints.fit(c, "nodes", rule="fixed", thresholds={"nodes": 3}).apply(c)
    direct = mp.factor_table(
        c, clinical={"PgR": "pgr_high", "Nodes > 3": "nodes_high", "Size": "size",
                     "Grade": "grade", "Hormonal therapy": "hormon"},
        categorical=["size", "grade"], reference={"size": "<=20", "grade": 2})
    got = rotterdam_run.endpoints["RFS"].get("Univariate and multivariate analyses")
    pd.testing.assert_frame_equal(got.table, direct.table)
    lr = rotterdam_run.endpoints["RFS"].get("Log-rank by PgR")
    assert_allclose(lr.chi2, mp.logrank(c, by="pgr_high").chi2, rtol=1e-14)
    sub = rotterdam_run.endpoints["RFS"].get("PgR within subgroups")
    assert list(sub.table.index)[:3] == ["All", "Premenopausal", "Postmenopausal"] or \
        len(sub.table) == 3


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = ROTTERDAM.format(file=(DATA / "rotterdam.csv").as_posix())


@pytest.mark.parametrize(("old", "new", "match"), [
    ('label = "PgR"', 'label = "PgR"\ncolour = "red"',
     r"marker\[0\]\.colour \(line 22\): unknown key"),
    ('cut = 3', '', r"factor\[0\]\.column \(line \d+\): 'nodes' has \d+ distinct values"),
    ('reference = 2', 'reference = 1', r"factor\[2\]\.reference \(line \d+\): 1 is not a value"),
    ('"meno == 0"', '"meno is 0"', r"subgroups\.Premenopausal \(line \d+\): cannot read"),
    ('time_unit = "days"', 'time_unit = "fortnights"', r"cohort\.time_unit \(line 7\)"),
    ('[[endpoint]]\nname = "OS"', '[[endpoint]]\nnom = "OS"', r"the key 'name' is required"),
    ('adverse = "low"', 'rule = "fixed"', r"marker\[0\]\.rule .*threshold"),
    ('factors = ["pgr", "nodes"]', 'factors = ["pgr", "er2"]', r"signature\.factors"),
    ('"Premenopausal" = "meno == 0"', '"None" = "meno == 7"', r"no patient meets"),
    ('time = "rtime"', 'time = "rtimes"', r"endpoint 'RFS'.*rtimes"),
    ('title = "Rotterdam', 'title = = "Rotterdam', r"not valid TOML.*line 2"),
])
def test_mistakes_name_the_key_and_line(tmp_path: Path, old: str, new: str, match: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(MirprogError_or_study(), match=match):
        mp.Study.from_toml(path).run()


def MirprogError_or_study() -> type[Exception]:
    return mp.MirprogError


def test_cli_refuses_a_bad_file_in_one_line(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, GOOD.replace('cut = 3', ''))
    assert main(["study", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("mirprog: error: factor[0].column (line")


def test_missing_file_and_both_sources() -> None:
    with pytest.raises(StudyFileError, match="No study file"):
        mp.Study.from_toml("/nonexistent/study.toml")
    with pytest.raises(StudyFileError, match="not both"):
        mp.Study.from_toml("a.toml", text="x = 1")


def test_report_shows_what_a_reviewer_checks(rotterdam_run: mp.results.StudyRun) -> None:
    rep = rotterdam_run.report()
    assert rep.sections[0] == "Methods"
    assert "RFS: Follow-up (reverse Kaplan–Meier)" in rep.sections
    note = rotterdam_run.endpoints["RFS"].get("Power of the PgR comparison")
    events = rotterdam_run.endpoints["RFS"].cohort.n_events
    share = float(rotterdam_run.endpoints["RFS"].cohort.column("pgr_high").mean())
    expected = mp.power_cox(1.5, events, alloc=share)
    assert f"{expected:.0%} power for HR 1.50" in note
    assert "reverse Kaplan–Meier median" in rep.html
    assert "[[marker]]" in rep.html                     # the study file is embedded


def test_numeric_event_codes_are_read_from_toml_text_keys(tmp_path: Path) -> None:
    """TOML keys are text: ``{ "2" = 1, "1" = 0 }`` codes a numeric 1/2 column (R's lung)."""
    frame = pd.read_csv(DATA / "rotterdam.csv")
    frame["status"] = frame["recur"] + 1  # 1 = censored, 2 = recurrence
    frame.to_csv(tmp_path / "coded.csv", index=False)
    text = ROTTERDAM.split("[[endpoint]]")[0].replace("{file}", "coded.csv") + """
[[endpoint]]
name = "RFS"
time = "rtime"
event = "status"
event_values = { "2" = 1, "1" = 0 }

[[marker]]
column = "pgr"
"""
    (tmp_path / "coded.toml").write_text(text, encoding="utf-8")
    run = mp.Study.from_toml(tmp_path / "coded.toml").run()
    assert run.endpoints["RFS"].cohort.n_events == int(frame["recur"].sum())
