# Reference values for mirprog.bootstrap_validate(select="backward"): rms::validate(cph(...),
# bw = TRUE) (fastbw re-selection in each resample), and rms::fastbw on its own.
#
# Run from the repository root:  Rscript tests/reference/bootstrap_bw_reference.R
# Writes
#   tests/reference/rotterdam_bw.csv  -- survival::rotterdam, the columns used here, and
#                                        in_subset: 400 random rows (set.seed(2026))
#   tests/reference/bootstrap_rmsvalidatebw_rotterdam.json
#   tests/reference/fastbw_fastbw_rotterdam.json
# Each validate case holds R's resamples (1-based rows; predab.resample draws
# sample(n, replace = TRUE) once per resample after set.seed(seed); fastbw draws nothing),
# the full rms::validate(bw = TRUE) table and its "kept" matrix (factors retained per used
# resample), the original model's step-down (factors kept, refitted coefficients), and a
# by-hand loop over the same resamples repeating predab.resample: full coxphFit, fastbw
# (rule aic, type residual, eps = tol = 1e-9) on it, refit of the kept columns, discrim
# on the resample and on all rows; its means are checked against validate's table here.
# An empty model in a resample stops rms::validate (discrim's `g` is undefined there), so
# the cases are chosen so that none occurs.
# Numbers at full precision (digits = NA); NA -> null.

source(file.path("tests", "reference", "_preamble.R"))
suppressPackageStartupMessages(library(rms))
meta <- make_meta(c("rms", "Hmisc"))

rot <- survival::rotterdam[, c("pid", "rtime", "recur", "dtime", "death", "age", "meno",
                               "size", "grade", "nodes", "pgr", "er", "hormon")]
set.seed(2026)
rot$in_subset <- as.integer(seq_len(nrow(rot)) %in% sample(nrow(rot), 400))
rot$size <- as.character(rot$size)
write.csv(rot, file.path(out_dir, "rotterdam_bw.csv"), row.names = FALSE)
rot$size <- factor(rot$size, levels = c("<=20", "20-50", ">50"))
sub <- rot[rot$in_subset == 1, ]   # 400 random rows: selection varies between resamples

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

coxfit <- function(X, S, ties) rms:::coxphFit(x = X, y = S, strata = NULL, iter.max = 10,
                                              eps = 1e-4, method = ties, toler.chol = 1e-9,
                                              type = "right")

vtable <- function(v) list(index = rownames(v), index_orig = num(v[, "index.orig"]),
                           training = num(v[, "training"]), test = num(v[, "test"]),
                           optimism = num(v[, "optimism"]),
                           corrected = num(v[, "index.corrected"]), n = num(v[, "n"]))

