# Reference for the Abadie-Imbens (2006) variance of matching with replacement:
# R package Matching (Sekhon) 4.10-8, Match(..., replace = TRUE, BiasAdjust = FALSE, Var.calc = J).
# Run from the repository root: Rscript tests/effects/reference/abadie_imbens_reference.R
# Data: the Lalonde data stored under tests/matching/reference; X = logit propensity score from
# glm(treat ~ age + educ + race + married + nodegree + re74 + re75, binomial).
suppressPackageStartupMessages(library(Matching))
stopifnot(packageVersion("Matching") == "4.10.8")
d <- read.csv("tests/matching/reference/lalonde.csv")
g <- glm(treat ~ age + educ + race + married + nodegree + re74 + re75, data = d, family = binomial)
# identical covariate rows give tied scores, which Matching breaks at random; a deterministic
# jitter of at most 0.02 (logit units) makes scores and within-group neighbour distances distinct
# enough that Match() finds no ties (jitters of 1e-6 to 1e-3 still produced ties or near-ties
# there), so tie handling cannot differ
lin <- unname(predict(g, type = "link")) + 0.02 * seq_len(nrow(d)) / nrow(d)
stopifnot(!any(duplicated(lin)))
rows <- list()
for (est in c("ATT", "ATC", "ATE")) for (M in c(1, 3)) for (J in c(1, 4)) {
  m <- Match(Y = d$re78, Tr = d$treat, X = lin, M = M, estimand = est, replace = TRUE,
             ties = TRUE, Var.calc = J, BiasAdjust = FALSE, distance.tolerance = 0)
  focal <- switch(est, ATT = sum(d$treat == 1), ATC = sum(d$treat == 0), ATE = nrow(d))
  stopifnot(length(m$index.control) == M * focal)  # no ties
  num <- function(x) if (length(x)) as.numeric(x)[1] else NA_real_
  rows[[length(rows) + 1]] <- data.frame(estimand = est, M = M, J = J, estimate = num(m$est),
                                         se = num(m[["se"]]), se_standard = num(m[["se.standard"]]))
}
out <- do.call(rbind, rows)
write.csv(data.frame(linear = sprintf("%.17g", lin)), "tests/effects/reference/lalonde_logit.csv", row.names = FALSE)
write.csv(out, "tests/effects/reference/abadie_imbens.csv", row.names = FALSE)
print(out)
