"""``oligomet cluster``."""

from __future__ import annotations

from ._options import config_command, echo_err, print_result, progress_bars


@config_command(
    "cluster",
    "oligomet.workflow._config:ClusterConfig",
    help="Fuse views with SNF, find subtypes, test what they mean, log and register the model.",
)
def cluster(config, *, as_json: bool) -> None:
    from ..workflow import cluster as run_clustering

    with progress_bars() as bars:
        result = run_clustering(
            config, progress=echo_err, fusion_progress=bars.callback("SNF iterations")
        )
    print_result(result, as_json)
