# cox.zph of a stratified Cox model (R survival), for mirprog.ph_test on fits with strata=.
# Run from the repository root:  Rscript tests/reference/phtest_strata_reference.R
# Writes phtest_coxzph_strata.json.
source(file.path("tests", "reference", "_preamble.R"))
vet <- veteran[, c("time", "status", "trt", "karno", "age", "celltype")]
vet$celltype <- as.character(vet$celltype)
vet$id <- seq_len(nrow(vet))
cases <- list()
for (ties in c("breslow", "efron")) for (tr in c("km", "identity", "rank")) {
  f <- coxph(Surv(time, status) ~ trt + karno + age + strata(celltype), data = vet, ties = ties)
  z <- cox.zph(f, transform = tr, terms = FALSE)
  cases[[length(cases) + 1]] <- list(id = paste(ties, tr, sep = "-"), ties = ties,
    transform = tr, chisq = num(z$table[, "chisq"]), p = num(z$table[, "p"]),
    rows = rownames(z$table))
}
write_out(list(data = vet, cases = cases), "phtest_coxzph_strata.json")
