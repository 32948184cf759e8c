# Reference for altmeasures_eval.evaluation.required_group_size (R 4.2, stats::power.prop.test).
# Run: Rscript tests/evaluation/reference/power_prop.R > tests/evaluation/reference/power_prop.csv
cases <- data.frame(p1 = c(0.30, 0.329, 0.10, 0.50), p2 = c(0.35, 0.394, 0.12, 0.40),
                    sig = c(0.05, 0.05, 0.01, 0.05), power = c(0.8, 0.8, 0.9, 0.8))
cases$n <- mapply(function(p1, p2, s, pw) power.prop.test(p1 = p1, p2 = p2, sig.level = s, power = pw)$n,
                  cases$p1, cases$p2, cases$sig, cases$power)
write.csv(cases, stdout(), row.names = FALSE)
