# R reference fixtures for issue 18 items 5 and 7: restricted mean survival time and the
# Kaplan-Meier extras (Nelson-Aalen cumulative hazard, quantiles, logit/arcsin limits).
#
# How to run (from the repository root):
#     Rscript tests/reference/km_extras_reference.R
#
# Inputs : mirprog/datasets/gbsg2.csv; survival::rotterdam, exported here to
#          tests/reference/rotterdam_pgr.csv (pid, rtime, recur, dtime, death, pgr, hormon,
#          nodes, age, grade); mirprog reads it and derives years = rtime / 365.25 and
#          pgr_high = pgr > 41 (41 = median(pgr)) exactly as below.
# Outputs: tests/reference/rmst_survfit.json  -- summary(survfit(...), rmean = tau)$table
#              rmean and se(rmean) per group (survival:::survmean), with the two-group
#              difference and ratio computed from them by survRM2::rmst2's formulas
#              (survRM2 is not installed; the formulas are written out below).
#          tests/reference/km_extras_survfit.json -- survfit cumhaz, std.chaz, the
#              confidence limits for conf.type = "logit" and "arcsin" (and the old three),
#              quantile(fit, probs) with its limits.
# R is a test-time ORACLE ONLY: the JSON files are committed and pytest only reads them.

source(file.path("tests", "reference", "_preamble.R"))

gbsg2 <- read_gbsg2()
gbsg2$tyear <- ceiling(gbsg2$time / 365.25)   # heavy ties; tau = 5 is an event time

rot <- survival::rotterdam
rot <- rot[, c("pid", "rtime", "recur", "dtime", "death", "pgr", "hormon", "nodes", "age",
               "grade")]
write.csv(rot, file.path(out_dir, "rotterdam_pgr.csv"), row.names = FALSE)
rot <- read.csv(file.path(out_dir, "rotterdam_pgr.csv"))
stopifnot(median(rot$pgr) == 41)
rot$years <- rot$rtime / 365.25
rot$pgr_high <- as.integer(rot$pgr > 41)

data_of <- function(name) switch(name, gbsg2 = gbsg2, rotterdam = rot)

fit_of <- function(data, time, event, by, conf.type = "log", weights = NULL) {
  rhs <- if (is.null(by)) "1" else by
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, rhs))
  if (is.null(weights)) survfit(f, data = data, conf.type = conf.type)
  else {
    data$.w <- data[[weights]]
    survfit(f, data = data, conf.type = conf.type, weights = .w)
  }
}

# ------------------------------------------------------------------ rmst -----
rmst_case <- function(dname, time, event, by, tau, conf_level = 0.95) {
  d <- data_of(dname)
  fit <- fit_of(d, time, event, by)
  tab <- summary(fit, rmean = tau)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  rm <- num(tab[, "rmean"]); se <- num(tab[, "se(rmean)"])
  z <- qnorm(1 - (1 - conf_level) / 2)
  out <- list(id = sprintf("%s|%s|%s|tau=%s", dname, time, if (is.null(by)) "all" else by, tau),
              data = dname, time_col = time, event_col = event, by = by, tau = tau,
              conf_level = conf_level,
              groups = if (is.null(by)) "all" else sub(".*=", "", rownames(tab)),
              rmst = rm, se = se, ci_lower = rm - z * se, ci_upper = rm + z * se)
  if (length(rm) == 2) {   # survRM2::rmst2: arm 1 (second group) versus arm 0 (first)
    diff <- rm[2] - rm[1]; dse <- sqrt(se[1]^2 + se[2]^2)
    lr <- log(rm[2] / rm[1]); lse <- sqrt(se[1]^2 / rm[1]^2 + se[2]^2 / rm[2]^2)
    out$difference <- diff; out$difference_se <- dse
    out$difference_ci <- c(diff - z * dse, diff + z * dse)
    out$difference_p <- 2 * pnorm(-abs(diff) / dse)
    out$ratio <- exp(lr); out$ratio_ci <- exp(c(lr - z * lse, lr + z * lse))
    out$ratio_p <- 2 * pnorm(-abs(lr) / lse)
  }
  out
}
write_out(list(cases = list(
  rmst_case("gbsg2", "time", "cens", "horTh", 1825),
  rmst_case("gbsg2", "time", "cens", NULL, 2000),
  rmst_case("gbsg2", "time", "cens", "tgrade", 1500),
  rmst_case("gbsg2", "time", "cens", "horTh", 2600, conf_level = 0.9),
  rmst_case("gbsg2", "tyear", "cens", "horTh", 5),
  rmst_case("gbsg2", "time", "cens", "horTh", 10),
  rmst_case("rotterdam", "years", "recur", "pgr_high", 5),
  rmst_case("rotterdam", "years", "recur", "pgr_high", 10)
)), "rmst_survfit.json")

# ------------------------------------------------------------ km extras -----
km_case <- function(dname, time, event, by, weights = NULL, probs = c(.1, .25, .5, .75)) {
  d <- data_of(dname)
  types <- c("log", "log-log", "plain", "logit", "arcsin")
  fits <- lapply(types, function(ct) fit_of(d, time, event, by, ct, weights))
  names(fits) <- types
  f0 <- fits[["log"]]
  grp <- if (is.null(f0$strata)) rep("all", length(f0$time)) else
    sub(".*=", "", rep(names(f0$strata), f0$strata))
  limits <- lapply(fits, function(f) list(lower = num(f$lower), upper = num(f$upper)))
  quant <- lapply(fits, function(f) {
    q <- quantile(f, probs = probs)
    list(quantile = unname(lapply(seq_len(nrow(rbind(q$quantile))),
                                  function(i) num(rbind(q$quantile)[i, ]))),
         lower = unname(lapply(seq_len(nrow(rbind(q$lower))), function(i) num(rbind(q$lower)[i, ]))),
         upper = unname(lapply(seq_len(nrow(rbind(q$upper))), function(i) num(rbind(q$upper)[i, ]))))
  })
  list(id = sprintf("%s|%s|%s%s", dname, time, if (is.null(by)) "all" else by,
                    if (is.null(weights)) "" else "|weighted"),
       data = dname, time_col = time, event_col = event, by = by, weights = weights,
       probs = probs, group = grp, time = num(f0$time), surv = num(f0$surv),
       cumhaz = num(f0$cumhaz), std_chaz = num(f0$std.chaz), std_err = num(f0$std.err),
       limits = limits, quantiles = quant)
}
gbsg2$w <- (gbsg2$id %% 3) + 1   # integer: survfit keeps Greenwood (non-integer weights switch it to robust)
write_out(list(cases = list(
  km_case("gbsg2", "time", "cens", "horTh"),
  km_case("gbsg2", "time", "cens", NULL),
  km_case("gbsg2", "tyear", "cens", "tgrade"),
  km_case("gbsg2", "time", "cens", "horTh", weights = "w"),
  km_case("rotterdam", "years", "recur", "pgr_high", probs = c(.1, .25, .5))
)), "km_extras_survfit.json")
