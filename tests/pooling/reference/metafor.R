# Reference values for altmeasures_eval.pooling: random-effects meta-analysis by R metafor.
#
# Run from this folder:  Rscript metafor.R
# Writes  metafor_inputs.csv   (dataset, study, yi, vi: the effect sizes every fit uses)
#         metafor_results.csv  (one row per dataset x tau^2 method x test)
# R 4.2 with r-cran-metafor (Debian); the versions used are written in metafor_session.txt.
# Tolerances are tightened (REML Fisher scoring threshold, Paule-Mandel uniroot tol) so that the
# stored values are exact to ~1e-10 and the Python side can be compared at 1e-6.
suppressPackageStartupMessages(library(metafor))

datasets <- list()

# 1. BCG vaccine trials (Colditz et al. 1994), log risk ratios: metafor's dat.bcg, as in the
#    rma.uni help page and Viechtbauer (2010, J Stat Softw 36(3), section 4).
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
datasets$bcg <- data.frame(study = paste(bcg$author, bcg$year), yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi))

# 2. Four countries' adjusted risk differences of 1-year reoffending (made-up, heterogeneous).
datasets$countries4 <- data.frame(study = c("AAA", "BBB", "CCC", "DDD"),
                                  yi = c(-0.062, -0.021, 0.004, -0.095),
                                  vi = c(0.018, 0.015, 0.022, 0.025)^2)

# 3. Three years of one country, homogeneous (tau^2 estimate 0 for every method).
datasets$years3 <- data.frame(study = c("2019", "2020", "2021"),
                              yi = c(-0.040, -0.045, -0.038),
                              vi = c(0.020, 0.021, 0.019)^2)

# 4. Two studies (the smallest k), moderately different.
datasets$two <- data.frame(study = c("first", "second"), yi = c(-0.10, 0.02), vi = c(0.03, 0.04)^2)

ctrl <- list(threshold = 1e-13, tol = 1e-13, maxiter = 10000, stepadj = 0.5)
inputs <- do.call(rbind, lapply(names(datasets), function(n) cbind(dataset = n, datasets[[n]])))
write.csv(inputs, "metafor_inputs.csv", row.names = FALSE)

rows <- list()
for (n in names(datasets)) {
  d <- datasets[[n]]
  for (method in c("DL", "REML", "PM")) {
    for (test in c("z", "knha")) {
      fit <- rma(yi, vi, data = d, method = method, test = test, control = ctrl)
      p <- predict(fit)
      rows[[length(rows) + 1]] <- data.frame(
        dataset = n, method = method, test = test, k = fit$k,
        estimate = as.numeric(fit$b), se = fit$se, ci_low = fit$ci.lb, ci_high = fit$ci.ub,
        pvalue = fit$pval, tau2 = fit$tau2, i2 = fit$I2, h2 = fit$H2, q = fit$QE, q_df = fit$k - 1,
        q_pvalue = fit$QEp, pi_low = p$pi.lb, pi_high = p$pi.ub)
    }
  }
}
out <- do.call(rbind, rows)
write.csv(format(out, digits = 15), "metafor_results.csv", row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string, paste("metafor", packageVersion("metafor"))), "metafor_session.txt")
