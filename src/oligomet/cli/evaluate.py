"""``oligomet evaluate MODEL_URI``."""

from __future__ import annotations

from ._options import config_command, echo_err, positional, print_result
from .predict import ModelUri


@config_command(
    "evaluate",
    "oligomet.workflow._config:EvaluateConfig",
    help="Validate a saved classifier on another cohort: feature overlap, metrics, plots.",
    arguments=[positional("model_uri", ModelUri)],
)
def evaluate(config, *, as_json: bool, model_uri: str) -> None:
    from ..workflow import evaluate as run_evaluation

    print_result(run_evaluation(model_uri, config, progress=echo_err), as_json)
