# Reference output from R MatchIt 4.5.1 for tests/matching/test_matchit_crosscheck.py.
# Run from the repository root:  Rscript tests/matching/reference/matchit_reference.R
# Writes, beside this script: lalonde.csv, sim.csv (data), <config>_units.csv (distance, weights,
# subclass per row), <config>_mm.csv (match matrix, 1-based row numbers), glm_coef.csv, summary.csv
# (ATT as the weighted difference in means, and its cluster-robust SE on subclass, CR1 as
# sandwich::vcovCL(type = "HC1") computed by hand because sandwich is not installed here).
#
# MatchIt 4.5.1's nn_matchC_vec compares |distance differences| with the integer abs() of C, so
# differences are truncated to whole numbers: the caliper is checked on the truncated value and the
# left (lower-score) neighbour wins whenever both neighbours are less than 1 apart. To get the
# intended algorithm from 4.5.1 we pass the logit score multiplied by SCALE = 1e6 as a numeric
# `distance` (order, ties and the caliper in SD units are unchanged by scaling; truncation then
# acts at 1e-6). Config `lal_11_cal_451bug` keeps the unscaled run to document the bug.
suppressPackageStartupMessages(library(MatchIt))
out <- "tests/matching/reference"
stopifnot(packageVersion("MatchIt") == "4.5.1")

data("lalonde", package = "MatchIt")
lalonde$race <- as.character(lalonde$race)
write.csv(lalonde, file.path(out, "lalonde.csv"), row.names = FALSE)

set.seed(20261128)
n <- 4000
sim <- data.frame(
  jurisdiction = sample(c("north", "south", "east"), n, replace = TRUE, prob = c(.5, .3, .2)),
  index_year = sample(2019:2021, n, replace = TRUE),
  age = round(rnorm(n, 32, 9)),
  prior_proven = rpois(n, 1.5),
  male = rbinom(n, 1, 0.8)
)
lp <- -1 + 0.03 * (sim$age - 32) - 0.35 * sim$prior_proven + 0.4 * (sim$jurisdiction == "south")
sim$treatment <- rbinom(n, 1, plogis(lp))
sim$y <- rbinom(n, 1, plogis(-0.5 + 0.3 * sim$prior_proven - 0.4 * sim$treatment))
write.csv(sim, file.path(out, "sim.csv"), row.names = FALSE)

fl <- treat ~ age + educ + race + married + nodegree + re74 + re75
fs <- treatment ~ age + prior_proven + male + jurisdiction

g <- glm(fl, data = lalonde, family = binomial)
write.csv(data.frame(term = names(coef(g)), estimate = unname(coef(g))),
          file.path(out, "glm_coef.csv"), row.names = FALSE)

cr1_att <- function(m, y, data) {
  md <- match.data(m)
  md$.y <- md[[y]]
  X <- cbind(1, md[[all.vars(m$formula)[1]]])
  W <- md$weights
  beta <- solve(t(X) %*% (W * X), t(X) %*% (W * md$.y))
  e <- as.vector(md$.y - X %*% beta)
  bread <- solve(t(X) %*% (W * X))
  cl <- md$subclass
  S <- rowsum(X * (W * e), cl)
  G <- nrow(S); N <- nrow(X); K <- ncol(X)
  V <- bread %*% (t(S) %*% S) %*% bread * G / (G - 1) * (N - 1) / (N - K)
  c(att = beta[2], se = sqrt(V[2, 2]))
}

