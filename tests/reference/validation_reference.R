# R reference fixtures for mp.validate (tests/stats/validation/).
#
# How to run (from the repository root):
#     Rscript tests/reference/validation_reference.R
#
# R is a test-time ORACLE ONLY: the CSV and JSON written here are committed and
# pytest only reads them.  Versions are recorded under "meta" (R 4.2.2,
# survival 3.5.3, riskRegression 2022.11.28, prodlim, jsonlite).
#
# Setup, after Royston & Altman (2013, BMC Med Res Methodol 13:33): a Cox model
# developed on survival::rotterdam and validated on survival::gbsg.
#   * Outcome in rotterdam: recurrence-free survival, "liberal" definition of
#     ?rotterdam (rfs = recurrence or death, rfstime = rtime if recurrence else
#     dtime), in days.  In gbsg: Surv(rfstime, status), in days.
#   * Covariates in both: age, meno (0/1), size (rotterdam's categories
#     "<=20", "20-50", ">50"; gbsg's size in mm mapped to them: <= 20, 21-50,
#     > 50), grade3 (grade == 3; rotterdam has grades 2 and 3 only, gbsg's
#     grade 1 joins 2), nodes, pgr, er, hormon (0/1), all linear.
#   * Fits with ties = "breslow" and ties = "efron" (coxph defaults otherwise).
#   * horizons = 365.25 * c(1, 3, 5) days.
# Inputs for mirprog: validation_rotterdam.csv, validation_gbsg.csv (the rows
# and derived columns exactly as used here).
# Output: validation_score_rotterdam_gbsg.json, one case per ties method:
#   lp        predict(fit, gbsg, type = "lp") (centred at fit$means)
#   risk      riskRegression::predictRisk(fit, gbsg, times = horizons)
#             (checked equal to 1 - survfit(fit, gbsg) at the horizons)
#   expected  predict(fit, gbsg, type = "expected") per patient
#   score     riskRegression::Score(list(cox = fit), Surv(rfstime, status) ~ 1,
#             data = gbsg, times = horizons, metrics = c("auc", "brier"),
#             summary = c("ipa", "ibs"), null.model = TRUE, cens.model = "km",
#             se.fit = TRUE, conservative = FALSE, plots = "ROC"):
#             $AUC$score, $Brier$score (the null model = KM of gbsg), ROC points
#   score_matrix  the same Score for the matrix of risks itself (the engine
#             alone, independent of how a fit predicts)
#   slope     coxph(Surv(rfstime, status) ~ lp, gbsg): coef, se
#   royston   survival::royston(fit, newdata = gbsg)
#   calib     per horizon, 5 quantile groups of predicted risk (quantile type 7,
#             cut(include.lowest = TRUE)): n, mean predicted risk, KM observed
#             risk 1 - S(t) with its log CI flipped (survfit conf.type "log")
#   calib_curve  per horizon, the smoothed calibration curve
#             plotCalibration(Score(..., plots = "calibration"), cens.method =
#             "jackknife", bandwidth = n^(-1/4), plot = FALSE)$plotFrames (pseudo-values
#             of 1 - KM averaged over nearest neighbours of the rounded risk; the
#             bandwidth is given, R's default KernSmooth::dpik is not used)
#   ibs_grid  Score(...) at a 50-point grid (seq(30, 1826.25, length = 50)) with
#             summary = "ibs": IBS at the last grid time, model and null model

source(file.path("tests", "reference", "_preamble.R"))
options(warn = 1)
suppressPackageStartupMessages({
  library(riskRegression)
  library(prodlim)
})
meta <- make_meta(c("riskRegression", "prodlim"))

rot <- survival::rotterdam
rot$rfs <- pmax(rot$recur, rot$death)
rot$rfstime <- with(rot, ifelse(recur == 1, rtime, dtime))
rot$grade3 <- as.integer(rot$grade == 3)
rot$size <- as.character(rot$size)
dev <- rot[, c("pid", "rfstime", "rfs", "age", "meno", "size", "grade3", "nodes",
               "pgr", "er", "hormon")]

gb <- survival::gbsg
gb$size <- ifelse(gb$size <= 20, "<=20", ifelse(gb$size <= 50, "20-50", ">50"))
gb$grade3 <- as.integer(gb$grade == 3)
val <- gb[, c("pid", "rfstime", "status", "age", "meno", "size", "grade3", "nodes",
              "pgr", "er", "hormon")]
dev$size <- factor(dev$size, levels = c("<=20", "20-50", ">50"))
val$size <- factor(val$size, levels = c("<=20", "20-50", ">50"))
write.csv(dev, file.path(out_dir, "validation_rotterdam.csv"), row.names = FALSE)
write.csv(val, file.path(out_dir, "validation_gbsg.csv"), row.names = FALSE)

horizons <- 365.25 * c(1, 3, 5)
valr <- transform(val, rfs = status)   # the outcome under the fit's name
form <- Surv(rfstime, rfs) ~ age + meno + size + grade3 + nodes + pgr + er + hormon

