"""SignatureScore (hand-worked), signature_estimator and score_signature."""

from __future__ import annotations

import logging
import math

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from oligomet import InputError
from oligomet.signatures import (
    SignatureScore,
    load_signature,
    match_features,
    score_signature,
    signature_estimator,
)

ROOT_3_2 = math.sqrt(1.5)  # z-scores of (1, 2, 3) with ddof=0: (-sqrt(3/2), 0, sqrt(3/2))
X3 = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 0.0]])


def test_score_by_hand():
    # Column means (2, 2); sd (ddof=0) sqrt(2/3) and sqrt(8/3); z1 = (-r, 0, r), z2 = (r, 0, -r)
    # with r = sqrt(3/2). Weights (1, -1): s = (z1 - z2) / 2 = (-r, 0, r).
    model = SignatureScore(weights=[1, -1]).fit(X3, [0, 0, 1])
    np.testing.assert_allclose(model.mean_, [2.0, 2.0])
    np.testing.assert_allclose(model.scale_, [math.sqrt(2 / 3), math.sqrt(8 / 3)])
    np.testing.assert_allclose(model.score_samples(X3), [-ROOT_3_2, 0.0, ROOT_3_2])
    # A new sample (4, -2): z = (2/sqrt(2/3), -4/sqrt(8/3)) = (sqrt 6, -sqrt 6); s = sqrt 6.
    np.testing.assert_allclose(model.score_samples([[4.0, -2.0]]), [math.sqrt(6)])


def test_weights_and_directions_change_the_score_by_hand():
    # Weights (3, 1): s = (3 z1 + z2) / 4 = (-r/2, 0, r/2).
    weighted = SignatureScore(weights=[3, 1]).fit(X3, [0, 0, 1])
    np.testing.assert_allclose(weighted.score_samples(X3), [-ROOT_3_2 / 2, 0, ROOT_3_2 / 2])
    # No weights = all up: s = (z1 + z2) / 2 = 0 for every sample (the columns cancel).
    unweighted = SignatureScore().fit(X3, [0, 0, 1])
    np.testing.assert_allclose(unweighted.score_samples(X3), [0, 0, 0], atol=1e-12)
    # Flipping every direction flips the score.
    flipped = SignatureScore(weights=[-1, 1]).fit(X3, [0, 0, 1])
    np.testing.assert_allclose(flipped.score_samples(X3), [ROOT_3_2, 0, -ROOT_3_2])


def test_a_constant_feature_contributes_zero():
    X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    model = SignatureScore(weights=[1, 1]).fit(X, [0, 1, 1])
    assert model.scale_[1] == 1.0
    # s = (z1 + 0) / 2
    np.testing.assert_allclose(model.score_samples(X), [-ROOT_3_2 / 2, 0, ROOT_3_2 / 2])


def test_calibration_slope_by_hand():
    # Scores (-1, 1), classes (0, 1), C = 1: by symmetry the intercept is 0, and the penalised
    # log-likelihood 2 log(1 + e^-b) + b^2 / 2 is stationary where b = 2 / (1 + e^b).
    model = SignatureScore().fit([[0.0], [2.0]], [0, 1])
    np.testing.assert_allclose(model.score_samples([[0.0], [2.0]]), [-1.0, 1.0])
    assert model.direction_agrees_
    assert abs(model.intercept_) < 1e-10
    b = model.slope_
    assert 0.67 < b < 0.68
    assert math.isclose(b, 2 / (1 + math.exp(b)), rel_tol=1e-9)
    np.testing.assert_allclose(
        model.predict_proba([[0.0], [2.0]]), [[expit(b), expit(-b)], [expit(-b), expit(b)]]
    )
    np.testing.assert_array_equal(model.predict([[0.0], [2.0]]), [0, 1])


def test_calibration_matches_scikit_learn_logistic_regression():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = (X @ [1.0, -0.5, 0.2] + rng.normal(size=60) > 0).astype(int)
    for C in (0.1, 1.0, 10.0):
        model = SignatureScore(weights=[1, -1, 1], C=C).fit(X, y)
        score = model.score_samples(X)[:, None]
        reference = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(score, y)
        assert model.direction_agrees_
        assert math.isclose(model.slope_, reference.coef_[0, 0], rel_tol=1e-6)
        assert math.isclose(model.intercept_, reference.intercept_[0], abs_tol=1e-6)


