# Reference for tests/effects/test_not_estimable.py: Newcombe (1998) method 10 (hybrid score /
# MOVER-Wilson) intervals for a difference of two independent proportions, and the score test.
# Wilson limits come from R's own prop.test(correct = FALSE) (Wilson 1927 score interval);
# Newcombe combines them: L = d - sqrt((p1 - l1)^2 + (u0 - p0)^2), U = d + sqrt((u1 - p1)^2 + (p0 - l0)^2).
# Run: Rscript newcombe_mover.R > newcombe_mover.out
wilson <- function(x, n) suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int)
newcombe <- function(x1, n1, x0, n0) {
  p1 <- x1 / n1; p0 <- x0 / n0; w1 <- wilson(x1, n1); w0 <- wilson(x0, n0)
  c(p1 - p0 - sqrt((p1 - w1[1])^2 + (w0[2] - p0)^2), p1 - p0 + sqrt((w1[2] - p1)^2 + (p0 - w0[1])^2))
}
cases <- list(c(56, 70, 48, 80), c(10, 10, 3, 10), c(3, 10, 0, 10), c(9, 10, 1, 10))
for (k in cases) {
  ci <- newcombe(k[1], k[2], k[3], k[4])
  p <- suppressWarnings(prop.test(c(k[1], k[3]), c(k[2], k[4]), correct = FALSE)$p.value)
  cat(sprintf("x1=%d n1=%d x0=%d n0=%d  lower=%.10f upper=%.10f score_p=%.10g\n", k[1], k[2], k[3], k[4], ci[1], ci[2], p))
}
