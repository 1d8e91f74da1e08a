# R reference fixtures for stratified and weighted prognostic models: the baseline
# hazard per stratum with case weights (mirprog._engine.coxph.baseline_cumhaz /
# baseline_cumhaz_strata) and PrognosticModel.fit(..., strata=, weights=), its scores
# and its validation (tests/_engine/test_coxph_baseline.py,
# tests/model/test_prognostic_strata.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/prognostic_strata_reference.R
#
# R is a test-time ORACLE ONLY: the JSON written here is committed and pytest only
# reads it.
#
# Input : mirprog/datasets/gbsg2.csv and survival::veteran (written into the fixture).
# Output: tests/reference/prognostic_survfit_strata.json
#
# Case weights: w = round(runif(n, 0.25, 3), 2) with set.seed(20261204) (gbsg2) and
# set.seed(20261205) (veteran), written into the fixture with each data set.
#
# Design:
#   * gbsg2: train on id <= 400, score id > 400; progrec_high = progrec > TRAINING
#     median, pnodes_high = pnodes > 3, age numeric; strata(horTh) and/or weights = w;
#     time in days and in whole years (tyear = ceiling(time / 365.25), heavy ties, so
#     the Efron-adjusted weighted increments of survfit.coxph are exercised).
#   * veteran: train on id %% 3 != 0, score id %% 3 == 0; karno_high = karno > TRAINING
#     median, trt (1/2) and age numeric; strata(celltype) and/or weights = w.
#   * Breslow and Efron ties; default coxph.control().  The script stops on a warning.
#   * basehaz  = basehaz(fit, centered = TRUE), per stratum (every distinct time)
#   * lp       = predict(fit, newdata = test, type = "lp", reference = "sample")
#                (centred at fit$means, as mirprog); lp_strata the default
#                reference = "strata" (centred at each stratum's weighted means)
#   * surv     = predict(fit, newdata = test with time = h, type = "survival") per
#                horizon h, checked in R against summary(survfit(fit, newdata = test),
#                times = h)$surv (each test patient's own stratum curve)
#   * concordance_test = concordance(fit, newdata = test) (within strata; R does not
#                carry the weights to new data)

source(file.path("tests", "reference", "_preamble.R"))
options(warn = 2)

g <- read_gbsg2()
set.seed(20261204)
g$w <- round(runif(nrow(g), 0.25, 3), 2)
g$tyear <- ceiling(g$time / 365.25)
g_train <- g[g$id <= 400, ]
g_test <- g[g$id > 400, ]
pm <- median(g_train$progrec)
g_derive <- function(d) {
  d$progrec_high <- as.integer(d$progrec > pm)
  d$pnodes_high <- as.integer(d$pnodes > 3)
  d
}
g_train <- g_derive(g_train)
g_test <- g_derive(g_test)

v <- veteran[, c("time", "status", "trt", "karno", "age", "celltype")]
v$celltype <- as.character(v$celltype)
v$id <- seq_len(nrow(v))
set.seed(20261205)
v$w <- round(runif(nrow(v), 0.25, 3), 2)
v_train <- v[v$id %% 3 != 0, ]
v_test <- v[v$id %% 3 == 0, ]
km <- median(v_train$karno)
v_train$karno_high <- as.integer(v_train$karno > km)
v_test$karno_high <- as.integer(v_test$karno > km)

per_stratum <- function(fit, train, time, strata_col) {
  bh <- basehaz(fit, centered = TRUE)
  if (is.null(strata_col)) {
    return(list(list(level = NULL, time = num(bh$time), hazard = num(bh$hazard),
                     max_time = max(train[[time]]))))
  }
  lapply(sort(unique(train[[strata_col]])), function(lv) {
    b <- bh[as.character(bh$strata) == as.character(lv), ]
    list(level = lv, time = num(b$time), hazard = num(b$hazard),
         max_time = max(train[[time]][train[[strata_col]] == lv]))
  })
}

model_case <- function(id, data, train, test, time, event, rhs, strata_col, weighted, ties,
                       horizons) {
  rhs2 <- if (is.null(strata_col)) rhs else sprintf("%s + strata(%s)", rhs, strata_col)
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, rhs2))
  fit <- if (weighted) coxph(f, data = train, ties = ties, weights = w)
         else coxph(f, data = train, ties = ties)
  surv <- lapply(horizons, function(h) {
    nd <- test
    nd[[time]] <- h
    p <- num(predict(fit, newdata = nd, type = "survival"))
    s <- summary(survfit(fit, newdata = test), times = h)
    stopifnot(isTRUE(all.equal(p, num(s$surv), tolerance = 1e-12)))
    p
  })
  cc <- concordance(fit, newdata = test)
  cnt <- if (is.matrix(cc$count)) colSums(cc$count) else cc$count  # per stratum: summed
  list(
    id = id, data = data, time = time, event = event, ties = ties, weighted = weighted,
    strata = strata_col, formula = paste(deparse(f), collapse = ""),
    terms = names(coef(fit)), coef = num(coef(fit)),
    # with non-integer weights coxph's default var is the robust one (has.rwt); the
    # model-based variance, which mirprog reports without robust=, is naive.var then
    var = unname(fit$var), naive_var = unname(if (is.null(fit$naive.var)) fit$var
                                              else fit$naive.var),
    means = num(fit$means), loglik = num(fit$loglik), n = fit$n, events = fit$nevent,
    baselines = per_stratum(fit, train, time, strata_col),
    max_time = max(train[[time]]), test_id = test$id,
    lp = num(predict(fit, newdata = test, type = "lp", reference = "sample")),
    lp_strata = num(predict(fit, newdata = test, type = "lp")),
    horizons = num(horizons), surv = surv,
    concordance_test = num(cc$concordance),
    concordance_counts = num(cnt[c("concordant", "discordant", "tied.x", "tied.y", "tied.xy")])
  )
}

cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x
for (ties in c("breslow", "efron")) {
  for (kind in c("strata-weights", "strata", "weights")) {
    st <- if (grepl("strata", kind)) "horTh" else NULL
    wt <- grepl("weights", kind)
    add(model_case(paste("gbsg2", kind, "days", ties, sep = "-"), "gbsg2", g_train, g_test,
                   "time", "cens", "progrec_high + pnodes_high + age", st, wt, ties,
                   c(365, 1825)))
    add(model_case(paste("gbsg2", kind, "years", ties, sep = "-"), "gbsg2", g_train, g_test,
                   "tyear", "cens", "progrec_high + pnodes_high + age", st, wt, ties, c(3, 5)))
  }
  for (kind in c("strata-weights", "strata")) {
    add(model_case(paste("veteran", kind, ties, sep = "-"), "veteran", v_train, v_test,
                   "time", "status", "karno_high + trt + age", "celltype",
                   grepl("weights", kind), ties, c(30, 90)))
  }
}

write_out(list(
  gbsg2 = g[, c("id", "w")], veteran = v, progrec_median = pm, karno_median = km,
  cases = cases,
  meta = list(gbsg2 = "mirprog/datasets/gbsg2.csv, train id <= 400, test id > 400",
              veteran = "survival::veteran, id = row number, train id %% 3 != 0",
              weights = "round(runif(n, 0.25, 3), 2), seed 20261204 (gbsg2), 20261205 (veteran)")
), "prognostic_survfit_strata.json")
