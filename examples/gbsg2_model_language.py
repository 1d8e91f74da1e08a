"""Stratified Cox, an interaction test, global factor tests and robust SEs on GBSG2.

The German Breast Cancer Study Group 2 trial (686 patients, bundled with mirprog):
does progesterone-receptor status predict recurrence-free survival once we allow
a separate baseline hazard for hormonal therapy (stratified Cox), and is its
effect the same before and after menopause (interaction)?  Each number here
agrees with R ``coxph`` / ``survdiff`` to 1e-6 (tests/reference/*.R).

Run:  python examples/gbsg2_model_language.py
"""

from __future__ import annotations

import mirprog as mp


def main() -> None:
    gbsg = mp.datasets.load_gbsg2()
    gbsg = gbsg.assign(pgr_high=(gbsg.data["progrec"] > 20).astype(int))

    # 1. stratified by hormonal therapy: R coxph(Surv(time, cens) ~ pgr_high + tgrade +
    #    pnodes + strata(horTh)); each therapy arm keeps its own baseline hazard
    strat = mp.cox(gbsg, ["pgr_high", "tgrade", "pnodes"], strata="horTh",
                   reference={"tgrade": "I"})
    print(f"Stratified by {', '.join(strat.strata)}: n={strat.n}, events={strat.events}")
    print(strat.summary[["hr", "ci_lower", "ci_upper", "p"]].round(3).to_string())

    # 2. one test per factor (all grade levels at once), as R drop1(fit, test = "Chisq")
    print("\nGlobal tests per factor:")
    print(strat.factor_tests.round(4).to_string())

    # 3. does the PgR effect differ by menopausal status?  pgr_high * menostat is
    #    pgr_high + menostat + pgr_high:menostat; the LR test of the product term answers it
    inter = mp.cox(gbsg, ["pgr_high*menostat"], strata="horTh")
    main_only = mp.cox(gbsg, ["pgr_high", "menostat"], strata="horTh")
    lr = mp.compare_models(inter, main_only)
    print(f"\nInteraction terms: {list(inter.terms)}")
    print(f"LR test of pgr_high x menostat: chi2 = {lr.lr_chi2:.3f} on {lr.df} df, "
          f"p = {lr.p:.3f}")

    # 4. robust (sandwich) standard errors, R's robust = TRUE
    rob = mp.cox(gbsg, ["pgr_high", "pnodes"], strata="horTh", robust=True)
    print("\nRobust vs model-based SE:")
    print(rob.summary[["coef", "se", "naive_se", "p"]].round(4).to_string())
    print(f"robust score test: chi2 = {rob.robust_score_chi2:.2f}, "
          f"p = {rob.robust_score_p:.2g}")

    # 5. the log-rank test stratified by therapy, and a Peto-Peto (rho = 1) version
    for res in (mp.logrank(gbsg, by="pgr_high", strata="horTh"),
                mp.logrank(gbsg, by="pgr_high", strata="horTh", rho=1)):
        print(f"{res.method}: chi2 = {res.chi2:.2f}, p = {res.p:.2g}")


if __name__ == "__main__":
    main()
