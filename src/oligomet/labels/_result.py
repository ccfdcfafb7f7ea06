"""The result of a labelling rule: included labels, excluded samples with reasons, the rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["LabelResult", "describe_rule"]

# "censored before horizon (3.2 < 5)" and "censored before horizon (1 < 5)" are the same reason
# with different details; the summary counts them together.
_DETAIL = re.compile(r"\s*\([^()]*\)\s*$")


def count_reasons(excluded: pd.Series) -> dict[str, int]:
    """Counts of exclusion reasons (:func:`reason_kind`), largest first, ties alphabetical."""
    if excluded.empty:
        return {}
    counts = excluded.map(reason_kind).value_counts(sort=False)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {str(reason): int(count) for reason, count in ordered}


def reason_kind(reason: str) -> str:
    """Strip a trailing parenthesised detail from an exclusion reason, for grouping."""
    return _DETAIL.sub("", str(reason))


@dataclass
class LabelResult:
    """Binary labels for the included samples and the reason each other sample was excluded.

    Encoding: ``1`` is the positive class (polymetastatic, event within the horizon, M1) and ``0``
    the negative class (oligometastatic, event-free, M0). No sample is dropped silently: every
    sample of the input is either in :attr:`y` or in :attr:`excluded`.

    Parameters
    ----------
    y : pandas.Series
        Integer labels (0/1) named ``"label"``, indexed by the IDs of the included samples.
    excluded : pandas.Series
        Reason strings indexed by the IDs of the excluded samples, e.g. ``"missing value"`` or
        ``"censored before horizon (3.2 < 5)"``.
    positive_name, negative_name : str
        Human names of the classes coded 1 and 0, e.g. ``"M1"`` and ``"M0"``.
    rule : dict
        JSON-safe description of the rule and its parameters.
    """

    y: pd.Series
    excluded: pd.Series
    positive_name: str
    negative_name: str
    rule: dict[str, Any] = field(default_factory=dict)

    @property
    def n_positive(self) -> int:
        """Number of included samples labelled 1."""
        return int((self.y == 1).sum())

    @property
    def n_negative(self) -> int:
        """Number of included samples labelled 0."""
        return int((self.y == 0).sum())

    @property
    def n_excluded(self) -> int:
        """Number of excluded samples."""
        return len(self.excluded)

    def excluded_reasons(self) -> dict[str, int]:
        """Counts of excluded samples by reason, details in parentheses stripped, largest first."""
        return count_reasons(self.excluded)

    @property
    def summary(self) -> pd.DataFrame:
        """Counts per class, then excluded samples in total and by reason.

        Rows ``positive``, ``negative``, ``excluded`` and one ``excluded: <reason>`` row per
        reason; columns ``name`` (the class name or reason) and ``count``.
        """
        rows = [
            ("positive", self.positive_name, self.n_positive),
            ("negative", self.negative_name, self.n_negative),
            ("excluded", "excluded", self.n_excluded),
        ]
        rows += [
            (f"excluded: {reason}", reason, count)
            for reason, count in self.excluded_reasons().items()
        ]
        index, names, counts = zip(*rows, strict=True)
        return pd.DataFrame({"name": list(names), "count": list(counts)}, index=list(index))

    def to_dict(self, *, include_samples: bool = True) -> dict[str, Any]:
        """JSON-safe dictionary: class names and counts, exclusion reasons, the rule, and (with
        ``include_samples``) each sample's label or exclusion reason, which is patient-level."""
        summary: dict[str, Any] = {
            "positive_name": self.positive_name,
            "negative_name": self.negative_name,
            "n_positive": self.n_positive,
            "n_negative": self.n_negative,
            "n_excluded": self.n_excluded,
            "excluded_reasons": self.excluded_reasons(),
            "rule": self.rule,
        }
        if include_samples:
            summary["labels"] = {str(sample): int(label) for sample, label in self.y.items()}
            summary["excluded"] = {
                str(sample): str(reason) for sample, reason in self.excluded.items()
            }
        return summary

    def report(self) -> str:
        """One short human-readable line, e.g. ``28 M1 (1) vs 124 M0 (0); 32 excluded: ...``."""
        text = (
            f"{self.n_positive} {self.positive_name} (1) vs "
            f"{self.n_negative} {self.negative_name} (0); {self.n_excluded} excluded"
        )
        reasons = self.excluded_reasons()
        if reasons:
            text += ": " + ", ".join(f"{count} {reason}" for reason, count in reasons.items())
        return text


def describe_rule(rule: dict[str, Any], positive_name: str, negative_name: str) -> str:
    """A label rule (:attr:`LabelResult.rule`) in words, for a reader of the model.

    Examples
    --------
    >>> rule = {"kind": "count", "column": "n_metastases", "oligo_max": 5.0, "poly_min": None}
    >>> describe_rule(rule, "polymetastatic", "oligometastatic")
    'polymetastatic (1): n_metastases > 5; oligometastatic (0): n_metastases <= 5'
    >>> rule = {"kind": "time", "time": "os_years", "event": "death", "horizon": 5.0}
    >>> print(describe_rule(rule, "event within 5", "event-free beyond 5"))
    ... # doctest: +NORMALIZE_WHITESPACE
    event within 5 (1): death within 5 of os_years; event-free beyond 5 (0): followed beyond 5
    without death; censored before 5: excluded
    """
    kind, column = rule.get("kind"), rule.get("column") or "the label column"

    def number(value: Any) -> str:
        return f"{value:g}" if isinstance(value, float) else str(value)

    if kind == "count":
        low, high = rule.get("oligo_max"), rule.get("poly_min")
        positive = (
            f"{column} >= {number(high)}" if high is not None else f"{column} > {number(low)}"
        )
        text = f"{positive_name} (1): {positive}; {negative_name} (0): {column} <= {number(low)}"
        if high is not None:
            text += f"; between {number(low)} and {number(high)}: excluded"
        return text
    if kind == "category":
        positive = ", ".join(map(str, rule.get("positive") or []))
        negative = (
            "any other value"
            if rule.get("negative_is_rest")
            else ", ".join(map(str, rule.get("negative") or []))
        )
        text = f"{positive_name} (1): {column} is {positive}; {negative_name} (0): {negative}"
        return text + ("" if rule.get("negative_is_rest") else "; other values: excluded")
    if kind == "time":
        event, time, horizon = rule.get("event"), rule.get("time"), number(rule.get("horizon"))
        if rule.get("event_values"):
            event = f"{event} = {', '.join(map(str, rule['event_values']))}"
        return (
            f"{positive_name} (1): {event} within {horizon} of {time}; {negative_name} (0): "
            f"followed beyond {horizon} without {event}; censored before {horizon}: excluded"
        )
    return f"{positive_name} (1) vs {negative_name} (0)"
