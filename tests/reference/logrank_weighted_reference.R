# Stratified and weighted log-rank tests: R survival survdiff(rho=, strata()) and survMisc::comp
# (Gehan, Tarone-Ware, Peto-Peto, modified Peto-Peto, Fleming-Harrington), for mirprog.logrank's
# strata=, rho= and weighting=.  Run from the repository root:
#     Rscript tests/reference/logrank_weighted_reference.R
# Writes logrank_survdiff_strata.json and logrank_comp_gbsg2.json.
source(file.path("tests", "reference", "_preamble.R"))
suppressPackageStartupMessages(library(survMisc))
meta <- make_meta(c("survMisc", "data.table"))

vet <- veteran[, c("time", "status", "trt", "karno", "celltype")]
vet$celltype <- as.character(vet$celltype)
vet$id <- seq_len(nrow(vet))
vet$karno_high <- as.integer(vet$karno > 60)
g <- read_gbsg2()

sd_case <- function(id, formula, data, rho) {
  f <- survdiff(formula, data = data, rho = rho)
  list(id = id, rho = rho, chisq = num(f$chisq), obs = num(rowSums(as.matrix(f$obs))),
       exp = num(rowSums(as.matrix(f$exp))), var = unname(f$var), n = num(f$n))
}
sd <- list(
  sd_case("veteran-trt-strata-rho0", Surv(time, status) ~ trt + strata(celltype), vet, 0),
  sd_case("veteran-trt-strata-rho1", Surv(time, status) ~ trt + strata(celltype), vet, 1),
  sd_case("veteran-karno-rho1", Surv(time, status) ~ karno_high, vet, 1),
  sd_case("veteran-celltype-rho0.5", Surv(time, status) ~ celltype, vet, 0.5),
  sd_case("gbsg2-tgrade-rho1", Surv(time, cens) ~ tgrade, g, 1),
  sd_case("gbsg2-tgrade-strata-rho0.5", Surv(time, cens) ~ tgrade + strata(horTh), g, 0.5)
)
write_out(list(veteran = vet, cases = sd), "logrank_survdiff_strata.json")

comp_case <- function(id, formula, data) {
  t <- ten(formula, data = data)
  capture.output(comp(t, p = c(1, 0, 1), q = c(0, 1, 1)))
  lrt <- attr(t, "lrt")
  list(id = id, weights = as.character(lrt$W), chisq = num(lrt$chiSq), df = num(lrt$df))
}
cc <- list(
  comp_case("gbsg2-horTh", Surv(time, cens) ~ horTh, g),
  comp_case("gbsg2-tgrade", Surv(time, cens) ~ tgrade, g),
  comp_case("veteran-celltype", Surv(time, status) ~ celltype, vet)
)
write_out(list(cases = cc, meta = list(fh = "p = c(1, 0, 1), q = c(0, 1, 1)")),
          "logrank_comp_gbsg2.json")