def test_slope_is_never_negative_when_the_data_disagree():
    # Scores (-r, 0, r) with the positive class at the low end: the published direction is
    # contradicted, so slope 0 and every probability is the training prevalence 2/3.
    model = SignatureScore(weights=[1, -1]).fit(X3, [1, 1, 0])
    assert not model.direction_agrees_
    assert 0 < model.slope_ < 1e-6
    assert math.isclose(model.intercept_, math.log(2))  # logit(2/3)
    np.testing.assert_allclose(model.predict_proba(X3), [[1 / 3, 2 / 3]] * 3, atol=1e-8)
    # Probabilities still follow the published score (a reversed signature scores AUC < 0.5).
    assert np.all(np.diff(model.predict_proba(X3)[:, 1]) > 0)
    np.testing.assert_array_equal(model.predict(X3), [1, 1, 1])
    # The raw score still shows the signature's own (reversed) ranking.
    np.testing.assert_allclose(model.score_samples(X3), [-ROOT_3_2, 0, ROOT_3_2])


def test_string_labels_and_dataframes():
    frame = pd.DataFrame(X3, columns=["FAP", "MITF"])
    model = SignatureScore(weights=[1, -1]).fit(frame, ["oligo", "oligo", "poly"])
    assert model.classes_.tolist() == ["oligo", "poly"]
    assert model.feature_names_in_.tolist() == ["FAP", "MITF"]
    assert model.predict(frame)[2] == "poly"


def test_bad_parameters():
    with pytest.raises(ValueError, match="weights has 3 entries but X has 2 columns"):
        SignatureScore(weights=[1, 1, 1]).fit(X3, [0, 0, 1])
    with pytest.raises(ValueError, match="not all zero"):
        SignatureScore(weights=[0, 0]).fit(X3, [0, 0, 1])
    with pytest.raises(InputError, match=r"'C' parameter of SignatureScore must be .* \(0.0, "):
        SignatureScore(C=0).fit(X3, [0, 0, 1])
    with pytest.raises(ValueError, match="needs 2 classes"):
        SignatureScore().fit(X3, [1, 1, 1])


def test_signature_estimator_follows_the_scoring_rule():
    mir200 = signature_estimator("mir200_family")
    assert isinstance(mir200, SignatureScore) and mir200.weights == (1.0,) * 5
    katipally = signature_estimator(load_signature("katipally2023"), random_state=3)
    assert isinstance(katipally, Pipeline)
    scale, classify = (step for _, step in katipally.steps)
    assert type(scale).__name__ == "StandardScaler"
    assert isinstance(classify, LogisticRegression)
    assert classify.l1_ratio == 0.0 and classify.class_weight == "balanced"
    assert classify.random_state == 3
    # From a match: the weights of the features found, in column order.
    match = match_features(
        load_signature("mir200_family"), ["hsa-mir-429", "hsa-mir-200a", "hsa-mir-141"]
    )
    assert signature_estimator(match).weights == (1.0, 1.0, 1.0)
    too_few = match_features(load_signature("mir200_family"), ["hsa-mir-429"])
    with pytest.raises(InputError, match="only 1 of 5"):
        signature_estimator(too_few)


def test_signature_estimator_fits_on_matched_columns():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["hsa-mir-200a", "x", "hsa-mir-200c"])
    y = (frame["hsa-mir-200a"] + frame["hsa-mir-200c"] > 0).astype(int)
    match = match_features(load_signature("mir200_family"), frame.columns)
    assert match.columns == ["hsa-mir-200a", "hsa-mir-200c"]
    # The family needs 3 of 5; this table has 2, so the match refuses.
    with pytest.raises(InputError, match=r"only 2 of 5 features found \(need 3\)"):
        signature_estimator(match)
    model = signature_estimator(match_features(load_signature("mir200c"), frame.columns))
    model.fit(frame[["hsa-mir-200c"]], y)
    assert model.direction_agrees_ and model.slope_ > 0


