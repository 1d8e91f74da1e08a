# R reference fixtures for mirprog (tests/stats/test_km.py, tests/stats/test_logrank.py,
# tests/stats/cox/test_coxph.py, tests/factors/test_cutpoints.py, tests/data/test_cohort.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/survival_reference.R
#
# Generated with R 4.2.2 (Patched 2022-11-10 r83330), survival 3.5.3,
# jsonlite 1.8.4.  The exact versions used for the committed JSON are also
# recorded in every JSON file under "meta".
#
# R is a test-time ORACLE ONLY.  CI never needs R: the JSON files written here
# (and tests/reference/lung.csv) are committed, and the pytest module only reads
# them.  Rerun this script only when a fixture has to change.
#
# Inputs : mirprog/datasets/gbsg2.csv (GBSG2 exported from TH.data with an id
#          column; read from the CSV so rows match mirprog exactly) and
#          survival::lung (written to tests/reference/lung.csv).
# Outputs: tests/reference/{lung.csv, cohort_derive_gbsg2.json, cohort_derive_lung.json,
#          km_survfit_gbsg2.json, km_survfit_lung.json, logrank_survdiff_gbsg2.json, logrank_survdiff_lung.json,
#          pairwise_survdiff_gbsg2.json, coxph_coxph_gbsg2.json, coxph_coxph_lung.json, km_survfit_ties.json,
#          logrank_survdiff_ties.json, coxph_coxph_ties.json, coxph_coxph_monotone.json}
#
# Conventions
#   * KM standard errors are on the SURVIVAL scale (summary(fit)$std.err), not
#     fit$std.err (cumulative-hazard scale).
#   * coxph uses the default coxph.control() (eps = 1e-9, iter.max = 20)
#     unless that leaves a non-negligible Newton step at the solution
#     (I^-1 U with U from the score residuals, >= 1e-10 relative); eps is then
#     tightened 10-fold at a time (down to 1e-13) until it does not.  The eps
#     used is recorded per case (control_eps).  The script stops on any coxph
#     warning.  (Going straight to eps ~1e-15 is counter-productive: the loglik
#     criterion then cannot be met and step-halving on rounding noise moved an
#     efron coefficient ~3e-8 off the MLE.)
#     The monotone-likelihood case uses the default control (that is where R
#     emits its "coefficient may be infinite" warning).
#   * The Wald test is fit$wald.test with its chi-square p-value, because
#     summary(fit)$waldtest rounds the statistic to 2 decimals (that rounded
#     value is kept as wald_chi2_summary_rounded).  LR and score tests are
#     summary(fit)$logtest and $sctest (not rounded).
#   * NA is written as JSON null; numbers at full precision (digits = NA).

source(file.path("tests", "reference", "_preamble.R"))

# ---------------------------------------------------------------- data -----
gbsg2 <- read.csv("mirprog/datasets/gbsg2.csv", stringsAsFactors = FALSE)
stopifnot(nrow(gbsg2) == 686, identical(gbsg2$id, 1:686))
gbsg2$pgr_high  <- as.integer(gbsg2$progrec > median(gbsg2$progrec))
gbsg2$er_high   <- as.integer(gbsg2$estrec > median(gbsg2$estrec))
gbsg2$nodes_gt3 <- as.integer(gbsg2$pnodes > 3)
gbsg2$tgrade    <- factor(gbsg2$tgrade, levels = c("I", "II", "III"))
gbsg2$horTh     <- factor(gbsg2$horTh, levels = c("no", "yes"))
gbsg2$horth_yes <- as.integer(gbsg2$horTh == "yes")
gbsg2$lpgr      <- log2(gbsg2$progrec + 1)
gbsg2$tyear     <- ceiling(gbsg2$time / 365.25)

lung <- survival::lung
lung_csv <- data.frame(
  id = seq_len(nrow(lung)), time = lung$time, event = lung$status - 1L,
  age = lung$age, sex = lung$sex, ph.ecog = lung$ph.ecog,
  ph.karno = lung$ph.karno, wt.loss = lung$wt.loss
)
write.csv(lung_csv, file.path(out_dir, "lung.csv"), row.names = FALSE, na = "")
cat("wrote lung.csv\n")
lung <- read.csv(file.path(out_dir, "lung.csv"))   # round trip: use what we wrote
stopifnot(nrow(lung) == 228)
lung$age_high <- as.integer(lung$age > median(lung$age))
lung$female   <- as.integer(lung$sex == 2)
lung$ecog3    <- factor(pmin(lung$ph.ecog, 2), levels = c(0, 1, 2))

