"""Published molecular signatures as data (YAML with provenance) and the estimators that score them.

A signature is a validated :class:`Signature`: features with weights or directions, a scoring rule
(``weighted_mean`` of z-scores, or ``retrain`` when no weights were published), identifier types,
citation, DOI and an honest provenance note. Shipped signatures live in ``signatures/data/*.yaml``;
their JSON Schema, generated from :class:`Signature`, is ``signatures/schema.yaml``.

Loading
    :func:`list_signatures`, :func:`load_signature` (shipped name or path),
    :func:`read_signature` (user YAML, CSV/TSV, GMT)
Matching
    :func:`match_features` → :class:`SignatureMatch` (``found``, ``missing``, ``report()``,
    ``check()``)
Scoring
    :class:`SignatureScore` (scikit-learn classifier with published weights, calibrated in the
    training fold), :func:`signature_estimator` (the estimator a scoring rule calls for),
    :func:`score_signature` (cohort-relative score of an AnnData or DataFrame)
"""

from ._io import infer_id_type, list_signatures, load_signature, read_signature
from ._match import SignatureMatch, match_features
from ._model import (
    ID_TYPES,
    PROVENANCES,
    SCORINGS,
    Signature,
    SignatureFeature,
    schema_yaml,
    signature_schema,
)
from ._score import SignatureScore, score_signature, signature_estimator

__all__ = [
    "ID_TYPES",
    "PROVENANCES",
    "SCORINGS",
    "Signature",
    "SignatureFeature",
    "SignatureMatch",
    "SignatureScore",
    "infer_id_type",
    "list_signatures",
    "load_signature",
    "match_features",
    "read_signature",
    "schema_yaml",
    "score_signature",
    "signature_estimator",
    "signature_schema",
]