# Three of the five miR-200 family members, three samples. z-scores (ddof=0):
# 200a (1, 2, 3) and 200b (2, 4, 6): (-r, 0, r), r = sqrt(3/2);
# 200c (0, 0, 3): mean 1, sd sqrt(2): (-1/sqrt2, -1/sqrt2, sqrt2).
FAMILY = pd.DataFrame(
    {
        "hsa-mir-200a": [1.0, 2.0, 3.0],
        "hsa-mir-200b": [2.0, 4.0, 6.0],
        "hsa-mir-200c": [0.0, 0.0, 3.0],
        "GAPDH": [9.0, 9.0, 9.0],
    },
    index=["s1", "s2", "s3"],
)
R2 = math.sqrt(2)
FAMILY_SCORE = [
    (-2 * ROOT_3_2 - 1 / R2) / 3,
    (0 + 0 - 1 / R2) / 3,
    (2 * ROOT_3_2 + R2) / 3,
]


def test_score_signature_on_a_dataframe_by_hand(caplog):
    with caplog.at_level(logging.WARNING, logger="oligomet.signatures"):
        score = score_signature(FAMILY, "mir200_family")
    assert score.name == "signature_mir200_family"
    assert score.index.tolist() == ["s1", "s2", "s3"]
    np.testing.assert_allclose(score.to_numpy(), FAMILY_SCORE)
    assert "3 of 5 features found (need 3); missing: hsa-miR-141-3p, hsa-miR-429" in caplog.text
    assert FAMILY.columns.tolist()[-1] == "GAPDH"  # the frame is unchanged
    renamed = score_signature(FAMILY, load_signature("mir200_family"), key_added="mir200")
    assert renamed.name == "mir200"


def test_score_signature_on_anndata_by_hand():
    adata = ad.AnnData(FAMILY.to_numpy(), obs=pd.DataFrame(index=FAMILY.index))
    adata.var_names = FAMILY.columns
    copy = score_signature(adata, "mir200_family", copy=True)
    assert "signature_mir200_family" not in adata.obs
    np.testing.assert_allclose(copy.obs["signature_mir200_family"], FAMILY_SCORE)
    assert score_signature(adata, "mir200_family") is None
    np.testing.assert_allclose(adata.obs["signature_mir200_family"], FAMILY_SCORE)
    params = adata.uns["signature_mir200_family"]["params"]
    assert params["found"] == {
        "hsa-miR-200a-3p": "hsa-mir-200a",
        "hsa-miR-200b-3p": "hsa-mir-200b",
        "hsa-miR-200c-3p": "hsa-mir-200c",
    }
    assert params["missing"] == ["hsa-miR-141-3p", "hsa-miR-429"]
    adata.layers["doubled"] = adata.X * 2  # z-scores do not change under scaling
    score_signature(adata, "mir200_family", layer="doubled", key_added="from_layer")
    np.testing.assert_allclose(adata.obs["from_layer"], FAMILY_SCORE)


def test_score_signature_with_a_down_feature_by_hand(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("feature,direction\nhsa-mir-200a,up\nhsa-mir-200c,down\n")
    score = score_signature(FAMILY, path)
    # (z_200a - z_200c) / 2
    expected = [(-ROOT_3_2 + 1 / R2) / 2, (0 + 1 / R2) / 2, (ROOT_3_2 - R2) / 2]
    np.testing.assert_allclose(score.to_numpy(), expected)


def test_score_signature_refusals():
    with pytest.raises(InputError, match="katipally2023 has no published weights"):
        score_signature(FAMILY, "katipally2023")
    with pytest.raises(InputError, match=r"only 2 of 5 features found \(need 3\)"):
        score_signature(FAMILY[["hsa-mir-200a", "hsa-mir-200b"]], "mir200_family")
    holes = FAMILY.astype(float).copy()
    holes.iloc[1, 2] = np.nan
    with pytest.raises(InputError, match="missing or infinite values in hsa-mir-200c"):
        score_signature(holes, "mir200_family")
    text = FAMILY.astype(object).copy()
    text["hsa-mir-200c"] = ["low", "low", "high"]
    with pytest.raises(InputError, match="hsa-mir-200c are not numeric"):
        score_signature(text, "mir200_family")
    with pytest.raises(InputError, match="AnnData only"):
        score_signature(FAMILY, "mir200_family", copy=True)
