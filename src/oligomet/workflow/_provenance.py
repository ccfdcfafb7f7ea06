"""Is a cohort the one a model was trained on? Digests and per-sample fingerprints.

An evaluation on the training cohort (or on a cohort that shares samples with it) measures how
well the model fits its own data, not how well it generalises; it must not be reported as an
external validation. A saved model carries its training data's digest and one fingerprint per
training sample: the first 16 hex digits of the SHA-256 of that sample's values over the model's
features (in single precision). A fingerprint says nothing about the values (it cannot be
inverted) and matches only a sample with exactly the same measurements, whatever its ID; the
training run's sample IDs are compared as well when that run recorded them
(``--log-sample-ids``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TrainingOverlap", "sample_fingerprints", "training_overlap"]


def sample_fingerprints(frame: pd.DataFrame) -> list[str]:
    """One fingerprint per row: 16 hex digits of the SHA-256 of its values as float32, in order.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}, index=["s1", "s2"])
    >>> prints = sample_fingerprints(frame)
    >>> prints == sample_fingerprints(frame.rename(index={"s1": "x"})), len(prints[0])
    (True, 16)
    """
    # Single precision: the same measurement read by two CSV parsers can differ in the last bit
    # of a double (pandas' default parser is not round-trip exact), never in a float32.
    # (A value beyond float32's range, 3.4e38, is hashed as infinity.)
    with np.errstate(over="ignore"):
        values = np.ascontiguousarray(frame.to_numpy(np.float64).astype(np.float32))
    return [hashlib.sha256(row.tobytes()).hexdigest()[:16] for row in values]


@dataclass(frozen=True)
class TrainingOverlap:
    """How much of an evaluation cohort the model was trained on.

    Attributes
    ----------
    same_digest : bool
        The labelled matrix is the training one, byte for byte (values, names, labels).
    n_shared : int
        Evaluation samples that were training samples (same values, or same ID when the training
        run recorded its sample IDs).
    n_samples : int
        Samples of the evaluation cohort.
    """

    same_digest: bool
    n_shared: int
    n_samples: int

    @property
    def kind(self) -> str:
        """``training cohort``, ``overlapping`` or ``external``."""
        if self.same_digest or (self.n_samples and self.n_shared == self.n_samples):
            return "training cohort"
        return "overlapping" if self.n_shared else "external"

    def notice(self) -> str | None:
        """What a reader must be told, in one line; None for an external cohort."""
        if self.kind == "training cohort":
            return (
                f"this is the training cohort: not an external validation ({self.n_shared} of "
                f"{self.n_samples} samples trained the model; its metrics here are optimistic "
                "resubstitution estimates — quote the cross-validated ones from training)"
            )
        if self.kind == "overlapping":
            return (
                f"warning: {self.n_shared} of {self.n_samples} samples of this cohort trained the "
                "model: not an external validation; evaluate on samples the model has not seen"
            )
        return None


def training_overlap(
    metadata: dict,
    frame: pd.DataFrame,
    digest: str,
    *,
    training_ids: Iterable[str] = (),
) -> TrainingOverlap:
    """Compare an evaluation cohort with a model's training data.

    Parameters
    ----------
    metadata : dict
        The saved model's metadata (``dataset_digest``, ``training_fingerprints``).
    frame : pandas.DataFrame
        The evaluation samples over the model's features, in the model's order.
    digest : str
        The evaluation cohort's digest (:attr:`Cohort.digest`).
    training_ids : iterable of str
        The training samples' IDs, when the training run recorded them.
    """
    known = set(metadata.get("training_fingerprints") or ())
    shared = np.array([fp in known for fp in sample_fingerprints(frame)], dtype=bool)
    ids = {str(sample) for sample in training_ids}
    if ids:
        shared |= np.array([str(sample) in ids for sample in frame.index], dtype=bool)
    return TrainingOverlap(
        same_digest=bool(metadata.get("dataset_digest")) and metadata["dataset_digest"] == digest,
        n_shared=int(shared.sum()),
        n_samples=len(frame),
    )
