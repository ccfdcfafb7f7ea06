"""`--exclude-feature` (``read.exclude_features``) leaves a feature out of every kind of view:
text tables, .h5ad files and every modality of a .h5mu file; a name found nowhere is refused."""

from __future__ import annotations

import anndata as ad
import pandas as pd
import pytest

from oligomet import InputError
from oligomet.datasets import make_cohort
from oligomet.io import assemble, write_h5ad, write_h5mu
from oligomet.workflow._cohort import read_views
from oligomet.workflow._config import ReadConfig


@pytest.fixture
def cohort():
    expression, clinical = make_cohort(30, 8, n_informative=2, random_state=0)
    return expression, clinical


def _adata(frame: pd.DataFrame) -> ad.AnnData:
    return ad.AnnData(frame.to_numpy(float), obs=pd.DataFrame(index=frame.index),
                      var=pd.DataFrame(index=frame.columns))  # fmt: skip


def _read(path, clinical_path, *excluded):
    config = ReadConfig(
        expression=[{"path": path, "orientation": "samples_x_features"}],
        clinical=[clinical_path],
        exclude_features=list(excluded),
    )
    return read_views(config, keep=["label"])


@pytest.mark.parametrize("kind", ["csv", "h5ad", "h5mu"])
def test_an_excluded_feature_is_left_out_of_every_kind_of_view(tmp_path, cohort, kind):
    expression, clinical = cohort
    first, second = expression.columns[:2]
    clinical.to_csv(tmp_path / "clinical.csv")
    path = tmp_path / f"expression.{kind}"
    if kind == "csv":
        expression.to_csv(path)
    elif kind == "h5ad":
        write_h5ad(_adata(expression), path)
    else:
        halves = {"a": expression.iloc[:, :4], "b": expression.iloc[:, 4:]}
        write_h5mu(assemble({k: _adata(v) for k, v in halves.items()}, None)[0], path)
    viewset = _read(path, tmp_path / "clinical.csv", first, expression.columns[-1])
    features = [name for view in viewset.views.values() for name in view.var_names]
    assert first not in features and expression.columns[-1] not in features
    assert second in features and len(features) == expression.shape[1] - 2


def test_an_excluded_feature_found_nowhere_is_refused(tmp_path, cohort):
    expression, clinical = cohort
    clinical.to_csv(tmp_path / "clinical.csv")
    write_h5ad(_adata(expression), tmp_path / "expression.h5ad")
    with pytest.raises(InputError, match=r"--exclude-feature 'gene_typo': no such feature"):
        _read(tmp_path / "expression.h5ad", tmp_path / "clinical.csv", "gene_typo")


def test_a_column_of_the_sample_annotations_may_be_excluded(tmp_path, cohort):
    """Without a clinical table a .h5mu file's own ``obs`` is one: its columns are known names."""
    expression, clinical = cohort
    mdata, _ = assemble({"a": _adata(expression)}, clinical.assign(age=60.0))
    write_h5mu(mdata, tmp_path / "cohort.h5mu")
    config = ReadConfig(expression=[{"path": tmp_path / "cohort.h5mu"}], exclude_features=["age"])
    viewset = read_views(config, keep=["label"])  # refused before: 'age' no such feature
    assert viewset.clinical_name == "sample annotations" and "label" in viewset.clinical
