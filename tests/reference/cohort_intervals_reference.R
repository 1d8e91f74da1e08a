# (start, stop] cohorts through the public API: Kaplan-Meier with delayed entry, the
# log-rank test on interval data, and Cox fits (concordance, strata, cluster, drop1) on
# the Stanford heart transplant data (`heart`: transplant is a time-varying covariate),
# its post-transplant rows alone (one row per patient, entry = transplant time: left
# truncation) and the recurrent infections of `cgd` (several events per patient).
# Run from the repository root:
#     Rscript tests/reference/cohort_intervals_reference.R
# Writes cohort_intervals_heart.json, read by tests/stats/test_intervals_r.py,
# tests/data/test_intervals.py and tests/cli/test_commands.py.
#
# survdiff refuses (start, stop] data; the log-rank statistic on intervals is the score
# test of the exact-partial-likelihood Cox model (coxph ties = "exact"), which equals
# survdiff on right-censored data (checked below on heart's first rows).
source(file.path("tests", "reference", "_preamble.R"))
h <- heart[, c("id", "start", "stop", "event", "age", "year", "surgery", "transplant")]
h$transplant <- as.integer(as.character(h$transplant))
post <- h[h$transplant == 1, ]                     # left-truncated: entry at transplant
g <- cgd[, c("id", "tstart", "tstop", "status", "treat", "inherit", "steroids", "hos.cat",
             "age")]
g$treat <- as.character(g$treat); g$inherit <- as.character(g$inherit)
g$hos.cat <- as.character(g$hos.cat)
gf <- g    # the fits use mirprog's level order (code points: "X" before "a"; R's sort
gf$inherit <- factor(g$inherit, levels = c("X-linked", "autosomal"))  # follows the locale)

km_case <- function(name, fit) {
  s <- summary(fit, censored = TRUE)
  strata <- if (is.null(s$strata)) rep("all", length(s$time)) else
    sub("^.*=", "", as.character(s$strata))
  tab <- summary(fit)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  list(name = name, group = strata, time = num(s$time), n_risk = num(s$n.risk),
       n_event = num(s$n.event), n_censor = num(s$n.censor), surv = num(s$surv),
       std_err = num(s$std.err), lower = num(s$lower), upper = num(s$upper),
       median = num(tab[, "median"]), median_lower = num(tab[, "0.95LCL"]),
       median_upper = num(tab[, "0.95UCL"]), records = num(tab[, "records"]))
}
# By group, each curve is survfit on the group's rows: a stratified survfit(..., id = id)
# (survival 3.5-3) miscounts n.censor across strata (on heart by surgery it reports 1
# censoring at day 2 in surgery = 0, where only patients 39 and 95 end an interval, both
# moving on to their transplant interval; survfit on the surgery = 0 rows says 0).  The
# other columns of the stratified fit equal the per-group fits, checked here.
# With several events per id (cgd) survfit(id =) switches to the infinitesimal-jackknife
# variance; mirprog's KM keeps Greenwood's, so the recurrent case is survfit(robust = FALSE).
km_by <- function(name, formula, data, by, robust = NULL) {
  parts <- lapply(sort(unique(data[[by]])), function(level) {
    part <- km_case(name, survfit(formula, data = data[data[[by]] == level, ], id = id,
                                  robust = robust))
    part$group <- rep(as.character(level), length(part$time)); part })
  strat <- summary(survfit(update(formula, paste(". ~", by)), data = data, id = id,
                           robust = robust),
                   censored = TRUE)
  stopifnot(max(abs(strat$surv - unlist(lapply(parts, `[[`, "surv")))) < 1e-12,
            all(strat$n.risk == unlist(lapply(parts, `[[`, "n_risk"))))
  out <- list(name = name)
  for (k in setdiff(names(parts[[1]]), "name")) out[[k]] <- unlist(lapply(parts, `[[`, k))
  out
}
km <- list(
  km_case("heart", survfit(Surv(start, stop, event) ~ 1, data = h, id = id)),
  km_by("heart_by_transplant", Surv(start, stop, event) ~ 1, h, "transplant"),
  km_by("heart_by_surgery", Surv(start, stop, event) ~ 1, h, "surgery"),
  km_case("post", survfit(Surv(start, stop, event) ~ 1, data = post, id = id)),
  km_by("cgd_by_treat", Surv(tstart, tstop, status) ~ 1, g, "treat", robust = FALSE))

lr_case <- function(name, formula, data) {
  f <- coxph(formula, data = data, ties = "exact")
  list(name = name, chi2 = num(f$score), df = length(coef(f)))
}
logrank <- list(
  lr_case("heart_transplant", Surv(start, stop, event) ~ transplant, h),
  lr_case("heart_surgery", Surv(start, stop, event) ~ surgery, h),
  lr_case("heart_transplant_strata_surgery",
          Surv(start, stop, event) ~ transplant + strata(surgery), h),
  lr_case("post_surgery", Surv(start, stop, event) ~ surgery, post),
  lr_case("cgd_treat", Surv(tstart, tstop, status) ~ factor(treat), g),
  lr_case("cgd_hos", Surv(tstart, tstop, status) ~ factor(hos.cat), g))
# the oracle equals survdiff without entry:
r0 <- h[!duplicated(h$id), ]
stopifnot(abs(coxph(Surv(stop, event) ~ surgery, r0, ties = "exact")$score -
              survdiff(Surv(stop, event) ~ surgery, r0)$chisq) < 1e-8)

cox_case <- function(name, formula, data, ties) {
  assign("dd", data, envir = .GlobalEnv)     # drop1 refits from the call, in the global env
  f <- eval(bquote(coxph(.(formula), data = dd, ties = .(ties))), envir = .GlobalEnv)
  cc <- concordance(f)
  d1 <- drop1(f, test = "Chisq")
  d1 <- d1[!grepl("^(strata|cluster)\\(", rownames(d1)), ]
  list(name = name, ties = ties, terms = names(coef(f)), coef = num(coef(f)),
       var = unname(f$var), naive_var = if (is.null(f$naive.var)) NULL else unname(f$naive.var),
       loglik = num(f$loglik), score = num(f$score), rscore = if (is.null(f$rscore)) NULL else
       num(f$rscore), n = f$n, nevent = f$nevent,
       concordance = num(cc$concordance),
       counts = num(if (is.matrix(cc$count)) colSums(cc$count)[1:5] else cc$count[1:5]),
       drop1_terms = rownames(d1)[-1], drop1_lrt = num(d1$LRT[-1]), drop1_df = num(d1$Df[-1]))
}
cox <- list()
for (ties in c("breslow", "efron")) {
  cox[[length(cox) + 1]] <- cox_case("heart", Surv(start, stop, event) ~ age + surgery +
                                     transplant, h, ties)
  cox[[length(cox) + 1]] <- cox_case("heart_strata_cluster", Surv(start, stop, event) ~ age +
                                     transplant + strata(surgery) + cluster(id), h, ties)
  cox[[length(cox) + 1]] <- cox_case("post", Surv(start, stop, event) ~ age + surgery, post,
                                     ties)
  cox[[length(cox) + 1]] <- cox_case("cgd", Surv(tstart, tstop, status) ~ treat + inherit +
                                     steroids + hos.cat + cluster(id), gf, ties)
}
write_out(list(heart = h, cgd = g, km = km, logrank = logrank, cox = cox),
          "cohort_intervals_heart.json")
