"""The signature data model: one pydantic model validates files and generates the JSON Schema.

A signature file is YAML that :class:`Signature` validates (strict types, unknown fields
rejected). The JSON-Schema document shipped as ``schema.yaml`` is generated from the same model
(:func:`schema_yaml`), so the two cannot drift; a test regenerates it and compares.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .._errors import InputError

__all__ = [
    "ID_TYPES",
    "PROVENANCES",
    "SCORINGS",
    "Signature",
    "SignatureFeature",
    "schema_yaml",
    "signature_schema",
]

IdType = Literal["hgnc_symbol", "mirbase_mature", "mirbase_precursor", "hgnc_mirna_symbol"]
Scoring = Literal["weighted_mean", "retrain"]
Provenance = Literal["published", "published_features_retrained", "user", "derived"]

#: Identifier namespaces a feature ``id`` may be written in.
ID_TYPES: tuple[str, ...] = IdType.__args__
#: Scoring rules: ``weighted_mean`` of z-scores, or ``retrain`` a classifier on the features.
SCORINGS: tuple[str, ...] = Scoring.__args__
#: Where a signature comes from.
PROVENANCES: tuple[str, ...] = Provenance.__args__

#: Fraction of a signature's features that must be found when the file sets no minimum.
DEFAULT_MIN_FRACTION = 0.5

_MIRNA_ID_TYPES = frozenset({"mirbase_mature", "mirbase_precursor", "hgnc_mirna_symbol"})
_STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)
NonEmpty = Annotated[str, Field(min_length=1)]


class SignatureFeature(BaseModel):
    """One feature of a signature: an identifier with an optional weight or direction."""

    model_config = _STRICT

    id: NonEmpty = Field(
        description="Feature identifier, written in the signature's id_type (or this feature's).",
        pattern=r"^\S(.*\S)?$",
    )
    weight: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="Published coefficient on the z-scored feature; its sign is its direction.",
    )
    direction: Literal["up", "down"] | None = Field(
        default=None,
        description=(
            "'up': higher in the positive (polymetastatic) class; 'down': lower. Scored as "
            "weight +1 / -1."
        ),
    )
    id_type: IdType | None = Field(
        default=None,
        description="Identifier type of this feature when it differs from the signature's.",
    )

    @model_validator(mode="after")
    def _weight_or_direction(self) -> SignatureFeature:
        if self.weight is not None and self.direction is not None:
            raise ValueError("give either a weight or a direction, not both")
        if self.weight == 0:
            raise ValueError("weight 0 leaves the feature out of the score; remove the feature")
        return self

    @property
    def signed_weight(self) -> float | None:
        """The weight, or +1 / -1 for direction up / down; None when neither is given."""
        if self.weight is not None:
            return self.weight
        if self.direction is not None:
            return 1.0 if self.direction == "up" else -1.0
        return None


class Signature(BaseModel):
    """A published or user-supplied molecular signature, validated.

    Instances are immutable. Build them with :func:`~oligomet.signatures.load_signature` or
    :func:`~oligomet.signatures.read_signature` (which name the file in every error), or directly
    from a mapping with :meth:`Signature.from_mapping`.
    """

    model_config = _STRICT

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$",
        description="Short name (letters, digits, _ . + -); shipped files are named <name>.yaml.",
    )
    description: NonEmpty = Field(description="What the signature measures, in a few sentences.")
    scoring: Scoring = Field(
        description=(
            "'weighted_mean': sum(w_i z_i) / sum(|w_i|) of z-scored features with their published "
            "weights or directions. 'retrain': weights are not published; a classifier is refitted "
            "on these features in each training fold."
        )
    )
    organism: NonEmpty = Field(description="Species, e.g. 'Homo sapiens'.")
    id_type: IdType = Field(description="Identifier type of the features (per-feature override).")
    citation: NonEmpty | None = Field(
        default=None, description="Reference(s) in prose; required for published signatures."
    )
    doi: str | None = Field(
        default=None,
        pattern=r"^10\.\d{4,9}/\S+$",
        description="DOI of the primary reference, without 'https://doi.org/'.",
    )
    provenance: Provenance = Field(
        description=(
            "'published': features and weights/directions as published; "
            "'published_features_retrained': published features, weights refitted here; "
            "'user': supplied by the user; 'derived': built by us from published work."
        )
    )
    provenance_note: NonEmpty | None = Field(
        default=None,
        description="Free text: what was checked, what was assumed, how certain it is.",
    )
    min_features: int | None = Field(
        default=None, ge=1, description="How many features must be found to score."
    )
    min_fraction: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description=(
            "Fraction of the features that must be found to score (rounded up); "
            f"{DEFAULT_MIN_FRACTION} when neither this nor min_features is given."
        ),
    )
    positive_class: NonEmpty | None = Field(
        default=None, description="What the positive class ('up' direction) is."
    )
    reference_labels: list[NonEmpty] | None = Field(
        default=None,
        min_length=1,
        description="Classes the original paper assigned, e.g. [canonical, immune, stromal].",
    )
    features: list[SignatureFeature] = Field(
        min_length=1, description="Features, in order; each with its weight or direction."
    )

    @field_validator("features")
    @classmethod
    def _unique_ids(
        cls, features: list[SignatureFeature], info: ValidationInfo
    ) -> list[SignatureFeature]:
        default_type = info.data.get("id_type")
        seen: dict[str, int] = {}
        for index, feature in enumerate(features):
            # Gene symbols are case-insensitive; miRBase names are not (miR = mature, mir =
            # precursor), so only exact repeats count there.
            mirna = (feature.id_type or default_type) in _MIRNA_ID_TYPES
            key = feature.id if mirna else feature.id.casefold()
            if key in seen:
                raise ValueError(
                    f"duplicate feature id {feature.id!r} (features[{seen[key]}] and "
                    f"features[{index}]); list each feature once"
                )
            seen[key] = index
        return features

    @model_validator(mode="after")
    def _consistent(self) -> Signature:
        if self.min_features is not None and self.min_fraction is not None:
            raise ValueError("min_features, min_fraction: give one of them, not both")
        if self.min_features is not None and self.min_features > len(self.features):
            raise ValueError(
                f"min_features: {self.min_features} is more than the {len(self.features)} "
                "features listed"
            )
        if self.provenance in ("published", "published_features_retrained") and not self.citation:
            raise ValueError(f"citation: required when provenance is {self.provenance!r}")
        weighted = [i for i, f in enumerate(self.features) if f.weight is not None]
        directed = [i for i, f in enumerate(self.features) if f.direction is not None]
        if self.scoring == "retrain":
            if weighted:
                raise ValueError(
                    f"features[{weighted[0]}].weight: a 'retrain' signature refits its weights, "
                    "so it must not list any; use scoring 'weighted_mean' to score with them"
                )
            if self.provenance == "published":
                raise ValueError(
                    "provenance: a 'retrain' signature does not use published weights; say "
                    "'published_features_retrained' (or 'user' / 'derived')"
                )
            return self
        if weighted and directed:
            raise ValueError(
                f"features[{directed[0]}].direction: a weighted_mean signature gives either "
                "weights for every feature or directions for every feature, not a mixture"
            )
        unsigned = [i for i, f in enumerate(self.features) if f.signed_weight is None]
        if unsigned:
            raise ValueError(
                f"features[{unsigned[0]}]: scoring 'weighted_mean' needs a weight or a direction "
                f"for every feature ({len(unsigned)} without); use scoring 'retrain' if none "
                "were published"
            )
        return self

    @classmethod
    def from_mapping(
        cls,
        mapping: Any,
        *,
        source: str = "signature",
        locate: Callable[[tuple[Any, ...]], str | None] | None = None,
    ) -> Signature:
        """Validate a mapping (e.g. parsed YAML) into a :class:`Signature`.

        Parameters
        ----------
        mapping : mapping
            Field name to value.
        source : str, default="signature"
            What the mapping was read from, named first in error messages (a file path).
        locate : callable, optional
            Maps a pydantic error location (e.g. ``("features", 3, "id")``) to a better place to
            name, such as ``"line 5"`` of a CSV file; None keeps the field path.

        Raises
        ------
        InputError
            Naming ``source`` and each invalid field.
        """
        if not isinstance(mapping, dict):
            raise InputError(
                f"{source}: a signature must be a mapping of fields (name, description, "
                f"features, ...), got {type(mapping).__name__}"
            )
        try:
            return cls.model_validate(mapping)
        except ValidationError as error:
            raise InputError(_describe(error, source, locate)) from None

    @property
    def feature_ids(self) -> list[str]:
        """The feature identifiers, in order."""
        return [feature.id for feature in self.features]

    @property
    def weights(self) -> tuple[float, ...] | None:
        """Signed weights (directions as +1 / -1) for ``weighted_mean``; None for ``retrain``."""
        if self.scoring == "retrain":
            return None
        return tuple(float(feature.signed_weight) for feature in self.features)

    @property
    def n_required(self) -> int:
        """How many features must be found to score (``min_features`` or ``min_fraction``)."""
        if self.min_features is not None:
            return self.min_features
        fraction = DEFAULT_MIN_FRACTION if self.min_fraction is None else self.min_fraction
        # Round up, but tolerate float noise (0.5 * 30 must stay 15, not become 16).
        return max(1, math.ceil(round(fraction * len(self.features), 9)))

    def id_type_of(self, feature: SignatureFeature) -> str:
        """The identifier type of ``feature`` (its own, else the signature's)."""
        return feature.id_type or self.id_type

    def to_dict(self) -> dict[str, Any]:
        """The signature as plain data (fields left unset are omitted)."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_yaml(self) -> str:
        """The signature as YAML text that :func:`~oligomet.signatures.read_signature` reads."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)


def _place(location: tuple[Any, ...]) -> str:
    """``("features", 3, "id")`` -> ``features[3].id``."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(
    error: ValidationError,
    source: str,
    locate: Callable[[tuple[Any, ...]], str | None] | None = None,
) -> str:
    """One line naming the source, and each failing field with what is wrong and what was given."""
    problems = []
    for detail in error.errors():
        location = tuple(detail["loc"])
        where = (locate(location) if locate else None) or _place(location)
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            model = SignatureFeature if "features" in location else Signature
            message = f"unknown field (allowed: {', '.join(model.model_fields)})"
        elif detail["type"] == "missing":
            message = "required field is missing"
        elif detail["type"] not in ("value_error",) and "input" in detail:
            given = detail["input"]
            shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
            message = f"{message} (got {shown[:60]})"
            if isinstance(given, bool) and detail["type"] == "string_type":
                message += "; YAML reads yes/no/on/off/true/false as booleans: quote the value"
        problems.append(f"{where}: {message}" if where else message)
    return f"{source}: invalid signature: " + "; ".join(problems)


def signature_schema() -> dict[str, Any]:
    """The JSON-Schema document (draft 2020-12) of a signature file, generated from the model.

    Cross-field rules (weight xor direction, no duplicate ids, ``retrain`` without weights,
    citation for published signatures) are enforced by :class:`Signature` and stated in the
    descriptions; JSON Schema validators see the per-field rules only.
    """
    schema = Signature.model_json_schema()
    schema["title"] = "oligomet signature"
    schema["description"] = (
        "A molecular signature with provenance (oligomet.signatures). Also enforced when "
        "read: a feature gives a weight or a direction, not both; feature ids are unique; "
        "weighted_mean gives every feature a weight, or every feature a direction; retrain lists "
        "no weights and is not provenance 'published'; published signatures give a citation; "
        "min_features and min_fraction exclude each other."
    )
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_yaml() -> str:
    """:func:`signature_schema` as the YAML text shipped in ``oligomet/signatures/schema.yaml``."""
    command = "from oligomet.signatures import schema_yaml; print(schema_yaml(), end='')"
    header = (
        "# JSON Schema of an oligomet signature file, generated from\n"
        "# oligomet.signatures.Signature. Do not edit; regenerate with\n"
        f'#   python -c "{command}" \\\n'
        "#     > src/oligomet/signatures/schema.yaml\n"
    )
    return header + yaml.safe_dump(
        signature_schema(), sort_keys=False, allow_unicode=True, width=100
    )
