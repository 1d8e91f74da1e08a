# The factor table's global tests per factor (the paper's Table 3 layout on GBSG2): the
# univariate LR test of tgrade (3 levels) and drop1 on the final multivariate model
# (progrec split at its median, tgrade, pnodes, horTh), both ties.  Run from the
# repository root:  Rscript tests/reference/factor_table_drop1.R
# Writes factor_table_drop1_gbsg2.json, read by tests/stats/test_factor_table.py.
source(file.path("tests", "reference", "_preamble.R"))
g <- read_gbsg2()
g$progrec_high <- as.integer(g$progrec > median(g$progrec))
g$tgrade <- factor(g$tgrade, levels = c("I", "II", "III"))
cases <- list()
for (ties in c("breslow", "efron")) {
  uni <- coxph(Surv(time, cens) ~ tgrade, data = g, ties = ties)
  multi <- coxph(Surv(time, cens) ~ progrec_high + tgrade + pnodes + horTh, data = g,
                 ties = ties)
  d1 <- drop1(multi, test = "Chisq")
  cases[[length(cases) + 1]] <- list(ties = ties,
    uni_lr_p = num(pchisq(2 * diff(uni$loglik), 2, lower.tail = FALSE)),
    drop1_terms = rownames(d1)[-1], drop1_p = num(d1[["Pr(>Chi)"]][-1]))
}
write_out(list(cases = cases), "factor_table_drop1_gbsg2.json")
