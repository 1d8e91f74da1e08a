# Building (start, stop] cohorts: survSplit at fixed times (veteran, cut at 90 and 180
# days, a time-split effect of the Karnofsky score) and tmerge with a time-dependent
# covariate (pbc's first 312 patients with the serial bilirubin of pbcseq), and the Cox
# fits on the result.  Run from the repository root:
#     Rscript tests/reference/cohort_episodes_reference.R
# Writes cohort_episodes_veteran_pbc.json, read by tests/data/test_episodes.py.
source(file.path("tests", "reference", "_preamble.R"))
vet <- veteran[, c("trt", "karno", "age", "time", "status")]
vet$id <- seq_len(nrow(vet))
sp <- survSplit(Surv(time, status) ~ ., data = vet, cut = c(90, 180), episode = "tgroup",
                id = "pid")
sp <- sp[order(sp$id, sp$tstart), ]
fits <- list()
for (ties in c("breslow", "efron")) {
  f1 <- coxph(Surv(tstart, time, status) ~ karno:factor(tgroup), data = sp, ties = ties)
  f2 <- coxph(Surv(tstart, time, status) ~ trt + karno + karno:factor(tgroup), data = sp,
              ties = ties)
  f0 <- coxph(Surv(time, status) ~ trt + karno, data = vet, ties = ties)
  for (f in list(list("split_only", f1), list("split_contrasts", f2), list("unsplit", f0)))
    fits[[length(fits) + 1]] <- list(name = f[[1]], ties = ties,
      terms = names(coef(f[[2]])), coef = num(coef(f[[2]])), var = unname(f[[2]]$var),
      loglik = num(f[[2]]$loglik))
}
base <- subset(pbc, id <= 312, select = c(id, time, status, age, trt))
base$dead <- as.integer(base$status == 2)
seqb <- pbcseq[, c("id", "day", "bili")]
tm <- tmerge(base, base, id = id, death = event(time, dead))
tm <- tmerge(tm, seqb, id = id, bili = tdc(day, bili))
tm <- tm[order(tm$id, tm$tstart), ]
tm$lbili <- log(tm$bili)
tfits <- list()
for (ties in c("breslow", "efron")) {
  f <- coxph(Surv(tstart, tstop, death) ~ lbili + age, data = tm, ties = ties)
  tfits[[length(tfits) + 1]] <- list(ties = ties, coef = num(coef(f)), var = unname(f$var),
    loglik = num(f$loglik), n = f$n, nevent = f$nevent)
}
write_out(list(veteran = vet,
               split = list(id = sp$id, tstart = num(sp$tstart), time = num(sp$time),
                            status = num(sp$status), tgroup = num(sp$tgroup)),
               split_fits = fits, pbc = base, pbcseq = seqb,
               tmerge = list(id = tm$id, tstart = num(tm$tstart), tstop = num(tm$tstop),
                             death = num(tm$death), bili = num(tm$bili)),
               tmerge_fits = tfits),
          "cohort_episodes_veteran_pbc.json")