write_out(list(
  id = gbsg2$id,
  progrec_median = median(gbsg2$progrec), estrec_median = median(gbsg2$estrec),
  pgr_high = gbsg2$pgr_high, er_high = gbsg2$er_high,
  nodes_gt3 = gbsg2$nodes_gt3, lpgr = gbsg2$lpgr, tyear = gbsg2$tyear,
  formulas = list(
    pgr_high = "as.integer(progrec > median(progrec))",
    er_high = "as.integer(estrec > median(estrec))",
    nodes_gt3 = "as.integer(pnodes > 3)",
    horth_yes = "as.integer(horTh == 'yes')",
    lpgr = "log2(progrec + 1)",
    tyear = "ceiling(time / 365.25)")
), "cohort_derive_gbsg2.json")
write_out(list(
  id = lung$id, age_median = median(lung$age), age_high = lung$age_high,
  female = lung$female, ecog3 = as.integer(as.character(lung$ecog3)),
  formulas = list(
    event = "status - 1", age_high = "as.integer(age > median(age))",
    female = "as.integer(sex == 2)", ecog3 = "factor(pmin(ph.ecog, 2), levels = 0:2)")
), "cohort_derive_lung.json")

# ------------------------------------------------------------------ KM -----
strata_labels <- function(s, n) {
  if (is.null(s)) rep("all", n) else sub("^[^=]*=", "", as.character(s))
}

km_case <- function(d, time, event, by, conf_type, at = NULL, dataset) {
  rhs <- if (is.null(by)) "1" else by
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, rhs))
  fit <- survfit(f, data = d, conf.type = conf_type, conf.int = 0.95)
  s <- summary(fit, censored = TRUE)
  tab <- summary(fit)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  med_groups <- if (is.null(by)) "all" else sub("^[^=]*=", "", rownames(tab))
  case <- list(
    id = sprintf("%s|%s|%s", dataset, if (is.null(by)) "all" else by, conf_type),
    dataset = dataset, time_col = time, event_col = event,
    by = by, conf_type = conf_type, conf_level = 0.95,
    table = list(
      group = strata_labels(s$strata, length(s$time)),
      time = num(s$time), n_at_risk = num(s$n.risk), n_events = num(s$n.event),
      n_censored = num(s$n.censor), survival = num(s$surv),
      std_err = num(s$std.err), ci_lower = num(s$lower), ci_upper = num(s$upper)),
    median = list(
      group = med_groups, n = num(tab[, "records"]), events = num(tab[, "events"]),
      median = num(tab[, "median"]), ci_lower = num(tab[, "0.95LCL"]),
      ci_upper = num(tab[, "0.95UCL"]))
  )
  if (is.null(by)) case["by"] <- list(NULL)
  if (!is.null(at)) {
    sa <- summary(fit, times = at)
    case$at <- list(
      group = strata_labels(sa$strata, length(sa$time)), time = num(sa$time),
      n_at_risk = num(sa$n.risk), survival = num(sa$surv),
      std_err = num(sa$std.err), ci_lower = num(sa$lower), ci_upper = num(sa$upper))
  }
  case
}

conf_types <- c("log", "log-log", "plain")
at_times <- c(365, 730, 1825)

cases <- list()
for (by in list(NULL, "pgr_high", "nodes_gt3", "tgrade"))
  for (ct in conf_types)
    cases[[length(cases) + 1]] <- km_case(gbsg2, "time", "cens", by, ct, at_times, "gbsg2")
write_out(list(cases = cases, meta = list(at_times = at_times)), "km_survfit_gbsg2.json")

cases <- list()
for (by in list(NULL, "female"))
  for (ct in conf_types)
    cases[[length(cases) + 1]] <- km_case(lung, "time", "event", by, ct, c(180, 365, 730), "lung")
write_out(list(cases = cases), "km_survfit_lung.json")

cases <- list()
for (by in list(NULL, "pgr_high", "tgrade"))
  for (ct in conf_types)
    cases[[length(cases) + 1]] <- km_case(gbsg2, "tyear", "cens", by, ct, c(1, 2, 5), "ties")
write_out(list(cases = cases,
               meta = list(note = "GBSG2 with time replaced by tyear = ceiling(time/365.25)")),
          "km_survfit_ties.json")

