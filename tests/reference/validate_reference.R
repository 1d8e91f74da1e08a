# R reference fixtures for issue 8, items 4-5 (tests/stats/test_bootstrap.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/validate_reference.R
#
# Generated with R 4.2.2, survival 3.5.3, rms 6.5.0 (Hmisc 4.8.0), jsonlite 1.8.4; the
# versions are recorded in each JSON under "meta".  R is a test-time ORACLE ONLY: the JSON
# files are committed and pytest only reads them.
#
# Inputs : mirprog/datasets/gbsg2.csv (so rows match mirprog exactly).
# Outputs: tests/reference/continuous_coxph_gbsg2.json -- coxph on a transformed marker
#              (log2(x + offset), log(x + offset), x), and coxph on Harrell's restricted
#              cubic spline basis rms::rcs(<transformed marker>, nk) (default knots, user
#              knots, n < 100, adjusted): knots, coefficients, log-likelihoods, the LR test
#              of non-linearity (spline vs linear), and the log relative hazard (with its
#              standard error) at grid values relative to the median marker value.
#          tests/reference/validate_rmsvalidate_gbsg2.json   -- Harrell's optimism bootstrap:
#              rms::validate(cph(...), B) tables, and a by-hand loop over B resamples drawn
#              with the same seed (the row indices are stored) giving, per resample, Dxy on
#              the resample and on the original data and the calibration slope.
#
# Conventions
#   * coxph uses the default coxph.control() (eps = 1e-9), whose iterates mirprog
#     replicates; cph() is called with eps = 1e-9 so index.orig uses the same beta-hat.
#     rms::validate refits each resample with coxphFit(eps = 1e-4, iter.max = 10), so
#     its training/test columns differ from the by-hand loop (eps = 1e-9) by ~1e-5.
#   * Dxy is rms' dxy.cens(lp, S, type = "hazard") = 2 (C - 0.5) with C Harrell's C.
#   * The rcs basis is rms::rcs (Hmisc::rcspline.eval, norm = 2, fractied = 0.05):
#     with many ties at the minimum (progrec = 0) the first knot is the second-smallest
#     value and the remaining knots are quantiles of the values above it.
#   * The reference value of the spline curve is the median of the (untransformed)
#     marker over the rows used; log relative hazard (B(x) - B(ref)) beta, with se
#     sqrt(d V d').
#   * Numbers at full precision (digits = NA); NA -> null.

source(file.path("tests", "reference", "_preamble.R"))
suppressPackageStartupMessages({
  library(rms)
})
meta <- make_meta(c("rms", "Hmisc"))

gbsg2 <- read.csv("mirprog/datasets/gbsg2.csv", stringsAsFactors = FALSE)
stopifnot(nrow(gbsg2) == 686, identical(gbsg2$id, 1:686))
gbsg2$tgrade <- factor(gbsg2$tgrade, levels = c("I", "II", "III"))
gbsg2$horTh  <- factor(gbsg2$horTh, levels = c("no", "yes"))
gbsg2$menostat <- factor(gbsg2$menostat, levels = c("Post", "Pre"))

tf <- function(x, transform, offset) {
  switch(transform, log2 = log2(x + offset), log = log(x + offset), raw = x)
}

# ------------------------------------------------------------ bootstrap -----
boot_case <- function(rhs, ties, seed, b_hand, b_rms) {
  f <- as.formula(paste("Surv(time, cens) ~", rhs))
  fit <- coxph(f, data = gbsg2, ties = ties)
  X <- model.matrix(fit)
  S <- Surv(gbsg2$time, gbsg2$cens)
  n <- nrow(X)
  dxy_of <- function(lp, y) num(dxy.cens(lp, y, type = "hazard")["Dxy"])
  set.seed(seed)
  idx <- matrix(0L, b_hand, n)
  train_dxy <- test_dxy <- test_slope <- numeric(b_hand)
  for (b in seq_len(b_hand)) {
    i <- sample(n, replace = TRUE)      # as rms:::predab.resample(method = "boot")
    idx[b, ] <- i
    fb <- coxph(S[i] ~ X[i, ], ties = ties)
    beta <- coef(fb)
    stopifnot(!anyNA(beta))
    train_dxy[b] <- dxy_of(X[i, ] %*% beta, S[i])
    lp <- drop(X %*% beta)
    test_dxy[b] <- dxy_of(lp, S)
    test_slope[b] <- num(coef(coxph(S ~ lp, ties = ties)))
  }
  cf <- cph(f, data = gbsg2, x = TRUE, y = TRUE, method = ties, eps = 1e-9, iter.max = 30)
  val <- function(B) {
    set.seed(seed)
    v <- rms::validate(cf, B = B)   # (jsonlite also exports a validate())
    list(B = B, index = rownames(v), index_orig = num(v[, "index.orig"]),
         training = num(v[, "training"]), test = num(v[, "test"]),
         optimism = num(v[, "optimism"]), corrected = num(v[, "index.corrected"]),
         n = num(v[, "n"]))
  }
  list(id = sprintf("%s|%s", rhs, ties), covariates = all.vars(f[[3]]), ties = ties,
       seed = seed, coef = num(coef(fit)), apparent_dxy = dxy_of(fit$linear.predictors, S),
       apparent_c = num(concordance(fit)$concordance),
       indices = lapply(seq_len(b_hand), function(b) idx[b, ]),   # 1-based
       train_dxy = train_dxy, test_dxy = test_dxy, test_slope = test_slope,
       validate_same_seed = val(b_hand), validate = val(b_rms))
}

rhs <- "horTh + age + menostat + tsize + tgrade + pnodes + progrec + estrec"
write_out(list(cases = list(
  boot_case(rhs, "efron", 20240601L, 20L, 300L),
  boot_case("horTh + pnodes + progrec", "breslow", 7L, 20L, 300L)
)), "validate_rmsvalidate_gbsg2.json")
