# Reference output of R survival (3.5) for tests/survival. Regenerate from the repository root with
#   Rscript tests/survival/reference/survival_reference.R
# Inputs: rossi.csv (lifelines.datasets.load_rossi) and synthetic.csv (make_synthetic.py).
# Outputs: r_*.csv beside this script, read by the tests (CI has no R).
suppressPackageStartupMessages(library(survival))
here <- "tests/survival/reference"
rossi <- read.csv(file.path(here, "rossi.csv"))
syn <- read.csv(file.path(here, "synthetic.csv"))
syn$row <- seq_len(nrow(syn))
out <- function(df, name) write.csv(df, file.path(here, name), row.names = FALSE)
fmt <- function(x) x  # full precision: write.csv uses 15 significant digits

# ---- Cox models ---------------------------------------------------------------------------
cox_rows <- list(); test_rows <- list()
add_cox <- function(name, fit) {
  s <- summary(fit)$coefficients
  robust <- if ("robust se" %in% colnames(s)) s[, "robust se"] else NA
  cox_rows[[name]] <<- data.frame(model = name, term = rownames(s), coef = s[, "coef"],
                                  se = sqrt(diag(fit$naive.var %||% fit$var)), robust_se = robust)
  test_rows[[name]] <<- data.frame(model = name, loglik_null = fit$loglik[1], loglik = fit$loglik[2],
                                   lr = 2 * diff(fit$loglik), n = fit$n, nevent = fit$nevent)
}
`%||%` <- function(a, b) if (is.null(a)) b else a
f <- Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio
add_cox("rossi", coxph(f, data = rossi, ties = "efron"))
add_cox("rossi_robust", coxph(f, data = rossi, ties = "efron", robust = TRUE))
add_cox("rossi_breslow_robust", coxph(f, data = rossi, ties = "breslow", robust = TRUE))
add_cox("syn_weighted_cluster", coxph(Surv(time, event) ~ group + x1 + x2, data = syn, weights = w,
                                      cluster = cl, ties = "efron"))
add_cox("syn_weighted_cluster_strata", coxph(Surv(time, event) ~ group + x1 + x2 + strata(stratum), data = syn,
                                             weights = w, cluster = cl, ties = "efron"))
add_cox("syn_cause2_cluster", coxph(Surv(time, etype == 2) ~ group + x1 + x2, data = syn, cluster = cl,
                                    ties = "efron"))
out(do.call(rbind, cox_rows), "r_cox.csv")

# ---- proportional-hazards score tests: cox.zph (survival >= 3.0) --------------------------
zph_rows <- list()
add_zph <- function(name, fit, transform) {
  z <- cox.zph(fit, transform = transform)$table
  zph_rows[[paste(name, transform)]] <<- data.frame(model = name, transform = transform, term = rownames(z),
                                                    chisq = z[, "chisq"], df = z[, "df"], p = z[, "p"])
}
for (tr in c("km", "rank", "identity")) {
  add_zph("rossi", coxph(f, data = rossi), tr)
  add_zph("rossi_breslow", coxph(f, data = rossi, ties = "breslow"), tr)
  add_zph("syn_weighted_strata", coxph(Surv(time, event) ~ group + x1 + x2 + strata(stratum), data = syn,
                                       weights = w), tr)
}
out(do.call(rbind, zph_rows), "r_zph.csv")
out(do.call(rbind, test_rows), "r_cox_tests.csv")

# ---- Kaplan-Meier (log-log intervals) -------------------------------------------------------
km_rows <- list()
add_km <- function(name, fit) {
  s <- summary(fit, censored = FALSE)
  km_rows[[name]] <<- data.frame(model = name, group = sub(".*=", "", as.character(s$strata)), time = s$time,
                                 n_risk = s$n.risk, n_event = s$n.event, surv = s$surv, std_err = s$std.err,
                                 lower = s$lower, upper = s$upper)
}
add_km("rossi", survfit(Surv(week, arrest) ~ fin, data = rossi, conf.type = "log-log"))
add_km("syn_unweighted", survfit(Surv(time, event) ~ group, data = syn, conf.type = "log-log"))
add_km("syn_robust_rows", survfit(Surv(time, event) ~ group, data = syn, conf.type = "log-log",
                                  robust = TRUE, id = row))
