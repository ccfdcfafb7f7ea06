"""What the subtypes mean: survival by subtype, agreement with known labels, association tests."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from scipy import sparse
from scipy.stats import chi2_contingency, fisher_exact

from oligomet._errors import InputError
from oligomet.snf import (
    ContingencyTest,
    SurvivalComparison,
    compare_labels,
    plot_eigengap,
    plot_fused_network,
    subtype_association,
    survival_by_subtype,
)


@pytest.fixture
def separated():
    """Two groups of 30: subtype "short" dies around t=10, subtype "long" around t=100."""
    rng = np.random.default_rng(0)
    time = np.concatenate([rng.exponential(10, 30), rng.exponential(100, 30)])
    event = rng.random(60) < 0.8
    labels = np.array(["short"] * 30 + ["long"] * 30)
    return labels, time, event


# --------------------------------------------------------------------------------------------
# survival_by_subtype
# --------------------------------------------------------------------------------------------


def test_separated_groups_give_small_p_matching_lifelines(separated):
    labels, time, event = separated
    result = survival_by_subtype(labels, time, event)
    direct = logrank_test(time[:30], time[30:], event[:30], event[30:])
    assert isinstance(result, SurvivalComparison)
    assert result.p_value < 0.001
    assert result.test_statistic == pytest.approx(direct.test_statistic, rel=1e-12)
    assert result.p_value == pytest.approx(direct.p_value, rel=1e-9)
    assert result.degrees_of_freedom == 1
    assert result.n_dropped == 0


def test_summary_counts_and_medians_match_kaplan_meier(separated):
    labels, time, event = separated
    summary = survival_by_subtype(labels, time, event, times=[5, 50]).summary
    assert list(summary.index) == ["long", "short"]  # sorted
    short = KaplanMeierFitter().fit(time[:30], event[:30])
    row = summary.loc["short"]
    assert row["n"] == 30
    assert row["events"] == event[:30].sum()
    assert row["median_survival"] == pytest.approx(short.median_survival_time_)
    assert row["survival_at_5"] == pytest.approx(short.survival_function_at_times(5).iloc[0])
    # 50 is beyond the short group's last follow-up? then survival there is unknown, not flat.
    if time[:30].max() < 50:
        assert np.isnan(row["survival_at_50"])
    for column in ("median_ci_low", "median_ci_high", "survival_at_5"):
        assert column in summary.columns


def test_identical_groups_are_not_significant():
    rng = np.random.default_rng(1)
    time = np.tile(rng.exponential(50, 40), 2)
    event = np.tile(rng.random(40) < 0.7, 2)
    labels = np.repeat([1, 2], 40)
    result = survival_by_subtype(labels, time, event)
    assert result.p_value > 0.05
    assert result.test_statistic == pytest.approx(0, abs=1e-10)


def test_three_groups_use_the_multivariate_test(separated):
    labels, time, event = separated
    labels = labels.copy()
    labels[::3] = "middle"
    result = survival_by_subtype(labels, time, event)
    direct = multivariate_logrank_test(time, labels, event)
    assert result.degrees_of_freedom == 2
    assert result.p_value == pytest.approx(direct.p_value, rel=1e-9)


def test_missing_values_are_dropped_and_counted():
    labels = pd.Series([0, 0, 0, 1, 1, 1, None], dtype=object)
    time = pd.Series([1.0, 2.0, 3.0, 10.0, np.nan, 30.0, 4.0])
    event = pd.Series([1, 1, 1, 0, 1, 1, 1], dtype=float)
    result = survival_by_subtype(labels, time, event)
    assert result.n_dropped == 2
    assert result.n == 5
    assert result.summary["n"].to_dict() == {0: 3, 1: 2}


def test_series_are_matched_by_sample_id():
    ids = [f"p{i}" for i in range(8)]
    labels = pd.Series(["a"] * 4 + ["b"] * 4, index=ids)
    time = pd.Series(np.arange(1.0, 9.0), index=ids)
    event = pd.Series([1] * 8, index=ids)
    shuffled = survival_by_subtype(labels, time.iloc[::-1], event.iloc[::-1])
    in_order = survival_by_subtype(labels, time, event)
    assert shuffled.p_value == in_order.p_value
    assert shuffled.summary.equals(in_order.summary)


def test_bool_and_integer_events_agree(separated):
    labels, time, event = separated
    as_bool = survival_by_subtype(labels, time, event)
    as_int = survival_by_subtype(labels, time, event.astype(int))
    assert as_bool.p_value == as_int.p_value


@pytest.mark.parametrize(
    ("labels", "time", "event", "message"),
    [
        ([1, 1, 1], [1, 2, 3], [1, 1, 1], "at least 2 subtypes"),
        ([1, 1, 2, None], [1, 2, np.nan, 3], [1, 1, 1, 1], "at least 2 subtypes"),
        ([1, 1, 2, 2], [1, -2, 3, 4], [1, 1, 1, 1], "must not be negative"),
        ([1, 1, 2, 2], [1, 2, 3, 4], [1, 2, 1, 1], "0/1 or True/False"),
        ([1, 1, 2, 2], [1, 2, 3, 4], ["dead", 1, 1, 1], "'dead'"),
        ([1, 1, 2, 2], [1, 2, 3, 4], [0, 0, 0, 0], "no events"),
        ([1, 1, 2, 2], [1, 2, 3], [1, 1, 1, 1], "differ in length"),
        ([1, 1, 2, 2], [1, 2, 3, np.inf], [1, 1, 1, 1], "finite"),
    ],
)
def test_bad_survival_input_raises(labels, time, event, message):
    with pytest.raises(InputError, match=message):
        survival_by_subtype(labels, time, event)


def test_error_names_the_column():
    time = pd.Series([1.0, -1.0, 2.0, 3.0], name="time_days")
    with pytest.raises(InputError, match="time_days"):
        survival_by_subtype(pd.Series([1, 1, 2, 2]), time, pd.Series([1, 1, 1, 1]))


def test_survival_to_dict_is_json_safe():
    # Subtype "b" never falls to 50% survival: its median is inf, reported as None.
    labels = ["a"] * 4 + ["b"] * 4
    time = [1, 2, 3, 4, 5, 6, 7, 8]
    event = [1, 1, 1, 1, 1, 0, 0, 0]
    result = survival_by_subtype(labels, time, event)
    assert result.summary.loc["b", "median_survival"] == np.inf
    payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert payload["test"] == "multivariate log-rank"
    assert [row["subtype"] for row in payload["subtypes"]] == ["a", "b"]
    assert payload["subtypes"][1]["median_survival"] is None


def test_survival_plot_draws_and_saves(separated, tmp_path):
    from matplotlib.figure import Figure

    labels, time, event = separated
    result = survival_by_subtype(labels, time, event)
    figure = result.plot(time_label="days")
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    assert "log-rank p" in ax.get_legend().get_title().get_text()
    assert len(ax.get_legend().get_texts()) == 2
    figure.savefig(tmp_path / "km.png")
    assert (tmp_path / "km.png").stat().st_size > 0

    given = Figure()
    ax = given.add_subplot()
    assert result.plot(ax=ax) is given


# --------------------------------------------------------------------------------------------
# compare_labels
# --------------------------------------------------------------------------------------------


def test_relabelled_identical_partition_scores_one():
    labels = [0, 0, 1, 1, 2, 2]
    reference = ["c", "c", "a", "a", "b", "b"]
    assert compare_labels(labels, reference) == {"nmi": 1.0, "ari": 1.0, "n": 6}


def test_compare_labels_ignores_missing_and_matches_sklearn():
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    labels = [0, 0, 1, 1, 1, 0, None, 2]
    reference = ["x", "y", "y", "y", "x", "x", "x", np.nan]
    scores = compare_labels(labels, reference)
    kept_labels, kept_reference = [0, 0, 1, 1, 1, 0], ["x", "y", "y", "y", "x", "x"]
    assert scores["n"] == 6
    assert scores["nmi"] == pytest.approx(normalized_mutual_info_score(kept_reference, kept_labels))
    assert scores["ari"] == pytest.approx(adjusted_rand_score(kept_reference, kept_labels))


def test_compare_labels_errors():
    with pytest.raises(InputError, match="no sample"):
        compare_labels([0, 1, None], [None, None, "a"])
    with pytest.raises(InputError, match="differ in length"):
        compare_labels([0, 1, 1], ["a", "b"])


# --------------------------------------------------------------------------------------------
# subtype_association
# --------------------------------------------------------------------------------------------


def test_two_by_two_uses_fisher():
    labels = [1] * 10 + [2] * 10
    other = ["oligo"] * 8 + ["poly"] * 2 + ["oligo"] * 3 + ["poly"] * 7
    result = subtype_association(labels, other)
    direct = fisher_exact([[8, 2], [3, 7]])
    assert isinstance(result, ContingencyTest)
    assert result.test == "fisher_exact"
    assert result.p_value == pytest.approx(direct.pvalue)
    assert result.statistic == pytest.approx(direct.statistic)
    assert result.table.to_numpy().tolist() == [[8, 2], [3, 7]]
    assert result.caveat is None
    assert result.degrees_of_freedom is None


def test_two_by_three_uses_chi_squared_with_caveat():
    labels = ["A"] * 9 + ["B"] * 9
    other = ["x"] * 6 + ["y"] * 2 + ["z"] + ["x"] + ["y"] * 5 + ["z"] * 3
    result = subtype_association(labels, other)
    direct = chi2_contingency([[6, 2, 1], [1, 5, 3]])
    assert result.test == "chi2"
    assert result.degrees_of_freedom == 2
    assert result.p_value == pytest.approx(direct.pvalue)
    assert result.statistic == pytest.approx(direct.statistic)
    assert result.caveat is not None and "below 5" in result.caveat


def test_large_table_has_no_caveat_and_summary_fractions():
    labels = np.repeat([0, 1, 2], 40)
    other = np.tile(["oligo", "poly"], 60)
    result = subtype_association(labels, other)
    assert result.test == "chi2"
    assert result.caveat is None
    summary = result.summary
    assert summary["n"].tolist() == [40, 40, 40]
    assert summary["fraction_oligo"].tolist() == [0.5, 0.5, 0.5]
    payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert payload["table"]["0"] == {"oligo": 20, "poly": 20}


def test_association_drops_missing_and_serialises_infinite_odds_ratio():
    labels = [1, 1, 1, 2, 2, 2, None]
    other = ["o", "o", "o", "p", "p", "p", "o"]
    result = subtype_association(labels, other)
    assert result.n_dropped == 1
    assert result.statistic == np.inf
    assert result.to_dict()["statistic"] is None


def test_association_needs_two_categories():
    with pytest.raises(InputError, match="at least 2 subtypes and 2 values"):
        subtype_association([1, 2, 1, 2], ["o", "o", "o", "o"])


# --------------------------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------------------------


def _block_network(sizes, rng):
    labels = np.repeat(np.arange(len(sizes)), sizes)
    same = labels[:, None] == labels[None, :]
    W = rng.random((len(labels), len(labels))) * np.where(same, 1.0, 0.05)
    W = (W + W.T) / 2
    np.fill_diagonal(W, 0.5)
    return W, labels


def test_fused_network_plot_draws_and_saves(tmp_path):
    from matplotlib.figure import Figure

    W, labels = _block_network([20, 15, 10], np.random.default_rng(2))
    figure = plot_fused_network(W, labels)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert len(figure.axes) == 2  # heatmap + colour bar
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    image = ax.get_images()[0].get_array()
    assert image.shape == (45, 45)
    assert image.mask.diagonal().all()
    # Ordered by subtype: the within-block similarities rank above the between-block ones.
    assert image[:20, :20].mean() > image[:20, 20:].mean()
    figure.savefig(tmp_path / "fused.png")
    assert (tmp_path / "fused.png").stat().st_size > 0


def test_fused_network_plot_subsamples_deterministically():
    W, labels = _block_network([150, 60, 3], np.random.default_rng(3))
    first = plot_fused_network(W, labels, max_samples=50).axes[0].get_images()[0].get_array()
    second = plot_fused_network(W, labels, max_samples=50).axes[0].get_images()[0].get_array()
    assert first.shape[0] <= 50 + 3
    assert np.ma.allequal(first, second)
    # The tiny subtype survives the subsampling.
    string_labels = np.array(["big"] * 150 + ["mid"] * 60 + ["tiny"] * 3)
    sparse_figure = plot_fused_network(sparse.csr_matrix(W), string_labels, max_samples=50)
    ticks = [t.get_text() for t in sparse_figure.axes[0].get_xticklabels()]
    assert ticks == ["big", "mid", "tiny"]


@pytest.mark.parametrize(
    ("W", "labels", "message"),
    [
        (np.ones((3, 4)), [0, 1, 1], "square"),
        (np.ones((3, 3)), [0, 1], "3 samples"),
        (np.full((2, 2), np.nan), [0, 1], "NaN"),
        (np.ones((2, 2)), [0, None], "missing"),
    ],
)
def test_fused_network_plot_errors(W, labels, message):
    with pytest.raises(InputError, match=message):
        plot_fused_network(W, labels)


def test_eigengap_plot_from_dict_and_sequence(tmp_path):
    from matplotlib.figure import Figure

    figure = plot_eigengap({2: 0.3, 3: 0.1, 4: 0.05, 5: 0.02}, chosen=2)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    x, _ = ax.lines[0].get_data()
    assert list(x) == [2, 3, 4, 5]
    assert "chosen K = 2" in [t.get_text() for t in ax.get_legend().get_texts()]
    figure.savefig(tmp_path / "eigengap.png")

    x, _ = plot_eigengap([0.5, 0.2, 0.1], chosen=7).axes[0].lines[0].get_data()
    assert list(x) == [1, 2, 3]
    with pytest.raises(InputError, match="empty"):
        plot_eigengap([], chosen=2)
    with pytest.raises(InputError, match="chosen"):
        plot_eigengap([0.1], chosen=0)


# --------------------------------------------------------------------------------------------
# real data
# --------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_gbm_random_split_matches_lifelines(shared_data):
    survival = pd.read_csv(shared_data / "tcga_gbm_mrna_mirna" / "survival.csv", index_col="sample")
    rng = np.random.default_rng(20240601)
    groups = pd.Series(rng.choice(["A", "B"], size=len(survival)), index=survival.index)
    result = survival_by_subtype(groups, survival["time_days"], survival["status"])

    complete = survival.dropna(subset=["time_days", "status"])
    in_a = groups.loc[complete.index] == "A"
    direct = logrank_test(
        complete.loc[in_a, "time_days"],
        complete.loc[~in_a, "time_days"],
        complete.loc[in_a, "status"],
        complete.loc[~in_a, "status"],
    )
    assert result.n_dropped == len(survival) - len(complete)
    assert result.n == len(complete)
    assert result.p_value == pytest.approx(direct.p_value, rel=1e-9)
    assert result.test_statistic == pytest.approx(direct.test_statistic, rel=1e-9)
    assert result.summary["n"].sum() == len(complete)