case <- function(name, data, time, status, rhs, ties, seed, B) {
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, status, rhs))
  cf <- cph(f, data = data, x = TRUE, y = TRUE, method = ties)
  X <- cf$x; S <- cf$y; n <- nrow(X)
  set.seed(seed)
  idx <- t(vapply(seq_len(B), function(b) sample(n, replace = TRUE), integer(n)))
  set.seed(seed)
  v <- NULL
  invisible(capture.output(v <- rms::validate(cf, B = B, bw = TRUE)))
  fb0 <- fastbw(cf, eps = 1e-9)
  keep0 <- fb0$parms.kept
  f0 <- coxfit(X[, keep0, drop = FALSE], S, ties)
  factors <- cf$Design$name
  fail <- logical(B); kept <- matrix(FALSE, B, length(factors))
  train <- test <- matrix(NA_real_, B, 7); coefs <- vector("list", B)
  for (b in seq_len(B)) {
    i <- idx[b, ]
    fb <- coxfit(X[i, , drop = FALSE], S[i], ties)
    if (fb$fail || anyNA(fb$coef)) { fail[b] <- TRUE; next }
    fb[c("terms", "Design")] <- cf[c("terms", "Design")]
    fb$assign <- cf$assign
    sd <- fastbw(fb, eps = 1e-9)
    kept[b, sd$factors.kept] <- TRUE
    cols <- sd$parms.kept
    stopifnot(length(cols) > 0)
    fr <- coxfit(X[i, cols, drop = FALSE], S[i], ties)
    if (fr$fail || anyNA(fr$coef)) { fail[b] <- TRUE; next }
    coefs[[b]] <- num(fr$coef)
    lp <- drop(X[, cols, drop = FALSE] %*% fr$coef)
    train[b, ] <- discrim(lp[i], S[i], fr$loglik, TRUE, ties)
    test[b, ] <- discrim(lp, S, NULL, FALSE, ties)
  }
  ok <- !fail
  stopifnot(sum(ok) == v["Dxy", "n"],
            isTRUE(all.equal(colMeans(train[ok, , drop = FALSE]), num(v[, "training"]),
                             tolerance = 1e-12)),
            isTRUE(all.equal(colMeans(test[ok, , drop = FALSE]), num(v[, "test"]),
                             tolerance = 1e-12)),
            isTRUE(all.equal(unname(kept[ok, , drop = FALSE]), unname(attr(v, "kept")))))
  tm <- system.time({set.seed(seed)
    invisible(capture.output(rms::validate(cf, B = 200, bw = TRUE)))})[["elapsed"]]
  list(name = name, formula = deparse(f), ties = ties, seed = seed, B = B,
       columns = colnames(X), factors = factors,
       selected = fb0$names.kept, selected_columns = colnames(X)[keep0],
       coef = num(f0$coef), validate = vtable(v),
       kept_rms = lapply(seq_len(nrow(attr(v, "kept"))), function(r) attr(v, "kept")[r, ]),
       indices = lapply(seq_len(B), function(b) idx[b, ]),
       fail = fail, kept = lapply(seq_len(B), function(b) kept[b, ]),
       coefs = coefs,
       train = lapply(seq_len(B), function(b) num(train[b, ])),
       test = lapply(seq_len(B), function(b) num(test[b, ])),
       rms_seconds_B200 = tm)
}

rhs6 <- "age + meno + size + grade + nodes + pgr"
rhs8 <- "age + meno + size + grade + nodes + pgr + er + hormon"
write_out(list(cases = list(
  case("rotterdam", rot, "dtime", "death", rhs6, "efron", 20261203L, 20L),
  case("subset_breslow", sub, "rtime", "recur", rhs8, "breslow", 17L, 40L),
  case("subset_efron", sub, "rtime", "recur", rhs8, "efron", 5L, 40L)
)), "bootstrap_rmsvalidatebw_rotterdam.json")

# fastbw on its own
bwcase <- function(name, data, time, status, rhs, ties, ...) {
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, status, rhs))
  cf <- cph(f, data = data, x = TRUE, y = TRUE, method = ties)
  fb <- fastbw(cf, ...)
  r <- fb$result
  list(name = name, formula = deparse(f), ties = ties, args = list(...),
       columns = names(cf$coef), factors = cf$Design$name,
       fit_coef = num(cf$coef), fit_var = lapply(seq_len(nrow(cf$var)), function(k) num(cf$var[k, ])),
       deleted = if (is.null(r)) list() else rownames(r),
       chi2 = num(r[, 1]), df = num(r[, 2]), p = num(r[, 3]), residual = num(r[, 4]),
       residual_df = num(r[, 5]), residual_p = num(r[, 6]), aic = num(r[, 7]),
       kept = fb$names.kept, parms_kept = num(fb$parms.kept),
       coef = num(fb$coefficients),
       var = if (length(fb$coefficients)) lapply(seq_len(nrow(as.matrix(fb$var))),
                                                 function(k) num(as.matrix(fb$var)[k, ]))
             else list())
}
write_out(list(cases = list(
  bwcase("rotterdam_default", rot, "dtime", "death", rhs6, "efron"),
  bwcase("subset_default", sub, "rtime", "recur", rhs8, "breslow"),
  bwcase("subset_p", sub, "rtime", "recur", rhs8, "efron", rule = "p", sls = 0.2),
  bwcase("subset_individual", sub, "rtime", "recur", rhs8, "efron", type = "individual"),
  bwcase("subset_all_deleted", sub, "rtime", "recur", "meno + er + hormon", "efron", aics = 1e6)
)), "fastbw_fastbw_rotterdam.json")
