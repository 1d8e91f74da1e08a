# R reference fixtures for the stratified and covariate-adjusted marker screen
# (tests/stats/screen/test_strata_adjust.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/screen_strata_adjust.R
#
# R is a test-time ORACLE ONLY: the CSV and JSON written here are committed and
# the tests only read them.
#
# Input : mirprog/datasets/gbsg2.csv (read_gbsg2()).
# Output: tests/reference/gbsg2_markers.csv, tests/reference/screen_coxph_gbsg2markers.json
#
# The cohort: GBSG2 (686 patients, time in days, cens) with
#   tmonth     = ceiling(time / 30.4375)   (whole months: heavily tied times)
#   nodes_gt3  = as.integer(pnodes > 3)
#   tgrade     I / II / III (a categorical covariate, reference I)
#   missing    tgrade for 6 rows, horTh for 4 rows (set.seed(20261203)): rows a
#              screen adjusted for tgrade / stratified by horTh leaves out, once
#   markers    age, tsize, progrec, estrec (real columns) and m01..m20 simulated
#              here (set.seed(20261203)): lognormal, m01-m05 related to the
#              outcome, missing values in m04, m08, m12, m16, m20 (m16 missing
#              mostly in tgrade III, so its covariates-only model differs).
# The CSV is read back so that R and mirprog use the same rounded numbers.
#
# Cases (rows used: complete in the strata and adjust columns, once per case):
#   strata       horTh                        ; adjust none          ; time days
#   adjust       nodes_gt3 + tgrade           ; strata none          ; time days
#   both         horTh ; nodes_gt3 + tgrade   ;                        time days
#   both2        horTh + menostat ; nodes_gt3 + tgrade              ; time months
# each with ties = "breslow" and "efron".  Per marker, on the case's rows with
# the marker present:
#   * split: high = as.integer(x > median(x))
#   * survdiff(Surv(t, e) ~ high + strata(...)): chisq, p (df 1)
#   * coxph(Surv(t, e) ~ high + strata(...) + covariates) and the same with the
#     raw marker x: coef, se, Wald p of the marker term, loglik (fit), loglik at
#     beta = 0, loglik of the covariates-only model on the same rows
#     (coxph(~ strata(...) + covariates); the null loglik without covariates),
#     LR = 2 (loglik - loglik_reduced), and the score test of the marker term
#     given the covariates: coxph(..., init = c(0, coef(reduced)))$score
#     (without covariates the model's own score test).
# NA is JSON null; numbers at full precision (digits = NA).

source(file.path("tests", "reference", "_preamble.R"))

# ----------------------------------------------------------------- data ----
g <- read_gbsg2()
set.seed(20261203)
n <- nrow(g)
g$tmonth <- ceiling(g$time / 30.4375)
g$nodes_gt3 <- as.integer(g$pnodes > 3)
g$tgrade[sample(n, 6)] <- NA
g$horTh[sample(n, 4)] <- NA
k <- 20
z <- scale(log(g$pnodes + 1))[, 1] - scale(log(g$progrec + 1))[, 1] / 2
expr <- matrix(rnorm(n * k), n, k)
effect <- c(0.8, -0.6, 0.5, 0.4, 0.3, rep(0, k - 5))
expr <- exp(2 + 0.7 * expr + outer(z, effect) * 0.6)
expr <- round(expr, 4)
colnames(expr) <- sprintf("m%02d", seq_len(k))
for (j in c(4, 8, 12, 20)) expr[sample(n, 8 * j / 4), j] <- NA
grade3 <- which(!is.na(g$tgrade) & g$tgrade == "III")
expr[sample(grade3, 60), 16] <- NA
d0 <- data.frame(id = g$id, time = g$time, cens = g$cens, tmonth = g$tmonth,
                 horTh = g$horTh, menostat = g$menostat, tgrade = g$tgrade,
                 pnodes = g$pnodes, nodes_gt3 = g$nodes_gt3, age = g$age,
                 tsize = g$tsize, progrec = g$progrec, estrec = g$estrec, expr)
