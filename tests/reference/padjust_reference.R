# R reference fixtures for issue 14, engine part (tests/stats/test_padjust.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/padjust_reference.R
#
# Generated with R 4.2.2, survival 3.5.3, maxstat 0.7.25, jsonlite 1.8.4 (versions in "meta").
# R is a test-time ORACLE ONLY: the JSON and CSV files are committed and pytest only reads them.
#
# Outputs
#   tests/reference/rotterdam.csv      -- survival::rotterdam columns pid, dtime (days, integer),
#                                          death, grade, hormon, nodes.
#   tests/reference/padjust_padjust.json -- stats::p.adjust(p, method) for holm, BH, bonferroni,
#                                          none on vectors with NA, ties, 0 and 1, one value,
#                                          all NA, and with an explicit n > #non-NA.
#   tests/reference/timefix_aeqsurv.json -- survival's timefix (aeqSurv) and what it changes:
#       * aeq     : survival:::aeqSurv on hand-made vectors (chains, absolute and relative
#                   tolerance), the merged times;
#       * cases   : two data sets with near-tied times (see "Data" below), each with
#                   survfit (KM table by group, timefix = TRUE and the row count with
#                   timefix = FALSE), survdiff by group, pairwise survdiff on each pair's rows,
#                   coxph (breslow and efron: coef, se, loglik) with timefix TRUE and FALSE,
#                   cox.zph (km transform) and the baseline cumulative hazard at covariates 0
#                   (basehaz(fit, centered = FALSE), at the event times), and
#                   maxstat.test on the aeqSurv-ed times (maxstat itself does not merge
#                   times; mirprog's optimal_cutpoint does, as its log-rank does).
#
# Data (rebuilt bit for bit in tests/_engine/test_timefix.py with the same IEEE operations)
#   * "thirds": 60 rows; k = 1..20 drawn with set.seed(14); time is k/3, k*(1/3) or
#     (k+1)/3 - 1/3 by row (row %% 3); event, a 3-level group and a continuous x drawn with the
#     same seed.  All three are stored, so only the times are recomputed in Python.
#   * "rotterdam": rotterdam with time in years, dtime/365.25 for even pid and
#     dtime/30.4375/12 (days -> months -> years) for odd pid: the same day gives two doubles
#     one ulp apart.
#   * coxph uses coxph.control(eps = 1e-11) so the coefficients are converged far below 1e-6.
#   * Numbers at full precision (digits = NA, i.e. 15 significant digits); NA -> null.

source(file.path("tests", "reference", "_preamble.R"))

# ---------------------------------------------------------------- p.adjust --
pvecs <- list(
  with_na = c(0.01, NA, 0.04, 0.03, NA, 0.2),
  ties = c(0.02, 0.02, 0.02, 0.5, 0.5, NA, 0.001),
  edges = c(0, 1, 0.5, NA, 0, 1e-300),
  one = c(0.04),
  one_with_na = c(NA, 0.04, NA),
  all_na = c(NA_real_, NA_real_),
  empty = numeric(0),
  many = c(0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
           0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000)
)
methods <- c(holm = "holm", bh = "BH", bonferroni = "bonferroni", none = "none")
pcases <- list()
for (nm in names(pvecs)) {
  p <- pvecs[[nm]]
  for (m in names(methods)) {
    pcases[[length(pcases) + 1]] <- list(id = paste(nm, m, sep = "|"), p = I(p), method = m,
                                         n = NULL, adjusted = I(p.adjust(p, methods[[m]])))
    if (nm == "with_na") {
      pcases[[length(pcases) + 1]] <- list(
        id = paste(nm, m, "n10", sep = "|"), p = I(p), method = m, n = 10L,
        adjusted = I(p.adjust(p, methods[[m]], n = 10)))
    }
  }
}
write_out(list(cases = pcases), "padjust_padjust.json")

