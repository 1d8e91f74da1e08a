# R reference fixtures for issue 18 item 6: remedies when proportional hazards fail.
#
# How to run (from the repository root):
#     Rscript tests/reference/phremedy_reference.R
#
# Inputs : mirprog/datasets/gbsg2.csv; tests/reference/rotterdam_pgr.csv (written by
#          km_extras_reference.R from survival::rotterdam) with years = rtime / 365.25
#          and pgr_high = pgr > 41 (the median), as mirprog derives them.
# Outputs: tests/reference/phremedy_coxzph.json -- per case: the cox.zph table (terms =
#              FALSE) and, per term, the curve plot.cox.zph draws (plot = FALSE returns
#              pred.x and cbind(yhat, yup, ylow): natural spline df = 4, nsmo = 40, the
#              +/- 2 se band); pred.x is on the transformed scale, except exp() of it for
#              transform = "log".
#          tests/reference/phremedy_coxph_split.json -- time-split hazard ratios:
#              survSplit(cut = ...) then coxph(Surv(tstart, stop, event) ~
#              x:strata(tgroup) + others), i.e. one coefficient of x per period.
# R is a test-time ORACLE ONLY: the JSON files are committed and pytest only reads them.

source(file.path("tests", "reference", "_preamble.R"))

gbsg2 <- read_gbsg2()
gbsg2$tgrade <- factor(gbsg2$tgrade, levels = c("I", "II", "III"))
gbsg2$horTh  <- factor(gbsg2$horTh, levels = c("no", "yes"))
rot <- read.csv(file.path(out_dir, "rotterdam_pgr.csv"))
rot$years <- rot$rtime / 365.25
rot$pgr_high <- as.integer(rot$pgr > 41)

data_of <- function(name) switch(name, gbsg2 = gbsg2, rotterdam = rot)

# The curves plot.cox.zph draws, captured from its own lines() calls: survival 3.5-3's
# plot.cox.zph has no plot = FALSE, so a copy of it runs with lines() recording its
# arguments and the other graphics calls doing nothing (nothing is recomputed here).
drawn_curves <- function(z, i) {
  rec <- list()
  env <- new.env(parent = asNamespace("survival"))
  env$lines <- function(x, y, ...) rec[[length(rec) + 1]] <<- list(x = x, y = as.vector(y))
  env$plot <- function(...) invisible(NULL)
  env$axis <- function(...) invisible(NULL)
  env$points <- function(...) invisible(NULL)
  f <- survival:::plot.cox.zph
  environment(f) <- env
  f(z, resid = FALSE, var = i)
  stopifnot(length(rec) == 3)   # yhat, yup, ylow
  rec
}

zph_case <- function(dname, time, event, rhs, ties = "breslow", transform = "km") {
  d <- data_of(dname)
  fit <- coxph(as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, rhs)), data = d,
               ties = ties)
  z <- cox.zph(fit, transform = transform, terms = FALSE)
  curves <- lapply(seq_len(ncol(z$y)), function(i) {
    cur <- drawn_curves(z, i)
    list(term = colnames(z$y)[i], x = num(cur[[1]]$x), beta = num(cur[[1]]$y),
         upper = num(cur[[2]]$y), lower = num(cur[[3]]$y))
  })
  list(id = sprintf("%s|%s|%s|%s", dname, rhs, ties, transform), data = dname,
       time_col = time, event_col = event, covariates = all.vars(as.formula(paste("~", rhs))),
       ties = ties, transform = transform, term = rownames(z$table),
       chi2 = num(z$table[, "chisq"]), df = num(z$table[, "df"]), p = num(z$table[, "p"]),
       var = num(diag(z$var)), curves = curves)
}
write_out(list(cases = list(
  zph_case("rotterdam", "years", "recur", "pgr_high"),
  zph_case("rotterdam", "years", "recur", "pgr_high + hormon + nodes + age", "efron"),
  zph_case("rotterdam", "years", "recur", "pgr_high + age", "breslow", "identity"),
  zph_case("gbsg2", "time", "cens", "horTh + age + pnodes + progrec", "breslow", "rank"),
  zph_case("gbsg2", "time", "cens", "horTh + age + pnodes + progrec", "efron", "log")
)), "phremedy_coxzph.json")

split_case <- function(dname, time, event, split, others, cut, ties) {
  d <- data_of(dname)
  s <- survSplit(as.formula(sprintf("Surv(%s, %s) ~ .", time, event)), data = d, cut = cut,
                 episode = "tgroup")
  rhs <- paste(c(sprintf("%s:strata(tgroup)", split), others), collapse = " + ")
  f <- as.formula(sprintf("Surv(tstart, %s, %s) ~ %s", time, event, rhs))
  fit <- coxph(f, data = s, ties = ties)
  sm <- summary(fit)$coefficients
  list(id = sprintf("%s|%s|%s|cut=%s|%s", dname, split, paste(others, collapse = "+"),
                    paste(cut, collapse = ","), ties),
       data = dname, time_col = time, event_col = event, split = split, others = others,
       cut = cut, ties = ties, n_rows = nrow(s), term = rownames(sm),
       coef = num(sm[, "coef"]), se = num(sm[, "se(coef)"]), p = num(sm[, "Pr(>|z|)"]),
       loglik = num(fit$loglik))
}
write_out(list(cases = list(
  split_case("rotterdam", "years", "recur", "pgr_high", character(0), c(2, 5), "breslow"),
  split_case("rotterdam", "years", "recur", "pgr_high", c("hormon", "nodes", "age"), c(2, 5),
             "efron"),
  split_case("gbsg2", "time", "cens", "progrec", c("horTh", "pnodes"), c(365.25, 1095.75),
             "breslow")
)), "phremedy_coxph_split.json")

# ------------------------------------- cox.zph of counting-process fits -----
# the time-split model itself (does the split fix PH?), and survival::heart
zph_counting <- function(dname, d, f, ties, transform) {
  environment(f) <- environment()   # cox.zph rebuilds the model frame from the formula
  fit <- coxph(f, data = d, ties = ties)
  z <- cox.zph(fit, transform = transform, terms = FALSE)
  list(id = sprintf("%s|%s|%s", dname, ties, transform), data = dname, ties = ties,
       transform = transform, term = rownames(z$table), coef = num(coef(fit)),
       chi2 = num(z$table[, "chisq"]), df = num(z$table[, "df"]), p = num(z$table[, "p"]),
       x = num(z$x), time = num(z$time),
       y = lapply(seq_len(ncol(z$y)), function(j) num(z$y[, j])))
}
rsplit <- survSplit(Surv(years, recur) ~ ., data = rot, cut = c(2, 5), episode = "tgroup")
fsplit <- Surv(tstart, years, recur) ~ pgr_high:strata(tgroup) + nodes
hrt <- survival::heart
write.csv(hrt, file.path(out_dir, "heart_counting.csv"), row.names = FALSE)
hrt <- read.csv(file.path(out_dir, "heart_counting.csv"))
fheart <- Surv(start, stop, event) ~ age + transplant + surgery
write_out(list(cases = list(
  zph_counting("rotterdam_split", rsplit, fsplit, "breslow", "km"),
  zph_counting("rotterdam_split", rsplit, fsplit, "efron", "identity"),
  zph_counting("heart", hrt, fheart, "efron", "km"),
  zph_counting("heart", hrt, fheart, "breslow", "rank"),
  zph_counting("heart", hrt, fheart, "efron", "log")
)), "phremedy_coxzph_counting.json")
