# R reference fixtures for mp.concordance / mp.compare_concordance and the concordance
# engine (tests/stats/test_concordance.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/concordance_reference.R
#
# R is a test-time ORACLE ONLY: the JSON and CSV written here are committed and pytest
# only reads them.
#
# Data: a Royston-Altman (2013)-like validation.  Development: survival::rotterdam with
# recurrence-free survival as in ?rotterdam (rfs = recurrence or death, rfstime = the
# recurrence time if any, else the death/censoring time).  Validation: survival::gbsg
# (rfstime, status), its covariates mapped to Rotterdam's coding: size (mm) cut into
# "<=20", "20-50", ">50" (right-closed) and grade 1 merged into 2 (Rotterdam has grades
# 2 and 3 only).  Model: age + meno + size + grade + nodes + pgr + er + hormon (no chemo:
# gbsg does not record it).  Both data sets are written to CSV (concordance_rotterdam.csv,
# concordance_gbsg.csv) so that mirprog reads the same numbers; w = 1 + pid %% 3 is a
# made-up case weight.  The counting-process cases use survival::heart, the rows of
# cohort_intervals_heart.json.
#
# Each case: concordance (c), var, count (concordant, discordant, tied.x, tied.y,
# tied.xy, summed over strata; R's concordance(coxfit) is reverse = TRUE: concordant = the patient with the
# event has the higher linear predictor) and, for some, dfbeta (influence = 1).
# survival 3.5-3 crashes (segfault in fastkm2) on (start, stop] data with timewt "S" or
# "I", so the heart cases are timewt = "n" only.
source(file.path("tests", "reference", "_preamble.R"))
options(warn = 2)

rot <- rotterdam
rot$rfs <- pmax(rot$recur, rot$death)
rot$rfstime <- with(rot, ifelse(recur == 1, rtime, dtime))
rot$size <- as.character(rot$size)
rot$w <- 1 + rot$pid %% 3
rot <- rot[, c("pid", "rfstime", "rfs", "age", "meno", "size", "grade", "nodes", "pgr",
               "er", "hormon", "w")]
gb <- gbsg
gb$size <- as.character(cut(gb$size, c(-Inf, 20, 50, Inf),
                            labels = c("<=20", "20-50", ">50")))
gb$grade <- pmax(gb$grade, 2L)
gb$rfs <- gb$status
gb$w <- 1 + gb$pid %% 3
gb <- gb[, c("pid", "rfstime", "rfs", "age", "meno", "size", "grade", "nodes", "pgr", "er",
             "hormon", "w")]
write.csv(rot, file.path(out_dir, "concordance_rotterdam.csv"), row.names = FALSE)
write.csv(gb, file.path(out_dir, "concordance_gbsg.csv"), row.names = FALSE)
rot <- read.csv(file.path(out_dir, "concordance_rotterdam.csv"))   # what mirprog reads
gb <- read.csv(file.path(out_dir, "concordance_gbsg.csv"))
lev <- c("<=20", "20-50", ">50")
rot$size <- factor(rot$size, levels = lev)
gb$size <- factor(gb$size, levels = lev)

h <- heart[, c("id", "start", "stop", "event", "age", "year", "surgery", "transplant")]
h$transplant <- as.integer(as.character(h$transplant))

out1 <- function(id, f, dfbeta = FALSE) {
  cnt <- if (is.matrix(f$count)) colSums(f$count) else f$count   # strata: pooled
  x <- list(id = id, c = num(f$concordance), var = num(f$var), count = num(cnt), n = f$n)
  if (dfbeta) x$dfbeta <- num(f$dfbeta)
  x
}

