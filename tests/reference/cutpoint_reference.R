# R reference fixtures for issue 8 (tests/factors/test_cutpoint_opt.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/cutpoint_reference.R
#
# Generated with R 4.2.2, survival 3.5.3, maxstat 0.7.25 (log-rank scores from
# exactRankTests), jsonlite 1.8.4; the versions are recorded in each JSON under "meta".
# R is a test-time ORACLE ONLY: the JSON files are committed and pytest only reads them.
#
# Inputs : mirprog/datasets/gbsg2.csv (so rows match mirprog exactly).
# Outputs: tests/reference/cutpoint_maxstattest_gbsg2.json  -- maxstat.test(smethod = "LogRank",
#              pmethod = "Lau92"): estimate (cutpoint), statistic, p.value and the
#              standardized statistic at every candidate cut (stats, cuts).
#          tests/reference/phtest_coxzph_gbsg2.json      -- cox.zph tables (terms = FALSE and
#              terms = TRUE), scaled Schoenfeld residuals ($y), transformed times ($x)
#              and event times ($time) for Breslow and Efron fits.
#
# Conventions
#   * maxstat's cutpoint is the largest marker value of the LOWER group (x <= cutpoint);
#     its statistic uses log-rank scores (exactRankTests::cscores.Surv) and the
#     permutation variance of a linear rank statistic.
#   * coxph uses the default coxph.control(): mirprog replicates its Newton iterates, so
#     the zph test is evaluated at the same beta-hat.
#   * Firth-penalised Cox has no R oracle here (coxphf is not installed); its oracle is
#     the Python package firthmodels, called live in tests/_engine/test_firth.py.
#   * Numbers at full precision (digits = NA); NA -> null.

source(file.path("tests", "reference", "_preamble.R"))
suppressPackageStartupMessages({
  library(maxstat)
})
meta <- make_meta(c("maxstat", "exactRankTests"))

gbsg2 <- read.csv("mirprog/datasets/gbsg2.csv", stringsAsFactors = FALSE)
stopifnot(nrow(gbsg2) == 686, identical(gbsg2$id, 1:686))
gbsg2$tgrade <- factor(gbsg2$tgrade, levels = c("I", "II", "III"))
gbsg2$horTh  <- factor(gbsg2$horTh, levels = c("no", "yes"))
gbsg2$tyear  <- ceiling(gbsg2$time / 365.25)   # heavy ties in time

# ------------------------------------------------------------- maxstat -----
ms_case <- function(time, marker, minprop = 0.1, maxprop = 0.9) {
  f <- as.formula(sprintf("Surv(%s, cens) ~ %s", time, marker))
  m <- maxstat.test(f, data = gbsg2, smethod = "LogRank", pmethod = "Lau92",
                    minprop = minprop, maxprop = maxprop)
  list(id = sprintf("%s|%s|%g-%g", time, marker, minprop, maxprop), time_col = time,
       event_col = "cens", marker = marker, minprop = minprop, maxprop = maxprop,
       cutpoint = num(m$estimate), statistic = num(m$statistic), p = num(m$p.value),
       stats = num(m$stats), cuts = num(m$cuts))
}
write_out(list(cases = list(
  ms_case("time", "progrec"),
  ms_case("time", "estrec"),
  ms_case("time", "age", 0.25, 0.75),
  ms_case("tyear", "pnodes"),          # ties in both the marker and the times
  ms_case("tyear", "tsize")
)), "cutpoint_maxstattest_gbsg2.json")

