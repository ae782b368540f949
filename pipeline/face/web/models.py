"""The API's response bodies, for the OpenAPI document. The bodies themselves are built by the one serialiser
(`domain.serialise`); a test validates real answers against these models so the documentation stays true.

Statuses and flags are open sets (a new methodology may add some): they are strings, described, not enums.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.face import words

STATUS_HELP = "; ".join(f"`{k}`: {v.words}" for k, v in words.STATUSES.items()) + "; later methodologies may add others"
DECIMAL = r"^-?\d+(\.\d+)?$"


class Strict(BaseModel):
    """A body with exactly these fields (the OpenAPI schema says `additionalProperties: false`)."""

    model_config = ConfigDict(extra="forbid")


class Health(Strict):
    status: str = Field(description="`ok`, or `no_warehouse` before the first run")
    latest_fixing_date: str | None = Field(description="YYYY-MM-DD")
    methodology_version: str
    data_version: str | None = Field(description="Changes whenever the warehouse's committed data changes")


class IndexDefinition(Strict):
    code: str = Field(examples=["CIX-H100-OD-HYP"])
    good: str = Field(description="The standard good priced, e.g. H100-SXM-80GB")
    pricing_type: str = Field(description="on_demand, spot, ...")
    provider_classes: list[str]
    unit: str = Field(description="gpu_hour, mtok_input, mtok_output, mtok_blend")
    currency: str
    blend: dict[str, Any] = Field(description="For blended token indices: the weight of each unit")
    description: str


class IndexDocument(IndexDefinition):
    methodology_version: str


class IndexList(Strict):
    methodology_version: str
    indices: list[IndexDefinition]


class Fixing(Strict):
    index_code: str
    fixing_date: str = Field(description="YYYY-MM-DD")
    fixing_time: str | None = Field(description="ISO 8601 UTC")
    status: str = Field(description=STATUS_HELP)
    value: str | None = Field(description="Exact decimal text, 4 places; null when withheld", pattern=DECIMAL)
    unit: str
    currency: str
    revision: int | None
    n_providers: int
    n_quotes: int
    robust_cv: str | None
    p25: str | None = Field(description="25th percentile of provider values")
    p75: str | None = Field(description="75th percentile of provider values")
    flags: list[str] = Field(description="Conditions worth knowing about; see the index pages for their meaning")
    failed_gates: list[str] = Field(description="Why a fixing was withheld (empty when published)")
    indicative_gates: list[str] = Field(
        description="Why a fixing is published as indicative, not for settlement (methodology v3; empty otherwise)"
    )
    methodology_version: str
    inputs_digest: str | None


class Revision(Strict):
    methodology_version: str
    revision: int
    status: str
    value: str | None
    recorded_at: str | None
    reason: str | None


class FixingWithRevisions(Fixing):
    gates: dict[str, Any] = Field(
        description="What each gate measured, as recorded with the fixing (the methodology version's own shape): e.g. "
        "min_providers (observed, after_screen, required), dispersion (observed, max_robust_cv), and under methodology "
        "v3 settlement_min_providers and influence (worst_provider: the firm that alone could move the value "
        "furthest; worst_relative_reach; worst_fixing_range; bound; holds)"
    )
    revisions: list[Revision]


class DayFixings(Strict):
    fixing_date: str
    fixings: list[Fixing]


class IndexFixings(Strict):
    index_code: str
    start: str
    end: str
    fixings: list[Fixing]


class Settlement(BaseModel):
    model_config = ConfigDict(extra="allow")
    contract: str
    period: str = Field(description="YYYY-MM")
    revision: int
    index_code: str
    methodology_version: str
    contracts_version: str
    status: str
    price: str | None
    currency: str | None = Field(description="the price's currency (the contract's)")
    unit: str | None = Field(description="what the price is per: the index's unit, e.g. gpu_hour, mtok_output")
    unrounded: str | None
    fallbacks: int
    max_consecutive_fallbacks: int | None = Field(
        description="the longest run of business days without a published fixing, across the month boundary; "
        "null in revisions recorded before it was stored"
    )
    flags: list[str]
    evidence: Any
    computed_at: str
    final: bool


class SettlementRevisions(Strict):
    contract: str
    period: str = Field(description="YYYY-MM")
    revisions: list[Settlement] = Field(description="every recorded revision, the first first")


class FileDigest(Strict):
    sha256: str
    bytes: int


class Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")
    fixing_date: str
    methodology_version: str | list[str]
    published_at: str | None
    files: dict[str, FileDigest]
    inputs: dict[str, Any]
    signature: dict[str, Any] = Field(
        description="algorithm, public_key_fingerprint (sha256 of the raw key), key_origin"
    )


class PublicationEntry(Strict):
    fixing_date: str
    manifest: str = Field(description="URL path of the signed manifest")


class PublicationList(Strict):
    publications: list[PublicationEntry]