add_km("syn_weighted", survfit(Surv(time, event) ~ group, data = syn, weights = w, conf.type = "log-log",
                               robust = TRUE, id = row))
add_km("syn_weighted_cluster", survfit(Surv(time, event) ~ group, data = syn, weights = w, cluster = cl,
                                       robust = TRUE, conf.type = "log-log"))
out(do.call(rbind, km_rows), "r_km.csv")

med <- function(name, fit) {
  tab <- summary(fit)$table
  data.frame(model = name, group = sub(".*=", "", rownames(tab)), median = tab[, "median"],
             lcl = tab[, "0.95LCL"], ucl = tab[, "0.95UCL"])
}
out(rbind(med("syn_unweighted", survfit(Surv(time, event) ~ group, data = syn, conf.type = "log-log")),
          med("syn_weighted_cluster", survfit(Surv(time, event) ~ group, data = syn, weights = w, cluster = cl,
                                              robust = TRUE, conf.type = "log-log"))),
    "r_median.csv")

# ---- RMST: print(survfit, rmean = tau) ----------------------------------------------------
rm_rows <- list()
add_rmst <- function(name, fit, tau) {
  for (ta in tau) {
    tab <- summary(fit, rmean = ta)$table
    rm_rows[[paste(name, ta)]] <<- data.frame(model = name, group = sub(".*=", "", rownames(tab)), tau = ta,
                                              rmean = tab[, "rmean"], se = tab[, "se(rmean)"])
  }
}
add_rmst("rossi", survfit(Surv(week, arrest) ~ fin, data = rossi), c(30, 52))
add_rmst("syn_unweighted", survfit(Surv(time, event) ~ group, data = syn), c(100, 250.5))
add_rmst("syn_weighted_cluster", survfit(Surv(time, event) ~ group, data = syn, weights = w, cluster = cl,
                                         robust = TRUE), c(100, 250.5))
out(do.call(rbind, rm_rows), "r_rmst.csv")

# R's se(rmean) above treats weighted counts as frequencies (Greenwood with weighted counts) even
# when robust = TRUE. The infinitesimal-jackknife SE is built here from R's own influence of the
# curve (influence = TRUE: per cluster x time), integrated over time for RMST and evaluated at the
# horizon for the risk; contrasts difference the two groups' influences within each cluster.
fit <- survfit(Surv(time, event) ~ group, data = syn, weights = w, cluster = cl, robust = TRUE,
               influence = TRUE)
ij_rows <- list()
strata_times <- split(fit$time, rep(seq_along(fit$strata), fit$strata))
strata_surv <- split(fit$surv, rep(seq_along(fit$strata), fit$strata))
for (tau in c(100, 250.5)) {
  rm_inf <- list(); rk_inf <- list(); est <- c(); risk <- c()
  for (g in 1:2) {
    tt <- strata_times[[g]]; ss <- strata_surv[[g]]; inf <- fit$influence.surv[[g]]
    width <- pmax(pmin(c(tt[-1], Inf), tau) - tt, 0)
    rm_inf[[g]] <- drop(inf %*% width)
    est[g] <- sum(c(1, ss) * diff(c(0, pmin(tt, tau), tau)))
    k <- max(which(tt <= tau))
    rk_inf[[g]] <- -inf[, k]
    # convention check: for survfit (KM) the influence already carries the weights
    stopifnot(isTRUE(all.equal(sqrt(sum(inf[, k]^2)), split(fit$std.err, rep(1:2, fit$strata))[[g]][k])))
    risk[g] <- 1 - ss[k]
  }
  ids <- union(names(rm_inf[[1]]), names(rm_inf[[2]]))
  full <- function(v) { x <- setNames(numeric(length(ids)), ids); x[names(v)] <- v; x }
  ij_rows[[paste(tau)]] <- data.frame(
    model = "syn_weighted_cluster", tau = tau,
    quantity = c("rmst_0", "rmst_1", "rmst_1-0", "risk_0", "risk_1", "risk_1-0"),
    estimate = c(est, est[2] - est[1], risk, risk[2] - risk[1]),
    se = c(sqrt(sum(rm_inf[[1]]^2)), sqrt(sum(rm_inf[[2]]^2)),
           sqrt(sum((full(rm_inf[[2]]) - full(rm_inf[[1]]))^2)),
           sqrt(sum(rk_inf[[1]]^2)), sqrt(sum(rk_inf[[2]]^2)),
           sqrt(sum((full(rk_inf[[2]]) - full(rk_inf[[1]]))^2))))
}
out(do.call(rbind, ij_rows), "r_contrast_ij.csv")

