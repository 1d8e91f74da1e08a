# R reference fixtures for mirprog.PrognosticModel (tests/model/test_prognostic.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/prognostic_reference.R
#
# Generated with R 4.2.2 (Patched 2022-11-10 r83330), survival 3.5.3,
# jsonlite 1.8.4; the versions used are recorded in every JSON under "meta".
# R is a test-time ORACLE ONLY: the JSON written here is committed and the
# pytest module only reads it.
#
# Input : mirprog/datasets/gbsg2.csv (GBSG2 with an id column, read from the
#         CSV so rows match mirprog exactly).
# Output: tests/reference/prognostic_coxph_gbsg2.json
#
# Design: train on the rows with id <= 400, score the rows with id > 400.
#   * progrec_high / estrec_high = value strictly above the TRAINING median
#     (the frozen cutpoint), pnodes_high = pnodes > 3 (fixed), horTh a factor
#     with reference "no", tgrade a factor with reference "I", age numeric.
#   * Four cases: time in days (time) and in whole years
#     (tyear = ceiling(time / 365.25), heavily tied), each with Breslow and
#     Efron ties, so both of survfit.coxph's baseline estimators are checked
#     (ctype 1 = Breslow for ties = "breslow"; ctype 2 = the Efron-adjusted
#     increments for ties = "efron"; survival = exp(-cumhaz), stype 2).
#   * coxph with the default coxph.control() (eps = 1e-9, iter.max = 20),
#     like mirprog's engine.  The script stops on any warning.
#   * lp      = predict(fit, newdata = test, type = "lp")  (centred at the
#               training means, fit$means)
#   * surv    = summary(survfit(fit, newdata = test), times = horizons)$surv
#               (one row per horizon, one column per test patient)
#   * basehaz = basehaz(fit, centered = TRUE)  (every distinct training time)
#   * concordance_test = concordance(fit, newdata = test)$concordance
#               (Harrell's C of the linear predictor on the test rows)
#   Numbers at full precision (digits = NA).

source(file.path("tests", "reference", "_preamble.R"))
options(warn = 2)

gbsg2 <- read.csv("mirprog/datasets/gbsg2.csv", stringsAsFactors = FALSE)
stopifnot(nrow(gbsg2) == 686, identical(gbsg2$id, 1:686))
gbsg2$horTh  <- factor(gbsg2$horTh, levels = c("no", "yes"))
gbsg2$tgrade <- factor(gbsg2$tgrade, levels = c("I", "II", "III"))
gbsg2$tyear  <- ceiling(gbsg2$time / 365.25)

train <- gbsg2[gbsg2$id <= 400, ]
test  <- gbsg2[gbsg2$id > 400, ]
progrec_median <- median(train$progrec)   # TRAINING medians, frozen
estrec_median  <- median(train$estrec)
derive <- function(d) {
  d$progrec_high <- as.integer(d$progrec > progrec_median)
  d$estrec_high  <- as.integer(d$estrec > estrec_median)
  d$pnodes_high  <- as.integer(d$pnodes > 3)
  d
}
train <- derive(train)
test  <- derive(test)

num <- function(x) unname(as.numeric(x))

model_case <- function(id, time, rhs, ties, horizons) {
  f <- as.formula(sprintf("Surv(%s, cens) ~ %s", time, rhs))
  fit <- coxph(f, data = train, ties = ties)
  bh <- basehaz(fit, centered = TRUE)
  sf <- survfit(fit, newdata = test)
  s <- summary(sf, times = horizons)
  stopifnot(identical(num(s$time), num(horizons)))
  surv <- matrix(s$surv, nrow = length(horizons))
  list(
    id = id, time = time, formula = paste(deparse(f), collapse = ""), ties = ties,
    terms = names(coef(fit)), coef = num(coef(fit)), means = num(fit$means),
    n = fit$n, events = fit$nevent, loglik = num(fit$loglik[2]),
    basehaz_time = num(bh$time), basehaz_hazard = num(bh$hazard),
    max_time = max(train[[time]]),
    test_id = test$id,
    lp = num(predict(fit, newdata = test, type = "lp")),
    horizons = num(horizons),
    surv = lapply(seq_along(horizons), function(i) num(surv[i, ])),
    concordance_test = num(concordance(fit, newdata = test)$concordance)
  )
}

cases <- list(
  model_case("days_breslow", "time", "progrec_high + estrec_high + pnodes_high + horTh",
             "breslow", c(365, 1825)),
  model_case("days_efron", "time", "progrec_high + pnodes_high + tgrade + age",
             "efron", c(365, 1825)),
  model_case("years_breslow", "tyear", "progrec_high + estrec_high + pnodes_high + horTh",
             "breslow", c(3, 5)),
  model_case("years_efron", "tyear", "progrec_high + estrec_high + pnodes_high + horTh",
             "efron", c(3, 5))
)

out <- list(
  meta = c(meta, list(
    train = "gbsg2 rows with id <= 400", test = "gbsg2 rows with id > 400",
    formulas = list(
      progrec_high = "as.integer(progrec > median(train$progrec))",
      estrec_high = "as.integer(estrec > median(train$estrec))",
      pnodes_high = "as.integer(pnodes > 3)",
      tyear = "ceiling(time / 365.25)"))),
  progrec_median = progrec_median, estrec_median = estrec_median,
  cases = cases
)
write_json(out, file.path(out_dir, "prognostic_coxph_gbsg2.json"), digits = NA, auto_unbox = TRUE,
           null = "null", na = "null", pretty = FALSE)
cat("wrote prognostic_coxph_gbsg2.json\n")
