# R reference fixtures for mirprog.association (tests/stats/test_association.py).
#
# How to run (from the repository root):
#     Rscript tests/reference/fisher_reference.R
#
# Generated with R 4.2.2 (Patched 2022-11-10 r83330) and jsonlite 1.8.4; the
# versions used are also recorded in the JSON under "meta".
#
# R is a test-time ORACLE ONLY.  CI never needs R: the JSON written here
# (tests/reference/fisher_fishertest.json) is committed and the pytest module only reads
# it.  Rerun this script only when a fixture has to change.
#
# Input : mirprog/datasets/gbsg2.csv (read from the CSV so rows match mirprog).
# Output: tests/reference/fisher_fishertest.json with
#   * fisher : stats::fisher.test on hand-made 2x2 (zero cells: OR 0 and Inf),
#              2x3, 3x3, 3x4 and 4x4 (1.6 million tables with its margins)
#              tables -- p, estimate, conf.int;
#   * gbsg2  : fisher.test on horTh x menostat and tgrade x (progrec > median)
#              (3 x 2), with the table R counted;
#   * chisq  : stats::chisq.test (default correct = TRUE: Yates only for 2x2)
#              on GBSG2 tables and a small sparse r x c table, with the
#              "approximation may be incorrect" warning flag.
#
# Convention (why there are two sets of OR / CI numbers): for 2x2 tables
# fisher.test finds the conditional MLE and the exact CI with uniroot() at its
# default tolerance (.Machine$double.eps^0.25, about 1.2e-4 on the odds-ratio
# or inverse-odds-ratio scale), so its printed estimate is only good to about
# 4-5 digits.  mirprog solves the same equations to machine precision.  Each
# 2x2 case therefore also stores estimate_tight / conf_int_tight: the SAME
# fisher.test code with every uniroot() call given tol = 1e-300 (convergence
# then stops at Brent's own 2 * eps * |x| limit).  The tests compare with
# the tight values at rtol 1e-6 and with the default output at the precision
# uniroot's default tolerance allows.  p-values do not involve uniroot and are
# identical in both.

source(file.path("tests", "reference", "_preamble.R"))

# fisher.test with tight uniroot tolerance: same body, tol = 1e-300 added.
fisher_tight <- stats::fisher.test
src <- deparse(body(stats::fisher.test), width.cutoff = 500L)
stopifnot(sum(lengths(regmatches(src, gregexpr("uniroot(", src, fixed = TRUE)))) == 6L)
body(fisher_tight) <- parse(text = gsub("uniroot(", "uniroot(tol = 1e-300, ", src,
                                        fixed = TRUE))[[1]]
environment(fisher_tight) <- asNamespace("stats")

num <- function(x) {
  x <- unname(as.numeric(x))
  ifelse(is.infinite(x), ifelse(x > 0, "Inf", "-Inf"), x)   # JSON has no Inf
}

table_rows <- function(m) lapply(seq_len(nrow(m)), function(i) as.integer(m[i, ]))

fisher_case <- function(id, m) {
  ft <- fisher.test(m)
  out <- list(id = id, table = table_rows(m), p = ft$p.value)
  if (all(dim(m) == 2L)) {
    tt <- fisher_tight(m)
    stopifnot(identical(tt$p.value, ft$p.value))
    out$estimate <- num(ft$estimate)
    out$conf_int <- num(ft$conf.int)
    out$estimate_tight <- num(tt$estimate)
    out$conf_int_tight <- num(tt$conf.int)
  }
  out
}

chisq_case <- function(id, m) {
  warned <- FALSE
  ct <- withCallingHandlers(chisq.test(m), warning = function(w) {
    warned <<- TRUE
    invokeRestart("muffleWarning")
  })
  list(id = id, table = table_rows(m), statistic = unname(ct$statistic),
       df = unname(ct$parameter), p = ct$p.value, warned = warned,
       yates = all(dim(m) == 2L))
}

mat <- function(rows) do.call(rbind, rows)

hand <- list(
  tea        = mat(list(c(3, 1), c(1, 3))),
  convict    = mat(list(c(2, 15), c(10, 3))),
  small      = mat(list(c(2, 8), c(7, 2))),
  moderate   = mat(list(c(25, 30), c(40, 18))),
  large      = mat(list(c(120, 95), c(80, 130))),
  balanced   = mat(list(c(5, 5), c(5, 5))),
  zero_or0   = mat(list(c(0, 6), c(5, 4))),      # x11 = lo       -> OR 0
  zero_or0b  = mat(list(c(4, 5), c(3, 0))),      # x22 = 0, x11 = lo -> OR 0
  zero_inf   = mat(list(c(7, 2), c(0, 5))),      # x11 = hi       -> OR Inf
  zero_inf2  = mat(list(c(9, 0), c(0, 1))),      # two zero cells -> OR Inf
  extreme    = mat(list(c(40, 1), c(1, 40))),    # huge OR, tiny p
  r2x3       = mat(list(c(3, 1, 4), c(1, 5, 2))),
  r2x3b      = mat(list(c(10, 4, 0), c(2, 6, 9))),
  r3x3       = mat(list(c(2, 3, 0), c(1, 1, 4), c(5, 0, 2))),
  r3x3b      = mat(list(c(8, 3, 2), c(4, 7, 3), c(1, 5, 9))),
  r3x4       = mat(list(c(1, 2, 0, 3), c(4, 0, 2, 1), c(0, 3, 3, 1))),
  r4x4       = mat(list(c(3, 2, 2, 1), c(2, 3, 2, 2), c(1, 2, 4, 3), c(1, 1, 2, 4)))
)
fisher_cases <- Map(fisher_case, names(hand), hand)

g <- read.csv("mirprog/datasets/gbsg2.csv", stringsAsFactors = FALSE)
g$tgrade <- factor(g$tgrade, levels = c("I", "II", "III"))
g$progrec_high <- as.integer(g$progrec > median(g$progrec))

gbsg_case <- function(id, a, b) {
  m <- unclass(table(g[[a]], g[[b]]))
  out <- fisher_case(id, m)
  out$a <- a
  out$b <- b
  out$row_levels <- rownames(m)
  out$col_levels <- colnames(m)
  out
}
gbsg2_cases <- list(
  gbsg_case("horTh_menostat", "horTh", "menostat"),
  gbsg_case("tgrade_progrec_high", "tgrade", "progrec_high")
)

chisq_cases <- list(
  chisq_case("gbsg2_tgrade_menostat", unclass(table(g$tgrade, g$menostat))),
  chisq_case("gbsg2_horTh_menostat", unclass(table(g$horTh, g$menostat))),
  chisq_case("sparse_3x3", hand$r3x3),
  chisq_case("moderate_2x2", hand$moderate)
)

meta <- list(
  r_version = R.version.string,
  jsonlite = as.character(packageVersion("jsonlite")),
  script = "tests/reference/fisher_reference.R",
  generated = format(Sys.Date())
)

write_json(list(meta = meta, fisher = unname(fisher_cases), gbsg2 = gbsg2_cases,
                chisq = chisq_cases),
           file.path(out_dir, "fisher_fishertest.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("wrote tests/reference/fisher_fishertest.json\n")
