# R reference fixture for mp.follow_up (issue 19, item 5; tests/stats/test_follow_up.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/followup_reference.R
#
# Output: tests/reference/followup_survfit.json -- the reverse Kaplan-Meier follow-up,
# survfit(Surv(time, 1 - status) ~ 1): median with its 95% CI (log, survfit's default),
# and quantile(fit, c(.25, .75)), for GBSG2 (days), lung (days, status 1/2 recoded 0/1)
# and rotterdam (recurrence-free time rtime in days, recur).
source(file.path("tests", "reference", "_preamble.R"))

one <- function(id, time, status) {
  f <- survfit(Surv(time, 1 - status) ~ 1)
  q <- quantile(f, c(0.25, 0.5, 0.75))
  list(id = id, time = I(time), status = I(status), median = unname(q$quantile[2]),
       ci_lower = unname(q$lower[2]), ci_upper = unname(q$upper[2]),
       q1 = unname(q$quantile[1]), q3 = unname(q$quantile[3]))
}
g <- read_gbsg2()
cases <- list(one("gbsg2", g$time, g$cens),
              one("lung", lung$time, as.integer(lung$status == 2)),
              one("rotterdam", rotterdam$rtime, rotterdam$recur))
write_out(list(cases = cases), "followup_survfit.json")
