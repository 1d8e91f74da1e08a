"""The Cox engine on (start, stop] data against R coxph(Surv(start, stop, event)) on `heart`.

The public Cohort(entry=) is not there yet; this checks the one engine it will use
(risk sets with delayed entry, score residuals with entry, the sandwich by patient).
Fixture: tests/reference/coxph_counting_reference.R.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from mirprog._engine.cox_robust import robust_score_test, robust_variance
from mirprog._engine.coxph import fit_cox, risk_sets
from tests._reference import close, ref

H = ref("coxph_counting_heart")
COVS = ["age", "year", "surgery", "transplant"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", H["cases"], ids=[c["ties"] for c in H["cases"]])
def test_counting_process_fit_matches_r(case: dict[str, Any]) -> None:
    d = pd.DataFrame(H["data"])
    x = d[COVS].to_numpy(float)
    t, e, start = d["stop"].to_numpy(float), d["event"].to_numpy(), d["start"].to_numpy(float)
    fit = fit_cox(t, e, x, case["ties"], entry=start)
    close(fit.coef, case["coef"], "coef")
    close(fit.var, np.array(case["var"]), "var")
    close([fit.loglik_null, fit.loglik], case["loglik"], "loglik")
    close(fit.score_chi2, case["score"], "score test")
    close(fit.means, case["means"], "means")
    rs = risk_sets(t, e, case["ties"], entry=start)
    xs = (x - fit.means)[rs.order]
    cluster = pd.factorize(d["id"])[0]
    v = robust_variance(fit.coef, fit.var, xs, rs, t[rs.order], cluster)
    close(v, np.array(case["robust_var"]), "robust var by patient")
    close(robust_score_test(xs, rs, t[rs.order], cluster), case["rscore"], "robust score")
