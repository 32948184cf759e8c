# Reference for matching with ties averaged (match_nearest(ties="average")) and the Abadie-Imbens
# (2006) variance with a constant conditional variance (ai_neighbors=0): R package Matching 4.10-8
# (Sekhon 2011, J Stat Softw 42(7); Debian r-cran-matching 4.10-8-1), R 4.2.
# Run from the repository root: Rscript tests/effects/reference/matching_ties_reference.R
#
# Data: Matching's `lalonde` (Dehejia-Wahba NSW subsample, 445 people, 185 treated; GPL-3, see
# lalonde_nsw_dw_SOURCE.md), written to lalonde_nsw_dw.csv by this script.
# Model: the example of ?Match ("Replication of Dehejia and Wahba psid3 model") and of the
# package's tests/testthat/test-DehejiaWehba.R; X = the fitted probability, Match's defaults
# (ATT, M = 1, replace = TRUE, ties = TRUE, distance.tolerance = 1e-5, Var.calc = 0).
# Published output of that call with Matching 4.x (J. Bryer, "Applied Propensity Score Analysis
# with R", chapter "Matching", github.com/jbryer/psa 03-Matching.md, rr.att):
#   Estimate... 2153.3  AI SE...... 825.4  T-stat..... 2.6088  p.val...... 0.0090858
#   Matched number of observations (unweighted). 346
suppressPackageStartupMessages(library(Matching))
stopifnot(packageVersion("Matching") == "4.10.8")
data(lalonde)
write.csv(lalonde, "tests/effects/reference/lalonde_nsw_dw.csv", row.names = FALSE)
glm1 <- glm(treat ~ age + I(age^2) + educ + I(educ^2) + black + hisp + married + nodegr +
              re74 + I(re74^2) + re75 + I(re75^2) + u74 + u75, family = binomial, data = lalonde)
ps <- unname(glm1$fitted)
write.csv(data.frame(ps = sprintf("%.17g", ps), linear = sprintf("%.17g", unname(predict(glm1, type = "link")))),
          "tests/effects/reference/lalonde_nsw_dw_ps.csv", row.names = FALSE)
Y <- lalonde$re78
Tr <- lalonde$treat
# R's caliper is in SDs with denominator N (MatchGenoudStage1caliper); the tests pass it in units.
# With a caliper Match drops a focal unit whose M-th nearest unit is outside it (RmatchLoop ->
# MatchLoopC: Distmax beyond the caliper -> sum_caliper_drops++), even when nearer ones are inside;
# match_nearest keeps it with the matches it has (MatchIt's rule), so only M = 1 is compared with a
# caliper. Match's AI SE then also counts the dropped focal units: SN = all focal units and
# YCAUS = 0 for the dropped ones (RmatchLoop: dvar.pop <- sum(iot.t * (YCAUS - est)^2) / SN^2),
# which the test undoes explicitly.
sd_n <- sqrt(mean((ps - mean(ps))^2))
settings <- list(
  list(name = "book_att_m1", estimand = "ATT", M = 1, tol = 1e-5, caliper = NULL),
  list(name = "att_m1_exact_ties", estimand = "ATT", M = 1, tol = 0, caliper = NULL),
  list(name = "att_m3", estimand = "ATT", M = 3, tol = 1e-5, caliper = NULL),
  list(name = "atc_m1", estimand = "ATC", M = 1, tol = 1e-5, caliper = NULL),
  list(name = "atc_m4", estimand = "ATC", M = 4, tol = 1e-5, caliper = NULL),
  list(name = "att_m1_caliper", estimand = "ATT", M = 1, tol = 1e-5, caliper = 0.1)
)
rows <- list()
for (s in settings) {
  args <- list(Y = Y, Tr = Tr, X = ps, M = s$M, estimand = s$estimand, replace = TRUE, ties = TRUE,
               distance.tolerance = s$tol, Var.calc = 0, BiasAdjust = FALSE)
  if (!is.null(s$caliper)) args$caliper <- s$caliper
  m <- do.call(Match, args)
  if (s$name == "book_att_m1") summary(m)
  rows[[length(rows) + 1]] <- data.frame(
    setting = s$name, estimand = s$estimand, M = s$M, distance_tolerance = s$tol,
    caliper_units = if (is.null(s$caliper)) NA else sprintf("%.17g", s$caliper * sd_n),
    estimate = sprintf("%.17g", m$est), se = sprintf("%.17g", m$se),
    pairs = length(m$index.treated), matched_focal = m$wnobs, dropped = m$ndrops)
}
out <- do.call(rbind, rows)
write.csv(out, "tests/effects/reference/matching_ties.csv", row.names = FALSE)
print(out)
