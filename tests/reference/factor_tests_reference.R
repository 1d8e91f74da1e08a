# Global tests per factor of a Cox model: LR as drop1(fit, test = "Chisq"), Wald on the
# factor's coefficient block, for mirprog's CoxResult.factor_tests.  Run from the repo root:
#     Rscript tests/reference/factor_tests_reference.R
# Writes coxph_drop1.json.
source(file.path("tests", "reference", "_preamble.R"))

vet <- veteran[, c("time", "status", "trt", "karno", "age", "celltype")]
vet$celltype <- as.character(vet$celltype)
vet$id <- seq_len(nrow(vet))
g <- read_gbsg2()
g$tgrade <- factor(g$tgrade, levels = c("I", "II", "III"))
g$menostat <- factor(g$menostat, levels = c("Pre", "Post"))

block_wald <- function(fit, term) {
  idx <- fit$assign[[term]]
  b <- coef(fit)[idx]
  v <- vcov(fit)[idx, idx, drop = FALSE]
  num(t(b) %*% solve(v) %*% b)
}

one <- function(id, formula, data, ties, factors) {
  f <- eval(call("coxph", formula, data = as.name(data), ties = ties), globalenv())
  d <- drop1(f, test = "Chisq")
  list(id = id, ties = ties, factors = factors,
       df = num(d$Df[-1]), lr_chi2 = num(d$LRT[-1]), lr_p = num(d[-1, "Pr(>Chi)"]),
       wald_chi2 = sapply(factors, function(t) block_wald(f, t)))
}
cases <- list()
for (ties in c("breslow", "efron")) {
  cases[[length(cases) + 1]] <- one(paste0("veteran-", ties),
    Surv(time, status) ~ celltype + trt + karno, "vet", ties, c("celltype", "trt", "karno"))
  cases[[length(cases) + 1]] <- one(paste0("gbsg2-", ties),
    Surv(time, cens) ~ tgrade + horTh + age + menostat, "g", ties,
    c("tgrade", "horTh", "age", "menostat"))
  cases[[length(cases) + 1]] <- one(paste0("gbsg2-strata-", ties),
    Surv(time, cens) ~ tgrade + age + strata(horTh), "g", ties, c("tgrade", "age"))
}
write_out(list(veteran = vet, cases = cases), "coxph_drop1.json")
