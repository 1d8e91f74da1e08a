# R reference fixtures for mirprog's study-level API (tests/study/test_reference_study.py):
# backward elimination, risk groups, nested-model comparison and subgroup (Table 4)
# analyses.
#
# How to run (from the repository root):
#     Rscript tests/reference/study_reference.R
#
# Generated with R 4.2.2, survival 3.5.3, jsonlite 1.8.4 (versions recorded in every
# JSON file under "meta").  R is a test-time ORACLE ONLY: the JSON files are committed
# and the pytest module only reads them.
#
# Input : mirprog/datasets/gbsg2.csv
# Output: tests/reference/{selection_coxph_gbsg2.json, riskgroups_coxph_gbsg2.json,
#         compare_coxph_gbsg2.json, table4_coxph_gbsg2.json}
#
# Derived factors (as mirprog builds them; 0/1 integers, NA where the source is NA):
#   progrec_high = progrec > median(progrec)   estrec_high = estrec > median(estrec)
#   pnodes_high  = pnodes > 3                  age_gt50    = age > 50
#   tsize_gt20   = tsize > 20
#   tgrade   factor, reference "I"    (mirprog terms tgrade[II], tgrade[III])
#   horTh    factor, reference "no"   (horTh[yes])
#   menostat factor, reference "Post" (menostat[Pre]; mirprog's default reference is
#            the first level in sorted order, and "Post" < "Pre")
#
# Backward elimination (as mirprog.backward_select, SPSS "Backward LR/Wald"):
#   entry  : univariate log-rank test (survdiff) p < p_enter, each factor on its own
#            complete cases;
#   rows   : every multivariate step uses the rows complete for all ENTERED factors;
#   removal: while the factor with the largest removal p has p >= p_remove, drop it
#            and refit.  LR removal = 2 (loglik(full) - loglik(without factor)) on the
#            same rows (checked against drop1(fit, test = "Chisq") to 1e-6); Wald
#            removal = b' V^-1 b over the factor's terms (2 terms for tgrade).
#            No re-entry.  The script stops if two p-values are too close to call
#            (relative gap < 1e-4) when choosing the factor to remove.
#   Step log layout (mirprog's SelectionResult.steps): step 0 "start"; "remove"
#   rows (n_factors = factors left after removal); a final "stop" row naming the
#   least significant factor, which stays.  When nothing enters: a single step-0
#   "stop" row with no factor.  When everything is removed: no "stop" row.
#
# coxph control: default eps (1e-9) unless the Newton step left at the solution
# (I^-1 U from the score residuals, relative to max(|coef|, 1)) is >= 1e-10; then eps
# is tightened 10-fold at a time down to 1e-13 (as in survival_reference.R).  The
# eps used is recorded as control_eps.  Any coxph warning stops the script.
#
# NA is written as JSON null; numbers at full precision (digits = NA).

source(file.path("tests", "reference", "_preamble.R"))
pchi <- function(x, df) pchisq(x, df, lower.tail = FALSE)

# ---------------------------------------------------------------- data -----
derive <- function(g) {
  g$progrec_high <- as.integer(g$progrec > median(g$progrec))
  g$estrec_high  <- as.integer(g$estrec > median(g$estrec))
  g$pnodes_high  <- as.integer(g$pnodes > 3)
  g$age_gt50     <- as.integer(g$age > 50)
  g$tsize_gt20   <- as.integer(g$tsize > 20)
  g$tgrade   <- factor(g$tgrade, levels = c("I", "II", "III"))
  g$horTh    <- factor(g$horTh, levels = c("no", "yes"))
  g$menostat <- factor(g$menostat, levels = c("Post", "Pre"))
  g
}
raw <- read.csv("mirprog/datasets/gbsg2.csv", stringsAsFactors = FALSE)
stopifnot(nrow(raw) == 686, identical(raw$id, 1:686), !anyNA(raw))
gbsg2 <- derive(raw)

na_ids <- c(3L, 10L, 50L, 200L, 600L)
raw_na <- raw
raw_na$tsize[raw_na$id %in% na_ids] <- NA
gbsg2_na <- derive(raw_na)   # medians of progrec/estrec unchanged (no NA there)
stopifnot(sum(is.na(gbsg2_na$tsize_gt20)) == 5)

# ----------------------------------------------------------------- Cox -----
eps_ladder <- c(1e-9, 1e-10, 1e-11, 1e-12, 1e-13)