score_out <- function(sc) {
  a <- as.data.frame(sc$AUC$score)
  b <- as.data.frame(sc$Brier$score)
  roc <- as.data.frame(sc$ROC$plotframe)
  list(auc = list(model = as.character(a$model), times = num(a$times), auc = num(a$AUC),
                  se = num(a$se), lower = num(a$lower), upper = num(a$upper)),
       brier = list(model = as.character(b$model), times = num(b$times),
                    brier = num(b$Brier), se = num(b$se), lower = num(b$lower),
                    upper = num(b$upper), ipa = num(b$IPA), ibs = num(b$IBS)),
       roc = if (nrow(roc)) list(times = num(roc$times), risk = num(roc$risk),
                                 tpr = num(roc$TPR), fpr = num(roc$FPR)) else NULL)
}

calib_table <- function(risk, time, status, t, groups = 5) {
  br <- quantile(risk, probs = seq(0, 1, length.out = groups + 1))
  g <- cut(risk, br, include.lowest = TRUE, labels = FALSE)
  rows <- lapply(sort(unique(g)), function(k) {
    s <- summary(survfit(Surv(time[g == k], status[g == k]) ~ 1), times = t, extend = TRUE)
    list(group = k, n = sum(g == k), predicted = mean(risk[g == k]),
         observed = 1 - s$surv, ci_lower = 1 - s$upper, ci_upper = 1 - s$lower)
  })
  list(time = t, group = sapply(rows, `[[`, "group"), n = sapply(rows, `[[`, "n"),
       predicted = sapply(rows, `[[`, "predicted"), observed = sapply(rows, `[[`, "observed"),
       ci_lower = sapply(rows, `[[`, "ci_lower"), ci_upper = sapply(rows, `[[`, "ci_upper"))
}

cases <- lapply(c("breslow", "efron"), function(ties) {
  fit <- coxph(form, data = dev, ties = ties, x = TRUE, y = TRUE)
  lp <- predict(fit, newdata = val, type = "lp")
  risk <- predictRisk(fit, newdata = val, times = horizons)
  sf <- summary(survfit(fit, newdata = val), times = horizons)
  stopifnot(max(abs(risk - t(1 - sf$surv))) < 1e-12)
  expected <- predict(fit, newdata = valr, type = "expected")
  sc <- Score(list(cox = fit), formula = Surv(rfstime, status) ~ 1, data = val,
              times = horizons, metrics = c("auc", "brier"), summary = c("ipa", "ibs"),
              null.model = TRUE, cens.model = "km", se.fit = TRUE, conservative = FALSE,
              plots = "ROC")
  scm <- Score(list(cox = risk), formula = Surv(rfstime, status) ~ 1, data = val,
               times = horizons, metrics = c("auc", "brier"), summary = c("ipa", "ibs"),
               null.model = TRUE, cens.model = "km", se.fit = TRUE, conservative = FALSE)
  grid <- seq(30, 1826.25, length.out = 50)
  scg <- Score(list(cox = fit), formula = Surv(rfstime, status) ~ 1, data = val,
               times = grid, metrics = "brier", summary = "ibs", null.model = TRUE,
               cens.model = "km", se.fit = FALSE)
  bg <- as.data.frame(scg$Brier$score)
  scc <- Score(list(cox = fit), formula = Surv(rfstime, status) ~ 1, data = val,
               times = horizons, plots = "calibration", metrics = "brier",
               null.model = FALSE, se.fit = FALSE, cens.model = "km")
  bw <- nrow(val)^(-1 / 4)
  curves <- lapply(horizons, function(t) {
    pc <- plotCalibration(scc, times = t, cens.method = "jackknife", bandwidth = bw,
                          plot = FALSE)
    list(time = t, bandwidth = bw, predicted = num(pc$plotFrames$cox$Pred),
         observed = num(pc$plotFrames$cox$Obs))
  })
  slope_fit <- coxph(Surv(rfstime, status) ~ lp, data = cbind(val, lp = lp))
  roy <- royston(fit, newdata = valr)
  list(id = paste0("rotterdam_gbsg|", ties), ties = ties, horizons = horizons,
       coef = as.list(coef(fit)), means = as.list(fit$means),
       n_dev = fit$n, events_dev = fit$nevent,
       lp = num(lp), risk = lapply(seq_along(horizons), function(j) num(risk[, j])),
       expected = num(expected), observed = sum(val$status),
       score = score_out(sc), score_matrix = score_out(scm)[c("auc", "brier")],
       ibs_grid = list(times = grid, model = as.character(bg$model), brier = num(bg$Brier),
                       ibs = num(bg$IBS)),
       slope = list(coef = num(coef(slope_fit)), se = num(sqrt(diag(vcov(slope_fit))))),
       royston = as.list(roy),
       calib_curve = curves,
       calib = lapply(seq_along(horizons), function(j)
         calib_table(risk[, j], val$rfstime, val$status, horizons[j])))
})

write_out(list(cases = cases), "validation_score_rotterdam_gbsg.json")
