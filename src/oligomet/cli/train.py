"""``oligomet train``."""

from __future__ import annotations

from ._options import config_command, echo_err, print_result, progress_bars


@config_command(
    "train",
    "oligomet.workflow._config:TrainConfig",
    help="Train a classifier, evaluate it by nested cross-validation, log and register it.",
)
def train(config, *, as_json: bool) -> None:
    from ..workflow import train as run_training

    with progress_bars() as bars:
        result = run_training(config, progress=echo_err, fold_progress=bars.callback("fold fits"))
    print_result(result, as_json)
