# Shared preamble of every tests/reference/<statistic>_reference.R script.
#
# Each script starts with
#     source(file.path("tests", "reference", "_preamble.R"))
# and is run from the repository root:
#     Rscript tests/reference/<statistic>_reference.R
#
# It loads survival and jsonlite, checks the output directory, and defines
#   out_dir          tests/reference, where every fixture is written;
#   make_meta(pkgs)  the "meta" block of a fixture: R, survival, the extra packages
#                    `pkgs` (their versions), jsonlite and the script that wrote it;
#   meta             make_meta() for survival alone (a script replaces it when it
#                    uses more packages);
#   write_out(x, f)  writes x (with meta first, then any x$meta of its own) to
#                    out_dir/f at full precision (digits = NA, i.e. 15 significant
#                    digits), NA -> null, compact JSON;
#   num(x)           an unnamed numeric vector;
#   read_gbsg2()     mirprog/datasets/gbsg2.csv, the rows mirprog uses, checked.
# R is a test-time ORACLE ONLY: the fixtures are committed and pytest only reads them.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

out_dir <- file.path("tests", "reference")
stopifnot(dir.exists(out_dir))

script_path <- function() {
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f)) sub("^\\./", "", f[1]) else NA_character_
}

make_meta <- function(packages = character(0)) {
  m <- list(r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")))
  for (p in packages) m[[paste0(p, "_version")]] <- as.character(packageVersion(p))
  m$jsonlite_version <- as.character(packageVersion("jsonlite"))
  m$generated_by <- script_path()
  m
}
meta <- make_meta()

write_out <- function(x, name) {
  x$meta <- c(meta, x$meta)
  write_json(x, file.path(out_dir, name), digits = NA, auto_unbox = TRUE,
             null = "null", na = "null", pretty = FALSE)
  cat("wrote", name, "\n")
}

num <- function(x) unname(as.numeric(x))

read_gbsg2 <- function() {
  stopifnot(file.exists("mirprog/datasets/gbsg2.csv"))
  g <- read.csv("mirprog/datasets/gbsg2.csv", stringsAsFactors = FALSE)
  stopifnot(nrow(g) == 686, identical(g$id, 1:686))
  g
}