form <- Surv(rfstime, rfs) ~ age + meno + size + grade + nodes + pgr + er + hormon
cases <- list()
for (ties in c("breslow", "efron")) {
  fit <- coxph(form, data = rot, ties = ties)
  for (tw in c("n", "S", "S/G", "n/G2", "I")) {
    cases[[length(cases) + 1]] <- out1(paste("own", ties, tw, sep = "|"),
                                       concordance(fit, timewt = tw, influence = 1),
                                       dfbeta = tw == "n" && ties == "efron")
    cases[[length(cases) + 1]] <- out1(paste("new", ties, tw, sep = "|"),
                                       concordance(fit, newdata = gb, timewt = tw))
  }
  cases[[length(cases) + 1]] <- out1(paste("own", ties, "n", "ymax2000", sep = "|"),
                                     concordance(fit, ymax = 2000))
  cases[[length(cases) + 1]] <- out1(paste("new", ties, "n/G2", "ymax1500", sep = "|"),
                                     concordance(fit, newdata = gb, timewt = "n/G2",
                                                 ymax = 1500))
}
sform <- Surv(rfstime, rfs) ~ age + size + grade + nodes + pgr + er + hormon + strata(meno)
sfit <- coxph(sform, data = rot, ties = "efron")
for (tw in c("n", "S/G")) {
  cases[[length(cases) + 1]] <- out1(paste("strata_own", tw, sep = "|"),
                                     concordance(sfit, timewt = tw))
  cases[[length(cases) + 1]] <- out1(paste("strata_new", tw, sep = "|"),
                                     concordance(sfit, newdata = gb, timewt = tw))
}
wfit <- coxph(form, data = rot, weights = w, ties = "efron")
for (tw in c("n", "S/G", "I")) {
  cases[[length(cases) + 1]] <- out1(paste("weights_own", tw, sep = "|"),
                                     concordance(wfit, timewt = tw, influence = 1),
                                     dfbeta = tw == "n")
}
# a risk-score column: concordance(Surv ~ score, reverse = TRUE)
for (tw in c("n", "n/G2", "S")) {
  cases[[length(cases) + 1]] <- out1(paste("column_nodes", tw, sep = "|"),
                                     concordance(Surv(rfstime, rfs) ~ nodes, data = gb,
                                                 reverse = TRUE, timewt = tw))
}
cases[[length(cases) + 1]] <- out1("column_nodes|n|ymax1000",
                                   concordance(Surv(rfstime, rfs) ~ nodes, data = gb,
                                               reverse = TRUE, ymax = 1000))
# counting process: heart (time-varying transplant), with and without cluster(id)
hfit <- coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = h,
              ties = "breslow")
cases[[length(cases) + 1]] <- out1("heart|n", concordance(hfit, influence = 1),
                                   dfbeta = TRUE)
cases[[length(cases) + 1]] <- out1("heart|n|ymax300", concordance(hfit, ymax = 300))
hcl <- coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = h,
             ties = "breslow", cluster = id)
cases[[length(cases) + 1]] <- out1("heart_cluster|n", concordance(hcl))

# two models on the same patients: concordance(fit1, fit2)$var, contrast c(1, -1)
cmp1 <- function(id, f) {
  k <- c(1, -1)
  list(id = id, c = num(f$concordance), var = unname(f$var),
       difference = sum(k * f$concordance),
       se = sqrt(drop(t(k) %*% f$var %*% k)), n = f$n)
}
big <- coxph(form, data = rot, ties = "efron")
small <- coxph(Surv(rfstime, rfs) ~ nodes + size, data = rot, ties = "efron")
compare <- list(
  cmp1("own|n", concordance(big, small)),
  cmp1("own|n/G2", concordance(big, small, timewt = "n/G2")),
  cmp1("new|n", concordance(big, small, newdata = gb)),
  cmp1("weights|n", concordance(coxph(form, data = rot, weights = w, ties = "efron"),
                                coxph(Surv(rfstime, rfs) ~ nodes + size, data = rot,
                                      weights = w, ties = "efron"))))

write_out(list(cases = cases, compare = compare,
               coef_own_efron = num(coef(coxph(form, data = rot, ties = "efron")))),
          "concordance_concordance_rotterdam_gbsg.json")
