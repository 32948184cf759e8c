# Reference values for altmeasures_eval.imputation pooling (Rubin's rules, Barnard-Rubin df).
# Run: Rscript tests/imputation/reference/pool_reference.R   (R 4.2, mice 3.15, Debian r-cran-mice)
# Writes, beside this script:
#   nhanes_per_imputation.csv  estimates and SEs of lm(chl ~ age + bmi) in each of 5 imputations
#   nhanes_pooled.csv          mice::pool() of those fits (estimate, ubar, b, t, dfcom, df, riv, lambda, fmi)
#   logit_per_imputation.csv   glm(hyp == "yes" ~ bmi + chl, binomial) in each of 10 imputations
#   logit_pooled.csv           mice::pool() of those fits
#   scalar.csv                 mice::pool.scalar() of one quantity, with finite and infinite n
suppressPackageStartupMessages(library(mice))
here <- dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))))
out <- function(x, f) write.csv(x, file.path(here, f), row.names = FALSE)
per_imp <- function(fits) {
  do.call(rbind, lapply(seq_along(fits), function(i) {
    s <- summary(fits[[i]])$coefficients
    data.frame(imputation = i, term = rownames(s), estimate = s[, 1], se = s[, 2],
               dfcom = df.residual(fits[[i]]))
  }))
}
pooled <- function(p) {
  x <- p$pooled
  data.frame(term = as.character(x$term), estimate = x$estimate, ubar = x$ubar, b = x$b, t = x$t,
             dfcom = x$dfcom, df = x$df, riv = x$riv, lambda = x$lambda, fmi = x$fmi)
}

imp <- mice(nhanes, m = 5, seed = 123, print = FALSE)
fit <- with(imp, lm(chl ~ age + bmi))
out(per_imp(fit$analyses), "nhanes_per_imputation.csv")
out(pooled(pool(fit)), "nhanes_pooled.csv")

imp2 <- mice(nhanes2, m = 10, seed = 2024, print = FALSE)
fit2 <- with(imp2, glm(I(hyp == "yes") ~ bmi + chl, family = binomial))
out(per_imp(fit2$analyses), "logit_per_imputation.csv")
out(pooled(pool(fit2)), "logit_pooled.csv")

Q <- c(0.112, 0.145, 0.098, 0.131, 0.127, 0.102, 0.139)
U <- c(0.0021, 0.0019, 0.0024, 0.0020, 0.0022, 0.0023, 0.0018)
s1 <- pool.scalar(Q, U, n = 60, k = 2)
s2 <- pool.scalar(Q, U)  # n = Inf: large-sample df (m - 1) / lambda^2
sc <- function(s, n) data.frame(n = n, qbar = s$qbar, ubar = s$ubar, b = s$b, t = s$t, df = s$df, r = s$r, fmi = s$fmi)
out(rbind(cbind(data.frame(q = paste(Q, collapse = " "), u = paste(U, collapse = " ")), sc(s1, 60)),
          cbind(data.frame(q = paste(Q, collapse = " "), u = paste(U, collapse = " ")), sc(s2, Inf))),
    "scalar.csv")
writeLines(c(R.version.string, paste("mice", packageVersion("mice"))), file.path(here, "versions.txt"))
