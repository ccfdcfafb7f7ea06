"""``predict``: a saved model scores the samples of new tables."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .._errors import InputError, MissingFeaturesError
from ._cohort import view_name
from ._config import Orientation
from ._evaluate import check_transform_inputs

__all__ = ["predict", "prediction_frame"]

logger = logging.getLogger(__name__)


def prediction_frame(tables: list[Path], features: list[str], *, orientation, sep) -> pd.DataFrame:
    """Read the tables to score into one samples x features frame, oriented by the model."""
    from ..io import assemble, read_expression, read_h5mu
    from ..models import combine_views

    wanted = set(features)
    views: dict[str, Any] = {}
    for table in tables:
        if table.suffix.lower() == ".h5mu":
            mdata = read_h5mu(table)
            parts = {mod: mdata.mod[mod] for mod in mdata.mod}
        else:
            adata = read_expression(table, orientation=orientation, sep=sep)
            in_rows = len(wanted & set(map(str, adata.obs_names)))
            if orientation == "auto" and in_rows > len(wanted & set(map(str, adata.var_names))):
                adata = adata.T.copy()  # the table's rows are the model's features
            parts = {view_name(table, views): adata}
        for name, adata in parts.items():
            if name in views:
                raise InputError(f"two tables give a view named {name!r}; rename one")
            adata = adata.copy()
            adata.obs = pd.DataFrame(index=adata.obs_names)
            views[name] = adata
    if len(views) > 1:
        mdata, _ = assemble(views)  # shared samples; the dropped ones are reported
        views = {name: mdata[name] for name in views}
    frame, _ = combine_views(views)
    return frame


def predict(
    model_uri: str,
    tables: str | os.PathLike[str] | list[str | os.PathLike[str]],
    *,
    output: str | os.PathLike[str] | None = None,
    orientation: Orientation = "auto",
    sep: str | None = None,
    tracking_uri: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Score the samples of one or more expression tables with a saved model.

    Each table is read like a training table and turned so that the model's features are its
    columns; several tables (the views of a multi-view model, or an .h5mu file) are joined on
    their shared samples. miRNA names spelled differently from the model's (``hsa-miR-200c-3p``
    for ``hsa-mir-200c``) are matched by :func:`oligomet.io.mirna_renames`. The output (if given)
    is written atomically: a failure leaves no partial file.

    Returns
    -------
    pandas.DataFrame
        One row per sample: probability of the positive class and the predicted class (a risk
        score and group, or a subtype, for those models).
    """
    from ..io import mirna_renames, write_csv
    from ..tracking import load_model

    say = progress or (lambda message: logger.info(message))
    paths = [Path(t) for t in (tables if isinstance(tables, list | tuple) else [tables])]
    where = ", ".join(map(str, paths))
    if output is not None:
        output = Path(output)
        if output.is_dir():
            raise InputError(
                f"output {output} is a directory; give a file name such as predictions.csv"
            )
    classifier = load_model(model_uri, tracking_uri=tracking_uri)
    frame = prediction_frame(paths, classifier.feature_names, orientation=orientation, sep=sep)
    renames = mirna_renames(frame.columns, classifier.feature_names)
    if renames:
        frame = frame.rename(columns=renames)
        shown = ", ".join(f"{a} -> {b}" for a, b in list(renames.items())[:5])
        say(f"matched {len(renames)} miRNA name(s) to the model's spelling: {shown}")
    check_transform_inputs(classifier, frame, where)
    try:
        scores = classifier.predict_table(frame)
    except MissingFeaturesError as error:
        raise InputError(f"{where}: {error}") from None
    if output is not None:
        write_csv(scores, output)
    return scores