# ------------------------------------------------------------- log-rank ----
trend_test <- function(sd, scores) {
  oe <- sd$obs - sd$exp
  if (is.matrix(oe)) oe <- rowSums(oe)
  u <- sum(scores * oe)
  v <- drop(t(scores) %*% sd$var %*% scores)
  chi2 <- u^2 / v
  list(scores = scores, chi2 = chi2, df = 1, p = pchisq(chi2, 1, lower.tail = FALSE),
       u = u, v = v)
}

lr_case <- function(d, time, event, by, dataset, trend = FALSE) {
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, by))
  sd <- survdiff(f, data = d)
  k <- length(sd$n)
  groups <- sub("^[^=]*=", "", names(sd$n))
  case <- list(
    id = sprintf("%s|%s", dataset, by), dataset = dataset, time_col = time,
    event_col = event, by = by, groups = groups,
    n = num(sd$n), observed = num(sd$obs), expected = num(sd$exp),
    variance = unname(sd$var), chi2 = sd$chisq, df = k - 1,
    p = pchisq(sd$chisq, k - 1, lower.tail = FALSE), n_used = sum(sd$n))
  if (trend) case$trend <- trend_test(sd, seq_len(k))
  case
}

write_out(list(cases = list(
  lr_case(gbsg2, "time", "cens", "pgr_high", "gbsg2"),
  lr_case(gbsg2, "time", "cens", "er_high", "gbsg2"),
  lr_case(gbsg2, "time", "cens", "nodes_gt3", "gbsg2"),
  lr_case(gbsg2, "time", "cens", "tgrade", "gbsg2", trend = TRUE),
  lr_case(gbsg2, "time", "cens", "horTh", "gbsg2")
)), "logrank_survdiff_gbsg2.json")

write_out(list(cases = list(
  lr_case(lung, "time", "event", "female", "lung"),
  lr_case(lung, "time", "event", "ecog3", "lung", trend = TRUE),
  lr_case(lung, "time", "event", "age_high", "lung")
)), "logrank_survdiff_lung.json")

write_out(list(cases = list(
  lr_case(gbsg2, "tyear", "cens", "pgr_high", "ties"),
  lr_case(gbsg2, "tyear", "cens", "nodes_gt3", "ties"),
  lr_case(gbsg2, "tyear", "cens", "tgrade", "ties", trend = TRUE)
), meta = list(note = "GBSG2 with time replaced by tyear = ceiling(time/365.25)")),
"logrank_survdiff_ties.json")

# ------------------------------------------------------ pairwise log-rank --
pairwise_case <- function(d, time, event, by, dataset) {
  lev <- levels(d[[by]])
  prs <- combn(lev, 2)
  rows <- lapply(seq_len(ncol(prs)), function(j) {
    sub_d <- d[d[[by]] %in% prs[, j], ]
    sub_d[[by]] <- droplevels(sub_d[[by]])
    sd <- survdiff(as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, by)), data = sub_d)
    c(chi2 = sd$chisq, p = pchisq(sd$chisq, 1, lower.tail = FALSE), n = sum(sd$n))
  })
  m <- do.call(rbind, rows)
  list(id = sprintf("%s|%s", dataset, by), dataset = dataset, by = by,
       time_col = time, event_col = event,
       group1 = prs[1, ], group2 = prs[2, ], n = num(m[, "n"]),
       chi2 = num(m[, "chi2"]), p = num(m[, "p"]),
       p_holm = p.adjust(m[, "p"], "holm"), p_bh = p.adjust(m[, "p"], "BH"))
}
write_out(list(cases = list(
  pairwise_case(gbsg2, "time", "cens", "tgrade", "gbsg2"),
  pairwise_case(gbsg2, "tyear", "cens", "tgrade", "ties"),
  pairwise_case(lung[!is.na(lung$ecog3), ], "time", "event", "ecog3", "lung")
)), "pairwise_survdiff_gbsg2.json")

# ----------------------------------------------------------------- Cox -----
eps_ladder <- c(1e-9, 1e-10, 1e-11, 1e-12, 1e-13)

