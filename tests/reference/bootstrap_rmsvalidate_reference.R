# Reference values for mirprog.bootstrap_validate: rms::validate(cph(...), method = "boot").
#
# Run from the repository root:  Rscript tests/reference/bootstrap_rmsvalidate_reference.R
# Writes
#   tests/reference/rotterdam_validate.csv  -- survival::rotterdam, the columns used here
#   tests/reference/bootstrap_rmsvalidate_rotterdam.json
#   tests/reference/bootstrap_rmsvalidate_reference.json  (mirprog's synthetic reference cohort)
# Each case holds
#   * the full rms::validate table (Dxy, R2, Slope, D, U, Q, g) with seed `seed` and B;
#     the row positions of R's resamples (1-based; predab.resample draws
#     sample(n, replace = TRUE) once per resample after set.seed(seed), nothing else
#     consumes random numbers), so mirprog can refit on exactly those resamples;
#   * a by-hand loop over those resamples repeating validate.cph's cox.fit/discrim
#     (coxphFit(iter.max = 10, eps = 1e-4, toler.inf = 1) on the duplicated rows), per
#     resample: fail flag, coefficients, training and test indices; its means are
#     checked here against validate's table (stopifnot);
#   * `mc`: validate's corrected indices over `mc_seeds` seeds (mean and SD), for a
#     Monte-Carlo comparison of mirprog's own resamples;
#   * `weights_vs_duplicates`: coxph on one resample's duplicated rows versus coxph with
#     the counts as weights (Breslow and Efron): Breslow agrees, Efron does not
#     (weighted Efron counts a row of weight k as one death in its tie group).
# Numbers at full precision (digits = NA); NA -> null.

source(file.path("tests", "reference", "_preamble.R"))
suppressPackageStartupMessages(library(rms))
meta <- make_meta(c("rms", "Hmisc"))

rot <- survival::rotterdam[, c("pid", "dtime", "death", "age", "meno", "size", "grade",
                               "nodes", "pgr")]
rot$size <- as.character(rot$size)
write.csv(rot, file.path(out_dir, "rotterdam_validate.csv"), row.names = FALSE)
rot$size <- factor(rot$size, levels = c("<=20", "20-50", ">50"))

ref <- read.csv("mirprog/datasets/reference_cohort.csv", stringsAsFactors = FALSE)
ref$sbr_grade <- factor(ref$sbr_grade, levels = c(1, 2, 3))

discrim <- function(lp, y, ll, evalfit, ties) {
  n <- nrow(y)
  if (evalfit) {
    lr <- -2 * (ll[1] - ll[2]); ll0 <- -2 * ll[1]
    slope <- 1; U <- -2 / ll0; g <- GiniMd(lp)
  } else {
    x <- matrix(lp, ncol = 1)
    f <- rms:::coxphFit(x = x, y = y, strata = NULL, iter.max = 10, eps = 1e-4,
                        method = ties, type = "right")
    stopifnot(!f$fail)
    lr <- -2 * (f$loglik[1] - f$loglik[2]); ll0 <- -2 * f$loglik[1]
    slope <- f$coef[1]
    ff <- rms:::coxphFit(x = x, y = y, strata = NULL, iter.max = 0, eps = 1e-4,
                         method = ties, init = 1, type = "right")
    U <- -2 * (ff$loglik[2] - f$loglik[2]) / ll0
    g <- GiniMd(slope * lp)
  }
  D <- (lr - 1) / ll0
  R2 <- (1 - exp(-lr / n)) / (1 - exp(-ll0 / n))
  Dxy <- dxy.cens(lp, y, type = "hazard")["Dxy"]
  num(c(Dxy, R2, slope, D, U, D - U, g))
}

vtable <- function(v) list(index = rownames(v), index_orig = num(v[, "index.orig"]),
                           training = num(v[, "training"]), test = num(v[, "test"]),
                           optimism = num(v[, "optimism"]),
                           corrected = num(v[, "index.corrected"]), n = num(v[, "n"]))

