# The web app's browser tests (tests/app/) upload a cohort file the app has never seen:
# survival::rotterdam (2982 patients), written here as CSV with the recurrence coded as
# text ("relapse"/"none", so the page's event-coding picker is exercised), and the
# numbers the page must show for the progesterone receptor (pgr) split at its median
# (high = pgr > median, as mirprog's default rule): survdiff and coxph (Breslow ties).
#     Rscript tests/reference/app_reference.R      (from the repository root)
source(file.path("tests", "reference", "_preamble.R"))

r <- survival::rotterdam
d <- data.frame(pid = r$pid, rfs_days = r$rtime,
                recurrence = ifelse(r$recur == 1, "relapse", "none"),
                age = r$age, meno = r$meno, size = as.character(r$size), grade = r$grade,
                nodes = r$nodes, pgr = r$pgr, er = r$er, hormon = r$hormon)
write.csv(d, file.path("tests", "app", "rotterdam_app.csv"), row.names = FALSE)
cat("wrote tests/app/rotterdam_app.csv\n")

cut <- median(d$pgr)
d$pgr_high <- as.integer(d$pgr > cut)
d$ev <- as.integer(d$recurrence == "relapse")
sd <- survdiff(Surv(rfs_days, ev) ~ pgr_high, data = d)
fit <- coxph(Surv(rfs_days, ev) ~ pgr_high, data = d, ties = "breslow")
ci <- exp(confint(fit))
write_out(list(
  data = "tests/app/rotterdam_app.csv", marker = "pgr", cutpoint = cut,
  n = nrow(d), events = sum(d$ev), group_sizes = num(table(d$pgr_high)),
  logrank_chi2 = sd$chisq, logrank_p = pchisq(sd$chisq, 1, lower.tail = FALSE),
  hr = num(exp(coef(fit))), ci_lower = num(ci[1]), ci_upper = num(ci[2]),
  cox_p = num(summary(fit)$coefficients[, "Pr(>|z|)"])
), "app_survdiff_coxph_rotterdam.json")