fit_cox <- function(d, rhs, ties) {
  f <- as.formula(sprintf("Surv(time, cens) ~ %s", paste(rhs, collapse = " + ")))
  for (eps in eps_ladder) {
    fit <- withCallingHandlers(
      coxph(f, data = d, ties = ties, control = coxph.control(eps = eps, toler.chol = eps / 100)),
      warning = function(w) stop(sprintf("%s (%s): %s", deparse(f), ties, conditionMessage(w))))
    u <- colSums(as.matrix(residuals(fit, type = "score")))
    step <- drop(vcov(fit) %*% u)
    rel <- max(abs(step) / pmax(abs(coef(fit)), 1))
    if (rel < 1e-10) break
  }
  if (rel >= 1e-10) stop(sprintf("%s (%s): not converged (Newton step %g)", deparse(f), ties, rel))
  fit$control_eps <- eps
  fit$remaining_newton_step <- rel
  fit
}

# R coefficient names -> mirprog term names ("tgradeII" -> "tgrade[II]")
mirprog_terms <- function(fit) {
  vars <- attr(terms(fit), "term.labels")
  out <- character()
  for (v in vars) {
    if (v %in% names(fit$xlevels)) {
      out <- c(out, sprintf("%s[%s]", v, fit$xlevels[[v]][-1]))
    } else {
      out <- c(out, v)
    }
  }
  stopifnot(length(out) == length(coef(fit)))
  out
}

# columns of the coefficient vector belonging to factor v
factor_cols <- function(fit, v) {
  a <- attr(model.matrix(fit), "assign")
  which(a == match(v, attr(terms(fit), "term.labels")))
}

model_summary <- function(fit) {
  s <- summary(fit)
  cf <- s$coefficients; ci <- s$conf.int
  list(term = mirprog_terms(fit), term_r = rownames(cf),
       coef = num(cf[, "coef"]), se = num(cf[, "se(coef)"]), hr = num(cf[, "exp(coef)"]),
       ci_lower = num(ci[, "lower .95"]), ci_upper = num(ci[, "upper .95"]),
       z = num(cf[, "z"]), p = num(cf[, "Pr(>|z|)"]),
       loglik_null = fit$loglik[1], loglik = fit$loglik[2], neg2loglik = -2 * fit$loglik[2],
       aic = AIC(fit), lr_chi2 = num(s$logtest["test"]), lr_df = num(s$logtest["df"]),
       lr_p = num(s$logtest["pvalue"]),
       concordance = num(fit$concordance["concordance"]),
       n = fit$n, events = fit$nevent, control_eps = fit$control_eps)
}

# removal tests of every factor of `fit` (fitted on d with covariates `current`)
removal_tests <- function(fit, d, current, ties, method) {
  lr_drop1 <- drop1(fit, test = "Chisq")
  res <- lapply(current, function(v) {
    cols <- factor_cols(fit, v)
    df <- length(cols)
    if (method == "lr") {
      rest <- setdiff(current, v)
      ll0 <- if (length(rest)) fit_cox(d, rest, ties)$loglik[2] else fit$loglik[1]
      stat <- 2 * (fit$loglik[2] - ll0)
      chk <- lr_drop1[v, "LRT"]
      stopifnot(abs(stat - chk) <= 1e-6 * max(1, abs(stat)), lr_drop1[v, "Df"] == df)
    } else {
      b <- coef(fit)[cols]
      stat <- drop(t(b) %*% solve(vcov(fit)[cols, cols, drop = FALSE], b))
    }
    c(statistic = stat, df = df, p = pchi(stat, df))
  })
  m <- do.call(rbind, res)
  list(factor = current, statistic = num(m[, "statistic"]), df = num(m[, "df"]),
       p = num(m[, "p"]))
}

# ------------------------------------------------- backward elimination ----
step_row <- function(step, action, factor, stat, df, p, n_factors)
  list(step = step, action = action, factor = factor, statistic = stat, df = df, p = p,
       n_factors = n_factors)

