# Counting-process (start, stop] Cox fits on the Stanford heart transplant data (R survival
# `heart`), for the engine's entry= (mirprog._engine.coxph.fit_cox) and the robust variance
# collapsed by patient.  Run from the repository root:
#     Rscript tests/reference/coxph_counting_reference.R
# Writes coxph_counting_heart.json.
source(file.path("tests", "reference", "_preamble.R"))
h <- heart[, c("start", "stop", "event", "age", "year", "surgery", "transplant", "id")]
h$transplant <- as.integer(as.character(h$transplant))
cases <- list()
for (ties in c("breslow", "efron")) {
  f <- coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = h,
             ties = ties)
  r <- coxph(Surv(start, stop, event) ~ age + year + surgery + transplant + cluster(id),
             data = h, ties = ties)
  cases[[length(cases) + 1]] <- list(ties = ties, coef = num(coef(f)), var = unname(f$var),
    loglik = num(f$loglik), score = num(f$score), means = num(f$means),
    robust_var = unname(r$var), rscore = num(r$rscore))
}
write_out(list(data = h, cases = cases), "coxph_counting_heart.json")