csv <- file.path(out_dir, "gbsg2_markers.csv")
write.csv(d0, csv, row.names = FALSE, na = "")
cat("wrote gbsg2_markers.csv\n")
d <- read.csv(csv, stringsAsFactors = FALSE, na.strings = "")
stopifnot(nrow(d) == n)
d$tgrade <- factor(d$tgrade, levels = c("I", "II", "III"))
markers <- c("age", "tsize", "progrec", "estrec", colnames(expr))

cases <- list(
  list(id = "strata", strata = "horTh", adjust = character(0), time = "time"),
  list(id = "adjust", strata = character(0), adjust = c("nodes_gt3", "tgrade"), time = "time"),
  list(id = "both", strata = "horTh", adjust = c("nodes_gt3", "tgrade"), time = "time"),
  list(id = "both2", strata = c("horTh", "menostat"), adjust = c("nodes_gt3", "tgrade"),
       time = "tmonth")
)

# ------------------------------------------------------------ per model ----
rhs <- function(first, strata, adjust) {
  terms <- c(first, if (length(strata)) sprintf("strata(%s)", paste(strata, collapse = ", ")),
             adjust)
  if (!length(terms)) "1" else paste(terms, collapse = " + ")
}

quiet <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(value = value, warnings = warns)
}

one_model <- function(sub, term, case, ties) {
  f_full <- as.formula(paste("Surv(t, e) ~", rhs(term, case$strata, case$adjust)))
  full <- quiet(coxph(f_full, data = sub, ties = ties))
  fit <- full$value
  s <- summary(fit)$coefficients
  out <- list(coef = num(coef(fit)[1]), se = num(sqrt(fit$var[1, 1])),
              p = num(s[1, "Pr(>|z|)"]), loglik = num(fit$loglik[2]),
              loglik_zero = num(fit$loglik[1]), iter = num(fit$iter),
              warnings = as.list(full$warnings))
  if (length(case$adjust)) {
    f_red <- as.formula(paste("Surv(t, e) ~", rhs(NULL, case$strata, case$adjust)))
    red <- quiet(coxph(f_red, data = sub, ties = ties))$value
    out$loglik_reduced <- num(red$loglik[2])
    init <- quiet(coxph(f_full, data = sub, ties = ties, init = c(0, coef(red))))$value
    out$score <- num(init$score)
    out$covariate_coef <- num(coef(fit)[-1])
  } else {
    out$loglik_reduced <- num(fit$loglik[1])
    out$score <- num(fit$score)
  }
  out$lr_chi2 <- 2 * (out$loglik - out$loglik_reduced)
  out
}

run_case <- function(case, ties) {
  used <- d[complete.cases(d[, c(case$strata, case$adjust), drop = FALSE]), ]
  used$t <- used[[case$time]]
  used$e <- used$cens
  rows <- list()
  for (m in markers) {
    sub <- used[!is.na(used[[m]]), ]
    sub$x <- sub[[m]]
    sub$high <- as.integer(sub$x > median(sub$x))
    f_lr <- as.formula(paste("Surv(t, e) ~", rhs("high", case$strata, character(0))))
    sd <- survdiff(f_lr, data = sub)
    rows[[m]] <- list(
      marker = m, n = nrow(sub), events = sum(sub$e), n_high = sum(sub$high),
      logrank = list(chi2 = num(sd$chisq), p = pchisq(sd$chisq, 1, lower.tail = FALSE)),
      binary = one_model(sub, "high", case, ties),
      raw = one_model(sub, "x", case, ties))
  }
  list(id = paste(case$id, ties, sep = "|"), strata = case$strata, adjust = case$adjust,
       time = case$time, ties = ties, n = nrow(used), events = sum(used$e),
       excluded = num(setdiff(d$id, used$id)), markers = unname(rows))
}

out <- list()
for (case in cases) for (ties in c("breslow", "efron")) {
  out[[length(out) + 1]] <- run_case(case, ties)
  cat("case", case$id, ties, "\n")
}

write_out(list(cases = out, meta = list(
  seed = 20261203, coxph_control = "coxph.control() defaults",
  split = "high = as.integer(x > median(x)) on the case's rows with the marker",
  reference_levels = list(tgrade = "I"))), "screen_coxph_gbsg2markers.json")
