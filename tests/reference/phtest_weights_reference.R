# cox.zph of weighted Cox models (R survival), for mirprog.ph_test on fits with weights=
# (tests/stats/cox/test_phtest_weights.py).  Run from the repository root:
#     Rscript tests/reference/phtest_weights_reference.R
# Writes phtest_coxzph_weights.json.
#
# cox.zph passes the case weights to its C routine zph1: they multiply the risk scores
# and the events' contributions to the score and the information, as in coxph (Efron
# ties: each tied event carries the group's mean weight).  Its "km" time transform is
# the UNweighted pooled Kaplan-Meier (survfitKM without weights), and the scaled
# residuals divide the weighted information by the unweighted event count.
#
# Data: mirprog/datasets/gbsg2.csv with w = round(runif(686, 0.25, 3), 2),
# set.seed(20261204) (the weights of prognostic_survfit_strata.json); survival::veteran
# with w = round(runif(137, 0.25, 3), 2), set.seed(20261205).  Breslow and Efron, with
# and without strata, transforms km, identity and rank, terms = FALSE.

source(file.path("tests", "reference", "_preamble.R"))
options(warn = 2)

g <- read_gbsg2()
set.seed(20261204)
g$w <- round(runif(nrow(g), 0.25, 3), 2)
v <- veteran[, c("time", "status", "trt", "karno", "age", "celltype")]
v$celltype <- as.character(v$celltype)
v$id <- seq_len(nrow(v))
set.seed(20261205)
v$w <- round(runif(nrow(v), 0.25, 3), 2)

models <- list(
  list(id = "gbsg2", data = g, f = Surv(time, cens) ~ horTh + age + tsize),
  list(id = "gbsg2-strata", data = g, f = Surv(time, cens) ~ horTh + age + tsize +
         strata(tgrade), strata = "tgrade"),
  list(id = "veteran-strata", data = v, f = Surv(time, status) ~ trt + karno + age +
         strata(celltype), strata = "celltype")
)
cases <- list()
for (m in models) for (ties in c("breslow", "efron")) for (tr in c("km", "identity", "rank")) {
  fit <- coxph(m$f, data = m$data, ties = ties, weights = w)
  z <- cox.zph(fit, transform = tr, terms = FALSE)
  cases[[length(cases) + 1]] <- list(
    id = paste(m$id, ties, tr, sep = "-"), data = sub("-strata", "", m$id), ties = ties,
    transform = tr, formula = paste(deparse(m$f), collapse = ""),
    covariates = setdiff(all.vars(m$f)[-(1:2)], m$strata), strata = m$strata,
    coef = num(coef(fit)),
    chisq = num(z$table[, "chisq"]), p = num(z$table[, "p"]), rows = rownames(z$table),
    y = unname(z$y), x = num(z$x), time = num(z$time))
}
write_out(list(gbsg2 = g[, c("id", "w")], veteran = v, cases = cases,
               meta = list(weights = paste("round(runif(n, 0.25, 3), 2), seed 20261204",
                                           "(gbsg2), 20261205 (veteran)"))),
          "phtest_coxzph_weights.json")
