"""Seeded synthetic cohorts with a known oligo/poly signal, for tests and examples."""

from __future__ import annotations

import logging
import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from .._errors import InputError

__all__ = ["make_cohort"]

logger = logging.getLogger(__name__)

# Poly samples have their event within this horizon (years) and oligo samples after it or never.
_HORIZON = 5.0
_DISPERSION = 0.1  # negative-binomial dispersion phi: variance = mu + phi * mu**2


def make_cohort(
    n_samples: int = 100,
    n_features: int = 200,
    *,
    n_informative: int = 10,
    effect_size: float = 1.0,
    positive_fraction: float = 0.4,
    kind: str = "log",
    feature_prefix: str = "gene",
    informative_names: Sequence[str] | None = None,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate a cohort with a known oligo (0) versus poly (1) expression signal.

    Parameters
    ----------
    n_samples : int, default=100
        Number of samples (>= 2). Sample IDs are ``"S001"``, ``"S002"``, ...
    n_features : int, default=200
        Number of features.
    n_informative : int, default=10
        Number of features that differ between classes (<= ``n_features``).
    effect_size : float, default=1.0
        Difference between the class means of an informative feature, in standard deviations
        (``kind="log"``) or log2 fold change (``kind="counts"``); 0 gives a cohort without signal.
    positive_fraction : float, default=0.4
        Fraction of poly samples, in (0, 1).
    kind : {"log", "counts"}, default="log"
        Log2-scale continuous values, or non-negative integer counts.
    feature_prefix : str, default="gene"
        Feature names are ``f"{feature_prefix}{j}"`` zero-padded to three digits or more.
    informative_names : sequence of str, optional
        Names for the first informative features (e.g. ``["hsa-miR-200c-3p"]``); at most
        ``n_informative``.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible cohorts.

    Returns
    -------
    expression : pandas.DataFrame
        Samples x features; float64 for ``"log"``, int64 for ``"counts"``.
    clinical : pandas.DataFrame
        Same index; columns ``label`` (0/1), ``n_metastases`` (int), ``time`` (float, years),
        ``event`` (0/1).

    Notes
    -----
    Generative model:

    * Labels: ``round(positive_fraction * n_samples)`` samples (at least one per class) are
      poly (1), the rest oligo (0), in random order.
    * ``kind="log"``: feature ``j`` has a baseline mean ``mu_j ~ Uniform(4, 10)`` and standard
      deviation ``sd_j ~ Uniform(0.5, 1.5)`` (log2 scale);
      ``x_ij = mu_j + sd_j * z_ij + y_i * s_j * effect_size * sd_j`` with ``z_ij ~ N(0, 1)``. So an
      informative feature's class means differ by ``effect_size`` standard deviations (Cohen's
      d); ``s_j = +1`` (up in poly) for the first half of the informative features and ``-1``
      for the rest; ``s_j = 0`` for the others.
    * ``kind="counts"``: negative binomial counts (gamma-Poisson, dispersion 0.1) with mean
      ``L_i * m_j * 2 ** (y_i * s_j * effect_size)``: baseline ``log2 m_j ~ N(6, 2)``, library
      factor ``log2 L_i ~ N(0, 0.25)``; an informative feature's log2 fold change between
      classes is ``effect_size``.
    * The informative features are the first ``n_informative`` columns.
    * Clinical: ``n_metastases`` is uniform on 1..5 for oligo and 6..30 for poly, so
      ``label_by_count(clinical["n_metastases"], oligo_max=5)`` recovers ``label``. Time is in
      years: poly samples have an event (``event=1``) at ``time ~ Uniform(0.25, 5)``; oligo
      samples are event-free beyond 5 years (``time ~ Uniform(5.5, 15)``, with a late event for
      30 % of them), so ``label_by_time(clinical["time"], clinical["event"], horizon=5)`` also
      recovers ``label``.

    Examples
    --------
    >>> expression, clinical = make_cohort(20, 50, random_state=0)
    >>> expression.shape, int(clinical["label"].sum())
    ((20, 50), 8)
    """
    _check_int(n_samples, "n_samples", minimum=2)
    _check_int(n_features, "n_features", minimum=1)
    _check_int(n_informative, "n_informative", minimum=0)
    if n_informative > n_features:
        raise InputError(f"n_informative ({n_informative}) cannot exceed n_features ({n_features})")
    if isinstance(effect_size, bool) or not isinstance(effect_size, numbers.Real):
        raise InputError(f"effect_size must be a number, got {effect_size!r}")
    if not 0 < positive_fraction < 1:
        raise InputError(f"positive_fraction must be between 0 and 1, got {positive_fraction!r}")
    if kind not in ("log", "counts"):
        raise InputError(f"unknown kind {kind!r}; use 'log' or 'counts'")
    names = _feature_names(n_features, n_informative, feature_prefix, informative_names)
    rng = check_random_state(random_state)

    n_positive = min(max(round(positive_fraction * n_samples), 1), n_samples - 1)
    label = np.zeros(n_samples, dtype=np.int64)
    label[rng.permutation(n_samples)[:n_positive]] = 1

    direction = np.zeros(n_features)
    n_up = (n_informative + 1) // 2
    direction[:n_up] = 1.0
    direction[n_up:n_informative] = -1.0
    shift = np.outer(label, direction) * float(effect_size)  # samples x features

    if kind == "log":
        mean = rng.uniform(4.0, 10.0, size=n_features)
        sd = rng.uniform(0.5, 1.5, size=n_features)
        noise = rng.standard_normal((n_samples, n_features))
        values = mean + sd * (noise + shift)
        dtype = np.float64
    else:
        baseline = 2.0 ** rng.normal(6.0, 2.0, size=n_features)
        library = 2.0 ** rng.normal(0.0, 0.25, size=n_samples)
        mean_counts = library[:, None] * baseline[None, :] * 2.0**shift
        rate = rng.gamma(1.0 / _DISPERSION, mean_counts * _DISPERSION)
        values = rng.poisson(rate)
        dtype = np.int64

    sample_ids = [f"S{i:0{max(3, len(str(n_samples)))}d}" for i in range(1, n_samples + 1)]
    expression = pd.DataFrame(values.astype(dtype), index=sample_ids, columns=names)

    is_poly = label == 1
    n_metastases = np.where(
        is_poly, rng.randint(6, 31, size=n_samples), rng.randint(1, 6, size=n_samples)
    )
    time = np.where(
        is_poly, rng.uniform(0.25, _HORIZON, size=n_samples), rng.uniform(5.5, 15.0, n_samples)
    )
    event = np.where(is_poly, 1, (rng.uniform(size=n_samples) < 0.3).astype(np.int64))
    clinical = pd.DataFrame(
        {
            "label": label,
            "n_metastases": n_metastases.astype(np.int64),
            "time": time,
            "event": event.astype(np.int64),
        },
        index=sample_ids,
    )
    logger.debug(
        "synthetic %s cohort: %d samples (%d poly) x %d features (%d informative)",
        kind,
        n_samples,
        n_positive,
        n_features,
        n_informative,
    )
    return expression, clinical


def _check_int(value: object, name: str, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _feature_names(
    n_features: int, n_informative: int, prefix: str, informative_names: Sequence[str] | None
) -> list[str]:
    width = max(3, len(str(n_features)))
    names = [f"{prefix}{j:0{width}d}" for j in range(1, n_features + 1)]
    if informative_names is None:
        return names
    if isinstance(informative_names, str):
        informative_names = [informative_names]
    given = [str(name) for name in informative_names]
    if len(given) > n_informative:
        raise InputError(
            f"{len(given)} informative_names given but n_informative is {n_informative}; "
            "raise n_informative or give fewer names"
        )
    names[: len(given)] = given
    duplicated = pd.Index(names)[pd.Index(names).duplicated()]
    if len(duplicated):
        raise InputError(
            f"feature name '{duplicated[0]}' would occur twice; choose other informative_names"
        )
    return names
