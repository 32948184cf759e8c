# Reference values for the pooling of every evaluation stage (altmeasures_eval.imputation.pool_frame,
# pool_survival; issue #17): mice::pool.scalar on each quantity of stage_per_imputation.csv.
# Run: Rscript tests/imputation/reference/stage_pool_reference.R   (R 4.2, mice 3.15, Debian r-cran-mice)
# Input (written by stage_estimates.py): one row per imputation and quantity (stage, key, imputation,
# estimate, se, log). Output stage_pooled.csv: per quantity qbar, ubar, b, t, df, riv, fmi from
# pool.scalar(Q, U) with n = Inf (large-sample analyses: df = (m - 1) / lambda^2, Barnard-Rubin with
# dfcom infinite), and the 95% interval qbar -+ qt(0.975, df) sqrt(t) and the two-sided p-value from
# Student's t; for ratios (log = 1) the estimate and interval are exp() of the log-scale values.
suppressPackageStartupMessages(library(mice))
here <- dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))))
per <- read.csv(file.path(here, "stage_per_imputation.csv"), stringsAsFactors = FALSE)
keys <- unique(per[, c("stage", "key", "log")])
rows <- lapply(seq_len(nrow(keys)), function(i) {
  s <- per[per$stage == keys$stage[i] & per$key == keys$key[i], ]
  s <- s[order(s$imputation), ]
  q <- if (keys$log[i] == 1) log(s$estimate) else s$estimate
  p <- pool.scalar(q, s$se^2)
  half <- qt(0.975, p$df) * sqrt(p$t)
  lo <- p$qbar - half
  hi <- p$qbar + half
  back <- if (keys$log[i] == 1) exp else identity
  data.frame(stage = keys$stage[i], key = keys$key[i], m = p$m, estimate = back(p$qbar), ci_low = back(lo),
             ci_high = back(hi), p_value = 2 * pt(-abs(p$qbar / sqrt(p$t)), p$df), qbar = p$qbar, ubar = p$ubar,
             b = p$b, t = p$t, df = p$df, riv = p$r, fmi = p$fmi)
})
write.csv(do.call(rbind, rows), file.path(here, "stage_pooled.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("mice", packageVersion("mice"))), file.path(here, "stage_versions.txt"))