# terms: list of R-term-name -> mirprog-term-name
cox_case <- function(d, time, event, rhs, ties, covariates, term_map, dataset,
                     categorical = NULL, reference = NULL, name = NULL) {
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, rhs))
  # Try the default eps first, tighten only if the remaining Newton step
  # I^-1 U (U summed from the score residuals) is not negligible.
  for (eps in eps_ladder) {
    fit <- withCallingHandlers(
      coxph(f, data = d, ties = ties, control = coxph.control(eps = eps, toler.chol = eps / 100)),
      warning = function(w) stop(sprintf("%s (%s): %s", rhs, ties, conditionMessage(w))))
    u <- colSums(as.matrix(residuals(fit, type = "score")))
    step <- drop(vcov(fit) %*% u)
    rel <- max(abs(step) / pmax(abs(coef(fit)), 1))
    if (rel < 1e-10) break
  }
  if (rel >= 1e-10) stop(sprintf("%s (%s): not converged (Newton step %g)", rhs, ties, rel))
  s <- summary(fit)
  cf <- s$coefficients; ci <- s$conf.int
  stopifnot(identical(rownames(cf), names(term_map)))
  cc <- fit$concordance
  list(
    id = sprintf("%s|%s|%s", dataset, if (is.null(name)) rhs else name, ties),
    dataset = dataset, time_col = time, event_col = event, formula = deparse(f),
    ties = ties, covariates = covariates, categorical = categorical, reference = reference,
    term_r = rownames(cf), term = unname(unlist(term_map)),
    coef = num(cf[, "coef"]), se = num(cf[, "se(coef)"]), hr = num(cf[, "exp(coef)"]),
    ci_lower = num(ci[, "lower .95"]), ci_upper = num(ci[, "upper .95"]),
    z = num(cf[, "z"]), p = num(cf[, "Pr(>|z|)"]),
    loglik_null = fit$loglik[1], loglik = fit$loglik[2], neg2loglik = -2 * fit$loglik[2],
    lr_chi2 = num(s$logtest["test"]), lr_df = num(s$logtest["df"]), lr_p = num(s$logtest["pvalue"]),
    # summary(fit)$waldtest rounds the statistic to 2 decimals: use fit$wald.test
    wald_chi2 = num(fit$wald.test), wald_df = num(s$waldtest["df"]),
    wald_p = pchisq(num(fit$wald.test), num(s$waldtest["df"]), lower.tail = FALSE),
    wald_chi2_summary_rounded = num(s$waldtest["test"]),
    score_chi2 = num(s$sctest["test"]), score_df = num(s$sctest["df"]),
    score_p = num(s$sctest["pvalue"]),
    concordance = num(cc["concordance"]),
    concordance_counts = list(concordant = num(cc["concordant"]), discordant = num(cc["discordant"]),
                              tied_x = num(cc["tied.x"]), tied_y = num(cc["tied.y"]),
                              tied_xy = num(cc["tied.xy"])),
    concordance_std = num(cc["std"]),
    n = fit$n, events = fit$nevent, n_total = nrow(d), n_excluded = nrow(d) - fit$n,
    control_eps = eps, iter = fit$iter, max_abs_score = max(abs(u)),
    remaining_newton_step = rel)
}

cox_meta <- list(control = list(eps = "per case: control_eps", toler.chol = "control_eps / 100",
  iter.max = 20,
  note = paste("coxph.control() defaults (eps = 1e-9) unless the Newton step remaining at the",
               "solution (remaining_newton_step = max |I^-1 U| / max(|coef|, 1)) is >= 1e-10;",
               "then eps is tightened 10-fold until it is. Going straight to eps ~1e-15 is",
               "counter-productive: the loglik criterion can then never be met and",
               "step-halving on rounding noise moved an efron coefficient ~3e-8 off the MLE.")))

gb_models <- list(
  list(rhs = "pgr_high", cov = list("pgr_high"), map = list(pgr_high = "pgr_high")),
  list(rhs = "er_high", cov = list("er_high"), map = list(er_high = "er_high")),
  list(rhs = "nodes_gt3", cov = list("nodes_gt3"), map = list(nodes_gt3 = "nodes_gt3")),
  list(rhs = "tgrade", cov = list("tgrade"), map = list(tgradeII = "tgrade[II]", tgradeIII = "tgrade[III]"),
       ref = list(tgrade = "I")),
  list(rhs = "horth_yes", cov = list("horth_yes"), map = list(horth_yes = "horth_yes")),
  list(rhs = "horTh", cov = list("horTh"), map = list(horThyes = "horTh[yes]"),
       ref = list(horTh = "no")),
  list(rhs = "age", cov = list("age"), map = list(age = "age")),
  list(rhs = "pgr_high + er_high + nodes_gt3 + tgrade",
       cov = list("pgr_high", "er_high", "nodes_gt3", "tgrade"),
       map = list(pgr_high = "pgr_high", er_high = "er_high", nodes_gt3 = "nodes_gt3",
                  tgradeII = "tgrade[II]", tgradeIII = "tgrade[III]"), ref = list(tgrade = "I")),
  list(rhs = "age + tsize + lpgr", cov = list("age", "tsize", "lpgr"),
       map = list(age = "age", tsize = "tsize", lpgr = "lpgr"))
)

