# Austin & Cafri (2020) variance of the log hazard ratio after matching with replacement, computed
# by their two-way formula with R's survival package, for the test in test_austin_cafri.py.
# The function is the one distributed with MatchIt's "Estimating effects" vignette (MatchIt 4.x)
# and reproduced as webrPSM::austinCafri (source: Austin PC, Cafri G. Stat Med 2020;39(11):1623-40).
# Input: austin_cafri_long.csv (written by austin_cafri_data.py). Run from this folder:
#   Rscript austin_cafri_reference.R   (R 4.2.x, survival 3.5-x) -> austin_cafri.csv
suppressPackageStartupMessages(library(survival))
austinCafri <- function(formula, data) {
  fs <- coxph(formula, data = data, robust = TRUE, weights = weights, cluster = subclass)
  Vs <- fs$var
  ks <- length(unique(data$subclass))
  fi <- coxph(formula, data = data, robust = TRUE, weights = weights, cluster = id)
  Vi <- fi$var
  ki <- length(unique(data$id))
  fc <- coxph(formula, data = data, robust = TRUE, weights = weights)
  Vc <- fc$var
  kc <- nrow(data)
  V <- (ks / (ks - 1)) * Vs + (ki / (ki - 1)) * Vi - (kc / (kc - 1)) * Vc
  list(coef = unname(coef(fc)), se = sqrt(V[1, 1]), se_set = sqrt(Vs[1, 1]), se_unit = sqrt(Vi[1, 1]),
       se_row = sqrt(Vc[1, 1]), n_sets = ks, n_units = ki, n_rows = kc)
}
long <- read.csv("austin_cafri_long.csv")
out <- do.call(rbind, lapply(split(long, long$ratio), function(d) {
  r <- austinCafri(Surv(time, event) ~ treatment, d)
  data.frame(ratio = d$ratio[1], r)
}))
out$R <- R.version.string
out$survival <- as.character(packageVersion("survival"))
write.csv(out, "austin_cafri.csv", row.names = FALSE)
print(out, digits = 12)
