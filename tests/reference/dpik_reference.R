# Reference values for mirprog._engine.dpik (KernSmooth::dpik, bkfe, linbin) and for the
# default bandwidth of mp.validate's smoothed calibration curve.
#
# Run from the repository root:  Rscript tests/reference/dpik_reference.R
# Reads tests/reference/validation_{rotterdam,gbsg}.csv (written by validation_reference.R).
# Writes
#   tests/reference/dpik_dpik.json: for many inputs x (normal, uniform, exponential,
#     mixtures, heavy ties, the rank grids cumtabx / N that prodlim::neighborhood passes,
#     n from 10 to 5000; drawn here with set.seed and stored), dpik(x, kernel, level) for
#     kernels normal and box and levels 0-5; linbin(x, seq(min, max, length = 401)) with
#     truncate TRUE and FALSE; bkfe(x, drv, h) (unbinned: its own linbin on range(x)).
#   tests/reference/calibration_plotcalibration_default.json: the smoothed calibration
#     curve of validation_reference.R's model (Breslow and Efron fits on rotterdam,
#     validated on gbsg, horizons 1, 3, 5 years) from
#     plotCalibration(Score(..., plots = "calibration"), cens.method = "jackknife",
#     plot = FALSE) with its DEFAULT bandwidth (prodlim::neighborhood: KernSmooth::dpik of
#     the rank grid, kernel "box"), and that bandwidth.
# Numbers at full precision (digits = NA); NA -> null.

source(file.path("tests", "reference", "_preamble.R"))
suppressPackageStartupMessages({library(KernSmooth); library(riskRegression); library(prodlim)})
meta <- make_meta(c("KernSmooth", "riskRegression", "prodlim"))

set.seed(20261203)
cumranks <- function(x) {         # numerators of prodlim::neighborhood's input to dpik
  tab <- tabulate(factor(x))
  rep(cumsum(tab), tab)
}
ranks <- function(x) cumranks(x) / length(x)
p <- round(runif(700), 2)
inputs <- list(
  normal_50 = rnorm(50), normal_1000 = rnorm(1000), uniform_200 = runif(200),
  exp_300 = rexp(300), mixture_500 = c(rnorm(250), rnorm(250, 4, 0.5)),
  ties_400 = round(rnorm(400), 1), small_10 = rnorm(10) * 3 + 7,
  big_5000 = rgamma(5000, 2))
# the inputs are x_num / x_den: 12 significant digits (exact through the JSON) or the
# integer rank numerators over N (the division is done again, identically, in Python)
inputs <- c(lapply(inputs, function(x) list(num = signif(x, 12), den = 1)),
            lapply(list(ranks_unif = p, ranks_beta = round(rbeta(686, 2, 5), 2),
                        ranks_heavy = round(rexp(300) / 10, 2)),
                   function(x) list(num = cumranks(x), den = length(x))))
cases <- lapply(names(inputs), function(nm) {
  x <- inputs[[nm]]$num / inputs[[nm]]$den
  d <- list()
  for (k in c("normal", "box")) for (lv in 0:5)
    d[[length(d) + 1]] <- list(kernel = k, level = lv,
                               value = tryCatch(dpik(x, kernel = k, level = lv),
                                                error = function(e) NA_real_))
  g <- seq(min(x), max(x), length = 401)
  list(name = nm, x_num = num(inputs[[nm]]$num), x_den = inputs[[nm]]$den, dpik = d,
       linbin_truncate = num(KernSmooth:::linbin(x, g, TRUE)),
       linbin_keep = num(KernSmooth:::linbin(x, g, FALSE)),
       bkfe = lapply(c(4L, 6L, 8L), function(drv) list(
         drv = drv, h = 0.3 * sd(x), value = bkfe(x, drv, 0.3 * sd(x)))))
})
write_out(list(cases = cases), "dpik_dpik.json")

dev <- read.csv(file.path(out_dir, "validation_rotterdam.csv"))
val <- read.csv(file.path(out_dir, "validation_gbsg.csv"))
dev$size <- factor(dev$size, levels = c("<=20", "20-50", ">50"))
val$size <- factor(val$size, levels = c("<=20", "20-50", ">50"))
horizons <- 365.25 * c(1, 3, 5)
form <- Surv(rfstime, rfs) ~ age + meno + size + grade3 + nodes + pgr + er + hormon
curves <- lapply(c("breslow", "efron"), function(ties) {
  fit <- coxph(form, data = dev, ties = ties, x = TRUE, y = TRUE)
  scc <- Score(list(cox = fit), formula = Surv(rfstime, status) ~ 1, data = val,
               times = horizons, plots = "calibration", metrics = "brier",
               null.model = FALSE, se.fit = FALSE, cens.model = "km")
  list(ties = ties, horizons = horizons, curves = lapply(horizons, function(t) {
    pc <- plotCalibration(scc, times = t, cens.method = "jackknife", plot = FALSE)
    risk <- predictRisk(fit, newdata = val, times = t)
    list(time = t, bandwidth = num(pc$bandwidth),
         bandwidth_by_hand = dpik(ranks(round(drop(risk), 2)), kernel = "box"),
         predicted = num(pc$plotFrames$cox$Pred), observed = num(pc$plotFrames$cox$Obs))
  }))
})
write_out(list(cases = curves), "calibration_plotcalibration_default.json")