# ---- log-rank -----------------------------------------------------------------------------
lr <- function(name, fit) data.frame(model = name, chisq = fit$chisq, df = length(fit$n) - 1,
                                     p = pchisq(fit$chisq, length(fit$n) - 1, lower.tail = FALSE))
out(rbind(lr("rossi", survdiff(Surv(week, arrest) ~ fin, data = rossi)),
          lr("rossi_strata_wexp", survdiff(Surv(week, arrest) ~ fin + strata(wexp), data = rossi)),
          lr("syn", survdiff(Surv(time, event) ~ group, data = syn)),
          lr("syn_strata", survdiff(Surv(time, event) ~ group + strata(stratum), data = syn))),
    "r_logrank.csv")
# robust score test at beta = 0 (the weighted / clustered log-rank): coxph(...)$rscore
rs <- function(name, fit) data.frame(model = name, rscore = fit$rscore, df = length(fit$coefficients))
out(rbind(rs("syn_weighted_cluster", coxph(Surv(time, event) ~ factor(group), data = syn, weights = w, cluster = cl)),
          rs("syn_weighted_cluster_strata", coxph(Surv(time, event) ~ factor(group) + strata(stratum), data = syn,
                                                  weights = w, cluster = cl)),
          rs("syn_cluster_3groups", coxph(Surv(time, event) ~ factor(stratum), data = syn, cluster = cl))),
    "r_rscore.csv")

# ---- Aalen-Johansen cumulative incidence (state 1 = reoffence, 2 = death) -------------------
aj_rows <- list()
add_aj <- function(name, fit, times) {
  s <- summary(fit, times = times)
  for (k in 1:2) {
    aj_rows[[paste(name, k)]] <<- data.frame(model = name, group = sub(".*=", "", as.character(s$strata)),
                                             time = s$time, cause = k, cif = s$pstate[, k + 1],
                                             std_err = s$std.err[, k + 1])
  }
}
syn$state <- factor(syn$etype, 0:2, c("censor", "reoffence", "death"))
add_aj("syn_aj", survfit(Surv(time, state) ~ group, data = syn, id = row), c(30, 100, 200, 365))
add_aj("syn_aj_weighted", survfit(Surv(time, state) ~ group, data = syn, id = row, weights = w),
       c(30, 100, 200, 365))
# survival 3.5 ignores cluster= in multi-state survfit when id= is given (the SEs equal the
# unclustered ones), so the clustered SE is built from R's per-row influence (influence = TRUE),
# weighted and summed within clusters of cl.
fit <- survfit(Surv(time, state) ~ group, data = syn, id = row, weights = w, influence = TRUE)
times <- c(30, 100, 200, 365)
strata_times <- split(fit$time, rep(seq_along(fit$strata), fit$strata))
strata_p <- split(seq_along(fit$time), rep(seq_along(fit$strata), fit$strata))
for (g in 1:2) {
  inf <- fit$influence.pstate[[g]]
  offset <- ncol(inf) - length(strata_times[[g]])  # a leading column for time 0 when present
  rows <- as.integer(rownames(inf))
  clus <- syn$cl[rows]
  wts <- syn$w[rows]  # influence.pstate is d(estimate)/d(weight): the IJ term is weight x that
  for (k in 1:2) for (ta in times) {
    j <- max(which(strata_times[[g]] <= ta))
    # check the convention: unclustered, it reproduces R's own std.err
    stopifnot(isTRUE(all.equal(sqrt(sum((wts * inf[, j + offset, k + 1])^2)), fit$std.err[strata_p[[g]][j], k + 1])))
    se <- sqrt(sum(rowsum(wts * inf[, j + offset, k + 1], clus)^2))
    aj_rows[[paste("cl", g, k, ta)]] <- data.frame(model = "syn_aj_weighted_cluster", group = g - 1, time = ta,
                                                   cause = k, cif = fit$pstate[strata_p[[g]][j], k + 1], std_err = se)
  }
}
out(do.call(rbind, aj_rows), "r_aj.csv")
cat("R", R.version.string, "survival", as.character(packageVersion("survival")), "\n",
    file = file.path(here, "r_versions.txt"))
