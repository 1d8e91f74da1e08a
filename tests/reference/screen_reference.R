# R reference fixtures for mirprog's marker screen (tests/stats/screen/test_markers.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/screen_reference.R
#
# Generated with R 4.2.2 (Patched 2022-11-10 r83330), survival 3.5.3,
# jsonlite 1.8.4 (versions recorded in the JSON under "meta").  R is a
# test-time ORACLE ONLY: the CSV and JSON written here are committed and the
# tests only read them.
#
# Input : none -- the cohort is generated here (set.seed(20260707)) and
#         written to tests/reference/screen_cohort.csv, then read back so that
#         R and mirprog use the same rounded numbers.
# Output: tests/reference/screen_cohort.csv, tests/reference/screen_coxph_screencohort.json
#
# The cohort: 200 patients, follow-up in whole months (many tied times),
# about 40% events; markers m01..m28 lognormal (m01-m06 prognostic), with
# missing values in m05, m10, m15, m20, m25 (and m28 missing for most events);
# plus special markers:
#   m_const  constant 5                       -> no split, no model (noted)
#   m_allna  all missing                      -> noted
#   m_count  Poisson counts incl. 0, ties at the median (strict > median split)
#            -> binary model; log2 undefined (0 values) -> no log2 model
#   m_mono   high values only in censored patients: the high group has no
#            event -> monotone likelihood in the binary model (R warns
#            "coefficient may be infinite"; recorded, not an error)
#   m_neg    values around 0 incl. negatives: binary model only on log2
#
# Per marker, on its own complete cases:
#   * split: high = as.integer(x > median(x))  (R's median = numpy's quantile 0.5)
#   * survdiff(Surv(time, event) ~ high): chisq, observed/expected of the
#     high group, p = pchisq(chisq, 1, lower = FALSE)
#   * coxph(~ high) and coxph(~ log2(x)) [and raw x] with ties = "breslow"
#     and "efron", DEFAULT coxph.control(): coef, se, loglik (null, fit),
#     Wald p (summary), LR statistic, score statistic, iterations; warnings
#     are recorded (the monotone case) instead of stopping.
#   * p.adjust(..., "BH") over the markers with a finite p, per p column.
# NA is JSON null; numbers at full precision (digits = NA).

source(file.path("tests", "reference", "_preamble.R"))

# ----------------------------------------------------------------- data ----
set.seed(20260707)
n <- 200
k <- 28
expr <- matrix(rlnorm(n * k, meanlog = 2, sdlog = 0.8), n, k)
colnames(expr) <- sprintf("m%02d", seq_len(k))
lp <- 0.6 * log(expr[, 1]) - 0.5 * log(expr[, 2]) + 0.4 * log(expr[, 3]) +
  0.3 * (expr[, 4] > median(expr[, 4])) - 0.3 * log(expr[, 5]) + 0.2 * log(expr[, 6])
t_event <- rexp(n, rate = 0.02 * exp(lp - mean(lp)))
t_cens <- runif(n, 3, 48)
time <- pmax(1, ceiling(pmin(t_event, t_cens)))          # whole months: tied times
event <- as.integer(t_event <= t_cens)
expr <- round(expr, 3)
for (j in c(5, 10, 15, 20, 25)) expr[sample(n, 10 + j), j] <- NA
expr[which(event == 1)[-(1:8)], 28] <- NA                 # m28: only 8 events left
m_mono <- round(ifelse(event == 1, runif(n, 1, 2), runif(n, 1.5, 9)), 3)
cohort <- data.frame(
  id = sprintf("p%03d", seq_len(n)), time = time, event = event, expr,
  m_const = 5, m_allna = NA_real_, m_count = rpois(n, 2),
  m_mono = m_mono, m_neg = round(rnorm(n), 3)
)
csv <- file.path(out_dir, "screen_cohort.csv")
write.csv(cohort, csv, row.names = FALSE, na = "")
cat("wrote screen_cohort.csv\n")
d <- read.csv(csv, stringsAsFactors = FALSE)              # round trip: what we wrote
stopifnot(nrow(d) == n)
markers <- setdiff(names(d), c("id", "time", "event"))

