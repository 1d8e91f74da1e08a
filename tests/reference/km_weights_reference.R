# Weighted Kaplan-Meier (R survival survfit(weights=)), for mirprog.km(weights=).
# Run from the repository root:  Rscript tests/reference/km_weights_reference.R
# Writes km_survfit_weights.json (uses the seeded weights of coxph_weights_gbsg2.json).
source(file.path("tests", "reference", "_preamble.R"))
g <- read_gbsg2()
set.seed(20261203)
g$w <- sample(1:3, nrow(g), replace = TRUE)   # the same draw as coxph_terms_reference.R
cases <- list()
for (ct in c("log", "log-log", "plain")) {
  f <- survfit(Surv(time, cens) ~ horTh, data = g, weights = w, conf.type = ct)
  s <- summary(f, censored = TRUE)
  cases[[length(cases) + 1]] <- list(conf_type = ct, strata = as.character(s$strata),
    time = num(s$time), n_risk = num(s$n.risk), n_event = num(s$n.event),
    surv = num(s$surv), std_err = num(s$std.err), lower = num(s$lower), upper = num(s$upper),
    median = num(summary(f)$table[, "median"]))
}
write_out(list(cases = cases), "km_survfit_weights.json")
