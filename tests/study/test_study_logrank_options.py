"""The markers' test in a study file can be weighted and stratified (``[analyses]
weighting, fh_p, fh_q, strata``), as :func:`mirprog.logrank` computes it, and the file says
so where it must (the item's heading, the methods); the defaults leave today's outputs."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import StudyFileError
from mirprog.study.spec import template


def _with(**keys: str) -> str:
    text = template("gbsg2")
    for key, value in keys.items():
        line = next(ln for ln in text.splitlines() if ln.startswith(f"{key} ="))
        text = text.replace(line, f"{key} = {value}")
    return text


def _tests(run: mp.results.StudyRun) -> dict[str, mp.LogRankResult]:
    ep = next(iter(run.endpoints.values()))
    return {name: item for name, item in ep.items if isinstance(item, mp.LogRankResult)}


def test_default_is_the_plain_log_rank() -> None:
    run = mp.Study.from_toml(text=template("gbsg2")).run()
    tests = _tests(run)
    assert {"Log-rank by PgR", "Log-rank by ER"} <= set(tests)
    assert all(t.weighting == "logrank" and not t.strata for t in tests.values())


@pytest.mark.parametrize(("keys", "kwargs", "heading"), [
    ({"weighting": '"peto-peto"', "strata": '["horTh"]'},
     {"weighting": "peto-peto", "strata": ["horTh"]},
     "Log-rank (Peto-Peto, stratified by horTh) by PgR"),
    ({"weighting": '"fleming-harrington"', "fh_p": "0", "fh_q": "1"},
     {"weighting": "fleming-harrington", "p": 0, "q": 1},
     "Log-rank (Fleming-Harrington (p=0, q=1)) by PgR"),
])
def test_weighted_and_stratified_tests_are_mp_logrank(keys: dict[str, str],
                                                      kwargs: dict[str, object],
                                                      heading: str) -> None:
    study = mp.Study.from_toml(text=_with(**keys))
    run = study.run()
    ep = next(iter(run.endpoints.values()))
    got = _tests(run)[heading]
    ref = mp.logrank(ep.cohort, by="progrec_high", **kwargs)  # type: ignore[arg-type]
    assert_allclose([got.chi2, got.p], [ref.chi2, ref.p], rtol=1e-13)
    assert got.method == ref.method
    assert mp.Study.from_toml(text=study.to_toml()).analyses == study.analyses


@pytest.mark.parametrize(("keys", "match"), [
    ({"weighting": '"wilcoxon"'}, "weighting.*use one of"),
    ({"fh_q": "1"}, "fh_q.*fleming-harrington"),
    ({"strata": "[1]"}, "strata.*by name"),
    ({"strata": '"horTh"'}, "strata.*expected list"),
])
def test_mistakes_name_the_key(keys: dict[str, str], match: str) -> None:
    with pytest.raises(StudyFileError, match=match):
        mp.Study.from_toml(text=_with(**keys))
