# R reference fixtures for mp.power_cox / mp.events_needed (issue 19, item 5;
# tests/stats/test_power.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/power_reference.R
#
# Output: tests/reference/power_cpower.json -- Hmisc::cpower (re-exported by rms) for trials
# with and without accrual, unequal arms and alpha 0.01/0.05: its inputs, the hazard ratio
# lami/lamc, the expected events per arm (mc, mi: recomputed here with cpower's own
# formulas, which it prints but does not return) and the power it returns; plus Schoenfeld's
# closed-form events for power 0.8/0.9 at several HRs (the textbook formula, written out).
source(file.path("tests", "reference", "_preamble.R"))
suppressPackageStartupMessages(library(rms))
meta <- make_meta(c("rms", "Hmisc"))

grid <- expand.grid(tref = 5, n = c(200, 600, 1500), mc = c(0.3, 0.6), r = c(25, 40),
                    accrual = c(0, 2), tmin = 3, alpha = c(0.05, 0.01), frac_c = c(0.5, 0.3))
cases <- list()
for (k in seq_len(nrow(grid))) {
  g <- grid[k, ]
  nc <- g$n * g$frac_c; ni <- g$n - nc
  pw <- cpower(g$tref, mc = g$mc, r = g$r, accrual = g$accrual, tmin = g$tmin,
               alpha = g$alpha, nc = nc, ni = ni, pr = FALSE)
  mi <- (1 - g$r / 100) * g$mc
  lamc <- -log(1 - g$mc) / g$tref; lami <- -log(1 - mi) / g$tref
  tmax <- g$tmin + g$accrual
  p_ev <- function(lam) if (g$accrual == 0) 1 - exp(-lam * g$tmin) else
    1 - 1 / g$accrual / lam * (exp(-g$tmin * lam) - exp(-tmax * lam))
  cases[[k]] <- list(id = paste0("cpower", k), hr = lami / lamc, alpha = g$alpha,
                     events_control = p_ev(lamc) * nc, events_intervention = p_ev(lami) * ni,
                     power = unname(pw))
}
schoenfeld <- list()
for (hr in c(0.5, 0.7, 0.8, 1.5, 2)) for (power in c(0.8, 0.9)) for (alloc in c(0.5, 0.3)) {
  schoenfeld[[length(schoenfeld) + 1]] <- list(
    id = paste("schoenfeld", hr, power, alloc, sep = "|"), hr = hr, power = power,
    alloc = alloc, alpha = 0.05,
    events = (qnorm(0.975) + qnorm(power))^2 / (alloc * (1 - alloc) * log(hr)^2))
}
write_out(list(cpower = cases, schoenfeld = schoenfeld), "power_cpower.json")