case <- function(name, data, time, status, rhs, ties, seed, B, mc_seeds, mc_B) {
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, status, rhs))
  cf <- cph(f, data = data, x = TRUE, y = TRUE, method = ties)
  X <- cf$x; S <- cf$y; n <- nrow(X)
  set.seed(seed)
  idx <- t(vapply(seq_len(B), function(b) sample(n, replace = TRUE), integer(n)))
  set.seed(seed)
  v <- rms::validate(cf, B = B)
  fail <- logical(B); coefs <- matrix(NA_real_, B, ncol(X)); iters <- integer(B)
  train <- test <- matrix(NA_real_, B, 7)
  for (b in seq_len(B)) {
    i <- idx[b, ]
    fb <- rms:::coxphFit(x = X[i, , drop = FALSE], y = S[i], strata = NULL, iter.max = 10,
                         eps = 1e-4, method = ties, toler.chol = 1e-9, type = "right")
    if (fb$fail || anyNA(fb$coef)) { fail[b] <- TRUE; next }
    coefs[b, ] <- fb$coef; iters[b] <- fb$iter
    lp <- drop(X %*% fb$coef)
    train[b, ] <- discrim(lp[i], S[i], fb$loglik, TRUE, ties)
    test[b, ] <- discrim(lp, S, NULL, FALSE, ties)
  }
  ok <- !fail
  stopifnot(sum(ok) == v["Dxy", "n"],
            isTRUE(all.equal(colMeans(train[ok, , drop = FALSE]), num(v[, "training"]),
                             tolerance = 1e-12)),
            isTRUE(all.equal(colMeans(test[ok, , drop = FALSE]), num(v[, "test"]),
                             tolerance = 1e-12)))
  mc <- t(vapply(mc_seeds, function(s) {
    set.seed(s); num(rms::validate(cf, B = mc_B)[, "index.corrected"])
  }, numeric(7)))
  tm <- system.time({set.seed(seed); rms::validate(cf, B = mc_B)})[["elapsed"]]
  # frequency weights versus duplicated rows, on resample 1
  i <- idx[1, ]; w <- tabulate(i, n)
  wd <- lapply(c("breslow", "efron"), function(t) list(
    ties = t,
    duplicated = num(coef(coxph(S[i] ~ X[i, , drop = FALSE], ties = t))),
    weighted = num(coef(coxph(S[w > 0] ~ X[w > 0, , drop = FALSE], weights = w[w > 0],
                              ties = t)))))
  list(name = name, formula = deparse(f), ties = ties, seed = seed, B = B,
       columns = colnames(X), coef = num(cf$coef), loglik = num(cf$loglik),
       validate = vtable(v),
       indices = lapply(seq_len(B), function(b) idx[b, ]),
       fail = fail, iterations = iters,
       coefs = lapply(seq_len(B), function(b) num(coefs[b, ])),
       train = lapply(seq_len(B), function(b) num(train[b, ])),
       test = lapply(seq_len(B), function(b) num(test[b, ])),
       mc = list(seeds = mc_seeds, B = mc_B, mean = num(colMeans(mc)),
                 sd = num(apply(mc, 2, sd)), corrected = lapply(seq_along(mc_seeds),
                                                                function(k) num(mc[k, ]))),
       rms_seconds_B = tm,
       weights_vs_duplicates = wd)
}

rhs_rot <- "age + meno + size + grade + nodes + pgr"
write_out(list(cases = list(
  case("rotterdam", rot, "dtime", "death", rhs_rot, "efron", 20261203L, 20L, 1:10, 200L),
  case("rotterdam_breslow", rot, "dtime", "death", rhs_rot, "breslow", 11L, 10L, 1:2, 200L)
)), "bootstrap_rmsvalidate_rotterdam.json")

rhs_ref <- "mir125b + sbr_grade + er + her2 + nodes"
write_out(list(cases = list(
  case("reference", ref, "rfs_years", "relapse", rhs_ref, "efron", 125L, 200L, 1:40, 200L),
  case("reference_breslow", ref, "rfs_years", "relapse", rhs_ref, "breslow", 7L, 200L, 1:10, 200L)
)), "bootstrap_rmsvalidate_reference.json")
