# Follow-up times of R's rotterdam data (survival 3.5-3), in days, for the mixed-unit
# check (issue 14, item 10): honest one-unit data that must not raise a UnitWarning.
# Run from the repository root: Rscript tests/reference/units_reference.R
library(survival)
write.csv(data.frame(dtime = rotterdam$dtime, death = rotterdam$death,
                     rtime = rotterdam$rtime, recur = rotterdam$recur),
          "tests/reference/rotterdam_times.csv", row.names = FALSE)
