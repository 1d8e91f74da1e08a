# Competing risks: Aalen-Johansen cumulative incidence (survival::survfit multi-state),
# Gray's test (cmprsk::cuminc $Tests), cuminc's own variance, and the Fine-Gray model
# (cmprsk::crr, robust sandwich variance), plus the cause-specific Cox model
# (coxph on Surv(t, status == k)).
# Run from the repository root:
#     Rscript tests/reference/competing_reference.R
# Writes competing_rotterdam.json and competing_mgus2.json, read by
# tests/stats/test_competing.py and tests/_engine/test_cif_finegray.py.
#
# Data (each fixture carries the rows it used, so pytest needs no R data sets):
# * rotterdam: cause 1 = recurrence (recur == 1, time rtime), cause 2 = death without
#   recurrence (death == 1 & recur == 0, time dtime), else censored at dtime; times in
#   years (days / 365.25); by = nodes > 0 (node_pos) and hormon.
# * mgus2 (complete hgb): cause 1 = progression to plasma-cell malignancy (pstat == 1, time
#   ptime), cause 2 = death without progression (time futime), months; by = sex.
source(file.path("tests", "reference", "_preamble.R"))
suppressPackageStartupMessages(library(cmprsk))
meta <- make_meta("cmprsk")

r <- rotterdam
rot <- data.frame(pid = r$pid,
                  time = ifelse(r$recur == 1, r$rtime, r$dtime) / 365.25,
                  status = ifelse(r$recur == 1, 1L, ifelse(r$death == 1, 2L, 0L)),
                  node_pos = as.integer(r$nodes > 0), hormon = r$hormon, age = r$age,
                  nodes = r$nodes)
m <- mgus2[!is.na(mgus2$hgb), ]
mg <- data.frame(id = m$id, time = ifelse(m$pstat == 1, m$ptime, m$futime),
                 status = ifelse(m$pstat == 1, 1L, ifelse(m$death == 1, 2L, 0L)),
                 male = as.integer(m$sex == "M"), age = m$age, hgb = m$hgb)

cif_case <- function(d, by, times, full = FALSE) {
  f <- if (is.null(by)) survfit(Surv(time, factor(status)) ~ 1, data = d) else
    survfit(as.formula(paste("Surv(time, factor(status)) ~", by)), data = d)
  s <- summary(f, censored = TRUE)
  grp <- if (is.null(s$strata)) rep("all", length(s$time)) else
    sub("^.*=", "", as.character(s$strata))
  st <- f$states
  out <- list(by = if (is.null(by)) NULL else by, states = st, conf_type = f$conf.type,
              group = grp, time = num(s$time), n_risk = num(s$n.risk[, 1]),
              n_censor = num(s$n.censor))
  for (k in seq_along(st)) {
    key <- if (st[k] == "(s0)") "s0" else paste0("c", st[k])
    out[[paste0("pstate_", key)]] <- num(s$pstate[, k])
    out[[paste0("se_", key)]] <- num(s$std.err[, k])
    out[[paste0("lower_", key)]] <- num(s$lower[, k])
    out[[paste0("upper_", key)]] <- num(s$upper[, k])
    out[[paste0("nevent_", key)]] <- num(s$n.event[, k])
  }
  if (!full) out[c("group", "time", "n_risk", "n_censor")] <- NULL
  if (!full) out <- out[!grepl("^(pstate|se|lower|upper|nevent)_", names(out))]
  a <- summary(f, times = times, extend = TRUE)
  out$at <- list(times = num(a$time), group = if (is.null(a$strata)) rep("all", length(a$time))
                 else sub("^.*=", "", as.character(a$strata)),
                 n_risk = num(a$n.risk[, 1]))
  for (k in seq_along(st)) {
    key <- if (st[k] == "(s0)") "s0" else paste0("c", st[k])
    out$at[[paste0("pstate_", key)]] <- num(a$pstate[, k])
    out$at[[paste0("se_", key)]] <- num(a$std.err[, k])
    out$at[[paste0("lower_", key)]] <- num(a$lower[, k])
    out$at[[paste0("upper_", key)]] <- num(a$upper[, k])
  }
  out
}

gray_case <- function(d, by, rho = 0) {
  ci <- cuminc(d$time, d$status, d[[by]], rho = rho)
  tst <- ci$Tests
  list(by = by, rho = rho, causes = as.numeric(rownames(tst)), stat = num(tst[, "stat"]),
       p = num(tst[, "pv"]), df = num(tst[, "df"]))
}

cuminc_curves <- function(d, by) {
  ci <- cuminc(d$time, d$status, d[[by]])
  ci$Tests <- NULL
  lapply(names(ci), function(nm) list(name = nm, time = num(ci[[nm]]$time),
                                      est = num(ci[[nm]]$est), var = num(ci[[nm]]$var)))
}

crr_case <- function(d, covs, cause) {
  f <- crr(d$time, d$status, as.matrix(d[, covs, drop = FALSE]), failcode = cause)
  list(covariates = covs, cause = cause, coef = num(f$coef), se = num(sqrt(diag(f$var))),
       var = num(f$var), loglik = f$loglik, converged = f$converged,
       score = num(f$score), inf = num(f$inf))
}

cs_cox <- function(d, covs, cause) {
  f <- coxph(as.formula(paste("Surv(time, status ==", cause, ") ~",
                              paste(covs, collapse = "+"))), data = d, ties = "breslow")
  list(covariates = covs, cause = cause, coef = num(coef(f)), se = num(sqrt(diag(vcov(f)))))
}

km1 <- function(d, cause, at) {
  f <- survfit(Surv(time, status == cause) ~ 1, data = d)
  1 - summary(f, times = at)$surv
}

grid <- c(0.1, seq(0.25, 19.5, by = 0.25))   # years; beyond the last time: extend = TRUE
x <- list(data = as.list(rot),
          cif = list(all = cif_case(rot, NULL, grid),
                     node_pos = cif_case(rot, "node_pos", grid),
                     hormon = cif_case(rot, "hormon", grid)),
          gray = list(gray_case(rot, "node_pos"), gray_case(rot, "hormon"),
                      gray_case(rot, "hormon", rho = 1)),
          cuminc_node_pos = cuminc_curves(rot, "node_pos"),
          crr = list(crr_case(rot, c("age", "node_pos", "hormon"), 1),
                     crr_case(rot, c("age", "node_pos", "hormon"), 2)),
          cox_cs = list(cs_cox(rot, c("age", "node_pos", "hormon"), 1),
                        cs_cox(rot, c("age", "node_pos", "hormon"), 2)),
          one_minus_km_10y = km1(rot, 1, 10))
write_out(x, "competing_rotterdam.json")

y <- list(data = as.list(mg),
          cif = list(all = cif_case(mg, NULL, c(12, 60, 120, 240, 400), full = TRUE),
                     male = cif_case(mg, "male", c(12, 60, 120, 240, 400), full = TRUE)),
          gray = list(gray_case(mg, "male")),
          crr = list(crr_case(mg, c("age", "male", "hgb"), 1),
                     crr_case(mg, c("age", "male", "hgb"), 2)),
          cox_cs = list(cs_cox(mg, c("age", "male", "hgb"), 1)))
write_out(y, "competing_mgus2.json")
cat("rotterdam 10y: 1-KM", km1(rot, 1, 10), " CIF",
    x$cif$all$at$pstate_c1[abs(x$cif$all$at$times - 10) < 1e-9], "\n")
