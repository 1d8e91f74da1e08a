# R reference fixtures for issue 8 (tests/stats/cox/test_phtest.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/phtest_reference.R
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

gbsg2 <- read.csv("mirprog/datasets/gbsg2.csv", stringsAsFactors = FALSE)
stopifnot(nrow(gbsg2) == 686, identical(gbsg2$id, 1:686))
gbsg2$tgrade <- factor(gbsg2$tgrade, levels = c("I", "II", "III"))
gbsg2$horTh  <- factor(gbsg2$horTh, levels = c("no", "yes"))
gbsg2$tyear  <- ceiling(gbsg2$time / 365.25)   # heavy ties in time

# ------------------------------------------------------------- cox.zph -----
zph_case <- function(time, rhs, ties, transform = "km") {
  f <- as.formula(sprintf("Surv(%s, cens) ~ %s", time, rhs))
  fit <- coxph(f, data = gbsg2, ties = ties)
  z1 <- cox.zph(fit, transform = transform, terms = FALSE)
  z2 <- cox.zph(fit, transform = transform, terms = TRUE)
  tab <- function(z) list(term = rownames(z$table), chi2 = num(z$table[, "chisq"]),
                          df = num(z$table[, "df"]), p = num(z$table[, "p"]))
  list(id = sprintf("%s|%s|%s|%s", time, rhs, ties, transform), time_col = time,
       covariates = all.vars(f[[3]]), ties = ties, transform = transform,
       coef = num(coef(fit)), term = names(coef(fit)),
       table = tab(z1), table_terms = tab(z2),
       y = lapply(seq_len(ncol(z1$y)), function(j) num(z1$y[, j])),
       x = num(z1$x), time = num(z1$time))
}
rhs <- "horTh + age + tgrade + pnodes + progrec + estrec"
write_out(list(cases = list(
  zph_case("time", rhs, "breslow"),
  zph_case("time", rhs, "efron"),
  zph_case("time", "horTh + pnodes + progrec", "breslow", "identity"),
  zph_case("time", "horTh + pnodes + progrec", "efron", "rank"),
  zph_case("time", "horTh + pnodes + progrec", "efron", "log"),
  zph_case("tyear", "horTh + tgrade + pnodes", "efron"),
  zph_case("tyear", "horTh + tgrade + pnodes", "breslow")
)), "phtest_coxzph_gbsg2.json")