# ---------------------------------------------------------- per marker ----
num <- function(x) if (is.null(x)) NA_real_ else unname(as.numeric(x))  # NULL-safe

na_fit <- list(coef = NA, se = NA, loglik_null = NA, loglik = NA, p = NA, lr_chi2 = NA,
               score_chi2 = NA, iter = NA, warnings = list())

fit_cox <- function(formula, data, ties) {
  warns <- character(0)
  fit <- tryCatch(withCallingHandlers(
    coxph(formula, data = data, ties = ties),
    warning = function(w) { warns <<- c(warns, conditionMessage(w))
                            invokeRestart("muffleWarning") }),
    error = function(e) NULL)
  if (is.null(fit) || is.na(coef(fit)[1])) return(modifyList(na_fit, list(warnings = as.list(warns))))
  s <- summary(fit)
  list(coef = num(coef(fit)), se = num(sqrt(diag(fit$var))),
       loglik_null = num(fit$loglik[1]), loglik = num(fit$loglik[2]),
       p = num(s$coefficients[1, "Pr(>|z|)"]),
       lr_chi2 = num(2 * diff(fit$loglik)), score_chi2 = num(fit$score),
       iter = num(fit$iter), warnings = as.list(warns))
}

rows <- list()
for (m in markers) {
  x <- d[[m]]
  keep <- !is.na(x)
  sub <- d[keep, c("time", "event")]
  sub$x <- x[keep]
  row <- list(marker = m, n = sum(keep), events = sum(sub$event))
  usable <- nrow(sub) > 0 && length(unique(sub$x)) > 1 && sum(sub$event) > 0
  row$median <- if (nrow(sub) > 0) median(sub$x) else NA
  sub$high <- as.integer(sub$x > row$median)
  row$n_high <- if (nrow(sub) > 0) sum(sub$high) else 0
  split_ok <- usable && row$n_high > 0 && row$n_high < nrow(sub)
  if (split_ok) {
    sd <- survdiff(Surv(time, event) ~ high, data = sub)
    row$logrank <- list(chi2 = num(sd$chisq), observed = num(sd$obs[2]),
                        expected = num(sd$exp[2]),
                        p = pchisq(sd$chisq, 1, lower.tail = FALSE))
  } else {
    row$logrank <- list(chi2 = NA, observed = NA, expected = NA, p = NA)
  }
  log2_ok <- usable && all(sub$x > 0)
  if (log2_ok) sub$lx <- log2(sub$x)
  for (ties in c("breslow", "efron")) {
    row[[paste0("binary_", ties)]] <-
      if (split_ok) fit_cox(Surv(time, event) ~ high, sub, ties) else na_fit
    row[[paste0("log2_", ties)]] <-
      if (log2_ok) fit_cox(Surv(time, event) ~ lx, sub, ties) else na_fit
    row[[paste0("raw_", ties)]] <-
      if (usable) fit_cox(Surv(time, event) ~ x, sub, ties) else na_fit
  }
  rows[[m]] <- row
}

bh <- function(p) {
  q <- rep(NA_real_, length(p))
  ok <- is.finite(p)
  q[ok] <- p.adjust(p[ok], "BH")
  q
}
col <- function(path) sapply(rows, function(r) {
  v <- r
  for (key in path) v <- v[[key]]
  as.numeric(v)
})
qvalues <- list(logrank = bh(col(c("logrank", "p"))))
for (model in c("binary", "log2", "raw"))
  for (ties in c("breslow", "efron")) {
    name <- paste0(model, "_", ties)
    qvalues[[name]] <- bh(col(c(name, "p")))
  }

out <- list(
  markers = unname(rows), q = qvalues,
  meta = c(meta, list(
              seed = 20260707, coxph_control = "coxph.control() defaults",
              split = "high = as.integer(x > median(x)) on the marker's complete cases"))
)
write_json(out, file.path(out_dir, "screen_coxph_screencohort.json"), digits = NA, auto_unbox = TRUE,
           null = "null", na = "null", pretty = FALSE)
cat("wrote screen_coxph_screencohort.json\n")
