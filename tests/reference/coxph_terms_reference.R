# Stratified, weighted and robust / cluster Cox fits (R survival coxph), for mirprog.cox's
# strata=, weights=, robust= and cluster=.  Run from the repository root:
#     Rscript tests/reference/coxph_terms_reference.R
# Writes coxph_strata_veteran.json, coxph_cluster_lung.json, coxph_weights_gbsg2.json.
source(file.path("tests", "reference", "_preamble.R"))

fit_values <- function(f, ties) {
  robust <- !is.null(f$naive.var)
  list(
    ties = ties, coef = num(coef(f)), var = unname(f$var),
    naive_var = if (robust) unname(f$naive.var) else NULL,
    loglik = num(f$loglik), score = num(f$score),
    wald = num(f$wald.test), rscore = if (robust) num(f$rscore) else NULL,
    concordance = num(f$concordance[c("concordant", "discordant", "tied.x", "tied.y",
                                      "tied.xy", "concordance", "std")]),
    n = f$n, nevent = f$nevent, iter = f$iter, means = num(f$means),
    terms = names(coef(f))
  )
}

cases <- function(formula, data, extra = list(), robust = FALSE, weighted = FALSE) {
  out <- list()
  for (ties in c("breslow", "efron")) {
    f <- if (weighted) coxph(formula, data = data, ties = ties, robust = robust, weights = w)
         else coxph(formula, data = data, ties = ties, robust = robust)
    out[[length(out) + 1]] <- c(fit_values(f, ties), extra)
  }
  out
}

# veteran: strata(celltype), plain and robust
vet <- veteran[, c("time", "status", "trt", "karno", "age", "celltype")]
vet$celltype <- as.character(vet$celltype)
vet$id <- seq_len(nrow(vet))
vc <- c(
  lapply(cases(Surv(time, status) ~ trt + karno + age + strata(celltype), vet),
         function(v) c(v, list(id = paste0("strata-", v$ties), robust = FALSE))),
  lapply(cases(Surv(time, status) ~ trt + karno + age + strata(celltype), vet, robust = TRUE),
         function(v) c(v, list(id = paste0("strata-robust-", v$ties), robust = TRUE))),
  lapply(cases(Surv(time, status) ~ karno + age, vet, robust = TRUE),
         function(v) c(v, list(id = paste0("robust-", v$ties), robust = TRUE)))
)
write_out(list(data = vet, cases = vc,
               meta = list(source = "survival::veteran",
                           formula = "Surv(time, status) ~ trt + karno + age + strata(celltype)")),
          "coxph_strata_veteran.json")

# lung: cluster(inst) on the complete cases
data(cancer, package = "survival")
lu <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "inst")])
lu$event <- as.integer(lu$status == 2)
lu$id <- seq_len(nrow(lu))
lc <- c(
  lapply(cases(Surv(time, event) ~ age + sex + ph.ecog + cluster(inst), lu, robust = TRUE),
         function(v) c(v, list(id = paste0("cluster-", v$ties), robust = TRUE))),
  lapply(cases(Surv(time, event) ~ age + sex + cluster(inst) + strata(ph.ecog), lu,
               robust = TRUE),
         function(v) c(v, list(id = paste0("cluster-strata-", v$ties), robust = TRUE)))
)
write_out(list(data = lu[, c("id", "time", "event", "age", "sex", "ph.ecog", "inst")],
               cases = lc, meta = list(source = "survival::lung, complete cases")),
          "coxph_cluster_lung.json")

# gbsg2 (the bundled copy) with case weights 1..3 drawn with a fixed seed
g <- read_gbsg2()
set.seed(20261203)
g$w <- sample(1:3, nrow(g), replace = TRUE)
wc <- c(
  lapply(cases(Surv(time, cens) ~ horTh + age + tsize, g, weighted = TRUE),
         function(v) c(v, list(id = paste0("weights-", v$ties), robust = FALSE))),
  lapply(cases(Surv(time, cens) ~ horTh + age + tsize + strata(tgrade), g, weighted = TRUE,
               robust = TRUE),
         function(v) c(v, list(id = paste0("weights-strata-robust-", v$ties), robust = TRUE)))
)
write_out(list(data = g[, c("id", "w")], cases = wc,
               meta = list(source = "mirprog/datasets/gbsg2.csv, w = sample(1:3) seed 20261203")),
          "coxph_weights_gbsg2.json")
