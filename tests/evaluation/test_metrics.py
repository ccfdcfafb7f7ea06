import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import expit, logit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from oligomet import InputError
from oligomet.evaluation import (
    binary_metrics,
    bootstrap_metrics,
    calibration_intercept_slope,
    point_metrics,
    youden_threshold,
)
from oligomet.evaluation._metrics import METRIC_NAMES, _metric_arrays


def _simulated(n, seed, *, repeats=3, prevalence=0.35):
    """Labels, out-of-fold-like probabilities with moderate signal, and 0.5-threshold calls."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < prevalence).astype(int)
    risk = -0.6 + 1.2 * y + rng.normal(0, 1, n)
    proba = np.stack([expit(risk + rng.normal(0, 0.3, n)) for _ in range(repeats)])
    return y, proba, (proba >= 0.4).astype(int)


# --- hand-worked values -------------------------------------------------------------------------


def test_auc_counts_ties_as_half():
    # Pairs (pos, neg): 0.5>0.2 win, 0.5=0.5 half, 0.8 beats both -> 3.5 of 4.
    scores = binary_metrics([0, 0, 1, 1], [0.2, 0.5, 0.5, 0.8], [0, 1, 1, 1])
    assert scores["roc_auc"] == pytest.approx(0.875)


def test_average_precision_by_hand():
    # Descending: 0.9 (pos) P=1 R=.5; 0.8 (neg); 0.7 (pos) P=2/3 R=1 -> .5*1 + .5*2/3.
    scores = binary_metrics([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], [1, 1, 1, 0])
    assert scores["pr_auc"] == pytest.approx(5 / 6)
    # A tie at the top counts both samples at once: P=1/2 at R=1/2, then P=2/3 at R=1.
    tied = binary_metrics([1, 0, 1], [0.8, 0.8, 0.3], [1, 1, 0])
    assert tied["pr_auc"] == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)


def test_classification_metrics_use_the_given_predictions():
    y = [0, 0, 0, 1, 1]
    proba = [0.1, 0.2, 0.3, 0.8, 0.9]  # perfectly ranked, but the calls below are not
    scores = binary_metrics(y, proba, [0, 1, 0, 1, 0])
    assert scores["sensitivity"] == pytest.approx(1 / 2)
    assert scores["specificity"] == pytest.approx(2 / 3)
    assert scores["balanced_accuracy"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert scores["roc_auc"] == 1.0


def test_brier_by_hand():
    scores = binary_metrics([0, 1, 1, 0], [0.2, 0.7, 0.9, 0.5], [0, 1, 1, 1])
    assert scores["brier"] == pytest.approx((0.04 + 0.09 + 0.01 + 0.25) / 4)


def test_keys_in_display_order():
    scores = binary_metrics([0, 1, 0, 1], [0.2, 0.7, 0.4, 0.6], [0, 1, 0, 1])
    assert tuple(scores) == METRIC_NAMES
    assert all(isinstance(v, float) for v in scores.values())


def test_one_class_gives_nan_not_an_error():
    scores = binary_metrics([0, 0, 0], [0.2, 0.4, 0.6], [0, 1, 1])
    assert np.isnan(scores["roc_auc"]) and np.isnan(scores["pr_auc"])
    assert np.isnan(scores["sensitivity"]) and np.isnan(scores["calibration_slope"])
    assert scores["specificity"] == pytest.approx(1 / 3)


def test_invalid_inputs():
    with pytest.raises(ValueError, match="0/1"):
        binary_metrics([0, 2, 1], [0.1, 0.2, 0.3], [0, 1, 1])
    with pytest.raises(ValueError, match="shape"):
        binary_metrics([0, 1, 1], [0.1, 0.2], [0, 1])
    with pytest.raises(ValueError, match="0/1 predicted"):
        binary_metrics([0, 1, 1], [0.1, 0.2, 0.3], [0, -1, 1])
    with pytest.raises(ValueError, match="NaN"):
        binary_metrics([0, 1, 1], [0.1, np.nan, 0.3], [0, 1, 1])


# --- agreement with scikit-learn ----------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_and_average_precision_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 120)
    proba = np.round(rng.random(120) * 0.6 + 0.3 * y, 1)  # coarse: many ties
    scores = binary_metrics(y, proba, (proba > 0.5).astype(int))
    assert scores["pr_auc"] == pytest.approx(average_precision_score(y, proba), abs=1e-12)
    assert scores["roc_auc"] == pytest.approx(roc_auc_score(y, proba), abs=1e-12)


# --- Youden threshold ---------------------------------------------------------------------------


def test_youden_perfect_separation_cuts_in_the_gap():
    assert youden_threshold([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9]) == pytest.approx(0.45)


def test_youden_tie_takes_the_highest_cut():
    # Cuts (midpoints) and J: .2 -> 1/3, .35 -> 2/3, .45 -> 1/3, .55 -> 2/3, .75 -> 1/3.
    y = [0, 0, 1, 0, 1, 1]
    proba = [0.1, 0.3, 0.4, 0.5, 0.6, 0.9]
    assert youden_threshold(y, proba) == pytest.approx(0.55)
    # Order of the samples does not matter.
    order = [5, 2, 0, 4, 1, 3]
    assert youden_threshold(np.take(y, order), np.take(proba, order)) == pytest.approx(0.55)


@pytest.mark.parametrize("seed", [0, 1])
def test_youden_reaches_the_maximum_of_the_roc_curve(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 80)
    proba = np.round(expit(rng.normal(size=80) + y), 2)
    cut = youden_threshold(y, proba)
    fpr, tpr, _ = roc_curve(y, proba)
    called = proba >= cut
    j = called[y == 1].mean() - called[y == 0].mean()
    assert j == pytest.approx(np.max(tpr - fpr))
    assert cut not in proba  # a midpoint between scores


def test_youden_constant_scores_and_one_class():
    assert youden_threshold([0, 1, 1], [0.3, 0.3, 0.3]) == 0.3
    with pytest.raises(InputError, match="both classes"):
        youden_threshold([1, 1, 1], [0.2, 0.5, 0.7])


# --- calibration --------------------------------------------------------------------------------


def test_calibration_slope_matches_unpenalised_sklearn_fit():
    rng = np.random.default_rng(1)
    true = rng.random(400)
    y = (rng.random(400) < true).astype(int)
    proba = np.clip(true + rng.normal(0, 0.1, 400), 0.02, 0.98)
    intercept, slope = calibration_intercept_slope(y, proba)
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    reference.fit(logit(proba)[:, None], y)
    assert slope == pytest.approx(reference.coef_[0, 0], rel=1e-5)
    # Calibration-in-the-large solves sum(y - expit(a + logit p)) = 0: an independent root.
    root = brentq(lambda a: np.sum(y - expit(a + logit(proba))), -10, 10, xtol=1e-12)
    assert intercept == pytest.approx(root, abs=1e-7)


def test_calibration_intercept_of_a_constant_prediction_by_hand():
    # Event rate 1/4 predicted as 1/2: a = logit(1/4) - logit(1/2) = -log 3; slope undefined.
    intercept, slope = calibration_intercept_slope([1, 0, 0, 0], [0.5] * 4)
    assert intercept == pytest.approx(-np.log(3))
    assert np.isnan(slope)


@pytest.mark.parametrize(
    ("distort", "expected_slope", "expected_intercept", "tolerance"),
    [
        (lambda z: z, 1.0, 0.0, 0.07),  # calibrated
        (lambda z: 2 * z, 0.5, 0.0, 0.05),  # over-confident: too extreme
        (lambda z: 0.5 * z, 2.0, 0.0, 0.15),  # under-confident: too moderate
        (lambda z: z + 1, 1.0, -1.0, 0.07),  # predictions too high
    ],
)
def test_calibration_recovers_simulated_miscalibration(
    distort, expected_slope, expected_intercept, tolerance
):
    rng = np.random.default_rng(7)
    true = rng.uniform(0.02, 0.98, 20_000)
    y = (rng.random(true.size) < true).astype(int)
    intercept, slope = calibration_intercept_slope(y, expit(distort(logit(true))))
    assert slope == pytest.approx(expected_slope, abs=tolerance)
    assert intercept == pytest.approx(expected_intercept, abs=tolerance)


def test_calibration_undefined_cases_return_nan():
    assert all(np.isnan(calibration_intercept_slope([1, 1, 1], [0.2, 0.5, 0.9])))
    # Perfectly separated: no finite slope; the intercept (slope fixed at 1) exists, and by the
    # symmetry of these logits it is 0.
    intercept, slope = calibration_intercept_slope([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert np.isnan(slope)
    assert intercept == pytest.approx(0.0, abs=1e-9)


def test_calibration_clips_zero_and_one():
    intercept, slope = calibration_intercept_slope([0, 1, 0, 1, 1], [0.0, 1.0, 0.3, 0.2, 0.6])
    assert np.isfinite(intercept) and np.isfinite(slope)


# --- repeats and bootstrap ----------------------------------------------------------------------


def test_point_metrics_average_the_repeats():
    y = [0, 0, 1, 1]
    proba = [[0.1, 0.2, 0.8, 0.9], [0.1, 0.8, 0.2, 0.7]]  # AUC 1 and 0.5
    pred = [[0, 0, 1, 1], [0, 1, 0, 1]]  # balanced accuracy 1 and 0.5
    point = point_metrics(y, proba, pred)
    assert point["roc_auc"] == pytest.approx(0.75)
    assert point["balanced_accuracy"] == pytest.approx(0.75)
    first = binary_metrics(y, proba[0], pred[0])
    second = binary_metrics(y, proba[1], pred[1])
    assert point["brier"] == pytest.approx((first["brier"] + second["brier"]) / 2)
    # The first repeat's calibration slope is undefined (separation): the mean skips it.
    assert np.isnan(first["calibration_slope"])
    assert point["calibration_slope"] == pytest.approx(second["calibration_slope"])


def test_weights_equal_duplicated_samples():
    y, proba, pred = _simulated(60, seed=3)
    rng = np.random.default_rng(0)
    index = np.r_[rng.choice(np.flatnonzero(y == 1), 25), rng.choice(np.flatnonzero(y == 0), 35)]
    weights = np.bincount(index, minlength=y.size)[None, :].astype(float)
    weighted = _metric_arrays(y, proba, pred.astype(float), weights)
    for repeat in range(proba.shape[0]):
        duplicated = binary_metrics(y[index], proba[repeat, index], pred[repeat, index])
        for name in METRIC_NAMES:
            assert weighted[name][repeat, 0] == pytest.approx(duplicated[name], rel=1e-7), name


def test_bootstrap_intervals_contain_the_estimate_and_narrow_with_n():
    widths = {}
    for n in (60, 600):
        y, proba, pred = _simulated(n, seed=n)
        point = point_metrics(y, proba, pred)
        intervals = bootstrap_metrics(y, proba, pred, n_bootstrap=300, random_state=0)
        assert set(intervals) == set(METRIC_NAMES)
        for name in ("roc_auc", "pr_auc", "balanced_accuracy", "brier", "sensitivity"):
            low, high = intervals[name]
            assert low <= point[name] <= high, name
        widths[n] = {name: high - low for name, (low, high) in intervals.items()}
    for name in ("roc_auc", "pr_auc", "balanced_accuracy", "brier", "calibration_slope"):
        assert widths[600][name] < widths[60][name], name


def test_bootstrap_is_reproducible_and_accepts_one_repeat():
    y, proba, pred = _simulated(80, seed=1, repeats=1)
    first = bootstrap_metrics(y, proba, pred, n_bootstrap=100, random_state=5)
    assert first == bootstrap_metrics(y, proba, pred, n_bootstrap=100, random_state=5)
    assert first == bootstrap_metrics(y, proba[0], pred[0], n_bootstrap=100, random_state=5)
    assert first != bootstrap_metrics(y, proba, pred, n_bootstrap=100, random_state=6)


def test_stratified_resamples_always_hold_both_classes():
    # One positive among 30: an unstratified resample would miss it about a third of the time
    # ((29/30)^30 = 0.36) and leave the AUC undefined; stratified, every resample keeps it.
    y = np.r_[np.zeros(29, int), 1]
    proba = np.r_[np.linspace(0.05, 0.6, 29), 0.5]
    pred = (proba >= 0.45).astype(int)
    intervals = bootstrap_metrics(y, proba, pred, n_bootstrap=200, random_state=0)
    low, high = intervals["roc_auc"]
    assert 0 <= low <= high <= 1
    assert intervals["sensitivity"] == (1.0, 1.0)


def test_bootstrap_ignores_undefined_resamples():
    # Separated everywhere: the slope is never defined; the AUC is always 1.
    y = np.r_[np.zeros(6, int), np.ones(6, int)]
    separated = np.r_[np.linspace(0.1, 0.4, 6), np.linspace(0.6, 0.9, 6)]
    intervals = bootstrap_metrics(y, separated, (separated > 0.5).astype(int), random_state=0)
    assert all(np.isnan(intervals["calibration_slope"]))
    assert intervals["roc_auc"] == (1.0, 1.0)
    # One overlapping pair: resamples that drop it are separated (slope undefined), the others
    # are not; the interval comes from the defined ones.
    overlapping = separated.copy()
    overlapping[5], overlapping[6] = 0.65, 0.55
    intervals = bootstrap_metrics(y, overlapping, (overlapping > 0.5).astype(int), random_state=0)
    low, high = intervals["calibration_slope"]
    assert np.isfinite(low) and np.isfinite(high) and 0 < low < high


def test_bootstrap_input_errors():
    y, proba, pred = _simulated(40, seed=0)
    with pytest.raises(InputError, match="both classes"):
        bootstrap_metrics(np.zeros(40, int), proba, pred)
    with pytest.raises(InputError, match="confidence"):
        bootstrap_metrics(y, proba, pred, confidence=95)
    with pytest.raises(InputError, match="n_bootstrap"):
        bootstrap_metrics(y, proba, pred, n_bootstrap=0)