run_models <- function(d, time, event, models, dataset) {
  out <- list()
  for (m in models) for (ties in c("breslow", "efron"))
    out[[length(out) + 1]] <- cox_case(d, time, event, m$rhs, ties, m$cov, m$map, dataset,
                                       categorical = m$cat, reference = m$ref)
  out
}

write_out(list(cases = run_models(gbsg2, "time", "cens", gb_models, "gbsg2"), meta = cox_meta),
          "coxph_coxph_gbsg2.json")

lung_models <- list(
  list(rhs = "female", cov = list("female"), map = list(female = "female")),
  list(rhs = "female + age + ph.ecog + wt.loss", cov = list("female", "age", "ph.ecog", "wt.loss"),
       map = list(female = "female", age = "age", ph.ecog = "ph.ecog", wt.loss = "wt.loss")),
  list(rhs = "ecog3", cov = list("ecog3"), map = list(ecog31 = "ecog3[1]", ecog32 = "ecog3[2]"),
       cat = list("ecog3"), ref = list(ecog3 = 0)),
  list(rhs = "female + ecog3", cov = list("female", "ecog3"),
       map = list(female = "female", ecog31 = "ecog3[1]", ecog32 = "ecog3[2]"),
       cat = list("ecog3"), ref = list(ecog3 = 0))
)
write_out(list(cases = run_models(lung, "time", "event", lung_models, "lung"), meta = cox_meta),
          "coxph_coxph_lung.json")

ties_models <- list(
  list(rhs = "pgr_high", cov = list("pgr_high"), map = list(pgr_high = "pgr_high")),
  list(rhs = "pgr_high + er_high + nodes_gt3 + tgrade",
       cov = list("pgr_high", "er_high", "nodes_gt3", "tgrade"),
       map = list(pgr_high = "pgr_high", er_high = "er_high", nodes_gt3 = "nodes_gt3",
                  tgradeII = "tgrade[II]", tgradeIII = "tgrade[III]"), ref = list(tgrade = "I")),
  list(rhs = "age + tsize + lpgr", cov = list("age", "tsize", "lpgr"),
       map = list(age = "age", tsize = "tsize", lpgr = "lpgr"))
)
ties_cases <- run_models(gbsg2, "tyear", "cens", ties_models, "ties")
# sanity: the point of this fixture is that breslow and efron differ markedly
stopifnot(abs(ties_cases[[1]]$coef - ties_cases[[2]]$coef) > 1e-3)
write_out(list(cases = ties_cases, meta = c(cox_meta, list(
  note = "GBSG2 with time replaced by tyear = ceiling(time/365.25): heavy ties"))),
  "coxph_coxph_ties.json")

# ------------------------------------------------ monotone likelihood -----
# 20 rows; x = 0 has no events, so the MLE of beta_x is +Inf.
mono <- data.frame(id = 1:20, time = c(3, 5, 8, 10, 12, 15, 18, 20, 22, 25,
                                       2, 4, 6, 7, 9, 11, 13, 14, 16, 19),
                   event = c(rep(0L, 10), 1L, 1L, 1L, 0L, 1L, 1L, 1L, 0L, 1L, 1L),
                   x = rep(0:1, each = 10),
                   z = c(1.2, 0.4, -0.3, 0.8, -1.1, 0.0, 0.5, -0.7, 1.5, -0.2,
                         0.3, -0.9, 1.1, 0.6, -0.4, 0.9, -1.3, 0.2, 0.7, -0.6))
warns <- character()
mfit <- withCallingHandlers(
  coxph(Surv(time, event) ~ x + z, data = mono, ties = "efron"),
  warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
stopifnot(any(grepl("coefficient may be infinite", warns)))
write_out(list(
  data = as.list(mono), covariates = list("x", "z"), ties = "efron",
  r_warnings = warns, term = names(coef(mfit)), coef = num(coef(mfit)),
  se = num(sqrt(diag(vcov(mfit)))), loglik = num(mfit$loglik), iter = mfit$iter,
  infinite_terms = list("x"),
  meta = list(note = "flag test only: coefficients of x are not meaningful (MLE is +Inf)")
), "coxph_coxph_monotone.json")

cat("done\n")
