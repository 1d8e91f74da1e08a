# Reference values for the Brier row of mirprog.bootstrap_validate(horizon = t).
#
# Run from the repository root:  Rscript tests/reference/bootstrap_brier_reference.R
# Reads tests/reference/rotterdam_validate.csv (written by bootstrap_rmsvalidate_reference.R).
# Writes tests/reference/bootstrap_brier_rotterdam.json
# Per case: the model (rotterdam, death, days; age + meno + size + grade + nodes + pgr),
# ties, horizon t (days), R's resamples (1-based rows, set.seed + sample as
# predab.resample draws), and per resample:
#   * the refit: rms:::coxphFit on the duplicated rows (iter.max = 10, eps = 1e-4, as
#     rms::validate); its survival at t from survfit.coxph (coxph at those coefficients,
#     iter.max = 0: Breslow or Efron baseline as the ties), on the resample's rows and
#     on all rows;
#   * train = riskRegression::Score(metrics = "brier", cens.model = "km") of 1 - S(t) on
#     the duplicated rows (their own censoring KM, a row drawn k times counted k times);
#     test = the same on all rows with the refit's predictions.
# The apparent Brier is the fit on all rows scored on all rows; optimism and corrected
# as rms (training - test, apparent - optimism).  Numbers at full precision; NA -> null.

source(file.path("tests", "reference", "_preamble.R"))
suppressPackageStartupMessages({library(rms); library(riskRegression)})
meta <- make_meta(c("rms", "riskRegression", "prodlim"))

rot <- read.csv(file.path(out_dir, "rotterdam_validate.csv"))
rot$size <- factor(rot$size, levels = c("<=20", "20-50", ">50"))

brier <- function(time, status, risk, t) {
  d <- data.frame(time = time, status = status)
  sc <- Score(list(m = matrix(risk, ncol = 1)), formula = Surv(time, status) ~ 1, data = d,
              times = t, metrics = "brier", cens.model = "km", null.model = FALSE,
              se.fit = FALSE, conf.int = FALSE)
  sc$Brier$score$Brier
}

surv_at <- function(X, S, coef, newX, ties, t) {
  d <- data.frame(X); names(d) <- paste0("v", seq_len(ncol(X)))
  nd <- data.frame(newX); names(nd) <- names(d)
  f <- coxph(as.formula(paste("S ~", paste(names(d), collapse = "+"))), data = d,
             ties = ties, init = coef, control = coxph.control(iter.max = 0))
  stopifnot(isTRUE(all.equal(unname(coef(f)), unname(coef))))
  drop(summary(survfit(f, newdata = nd), times = t, extend = TRUE)$surv)
}

case <- function(name, ties, seed, B, t) {
  cf <- cph(Surv(dtime, death) ~ age + meno + size + grade + nodes + pgr, data = rot,
            x = TRUE, y = TRUE, method = ties)
  X <- cf$x; S <- cf$y; n <- nrow(X)
  set.seed(seed)
  idx <- t(vapply(seq_len(B), function(b) sample(n, replace = TRUE), integer(n)))
  fit0 <- rms:::coxphFit(x = X, y = S, strata = NULL, iter.max = 10, eps = 1e-4,
                         method = ties, toler.chol = 1e-9, type = "right")
  app <- brier(S[, 1], S[, 2], 1 - surv_at(X, S, fit0$coef, X, ties, t), t)
  train <- test <- rep(NA_real_, B)
  for (b in seq_len(B)) {
    i <- idx[b, ]
    fb <- rms:::coxphFit(x = X[i, , drop = FALSE], y = S[i], strata = NULL, iter.max = 10,
                         eps = 1e-4, method = ties, toler.chol = 1e-9, type = "right")
    if (fb$fail || anyNA(fb$coef)) next
    s_all <- surv_at(X[i, , drop = FALSE], S[i], fb$coef, X, ties, t)
    train[b] <- brier(S[i, 1], S[i, 2], 1 - s_all[i], t)
    test[b] <- brier(S[, 1], S[, 2], 1 - s_all, t)
  }
  ok <- !is.na(train)
  opt <- mean(train[ok]) - mean(test[ok])
  list(name = name, ties = ties, seed = seed, B = B, horizon = t,
       indices = lapply(seq_len(B), function(b) idx[b, ]),
       apparent = app, train = train, test = test, bootstrap_train = mean(train[ok]),
       bootstrap_test = mean(test[ok]), optimism = opt, corrected = app - opt,
       n_used = sum(ok))
}

write_out(list(cases = list(
  case("breslow_5y", "breslow", 3L, 15L, 1826),
  case("efron_5y", "efron", 20261203L, 15L, 1826),
  case("efron_2y", "efron", 8L, 10L, 730)
)), "bootstrap_brier_rotterdam.json")
