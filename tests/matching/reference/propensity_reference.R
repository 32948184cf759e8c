# Reference output for tests/matching/test_propensity_fit.py (R 4.2.2, brglm2 0.9).
# Run from this folder:  Rscript propensity_reference.R
# Inputs: ps_*.csv written by propensity_fixtures.py; endometrial from brglm2 (Heinze & Schemper 2002).
# Outputs: glm_<fixture>_coef.csv (NA = aliased), glm_<fixture>_fitted.csv,
#          firth_<fixture>_coef.csv, firth_<fixture>_fitted.csv, endometrial.csv, propensity_reference_info.csv
suppressPackageStartupMessages(library(brglm2))

write_coef <- function(fit, file) {
  cf <- coef(fit)
  write.csv(data.frame(term = names(cf), estimate = unname(cf), converged = fit$converged),
            file, row.names = FALSE, na = "NA")
}
write_fitted <- function(fit, file) {
  write.csv(data.frame(fitted = unname(fitted(fit))), file, row.names = FALSE)
}
opt <- options(digits = 17)

# Maximum likelihood (glm) where it exists; R marks aliased columns NA
ml <- list(
  ps_aliased = t ~ age + prior_custody_spells + prior_bed_days + jurisdiction + region + adult,
  ps_regular = t ~ age + prior_proven + substance + sex
)
# ps_separated after common support: the pre-trial cases (all alternatives) left out
restrict <- list(ps_separated = function(d) d[d$stage != "pre_trial", ])
ml$ps_separated <- t ~ age + prior_proven + stage
info <- data.frame()
for (name in names(ml)) {
  d <- read.csv(paste0(name, ".csv"))
  if (!is.null(restrict[[name]])) d <- restrict[[name]](d)
  fit <- glm(ml[[name]], data = d, family = binomial())
  write_coef(fit, paste0("glm_", name, "_coef.csv"))
  write_fitted(fit, paste0("glm_", name, "_fitted.csv"))
  info <- rbind(info, data.frame(fixture = name, method = "glm", converged = fit$converged,
                                 iterations = fit$iter, deviance = fit$deviance))
}

# Firth (mean bias reduction, Firth 1993) with brglm2, on separated and regular fixtures
firth <- list(
  ps_separated = t ~ age + prior_proven + stage,
  ps_regular = t ~ age + prior_proven + substance + sex,
  ps_combination = t ~ age + jurisdiction + stage,
  ps_complete = t ~ age + prior
)
for (name in names(firth)) {
  d <- read.csv(paste0(name, ".csv"))
  fit <- glm(firth[[name]], data = d, family = binomial(), method = "brglmFit", type = "AS_mean",
             control = list(epsilon = 1e-12, maxit = 500))
  write_coef(fit, paste0("firth_", name, "_coef.csv"))
  write_fitted(fit, paste0("firth_", name, "_fitted.csv"))
  info <- rbind(info, data.frame(fixture = name, method = "brglmFit AS_mean", converged = fit$converged,
                                 iterations = fit$iter, deviance = fit$deviance))
}

# Endometrial cancer data (Heinze & Schemper 2002): NV = 1 only with HG = 1 (quasi-complete separation)
data("endometrial", package = "brglm2")
write.csv(endometrial, "endometrial.csv", row.names = FALSE)
fit <- glm(HG ~ NV + PI + EH, data = endometrial, family = binomial(), method = "brglmFit",
           type = "AS_mean", control = list(epsilon = 1e-12, maxit = 500))
write_coef(fit, "firth_endometrial_coef.csv")
write_fitted(fit, "firth_endometrial_fitted.csv")
info <- rbind(info, data.frame(fixture = "endometrial", method = "brglmFit AS_mean", converged = fit$converged,
                               iterations = fit$iter, deviance = fit$deviance))
write.csv(info, "propensity_reference_info.csv", row.names = FALSE)
cat(R.version.string, " brglm2 ", as.character(packageVersion("brglm2")), "\n",
    file = "propensity_reference_versions.txt", sep = "")
