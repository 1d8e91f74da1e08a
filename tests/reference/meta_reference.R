# R reference fixtures for mirprog.meta_analysis (tests/stats/test_meta.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/meta_reference.R
#
# R is a test-time ORACLE ONLY: the JSON written here is committed and the pytest
# module only reads it.  Versions are recorded in each fixture's "meta" block.
#
# Output:
#   meta_rma_bcg.json    metafor's dat.bcg, escalc("RR") log risk ratios (yi, sei
#                        shipped), rma(yi, sei = , method = "FE" | "DL" | "REML"):
#                        estimate, se, zval, pval, ci, tau2, se.tau2, I2, H2, QE, QEp,
#                        predict() pi.lb / pi.ub, weights(); confint() Q-profile CI of
#                        tau^2 for DL and REML; plus subsets (first 2 and first 4
#                        trials) and a homogeneous subset where tau^2 is truncated at 0.
#   meta_rma_gbsg2.json  (a) the log HR of horTh (coxph, ties = "breslow", as mirprog's
#                        default) in each tumour grade of GBSG2 and in the two halves
#                        of the ids, pooled by rma; (b) Harrell's C of
#                        coxph(~ horTh + pnodes) per tumour grade (concordance(),
#                        se = sqrt(var)), pooled by rma.
#
# Tolerances (why some numbers come twice): rma's REML Fisher scoring stops when tau^2
# changes by less than control threshold = 1e-5, and confint()'s Q-profile bounds come
# from uniroot(tol = .Machine$double.eps^0.25 ~ 1.2e-4).  mirprog repeats the same
# Fisher-scoring iterations (so it matches the default output to rounding) but solves the
# Q-profile equations to machine precision.  Each case therefore also stores
#   *_tight : the same calls with control = list(threshold = 1e-13) for rma and
#             control = list(tol = 1e-13) for confint.

source(file.path("tests", "reference", "_preamble.R"))
suppressPackageStartupMessages(library(metafor))
meta <- make_meta(c("metafor"))

fit_case <- function(id, yi, sei, labels, method) {
  r <- rma(yi = yi, sei = sei, method = method)
  pr <- predict(r)
  out <- list(id = id, method = method, labels = labels, yi = num(yi), sei = num(sei),
              estimate = num(r$beta), se = num(r$se), zval = num(r$zval),
              pval = num(r$pval), ci_lb = num(r$ci.lb), ci_ub = num(r$ci.ub),
              tau2 = num(r$tau2), se_tau2 = num(r$se.tau2), I2 = num(r$I2),
              H2 = num(r$H2), QE = num(r$QE), QEp = num(r$QEp), k = r$k,
              pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub),
              weights = num(weights(r)), iter = if (is.null(r$iter)) NA else r$iter)
  if (method != "FE") {
    ci <- confint(r)$random
    out$tau2_ci <- num(ci["tau^2", c("ci.lb", "ci.ub")])
    out$I2_ci <- num(ci["I^2(%)", c("ci.lb", "ci.ub")])
    out$H2_ci <- num(ci["H^2", c("ci.lb", "ci.ub")])
    cit <- confint(r, control = list(tol = 1e-13))$random
    out$tau2_ci_tight <- num(cit["tau^2", c("ci.lb", "ci.ub")])
    if (method == "REML") {
      rt <- rma(yi = yi, sei = sei, method = method, control = list(threshold = 1e-13))
      out$tau2_tight <- num(rt$tau2)
      out$estimate_tight <- num(rt$beta)
      out$se_tight <- num(rt$se)
      out$se_tau2_tight <- num(rt$se.tau2)
    }
  }
  out
}

# ---- (b) dat.bcg ----------------------------------------------------------------
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
lab <- paste(dat$author, dat$year)
sets <- list(all = seq_len(nrow(dat)), first2 = 1:2, first4 = 1:4,
             homogeneous = c(5, 8, 11, 13))
cases <- list()
for (s in names(sets)) {
  i <- sets[[s]]
  for (m in c("FE", "DL", "REML")) {
    cases[[length(cases) + 1]] <- fit_case(paste0("bcg|", s, "|", m), dat$yi[i],
                                           sqrt(dat$vi[i]), lab[i], m)
  }
}
write_out(list(cases = cases), "meta_rma_bcg.json")

# ---- (a) GBSG2 -------------------------------------------------------------------
g <- read_gbsg2()
g$horTh <- factor(g$horTh, levels = c("no", "yes"))
cox_term <- function(d) {
  f <- coxph(Surv(time, cens) ~ horTh, data = d, ties = "breslow")
  c(coef(f)[["horThyes"]], sqrt(vcov(f)[1, 1]))
}
splits <- list(
  tgrade = split(g, g$tgrade),
  halves = split(g, ifelse(g$id <= 343, "ids 1-343", "ids 344-686")))
cases <- list()
for (s in names(splits)) {
  parts <- splits[[s]]
  est <- t(sapply(parts, cox_term))
  for (m in c("FE", "DL", "REML")) {
    cs <- fit_case(paste0("gbsg2|", s, "|", m), est[, 1], est[, 2], names(parts), m)
    cs$measure <- "logHR"
    cs$ids <- lapply(parts, function(d) d$id)
    cases[[length(cases) + 1]] <- cs
  }
}
# Harrell's C of a two-covariate Cox model per tumour grade
conc <- t(sapply(splits$tgrade, function(d) {
  f <- coxph(Surv(time, cens) ~ horTh + pnodes, data = d, ties = "breslow")
  cc <- concordance(f)
  c(cc$concordance, sqrt(cc$var))
}))
for (m in c("FE", "DL", "REML")) {
  cs <- fit_case(paste0("gbsg2|cindex|", m), conc[, 1], conc[, 2], rownames(conc), m)
  cs$measure <- "C"
  cases[[length(cases) + 1]] <- cs
}
write_out(list(cases = cases), "meta_rma_gbsg2.json")
