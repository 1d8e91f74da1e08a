# R reference fixtures for issue 8, items 4-5 (tests/stats/cox/test_continuous.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/continuous_reference.R
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

# ------------------------------------------------------- continuous marker -----
cont_case <- function(marker, transform, offset, ties, adjust = character(0)) {
  d <- gbsg2
  d$xt <- tf(d[[marker]], transform, offset)
  keep <- is.finite(d$xt) & (transform == "raw" | d[[marker]] + offset > 0)
  d <- d[keep, ]
  rhs <- paste(c("xt", adjust), collapse = " + ")
  fit <- coxph(as.formula(paste("Surv(time, cens) ~", rhs)), data = d, ties = ties)
  s <- summary(fit)$coefficients
  list(id = sprintf("%s|%s|%g|%s|%s", marker, transform, offset, ties,
                    paste(adjust, collapse = "+")),
       marker = marker, transform = transform, offset = offset, ties = ties,
       adjust = adjust, n = fit$n, events = fit$nevent, excluded_ids = gbsg2$id[!keep],
       coef = num(coef(fit)), se = num(s[, "se(coef)"]), p = num(s[, "Pr(>|z|)"]),
       loglik = num(fit$loglik), concordance = num(concordance(fit)$concordance))
}

spline_case <- function(marker, transform, offset, nk, ties, knots = NULL,
                        adjust = character(0), rows = NULL, grid = NULL) {
  d <- gbsg2
  if (!is.null(rows)) d <- d[rows, ]
  d$xt <- tf(d[[marker]], transform, offset)
  d <- d[is.finite(d$xt) & (transform == "raw" | d[[marker]] + offset > 0), ]
  basis <- if (is.null(knots)) rcs(d$xt, nk) else rcs(d$xt, knots)
  kn <- attr(basis, "parms")
  S <- Surv(d$time, d$cens)
  adj <- if (length(adjust)) model.matrix(as.formula(paste("~", paste(adjust, collapse = "+"))),
                                          d)[, -1, drop = FALSE] else NULL
  xs <- cbind(unclass(basis)[, seq_along(kn[-1]), drop = FALSE], adj)
  xl <- cbind(d$xt, adj)
  fit <- coxph(S ~ xs, ties = ties)
  lin <- coxph(S ~ xl, ties = ties)
  chi2 <- 2 * (fit$loglik[2] - lin$loglik[2])
  df <- length(kn) - 2
  ref <- median(d[[marker]])
  if (is.null(grid)) grid <- num(quantile(d[[marker]], c(0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98)))
  bx <- function(v) rcspline.eval(tf(v, transform, offset), knots = kn, inclx = TRUE)
  dm <- sweep(bx(grid), 2, bx(ref)[1, ])
  k <- ncol(dm)
  b <- coef(fit)[1:k]
  v <- vcov(fit)[1:k, 1:k]
  out <- list(id = sprintf("%s|%s|%g|nk%d|%s|%s|%s", marker, transform, offset, length(kn),
                           ties, if (is.null(knots)) "default" else "user",
                           paste(c(adjust, if (!is.null(rows)) "rows"), collapse = "+")),
              marker = marker, transform = transform, offset = offset, nk = nk,
              knots_given = knots, ties = ties, adjust = adjust, rows = rows,
              n = fit$n, knots = num(kn), coef = num(coef(fit)), se = num(sqrt(diag(vcov(fit)))),
              loglik = num(fit$loglik), loglik_linear = num(lin$loglik[2]),
              coef_linear = num(coef(lin)), nonlinear_chi2 = chi2, nonlinear_df = df,
              nonlinear_p = pchisq(chi2, df, lower.tail = FALSE), reference = ref,
              grid = grid, log_hr = num(dm %*% b), log_hr_se = num(sqrt(rowSums((dm %*% v) * dm))))
  if (is.null(knots) && !length(adjust) && is.null(rows)) {
    # the same model through rms::cph (eps tightened to coxph's) as a cross-check
    d$S <- S
    ff <- as.formula(sprintf("S ~ rcs(xt, %d)", nk))
    cf <- cph(ff, data = d, method = ties, eps = 1e-9, iter.max = 30)
    out$cph_coef <- num(coef(cf))
    out$cph_loglik <- num(cf$loglik)
  }
  out
}

write_out(list(
  continuous = list(
    cont_case("progrec", "log2", 1, "breslow"),
    cont_case("progrec", "log2", 1, "efron"),
    cont_case("progrec", "log2", 0, "breslow"),          # 88 zeros excluded
    cont_case("estrec", "log", 1, "efron"),
    cont_case("age", "raw", 0, "breslow"),
    cont_case("progrec", "log2", 1, "efron", c("horTh", "age", "tgrade"))
  ),
  spline = list(
    spline_case("progrec", "log2", 1, 4, "breslow"),     # fractied rule: 12.8% zeros
    spline_case("progrec", "log2", 1, 4, "efron"),
    spline_case("age", "raw", 0, 3, "breslow"),
    spline_case("estrec", "log2", 1, 5, "efron"),
    spline_case("tsize", "raw", 0, 4, "breslow", rows = 1:90),     # n < 100 rule
    spline_case("progrec", "log2", 1, 3, "breslow", knots = c(2, 5, 8)),
    spline_case("progrec", "log2", 1, 4, "efron", adjust = c("horTh", "age")),
    spline_case("pnodes", "log2", 0, 4, "breslow")       # 27% at the minimum, 1 node
  )
), "continuous_coxph_gbsg2.json")

