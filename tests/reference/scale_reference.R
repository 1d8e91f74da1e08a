# Follow-up times of R's rotterdam data (survival 3.5-3), in days, for the mixed-unit
# check (issue 14, item 10): honest one-unit data that must not raise a UnitWarning.
# Run from the repository root: Rscript tests/reference/scale_reference.R
source(file.path("tests", "reference", "_preamble.R"))
write.csv(data.frame(dtime = rotterdam$dtime, death = rotterdam$death,
                     rtime = rotterdam$rtime, recur = rotterdam$recur),
          file.path(out_dir, "rotterdam_times.csv"), row.names = FALSE)