SCALE <- 1e6
configs <- list(
  lal_11_cal_451bug = list(data = "lalonde", f = fl, args = list(caliper = 0.2), y = "re78", unscaled = TRUE),
  lal_11_cal = list(data = "lalonde", f = fl, args = list(caliper = 0.2), y = "re78"),
  lal_12_nocal = list(data = "lalonde", f = fl, args = list(ratio = 2), y = "re78"),
  lal_11_repl = list(data = "lalonde", f = fl, args = list(replace = TRUE, caliper = 0.1), y = "re78"),
  lal_13_repl = list(data = "lalonde", f = fl, args = list(replace = TRUE, ratio = 3), y = "re78"),
  lal_exact_small = list(data = "lalonde", f = fl, args = list(exact = ~married, caliper = 0.25, m.order = "smallest"), y = "re78"),
  lal_atc = list(data = "lalonde", f = fl, args = list(estimand = "ATC", caliper = 0.2), y = "re78"),
  lal_raw_cal = list(data = "lalonde", f = fl, args = list(caliper = 0.05, std.caliper = FALSE), y = "re78"),
  sim_exact = list(data = "sim", f = fs, args = list(exact = ~jurisdiction + index_year, caliper = 0.2), y = "y"),
  lal_mahvars = list(data = "lalonde", f = fl, args = list(mahvars = ~age + educ + re74, caliper = 0.25), y = "re78"),
  sim_mahvars_exact = list(data = "sim", f = fs, args = list(mahvars = ~age + prior_proven, exact = ~jurisdiction, caliper = 0.2), y = "y"),
  sim_12_exact = list(data = "sim", f = fs, args = list(exact = ~jurisdiction, ratio = 2, caliper = 0.1), y = "y"),
  sim_atc_exact = list(data = "sim", f = fs, args = list(estimand = "ATC", exact = ~jurisdiction, caliper = 0.2), y = "y")
)
summ <- list()
for (name in names(configs)) {
  cf <- configs[[name]]
  d <- if (cf$data == "lalonde") lalonde else sim
  if (isTRUE(cf$unscaled)) {
    m <- do.call(matchit, c(list(formula = cf$f, data = d, method = "nearest",
                                 distance = "glm", link = "linear.logit"), cf$args))
  } else {
    lin <- predict(glm(cf$f, data = d, family = binomial), type = "link")
    args <- cf$args
    if (isFALSE(args$std.caliper)) args$caliper <- args$caliper * SCALE
    m <- do.call(matchit, c(list(formula = cf$f, data = d, method = "nearest",
                                 distance = unname(lin) * SCALE), args))
  }
  # distance exactly as MatchIt matched on (scaled unless `unscaled`), written with 17 digits
  units <- data.frame(row = seq_len(nrow(d)),
                      distance = sprintf("%.17g", unname(m$distance)),
                      weights = unname(m$weights),
                      subclass = if (is.null(m$subclass)) NA else as.integer(as.character(m$subclass)))
  write.csv(units, file.path(out, paste0(name, "_units.csv")), row.names = FALSE)
  mm <- m$match.matrix
  mmn <- matrix(match(mm, rownames(d)), nrow = nrow(mm))
  write.csv(data.frame(focal = match(rownames(mm), rownames(d)), mmn),
            file.path(out, paste0(name, "_mm.csv")), row.names = FALSE)
  md <- match.data(m)
  yv <- md[[cf$y]]; tv <- md[[all.vars(cf$f)[1]]]
  att <- weighted.mean(yv[tv == 1], md$weights[tv == 1]) - weighted.mean(yv[tv == 0], md$weights[tv == 0])
  se <- if (is.null(m$subclass)) NA else cr1_att(m, cf$y, d)["se"]
  summ[[name]] <- data.frame(config = name, effect = att, se_cr1 = unname(se),
                             n_matched_treated = sum(m$weights[d[[all.vars(cf$f)[1]]] == 1] > 0),
                             n_matched_control = sum(m$weights[d[[all.vars(cf$f)[1]]] == 0] > 0))
}
write.csv(do.call(rbind, summ), file.path(out, "summary.csv"), row.names = FALSE)
cat("MatchIt", as.character(packageVersion("MatchIt")), "R", R.version.string, "\n",
    file = file.path(out, "VERSIONS.txt"))

# Balance: summary.matchit() for config lal_11_cal (ATT, SD denominator = treated SD of the full
# sample). Columns: Means Treated, Means Control, Std. Mean Diff., Var. Ratio, eCDF Mean, eCDF Max.
lin <- predict(glm(fl, data = lalonde, family = binomial), type = "link")
m <- matchit(fl, data = lalonde, method = "nearest", distance = unname(lin) * SCALE, caliper = 0.2)
s <- summary(m, un = TRUE)
write.csv(cbind(covariate = rownames(s$sum.all), as.data.frame(s$sum.all)),
          file.path(out, "balance_all.csv"), row.names = FALSE)
write.csv(cbind(covariate = rownames(s$sum.matched), as.data.frame(s$sum.matched)),
          file.path(out, "balance_matched.csv"), row.names = FALSE)
