# Cox models with two-way interactions (R survival coxph with a*b and a:b), and the LR test
# of the interaction (anova of the nested fits), for mirprog.cox's "a:b" / "a*b" terms.
# Run from the repository root:  Rscript tests/reference/interaction_reference.R
# Writes coxph_interaction_gbsg2.json.
source(file.path("tests", "reference", "_preamble.R"))

g <- read_gbsg2()
g$tgrade <- factor(g$tgrade, levels = c("I", "II", "III"))
g$horTh <- factor(g$horTh, levels = c("no", "yes"))
g$pgr_high <- as.integer(g$progrec > 20)

one <- function(id, full, reduced, ties, interaction) {
  f <- eval(call("coxph", full, data = as.name("g"), ties = ties), globalenv())
  f0 <- eval(call("coxph", reduced, data = as.name("g"), ties = ties), globalenv())
  a <- anova(f0, f)
  d <- drop1(f, test = "Chisq")
  list(id = id, ties = ties, terms = names(coef(f)), coef = num(coef(f)),
       var = unname(f$var), loglik = num(f$loglik),
       lr_chi2 = num(a$Chisq[2]), lr_df = num(a$Df[2]), lr_p = num(a[2, "Pr(>|Chi|)"]),
       drop1_term = rownames(d)[nrow(d)], drop1_chi2 = num(d$LRT[nrow(d)]))
}
cases <- list()
for (ties in c("breslow", "efron")) {
  cases[[length(cases) + 1]] <- one(paste0("horTh*tgrade-", ties),
    Surv(time, cens) ~ horTh * tgrade, Surv(time, cens) ~ horTh + tgrade, ties)
  cases[[length(cases) + 1]] <- one(paste0("horTh*age-", ties),
    Surv(time, cens) ~ pnodes + horTh * age, Surv(time, cens) ~ pnodes + horTh + age, ties)
  cases[[length(cases) + 1]] <- one(paste0("tgrade*pgr_high-", ties),
    Surv(time, cens) ~ tgrade * pgr_high, Surv(time, cens) ~ tgrade + pgr_high, ties)
  cases[[length(cases) + 1]] <- one(paste0("tgrade*age-", ties),
    Surv(time, cens) ~ horTh + tgrade * age, Surv(time, cens) ~ horTh + tgrade + age, ties)
  cases[[length(cases) + 1]] <- one(paste0("pnodes:age-", ties),
    Surv(time, cens) ~ pnodes + age + pnodes:age, Surv(time, cens) ~ pnodes + age, ties)
}
# the subgroup table's interaction p: pgr_high x (post-menopausal), and x (grade I)
g$post <- as.integer(g$menostat == "Post")
g$grade1 <- as.integer(g$tgrade == "I")
sub <- list()
for (ties in c("breslow", "efron")) for (s in c("post", "grade1")) {
  big <- coxph(as.formula(paste("Surv(time, cens) ~ pgr_high *", s)), data = g, ties = ties)
  small <- coxph(as.formula(paste("Surv(time, cens) ~ pgr_high +", s)), data = g, ties = ties)
  sub[[length(sub) + 1]] <- list(id = paste(s, ties, sep = "-"), ties = ties, subgroup = s,
                                 p = num(anova(small, big)[2, "Pr(>|Chi|)"]))
}
write_out(list(cases = cases, subgroup_interaction = sub), "coxph_interaction_gbsg2.json")
