# R reference fixtures for issue 14, engine part (tests/_engine/test_timefix.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/timefix_reference.R
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
suppressPackageStartupMessages({
  library(maxstat)
})
meta <- make_meta(c("maxstat"))

# ----------------------------------------------------------------- aeqSurv --
aeq_vec <- function(id, t) {
  z <- aeqSurv(Surv(t, rep(1, length(t))))
  list(id = id, time = I(t), fixed = I(unname(z[, 1])),
       distinct = length(unique(t)), distinct_fixed = length(unique(z[, 1])))
}
aeq <- list(
  aeq_vec("thirds", c(1/3, 1 - 2/3, 0.5, 0.1 * 3, 0.3, 1, 2)),
  aeq_vec("chain", 1 + c(0, 1, 2, 3, 10) * 1e-8),
  aeq_vec("absolute_near_zero", c(0, 1e-9, 2e-8, 5)),
  aeq_vec("relative_large", c(1e6, 1e6 + 1e-3, 1e6 + 1, 2e6)),
  aeq_vec("no_ties", c(1, 2, 3, 3, 4))
)

# -------------------------------------------------------------------- data --
set.seed(14)
n <- 60
k <- sample(1:20, n, replace = TRUE)
form <- (seq_len(n) - 1) %% 3
time <- ifelse(form == 0, k / 3, ifelse(form == 1, k * (1 / 3), (k + 1) / 3 - 1 / 3))
thirds <- data.frame(id = sprintf("s%02d", seq_len(n)), k = k, form = form, time = time,
                     event = rbinom(n, 1, 0.7), group = sample(c("a", "b", "c"), n, TRUE),
                     x = round(rnorm(n), 3))

rot <- survival::rotterdam
write.csv(rot[, c("pid", "dtime", "death", "grade", "hormon", "nodes")],
          file.path(out_dir, "rotterdam.csv"), row.names = FALSE)
cat("wrote rotterdam.csv\n")
rot$years <- ifelse(rot$pid %% 2 == 0, rot$dtime / 365.25, rot$dtime / 30.4375 / 12)
rot$grp <- factor(rot$grade)

ctl <- coxph.control(eps = 1e-11, iter.max = 50)

km_case <- function(d, by) {
  f <- survfit(as.formula(sprintf("Surv(time, event) ~ %s", by)), data = d)
  s <- summary(f, censored = TRUE)
  nofix <- survfit(as.formula(sprintf("Surv(time, event) ~ %s", by)), data = d,
                   timefix = FALSE)
  list(group = I(sub(".*=", "", as.character(s$strata))), time = I(s$time),
       n_risk = I(s$n.risk), n_event = I(s$n.event), surv = I(s$surv),
       std_err = I(s$std.err), rows = length(s$time), rows_nofix = length(nofix$time))
}

pairwise <- function(d, by) {
  lev <- sort(unique(d[[by]]))
  prs <- combn(lev, 2)
  chi2 <- sapply(seq_len(ncol(prs)), function(j) {
    sd <- survdiff(as.formula(sprintf("Surv(time, event) ~ %s", by)),
                   data = d[d[[by]] %in% prs[, j], ])
    sd$chisq
  })
  list(group1 = I(as.character(prs[1, ])), group2 = I(as.character(prs[2, ])), chi2 = I(chi2))
}

cox_case <- function(d, rhs, ties) {
  f <- coxph(as.formula(paste("Surv(time, event) ~", rhs)), data = d, ties = ties,
             control = ctl, x = TRUE, model = TRUE)
  nofix <- coxph(as.formula(paste("Surv(time, event) ~", rhs)), data = d, ties = ties,
                 control = coxph.control(eps = 1e-11, iter.max = 50, timefix = FALSE))
  zph <- cox.zph(f, transform = "km", terms = FALSE)
  bh <- basehaz(f, centered = FALSE)
  bh <- bh[bh$time %in% f$y[f$y[, 2] == 1, 1], ]
  list(ties = ties, coef = I(unname(coef(f))), se = I(unname(sqrt(diag(f$var)))),
       loglik = I(f$loglik), coef_nofix = I(unname(coef(nofix))),
       zph_chi2 = I(unname(zph$table[, "chisq"])), zph_p = I(unname(zph$table[, "p"])),
       baseline_time = I(bh$time), baseline_cumhaz = I(bh$hazard))
}

case <- function(id, d, by, rhs, marker) {
  sd <- survdiff(as.formula(sprintf("Surv(time, event) ~ %s", by)), data = d)
  # survdiff(timefix = FALSE) fails in survival 3.5-3 (timefix is passed on to model.frame),
  # so the statistic without the merge comes from the engine on the raw times.
  sd_nofix <- survival:::survdiff.fit(Surv(d$time, d$event), factor(d[[by]]))
  sd_nofix$chisq <- {
    oe <- (sd_nofix$observed - sd_nofix$expected)[-1]
    drop(oe %*% solve(sd_nofix$var[-1, -1, drop = FALSE], oe))
  }
  at <- aeqSurv(Surv(d$time, d$event))
  md <- data.frame(t = at[, 1], e = d$event, m = d[[marker]])
  ms <- maxstat.test(Surv(t, e) ~ m, data = md, smethod = "LogRank", pmethod = "Lau92",
                     minprop = 0.1, maxprop = 0.9)
  list(id = id, by = by, rhs = rhs, marker = marker,
       km_all = km_case(d, "1"), km_by = km_case(d, by),
       logrank = list(chi2 = sd$chisq, chi2_nofix = sd_nofix$chisq,
                      observed = I(unname(sd$obs)), expected = I(unname(sd$exp))),
       pairwise = pairwise(d, by),
       cox = list(cox_case(d, rhs, "breslow"), cox_case(d, rhs, "efron")),
       maxstat = list(estimate = unname(ms$estimate), statistic = unname(ms$statistic),
                      p = ms$p.value))
}

rot_d <- data.frame(id = rot$pid, time = rot$years, event = rot$death, grp = rot$grp,
                    hormon = rot$hormon, nodes = rot$nodes)
cases <- list(
  case("thirds", thirds, "group", "group + x", "x"),
  case("rotterdam", rot_d, "grp", "hormon + nodes", "nodes")
)
write_out(list(aeq = aeq, cases = cases,
               thirds = list(id = I(thirds$id), k = I(thirds$k), form = I(thirds$form),
                             event = I(thirds$event), group = I(thirds$group),
                             x = I(thirds$x))),
          "timefix_aeqsurv.json")