backward_case <- function(id, d, candidates, p_enter = 0.05, p_remove = 0.10,
                          method = "lr", ties = "breslow", na_ids = NULL, note = NULL) {
  stopifnot(p_enter <= p_remove)
  scr <- lapply(candidates, function(v) {
    sd <- survdiff(as.formula(sprintf("Surv(time, cens) ~ %s", v)), data = d)
    df <- length(sd$n) - 1
    c(n = sum(sd$n), events = sum(sd$obs), statistic = sd$chisq, df = df,
      p = pchi(sd$chisq, df))
  })
  scr <- do.call(rbind, scr)
  entered <- candidates[scr[, "p"] < p_enter]
  cc_cols <- if (length(entered)) entered else candidates
  keep <- complete.cases(d[, cc_cols, drop = FALSE])
  rows <- d[keep, ]
  steps <- list()
  step_tests <- list()
  final <- NULL
  current <- entered
  if (!length(entered)) {
    steps[[1]] <- step_row(0, "stop", NA, NA, 0, NA, 0)
  } else {
    fit <- fit_cox(rows, current, ties)
    steps[[1]] <- step_row(0, "start", NA, NA, 0, NA, length(current))
    final <- fit
    step <- 0
    repeat {
      step <- step + 1
      tst <- removal_tests(fit, rows, current, ties, method)
      step_tests[[length(step_tests) + 1]] <- c(list(step = step), tst)
      worst <- which.max(tst$p)
      if (length(current) > 1) {
        others <- tst$p[-worst]
        stopifnot(max(others) < tst$p[worst] * (1 - 1e-4))
      }
      stopifnot(abs(tst$p[worst] - p_remove) > 1e-4 * p_remove)
      if (tst$p[worst] < p_remove) {
        steps[[length(steps) + 1]] <- step_row(step, "stop", current[worst], tst$statistic[worst],
                                               tst$df[worst], tst$p[worst], length(current))
        break
      }
      removed <- current[worst]
      current <- current[-worst]
      steps[[length(steps) + 1]] <- step_row(step, "remove", removed, tst$statistic[worst],
                                             tst$df[worst], tst$p[worst], length(current))
      if (!length(current)) {
        final <- NULL
        break
      }
      fit <- fit_cox(rows, current, ties)
      final <- fit
    }
  }
  st <- do.call(rbind.data.frame, lapply(steps, as.data.frame, stringsAsFactors = FALSE))
  # univariate Cox per candidate (own complete cases), for table3's left half
  uni <- lapply(candidates, function(v) {
    s <- model_summary(fit_cox(d, v, ties))
    s[c("term", "coef", "se", "hr", "ci_lower", "ci_upper", "p", "n", "events")]
  })
  names(uni) <- candidates
  list(
    id = id, note = note, ties = ties, method = method, p_enter = p_enter, p_remove = p_remove,
    candidates = candidates, na_ids = na_ids,
    screening = list(factor = candidates, n = num(scr[, "n"]), events = num(scr[, "events"]),
                     statistic = num(scr[, "statistic"]), df = num(scr[, "df"]),
                     p = num(scr[, "p"]), entered = candidates %in% entered),
    entered = entered, selected = current,
    n = nrow(rows), events = sum(rows$cens), excluded_ids = d$id[!keep],
    steps = list(step = num(st$step), action = st$action, factor = st$factor,
                 statistic = num(st$statistic), df = num(st$df), p = num(st$p),
                 n_factors = num(st$n_factors)),
    step_tests = step_tests,
    final = if (is.null(final)) NULL else model_summary(final),
    univariate_cox = uni
  )
}

all8 <- c("progrec_high", "estrec_high", "pnodes_high", "age_gt50", "tsize_gt20", "tgrade",
          "horTh", "menostat")

sel_cases <- list(
  backward_case("lr|breslow", gbsg2, all8),
  backward_case("wald|breslow", gbsg2, all8, method = "wald"),
  backward_case("lr|efron", gbsg2, all8, ties = "efron"),
  backward_case("wald|efron", gbsg2, all8, method = "wald", ties = "efron"),
  # estrec_high: log-rank p 0.004927 < 0.005 <= univariate Wald p 0.005130, so it
  # enters and is then removed; menostat and age_gt50 do not enter.
  backward_case("all_removed|wald", gbsg2, c("estrec_high", "menostat", "age_gt50"),
                p_enter = 0.005, p_remove = 0.005, method = "wald",
                note = "estrec_high enters (log-rank p 0.004927) and is removed (Wald p 0.005130)"),
  # same with the LR removal test (univariate LR p 0.004995)
  backward_case("all_removed|lr", gbsg2, c("estrec_high", "menostat", "age_gt50"),
                p_enter = 0.00496, p_remove = 0.00496, method = "lr",
                note = "estrec_high enters (log-rank p 0.004927) and is removed (LR p 0.004995)"),
  backward_case("none_entered", gbsg2, c("menostat", "age_gt50"), p_enter = 0.05,
                note = "menostat (p 0.597) and age_gt50 (p 0.192) do not enter"),
  backward_case("missing_tsize|lr|breslow", gbsg2_na, all8, na_ids = na_ids,
                note = "tsize set to NA for na_ids; multivariate steps use 681 rows")
)
# sanity: the designed cases do what they are meant to
stopifnot(length(sel_cases[[5]]$entered) == 1, length(sel_cases[[5]]$selected) == 0,
          length(sel_cases[[6]]$entered) == 1, length(sel_cases[[6]]$selected) == 0,
          length(sel_cases[[7]]$entered) == 0,
          sel_cases[[8]]$n == 681, "tsize_gt20" %in% sel_cases[[8]]$entered)
write_out(list(cases = sel_cases), "selection_coxph_gbsg2.json")

