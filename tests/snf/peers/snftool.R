# SNFtool 2.3.1's documented pipeline on the views in a folder, with fingerprints of every step.
#
#   SNFTOOL_R=/path/to/SNFtool-2.3.1/R Rscript snftool.R FOLDER
#
# FOLDER holds view1.csv, view2.csv, ... (samples in rows, no header). Writes FOLDER/snftool_*.csv:
# row sums of the squared standardised views, of the distances (off the diagonal, where sqrt
# magnifies rounding) and of the affinities; row sums and
# diagonal of the fused network; the 7 smallest eigenvalues of the normalised Laplacian that
# estimateNumberOfClustersGivenGraph uses and the 6 smallest of the one spectralClustering uses;
# its estimates; and spectralClustering's labels for K = 2..5.
src <- Sys.getenv("SNFTOOL_R")
for (f in c("internal.R", "standardNormalization.R", "dist2.R", "affinityMatrix.R", "SNF.R",
            "estimateNumberOfClustersGivenGraph.R", "spectralClustering.r")) {
  source(file.path(src, f))
}
folder <- commandArgs(trailingOnly = TRUE)[1]
files <- sort(Sys.glob(file.path(folder, "view*.csv")))
views <- lapply(files, function(f) as.matrix(read.csv(f, header = FALSE)))
std <- lapply(views, standardNormalization)
dists <- lapply(std, function(x) dist2(x, x)^(1/2))
aff <- lapply(dists, function(d) affinityMatrix(d, 20, 0.5))
W <- SNF(aff, 20, 20)
out <- function(name, x) write.table(x, file.path(folder, paste0("snftool_", name, ".csv")),
                                     row.names = FALSE, col.names = FALSE, sep = ",")
for (v in seq_along(views)) {
  out(paste0("standardised", v), rowSums(std[[v]]^2))
  out(paste0("distances", v), rowSums(dists[[v]]) - diag(dists[[v]]))  # rounding on the diagonal
  out(paste0("affinity", v), rowSums(aff[[v]]))
}
out("fused_rowsums", rowSums(W))
out("fused_diagonal", diag(W))
Ws <- (W + t(W)) / 2
diag(Ws) <- 0
degs <- rowSums(Ws)
L <- diag(1 / sqrt(degs)) %*% (diag(degs) - Ws) %*% diag(1 / sqrt(degs))
out("estimate_eigenvalues", sort(eigen(L, symmetric = TRUE, only.values = TRUE)$values)[1:7])
d <- rowSums(W)
NL <- diag(1 / sqrt(d)) %*% (diag(d) - W) %*% diag(1 / sqrt(d))
out("clustering_eigenvalues", sort(abs(eigen(NL, only.values = TRUE)$values))[1:6])
out("estimate", unlist(estimateNumberOfClustersGivenGraph(W, 2:5)))
for (k in 2:5) out(paste0("labels", k), spectralClustering(W, k))
