# Reference for altmeasures_eval.population.length_of_stay: Kaplan-Meier of time served with
# people still held (released = 0) censored; restricted mean up to each stream's longest time
# served and the median. Run: Rscript km_time_served.R  (R 4.2, survival 3.5)
suppressPackageStartupMessages(library(survival))
d <- read.csv("time_served.csv")
out <- do.call(rbind, lapply(split(d, d$stream), function(g) {
  fit <- survfit(Surv(time_served, released) ~ 1, data = g)
  tab <- summary(fit, rmean = max(g$time_served))$table
  data.frame(stream = g$stream[1], n = nrow(g), rmean = unname(tab["rmean"]),
             median = unname(tab["median"]), surv_end = tail(fit$surv, 1))
}))
write.csv(out, "km_time_served_R.csv", row.names = FALSE)
print(out)