# ---------------------------------------------------------- risk groups ----
risk_case <- function(id, d, adverse_expr, adverse) {
  count <- Reduce(`+`, lapply(adverse_expr, function(e) as.integer(eval(parse(text = e), d))))
  k <- length(adverse_expr)
  labs <- LETTERS[seq_len(k + 1)]
  d$group <- factor(labs[count + 1], levels = labs)
  sd <- survdiff(Surv(time, cens) ~ group, data = d)
  stopifnot(length(sd$n) == k + 1)
  scores <- seq_len(k + 1) - 1
  oe <- sd$obs - sd$exp
  u <- sum(scores * oe)
  v <- drop(t(scores) %*% sd$var %*% scores)
  list(id = id, adverse = adverse, adverse_r = adverse_expr,
       groups = sub("^[^=]*=", "", names(sd$n)), n_adverse = scores,
       n = num(sd$n), events = num(sd$obs), observed = num(sd$obs), expected = num(sd$exp),
       variance = unname(sd$var), chi2 = sd$chisq, df = k, p = pchi(sd$chisq, k),
       trend = list(scores = scores, u = u, v = v, chi2 = u^2 / v, df = 1, p = pchi(u^2 / v, 1)),
       group_of_id = as.character(d$group))
}
write_out(list(cases = list(
  risk_case("progrec_pnodes", gbsg2, c("progrec_high == 0", "pnodes_high == 1"),
            list(progrec_high = 0, pnodes_high = 1)),
  risk_case("progrec_pnodes_grade3", gbsg2,
            c("progrec_high == 0", "pnodes_high == 1", "tgrade == 'III'"),
            list(progrec_high = 0, pnodes_high = 1, tgrade = "III"))
)), "riskgroups_coxph_gbsg2.json")

# ------------------------------------------------------ model comparison ----
compare_case <- function(id, d, big, smalls, ties) {
  fb <- fit_cox(d, big, ties)
  comps <- lapply(smalls, function(sm) {
    fs <- fit_cox(d, sm, ties)
    lr <- 2 * (fb$loglik[2] - fs$loglik[2])
    df <- length(coef(fb)) - length(coef(fs))
    a <- anova(fs, fb)
    stopifnot(abs(a$Chisq[2] - lr) < 1e-6, a$Df[2] == df)
    list(small_covariates = sm, small = model_summary(fs), lr_chi2 = lr, df = df,
         p = pchi(lr, df))
  })
  list(id = sprintf("%s|%s", id, ties), ties = ties, big_covariates = big,
       big = model_summary(fb), comparisons = comps)
}
cmp_cases <- list()
for (ties in c("breslow", "efron")) {
  cmp_cases[[length(cmp_cases) + 1]] <- compare_case(
    "progrec_high+pnodes_high", gbsg2, c("progrec_high", "pnodes_high"),
    list("pnodes_high", "progrec_high"), ties)
  cmp_cases[[length(cmp_cases) + 1]] <- compare_case(
    "horTh+tgrade", gbsg2, c("horTh", "tgrade"), list("horTh"), ties)
}
write_out(list(cases = cmp_cases), "compare_coxph_gbsg2.json")

# --------------------------------------------------------------- Table 4 ----
subgroup_row <- function(label, d, factor, ties) {
  sd <- survdiff(as.formula(sprintf("Surv(time, cens) ~ %s", factor)), data = d)
  fit <- fit_cox(d, factor, ties)
  s <- model_summary(fit)
  x <- d[[factor]]
  list(subgroup = label, n = nrow(d), events = sum(d$cens),
       n_low = sum(x == 0), n_high = sum(x == 1),
       events_low = sum(d$cens[x == 0]), events_high = sum(d$cens[x == 1]),
       logrank_chi2 = sd$chisq, logrank_p = pchi(sd$chisq, 1),
       hr = s$hr, ci_lower = s$ci_lower, ci_upper = s$ci_upper, p = s$p,
       coef = s$coef, se = s$se, control_eps = s$control_eps)
}
t4_cases <- list()
for (ties in c("breslow", "efron")) {
  rows <- list(
    subgroup_row("All", gbsg2, "progrec_high", ties),
    subgroup_row("Post-menopausal", gbsg2[gbsg2$menostat == "Post", ], "progrec_high", ties),
    subgroup_row("Grade I", gbsg2[gbsg2$tgrade == "I", ], "progrec_high", ties))
  tab <- lapply(names(rows[[1]]), function(k) sapply(rows, `[[`, k))
  names(tab) <- names(rows[[1]])
  t4_cases[[length(t4_cases) + 1]] <- c(list(
    id = sprintf("progrec|%s", ties), ties = ties, factor = "progrec_high",
    progrec_median = median(gbsg2$progrec),
    subgroups_r = list("All" = "TRUE", "Post-menopausal" = "menostat == 'Post'",
                       "Grade I" = "tgrade == 'I'")), tab)
}
write_out(list(cases = t4_cases, meta = list(
  note = "progrec_high split at the WHOLE-cohort median, kept within each subgroup")),
  "table4_coxph_gbsg2.json")

cat("done\n")
