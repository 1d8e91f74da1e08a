"""Outputs safe to open (issue 14, item 8): CSV, Markdown, LaTeX, HTML, terminal, figures.

Each class of defect has a test that drives the real writers (CLI commands and library
exports) with hostile ids, marker names and levels, and one structural test that no
module writes CSV except through :func:`mirprog.output.write_csv`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.cli.commands import main
from mirprog.output import FORMULA_STARTS, escape_mathtext, escape_terminal, write_csv
from mirprog.study import reproduce

matplotlib.use("Agg")

PACKAGE = Path(mp.__file__).parent
HOSTILE = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1+1)", "\tx", "\rx"]
CONTROL = ["\x1b[31mred", "a\rb", "nul\x00", "del\x7f", "bidi\u202eevil", "csi\x9b2J"]


def _raw_cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def _assert_neutral(path: Path) -> None:
    bad = [c for c in _raw_cells(path) if c.startswith(FORMULA_STARTS)
           and not _is_number(c)]
    assert not bad, f"{path.name}: formula-like cells {bad[:5]}"


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _hostile_frame(n: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = [f"{HOSTILE[i % len(HOSTILE)]}{i}" for i in range(n)]
    m1 = rng.lognormal(size=n)
    time = rng.exponential(5 * (1 + m1) ** 2, size=n) + 0.5  # high m1: coefficient < 0
    return pd.DataFrame({
        "id": ids, "t": time.round(2), "e": (rng.random(n) < 0.7).astype(int),
        "=m1": m1.round(3), "@m2": rng.normal(size=n).round(3),
        "+grade": [["-II", "=III", "+I"][i % 3] for i in range(n)],
    })


def _write_input(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\r\n")  # keeps \r inside ids quoted
    return path


# ----------------------------------------------------------------------------- CSV injection

@pytest.mark.parametrize("text", HOSTILE)
def test_write_csv_prefixes_formula_cells_ids_and_headers(text: str) -> None:
    frame = pd.DataFrame({text + "col": [text, "plain"], "coef": [-0.52, -1e-300]},
                         index=pd.Index([text + "id", "p2"], name=text + "idx"))
    buf = io.StringIO()
    write_csv(frame, buf)
    back = pd.read_csv(io.StringIO(buf.getvalue()), index_col=0)
    assert back.index.name == "'" + text + "idx"
    assert list(back.index) == ["'" + text + "id", "p2"]
    assert back.columns[0] == "'" + text + "col"
    assert back.iloc[0, 0] == "'" + text
    assert back["coef"].dtype == float
    assert back["coef"].iloc[0] == -0.52


def test_write_csv_keeps_ids_as_read() -> None:
    scores = pd.DataFrame({"id": ["00001", "0042", "007e1"], "lp": [-0.3, 0.0, 1.2]})
    buf = io.StringIO()
    write_csv(scores, buf, index=False)
    assert [r.split(",")[0] for r in buf.getvalue().splitlines()[1:]] == ["00001", "0042",
                                                                         "007e1"]
    back = pd.read_csv(io.StringIO(buf.getvalue()), dtype={"id": str})
    assert list(back["id"]) == ["00001", "0042", "007e1"]


def test_score_output_keeps_text_ids(tmp_path: Path) -> None:
    gb = mp.datasets.load_gbsg2()
    model = mp.PrognosticModel.fit(gb, markers=["progrec"], thresholds={})
    new = gb.data.head(5).assign(id=["00001", "00002", "=3", "-4", "0005"])
    scores = model.score(new, horizons=[365.0], id="id")
    out = tmp_path / "scores.csv"
    write_csv(scores, out, index=False)
    ids = pd.read_csv(out, dtype={"id": str})["id"].tolist()
    assert ids == ["00001", "00002", "'=3", "'-4", "0005"]


def test_every_cli_csv_is_neutralised(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    path = _write_input(_hostile_frame(), tmp_path / "hostile.csv")
    base = [str(path), "--time", "t", "--event", "e", "--id", "id"]
    outs = {"analyze": tmp_path / "uni.csv", "screen": tmp_path / "screen.csv",
            "score": tmp_path / "scores.csv"}
    assert main(["analyze", *base, "--markers", "=m1", "@m2", "--factors", "+grade",
                 "--out", str(outs["analyze"])]) == 0
    assert main(["screen", *base, "--markers", "=m1", "@m2", "--bootstrap", "4", "--seed",
                 "1", "--out", str(outs["screen"])]) == 0
    model = tmp_path / "model.json"
    assert main(["fit", *base, "--markers", "=m1", "--out", str(model)]) == 0
    assert main(["score", str(path), "--id", "id", "--model", str(model),
                 "--horizons", "100", "200", "--out", str(outs["score"])]) == 0
    capsys.readouterr()
    files = [*outs.values(), tmp_path / "screen.stability.csv"]
    for f in files:
        _assert_neutral(f)
    uni = pd.read_csv(outs["analyze"], index_col=0)
    assert "'=m1_high" in uni.index
    assert "'+grade[=III]" in uni.index
    assert uni["hr"].dtype == float
    scores = pd.read_csv(outs["score"])
    lp = scores["linear_predictor"]
    assert lp.dtype == float
    assert (lp < 0).any()
    assert set(scores["id"]) == {"'" + i for i in _hostile_frame()["id"]}
    assert set(pd.read_csv(outs["screen"])["marker"]) == {"'=m1", "'@m2"}


def test_no_csv_written_around_the_safe_writer() -> None:
    offenders = [f"{p.relative_to(PACKAGE)}:{i}" for p in PACKAGE.rglob("*.py")
                 if p.name != "output.py"
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\.to_csv\(", line) and ">>>" not in line]
    assert not offenders, f"write CSV with mirprog.output.write_csv: {offenders}"


# ----------------------------------------------------------------------------- study exports

@pytest.fixture(scope="module")
def hostile_study() -> reproduce.StudyResult:
    from mirprog.study import reproduce

    ref = mp.datasets.load_reference_cohort()
    marker = "=<b>mir</b>$1$|`x`"
    data = ref.data.rename(columns={"mir125b": marker})
    data["id"] = [f"{HOSTILE[i % len(HOSTILE)]}{i}" for i in range(len(data))]
    cohort = mp.Cohort(data, time="rfs_years", event="relapse", id="id")
    return reproduce.run_study(cohort, reproduce.StudyColumns(marker=marker))


def test_reproduce_outputs_are_safe(hostile_study: reproduce.StudyResult,
                                    tmp_path: Path) -> None:
    written = reproduce.write_outputs(hostile_study, tmp_path, compare=False)
    csvs = [p for p in written if p.suffix == ".csv"]
    assert {p.name for p in csvs} >= {"table3.csv", "model_comparison.csv", "risk_groups.csv"}
    for p in csvs:
        _assert_neutral(p)
    t3 = pd.read_csv(tmp_path / "table3.csv", index_col=0)
    assert any(str(i).startswith("'=<b>mir") for i in t3.index)
    assert t3["hr"].dtype == float
    assert t3["logrank_p"].dtype == float
    md = (tmp_path / "table3.md").read_text(encoding="utf-8")
    assert "<b>" not in md
    assert "&lt;b&gt;" in md
    assert "\\|" in md
    assert "\\`x\\`" in md
    html = (tmp_path / "table3.html").read_text(encoding="utf-8")
    assert "<b>mir" not in html
    assert "&lt;b&gt;mir" in html


def test_report_html_escapes_data(hostile_study: reproduce.StudyResult) -> None:
    from mirprog.study.report import report_html

    page = report_html(hostile_study, title="<script>alert(1)</script>")
    assert "<script>" not in page
    assert "<b>mir" not in page
    assert "&lt;b&gt;mir" in page


# ----------------------------------------------------------------------------- Markdown, LaTeX

def test_markdown_and_latex_tables_escape_every_cell(tmp_path: Path) -> None:
    gb = mp.datasets.load_gbsg2()
    label = "a|b\n<script>`x`"
    tex_label = "\\input{/etc/passwd} $x$ & 50%_#^~ {y}\nrow"
    t3 = mp.table3(gb, markers=[], clinical={label: "horTh", tex_label: "pnodes"})
    md = t3.to_markdown()
    lines = md.strip().splitlines()
    assert len(lines) == 2 + len(t3.frame)
    assert all(line.count(" | ") == lines[0].count(" | ") for line in lines[2:])
    assert "<script>" not in md
    assert "&lt;script&gt;" in md
    assert "a\\|b" in md
    tex = t3.to_latex(caption="Cap $1 & \\x")
    rows = [line for line in tex.splitlines() if line.endswith("\\\\")]
    assert len(rows) == 1 + len(t3.frame)
    assert "\\input" not in tex.replace("\\textbackslash{}input", "")
    assert "\\$x\\$ \\& 50\\%\\_\\#\\textasciicircum{}\\textasciitilde{} \\{y\\} row" in tex
    assert "\\caption{Cap \\$1 \\& \\textbackslash{}x}" in tex


def test_result_html_repr_escapes_levels() -> None:
    df = mp.datasets.load_gbsg2().data.copy()
    df["grp"] = np.where(df["horTh"] == "yes", "<script>x</script>", "<b>no</b>")
    res = mp.logrank(mp.Cohort(df, time="time", event="cens", id="id"), by="grp")
    html = res._repr_html_()
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;" in html


# ----------------------------------------------------------------------------- terminal

def test_escape_terminal_neutralises_every_control_character() -> None:
    for text in CONTROL:
        shown = escape_terminal(text)
        assert shown.isprintable(), repr(shown)
    assert escape_terminal("x\ny") == "x\ny"
    assert escape_terminal("x\ny", newlines=False) == "x\\ny"
    assert escape_terminal("miR-125b χ² 日本") == "miR-125b χ² 日本"


def test_cli_output_and_errors_escape_control_characters(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = _hostile_frame(36)
    shown = [c for c in CONTROL if "\x00" not in c]  # NUL: the CSV reader stops at it
    frame["id"] = [f"{shown[i % len(shown)]}{i}" for i in range(len(frame))]
    frame = frame.rename(columns={"=m1": "m\x1b]0;title\x07"})
    frame.loc[[0, 1, 4], "m\x1b]0;title\x07"] = np.nan
    path = _write_input(frame, tmp_path / "ctrl.csv")
    base = [str(path), "--time", "t", "--event", "e", "--id", "id"]
    assert main(["analyze", *base, "--markers", "m\x1b]0;title\x07", "--factors", "+grade"]) == 0
    out = capsys.readouterr()
    assert "excluded" in out.out
    assert "\\x1b[31mred0" in out.out
    for stream in (out.out, out.err):
        assert all(ch == "\n" or ch.isprintable() for ch in stream), repr(stream[:400])
    dup = frame.assign(id=["\x1b[2Jdup"] * len(frame))
    with pytest.raises(mp.CohortError) as err:
        mp.Cohort(dup, time="t", event="e", id="id")
    assert "\x1b" not in str(err.value)
    assert "\\x1b[2Jdup" in str(err.value)
    assert main(["analyze", str(_write_input(dup, tmp_path / "dup.csv")), "--time", "t",
                 "--event", "e", "--id", "id", "--factors", "+grade"]) == 2
    err_text = capsys.readouterr().err
    assert "\x1b" not in err_text
    assert "\\x1b[2Jdup" in err_text


def test_ledger_summary_escapes_ids_and_columns() -> None:
    ex = mp.Exclusions(3, 2, (mp.Exclusion("p\x1b[31m2", "si\u202eze", "missing"),))
    assert ex.summary() == "2 of 3 rows used; 1 excluded: missing si\\u202eze (p\\x1b[31m2)"


# ----------------------------------------------------------------------------- figures

LEVELS = ["mir$125b$", "a\\b", "$\\frac$"]


def _texts(fig: matplotlib.figure.Figure) -> list[matplotlib.text.Text]:
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def _assert_literal(fig: matplotlib.figure.Figure, wanted: list[str]) -> None:
    fig.canvas.draw()  # a mathtext parse error would raise here
    shown = [t._preprocess_math(t.get_text()) for t in _texts(fig)]
    assert not [s for s, math in shown if math], "text parsed as mathtext"
    joined = "\n".join(s for s, _ in shown)
    for w in wanted:
        assert w in joined, w


def test_plots_draw_data_labels_literally() -> None:
    import matplotlib.pyplot as plt

    df = mp.datasets.load_gbsg2().data.copy()
    df["grp"] = [LEVELS[i % 3] for i in range(len(df))]
    df["x$1$"] = df["age"] / 10
    cohort = mp.Cohort(df, time="time", event="cens", id="id")
    km = mp.km(cohort, by="grp")
    fig = mp.plots.km_plot(km, test=mp.logrank(cohort, by="grp"), title="$\\frac$ title",
                           time_unit="$days")
    _assert_literal(fig, [*LEVELS, "$\\frac$ title", "Time ($days)"])
    fit = mp.cox(cohort, ["grp", "x$1$"])
    _assert_literal(mp.plots.forest_plot(fit, title="a$b$"), ["x$1$", "grp[a\\b]", "a$b$"])
    ph = mp.ph_test(fit, cohort)
    _assert_literal(mp.ph_plot(ph, "x$1$"), ["beta(t) for x$1$"])
    plt.close("all")


def test_escape_mathtext_round_trips_through_matplotlib() -> None:
    from matplotlib.text import Text

    for s in [*LEVELS, "\\$", "x$$y", "100$", "\\\\$a$"]:
        assert Text(text=escape_mathtext(s))._preprocess_math(escape_mathtext(s)) == (s, False)


def test_xlsx_cells_never_become_formulas(tmp_path: Path) -> None:
    import openpyxl

    from mirprog.output import write_xlsx

    frame = pd.DataFrame({"=cmd|' /C calc'!A0": ["=1+1", "@SUM(A1)", "miR-21", None],
                          "hr": [0.5, float("nan"), float("inf"), -2.0]},
                         index=pd.Index(["+x", "b", "c", "d"], name="-term"))
    out = write_xlsx({"a/b:c" * 10: frame, "dup": frame, "DUP": frame}, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(out)
    assert len(wb.sheetnames) == 3
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in wb.sheetnames)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    ws = wb[wb.sheetnames[1]]
    assert ws["C2"].value == 0.5
    assert ws["C3"].value is None            # NaN: an empty cell
    assert ws["C5"].value == -2.0            # numbers stay numbers


def test_result_to_xlsx_keeps_full_precision(tmp_path: Path) -> None:
    import openpyxl

    fit = mp.cox(mp.datasets.load_gbsg2(), ["pnodes", "progrec"])
    out = fit.to_xlsx(tmp_path / "cox.xlsx")
    ws = openpyxl.load_workbook(out)["Cox"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["term", "coef", "se"]
    assert ws["B2"].value == pytest.approx(float(fit.summary["coef"].iloc[0]), rel=1e-15)
