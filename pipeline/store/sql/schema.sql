-- Compute Index warehouse (a DuckLake: catalog + Parquet files). Times are UTC (TIMESTAMPTZ); money is exact DECIMAL.
-- Append-only where it matters: fixings are never updated, a correction is a new revision.

CREATE TABLE IF NOT EXISTS raw_capture (
    capture_id   VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    method       VARCHAR NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL,
    http_status  INTEGER NOT NULL,
    content_type VARCHAR,
    byte_size    BIGINT NOT NULL,
    stored_path  VARCHAR NOT NULL,
    replayed_from VARCHAR,
    in_force_until TIMESTAMPTZ
    -- key: (source, capture_id, fetched_at), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE raw_capture IS 'One row per fetch of a provider endpoint. The body is kept unmodified as a file named by its sha256.';
COMMENT ON COLUMN raw_capture.capture_id IS 'sha256 (hex) of the response body; the body file name.';
COMMENT ON COLUMN raw_capture.source IS 'Source (feed) name from the source registry, e.g. azure, litellm.';
COMMENT ON COLUMN raw_capture.url IS 'The provider URL the body represents (for a replay, the original URL).';
COMMENT ON COLUMN raw_capture.method IS 'HTTP method of the request (GET, or POST for GraphQL).';
COMMENT ON COLUMN raw_capture.fetched_at IS 'When the body was received (UTC); for a replayed capture set, the time the set declares.';
COMMENT ON COLUMN raw_capture.http_status IS 'HTTP status code of the final response.';
COMMENT ON COLUMN raw_capture.content_type IS 'Content-Type header of the response.';
COMMENT ON COLUMN raw_capture.byte_size IS 'Body size in bytes.';
COMMENT ON COLUMN raw_capture.stored_path IS 'Path of the body file relative to the capture store root.';
COMMENT ON COLUMN raw_capture.in_force_until IS 'For an archived snapshot loaded by a backfill: the time the next snapshot of the same archive supersedes it (the state in force until then). NULL for live captures.';
COMMENT ON COLUMN raw_capture.replayed_from IS 'Name of the offline capture set this fetch was replayed from; NULL for a live fetch.';

CREATE TABLE IF NOT EXISTS quote (
    capture_id     VARCHAR NOT NULL,
    fetched_at     TIMESTAMPTZ NOT NULL,
    row_no         BIGINT NOT NULL,
    source         VARCHAR NOT NULL,
    provider       VARCHAR NOT NULL,
    provider_class VARCHAR NOT NULL,
    input_tier     VARCHAR NOT NULL,
    sku            VARCHAR NOT NULL,
    label          VARCHAR,
    product        VARCHAR NOT NULL,
    good           VARCHAR,
    variant        VARCHAR,
    pricing_type   VARCHAR NOT NULL,
    region         VARCHAR,
    gpu_count      BIGINT,
    price_native   DECIMAL(38,28) NOT NULL,
    currency       VARCHAR NOT NULL,
    fx_rate        DECIMAL(38,18) NOT NULL,
    price_usd      DECIMAL(38,24) NOT NULL,
    unit           VARCHAR NOT NULL,
    observed_at    TIMESTAMPTZ NOT NULL,
    attributes     VARCHAR,
    in_force_until TIMESTAMPTZ,
    ingested_at    TIMESTAMPTZ NOT NULL,
    via            VARCHAR,
    segment        VARCHAR,
    time_basis     VARCHAR,
    parser_version VARCHAR,
    rules_version  VARCHAR
    -- key: (source, capture_id, fetched_at, row_no), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE quote IS 'One normalised price: USD per GPU-hour or per million tokens, on a canonical good where one is known.';
COMMENT ON COLUMN quote.capture_id IS 'Raw capture (sha256 of body) the price was read from.';
COMMENT ON COLUMN quote.fetched_at IS 'Fetch time of that capture (UTC); with capture_id it names the snapshot.';
COMMENT ON COLUMN quote.row_no IS 'Position of the row in the parser output for that capture (stable for a given parser version).';
COMMENT ON COLUMN quote.source IS 'Feed the price came from.';
COMMENT ON COLUMN quote.provider IS 'Seller the buyer transacts with (attribution rule: an aggregator counts for itself).';
COMMENT ON COLUMN quote.provider_class IS 'hyperscaler | neocloud | marketplace | api_host | aggregator | first_party.';
COMMENT ON COLUMN quote.input_tier IS 'executable (live offer) | rate_card (published list price) | judgement.';
COMMENT ON COLUMN quote.sku IS 'Provider''s own identifier (VM size, instance type, model key).';
COMMENT ON COLUMN quote.label IS 'Human label used for identity matching.';
COMMENT ON COLUMN quote.product IS 'gpu_hour | tokens.';
COMMENT ON COLUMN quote.good IS 'Canonical standard good (e.g. H100-SXM-80GB, llama-3.3-70b-instruct); NULL where no identity is known yet.';
COMMENT ON COLUMN quote.variant IS 'Serving or hardware variant not part of the good (quantisation, speed tier).';
COMMENT ON COLUMN quote.pricing_type IS 'on_demand | spot | reserved_<term> | batch.';
COMMENT ON COLUMN quote.region IS 'Provider region, zone or cloud tier as the provider names it.';
COMMENT ON COLUMN quote.gpu_count IS 'GPUs in the priced instance (the divisor for per-GPU-hour); NULL for tokens.';
COMMENT ON COLUMN quote.price_native IS 'The provider''s figure, exact, in its currency and its own unit (per instance-hour, per token, ...).';
COMMENT ON COLUMN quote.currency IS 'ISO 4217 currency of price_native.';
COMMENT ON COLUMN quote.fx_rate IS 'USD per unit of currency applied (1 for USD).';
COMMENT ON COLUMN quote.price_usd IS 'USD per unit (see unit), exact to 24 decimals (a division by GPU count is rounded there).';
COMMENT ON COLUMN quote.unit IS 'gpu_hour | mtok_input | mtok_output | mtok_cached_input.';
COMMENT ON COLUMN quote.observed_at IS 'Valid time: when the price was in force (UTC).';
COMMENT ON COLUMN quote.attributes IS 'JSON of source-specific detail (meter name, zone, host price, ...).';
COMMENT ON COLUMN quote.in_force_until IS 'End of the validity the source itself states (a price history''s to-date, or the next archived snapshot); NULL for a live quote, which is stale after the methodology''s maximum age.';
COMMENT ON COLUMN quote.ingested_at IS 'Transaction time: when the row was loaded (UTC).';
COMMENT ON COLUMN quote.via IS 'Aggregator or marketplace the price was observed through when the seller is another firm (e.g. primeintellect for a per-provider figure); NULL for the seller''s own quote.';
COMMENT ON COLUMN quote.segment IS 'Market segment of a GPU quote: standard | community | government | sovereign (from the source, or the region); NULL for tokens.';
COMMENT ON COLUMN quote.time_basis IS 'content when observed_at is the document''s own time (commit, archive stamp, dated record); fetch when only the fetch time dates the price.';
COMMENT ON COLUMN quote.parser_version IS 'Version of the source parser that read the capture (NULL: loaded before versions were recorded, i.e. version 1).';
COMMENT ON COLUMN quote.rules_version IS 'Version of the identity and segment rules applied (NULL: loaded before versions were recorded, i.e. version 1).';

CREATE TABLE IF NOT EXISTS rejection (
    capture_id   VARCHAR NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL,
    row_no       BIGINT NOT NULL,
    source       VARCHAR NOT NULL,
    provider     VARCHAR,
    sku          VARCHAR,
    label        VARCHAR,
    product      VARCHAR,
    unit         VARCHAR,
    price_native VARCHAR,
    currency     VARCHAR,
    good         VARCHAR,
    rule         VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,
    observed_at  TIMESTAMPTZ,
    ingested_at  TIMESTAMPTZ NOT NULL,
    parser_version VARCHAR,
    rules_version  VARCHAR
    -- key: (source, capture_id, fetched_at, row_no), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE rejection IS 'Every parsed row that did not become a quote, with the rule that rejected it and why.';
COMMENT ON COLUMN rejection.capture_id IS 'Raw capture the row came from.';
COMMENT ON COLUMN rejection.fetched_at IS 'Fetch time of that capture (UTC).';
COMMENT ON COLUMN rejection.row_no IS 'Position of the row in the parser output for that capture.';
COMMENT ON COLUMN rejection.source IS 'Feed the row came from.';
COMMENT ON COLUMN rejection.provider IS 'Seller named by the row.';
COMMENT ON COLUMN rejection.sku IS 'Provider''s own identifier.';
COMMENT ON COLUMN rejection.label IS 'Label of the row.';
COMMENT ON COLUMN rejection.product IS 'gpu_hour | tokens.';
COMMENT ON COLUMN rejection.unit IS 'Unit the row would have had.';
COMMENT ON COLUMN rejection.price_native IS 'The provider''s figure as text, exactly as read (may be unreadable).';
COMMENT ON COLUMN rejection.currency IS 'Currency of the figure.';
COMMENT ON COLUMN rejection.good IS 'Canonical good the row was identified as, when identity was resolved before the rejecting rule (e.g. memory contradiction, implausible price); else NULL.';
COMMENT ON COLUMN rejection.rule IS 'Rule that rejected it (parser, non_positive_price, implausible_price, identity_ambiguous, ...).';
COMMENT ON COLUMN rejection.reason IS 'Human-readable reason.';
COMMENT ON COLUMN rejection.observed_at IS 'Valid time of the row (UTC).';
COMMENT ON COLUMN rejection.ingested_at IS 'When the rejection was recorded (UTC).';
COMMENT ON COLUMN rejection.parser_version IS 'Version of the source parser that read the capture.';
COMMENT ON COLUMN rejection.rules_version IS 'Version of the identity and segment rules applied.';

CREATE TABLE IF NOT EXISTS batch_check (
    source      VARCHAR NOT NULL,
    capture_id  VARCHAR NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL,
    suite       VARCHAR NOT NULL,
    success     BOOLEAN NOT NULL,
    n_rows      BIGINT NOT NULL,
    failures    VARCHAR NOT NULL,
    checked_at  TIMESTAMPTZ NOT NULL
    -- key: (source, capture_id, fetched_at, suite), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE batch_check IS 'Quality-gate result per normalised batch (its family''s expectation suite, decided in polars; a failed batch also validated by Great Expectations, whose failures are recorded); a failed batch is not loaded.';
COMMENT ON COLUMN batch_check.source IS 'Feed of the batch.';
COMMENT ON COLUMN batch_check.capture_id IS 'Raw capture of the batch.';
COMMENT ON COLUMN batch_check.fetched_at IS 'Fetch time of the capture (UTC).';
COMMENT ON COLUMN batch_check.suite IS 'Expectation suite name and version.';
COMMENT ON COLUMN batch_check.success IS 'True when every expectation held.';
COMMENT ON COLUMN batch_check.n_rows IS 'Quotes in the batch.';
COMMENT ON COLUMN batch_check.failures IS 'JSON list of failed expectations with their observed values (an entry gx_passed: Great Expectations passed what the gate failed; the stricter verdict stands).';
COMMENT ON COLUMN batch_check.checked_at IS 'When the check ran (UTC).';

CREATE TABLE IF NOT EXISTS source_run (
    source      VARCHAR NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    status      VARCHAR NOT NULL,
    error_kind  VARCHAR,
    error       VARCHAR,
    n_captures  BIGINT NOT NULL
    -- key: (source, started_at), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE source_run IS 'One row per attempt to capture a source: success, or the recorded error (fetch, schema drift, gate).';
COMMENT ON COLUMN source_run.source IS 'Feed name.';
COMMENT ON COLUMN source_run.started_at IS 'When the attempt started (UTC).';
COMMENT ON COLUMN source_run.status IS 'ok | error.';
COMMENT ON COLUMN source_run.error_kind IS 'fetch | schema_drift | quality_gate; NULL when ok.';
COMMENT ON COLUMN source_run.error IS 'Error message; never contains secrets.';
COMMENT ON COLUMN source_run.n_captures IS 'Captures stored by the attempt.';

CREATE TABLE IF NOT EXISTS fixing (
    index_code          VARCHAR NOT NULL,
    fixing_date         DATE NOT NULL,
    methodology_version VARCHAR NOT NULL,
    revision            INTEGER NOT NULL,
    fixing_time         TIMESTAMPTZ NOT NULL,
    status              VARCHAR NOT NULL,
    value               DECIMAL(38,18),
    unrounded           VARCHAR,
    unit                VARCHAR NOT NULL,
    currency            VARCHAR NOT NULL,
    flags               VARCHAR NOT NULL,
    gates               VARCHAR NOT NULL,
    n_providers         INTEGER NOT NULL,
    n_quotes            INTEGER NOT NULL,
    robust_cv           DECIMAL(38,18),
    p25                 DECIMAL(38,18),
    p75                 DECIMAL(38,18),
    inputs_digest       VARCHAR NOT NULL,
    input_keys          VARCHAR NOT NULL,
    reason              VARCHAR NOT NULL,
    recorded_at         TIMESTAMPTZ NOT NULL
    -- key: (index_code, fixing_date, methodology_version, revision), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE fixing IS 'Daily index determinations. Append-only: a correction is a new revision; the latest revision is current.';
COMMENT ON COLUMN fixing.index_code IS 'Index code from the methodology registry, e.g. CIX-H100-OD.';
COMMENT ON COLUMN fixing.fixing_date IS 'Business date of the fixing.';
COMMENT ON COLUMN fixing.methodology_version IS 'Methodology version the fixing was computed under; verify recomputes under it. Versions coexist: each has its own revisions.';
COMMENT ON COLUMN fixing.revision IS '1 for the first determination; each later determination of the same index, date and methodology adds one.';
COMMENT ON COLUMN fixing.fixing_time IS 'Reference time of the fixing (UTC), e.g. 16:00.';
COMMENT ON COLUMN fixing.status IS 'published (settlement grade) | indicative (a value no contract settles on: too few firms, or one firm could move it too far; v3) | withheld (a gate failed; value is NULL) | not_republished (a recomputation within the correction threshold, kept for audit, never current).';
COMMENT ON COLUMN fixing.value IS 'Index value in unit and currency, rounded per methodology; NULL when withheld.';
COMMENT ON COLUMN fixing.unrounded IS 'The trimmed mean before rounding, as exact decimal text (what explain reconciles to).';
COMMENT ON COLUMN fixing.unit IS 'gpu_hour | mtok_input | mtok_output | mtok_blend.';
COMMENT ON COLUMN fixing.currency IS 'Currency of value (USD).';
COMMENT ON COLUMN fixing.flags IS 'JSON list of data-quality flags (flag, do not gate).';
COMMENT ON COLUMN fixing.gates IS 'JSON of each gate with its threshold, observation and the failed list.';
COMMENT ON COLUMN fixing.n_providers IS 'Providers that survived the screen.';
COMMENT ON COLUMN fixing.n_quotes IS 'Quotes used across all providers.';
COMMENT ON COLUMN fixing.robust_cv IS 'Robust coefficient of variation of provider values (1.4826 MAD / median).';
COMMENT ON COLUMN fixing.p25 IS '25th percentile of surviving provider values.';
COMMENT ON COLUMN fixing.p75 IS '75th percentile of surviving provider values.';
COMMENT ON COLUMN fixing.inputs_digest IS 'sha256 over the methodology file and every input quote key.';
COMMENT ON COLUMN fixing.input_keys IS 'JSON list of every quote used, as capture_id@fetched_at#row_no:unit.';
COMMENT ON COLUMN fixing.reason IS 'Why this revision exists (initial determination, correction reason).';
COMMENT ON COLUMN fixing.recorded_at IS 'Transaction time: when this revision was recorded (UTC).';

CREATE TABLE IF NOT EXISTS fixing_constituent (
    index_code     VARCHAR NOT NULL,
    fixing_date    DATE NOT NULL,
    methodology_version VARCHAR NOT NULL,
    revision       INTEGER NOT NULL,
    provider       VARCHAR NOT NULL,
    value          DECIMAL(38,18) NOT NULL,
    tier           VARCHAR NOT NULL,
    sources        VARCHAR NOT NULL,
    n_quotes       INTEGER NOT NULL,
    screened_out   BOOLEAN NOT NULL,
    excluded_by    VARCHAR,
    screen_reason  VARCHAR,
    weight_raw     DECIMAL(38,18),
    weight_capped  DECIMAL(38,18),
    trim_weight    DECIMAL(38,18),
    last_observed_at TIMESTAMPTZ
    -- key: (index_code, fixing_date, methodology_version, revision, provider), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE fixing_constituent IS 'Per fixing revision and provider: the provider''s value, screen verdict and weights.';
COMMENT ON COLUMN fixing_constituent.index_code IS 'Index code.';
COMMENT ON COLUMN fixing_constituent.fixing_date IS 'Fixing date.';
COMMENT ON COLUMN fixing_constituent.methodology_version IS 'Methodology version of the fixing.';
COMMENT ON COLUMN fixing_constituent.revision IS 'Fixing revision this row belongs to.';
COMMENT ON COLUMN fixing_constituent.provider IS 'Provider (one vote each).';
COMMENT ON COLUMN fixing_constituent.value IS 'Provider value: median over window snapshots of the snapshot median (or 3:1 blend).';
COMMENT ON COLUMN fixing_constituent.tier IS 'Input tier used for weighting.';
COMMENT ON COLUMN fixing_constituent.sources IS 'JSON list of feeds the provider''s quotes came from.';
COMMENT ON COLUMN fixing_constituent.n_quotes IS 'Quotes behind the provider value.';
COMMENT ON COLUMN fixing_constituent.screened_out IS 'True when the provider did not count (MAD screen or stale).';
COMMENT ON COLUMN fixing_constituent.excluded_by IS 'NULL when the provider counted; mad_screen or stale when excluded.';
COMMENT ON COLUMN fixing_constituent.screen_reason IS 'Why it was excluded.';
COMMENT ON COLUMN fixing_constituent.last_observed_at IS 'Observation time of the provider''s latest quote used (or, if stale, seen).';
COMMENT ON COLUMN fixing_constituent.weight_raw IS 'Normalised tier weight before the cap.';
COMMENT ON COLUMN fixing_constituent.weight_capped IS 'Weight after the iterative cap.';
COMMENT ON COLUMN fixing_constituent.trim_weight IS 'Part of the weight inside the central band of the trimmed mean.';

CREATE TABLE IF NOT EXISTS fixing_exclusion (
    index_code          VARCHAR NOT NULL,
    fixing_date         DATE NOT NULL,
    methodology_version VARCHAR NOT NULL,
    revision            INTEGER NOT NULL,
    firm                VARCHAR NOT NULL,
    provider            VARCHAR NOT NULL,
    rule                VARCHAR NOT NULL,
    reason              VARCHAR NOT NULL,
    n_quotes            INTEGER NOT NULL,
    example_quote       VARCHAR NOT NULL
    -- key: (index_code, fixing_date, methodology_version, revision, firm, provider, rule), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE fixing_exclusion IS 'Per fixing revision (methodology v3): quotes of the index''s good that did not vote, grouped by firm, provider and rule, with the reason.';
COMMENT ON COLUMN fixing_exclusion.index_code IS 'Index code.';
COMMENT ON COLUMN fixing_exclusion.fixing_date IS 'Fixing date.';
COMMENT ON COLUMN fixing_exclusion.methodology_version IS 'Methodology version of the fixing.';
COMMENT ON COLUMN fixing_exclusion.revision IS 'Fixing revision the exclusion belongs to.';
COMMENT ON COLUMN fixing_exclusion.firm IS 'Firm (provider register id) the quotes belong to.';
COMMENT ON COLUMN fixing_exclusion.provider IS 'Provider name as the feed gives it.';
COMMENT ON COLUMN fixing_exclusion.rule IS 'Eligibility rule that excluded them: aggregator_own_price, segment_<name>, serving_variant, not_reference_shape, not_reference_region, no_reference_region, re_report.';
COMMENT ON COLUMN fixing_exclusion.reason IS 'Human-readable reason (of the first excluded quote).';
COMMENT ON COLUMN fixing_exclusion.n_quotes IS 'Quotes excluded by this rule for this firm and provider.';
COMMENT ON COLUMN fixing_exclusion.example_quote IS 'Key (capture_id@fetched_at#row_no:unit) of one excluded quote.';

CREATE TABLE IF NOT EXISTS settlement (
    contract            VARCHAR NOT NULL,
    period              VARCHAR NOT NULL,
    revision            INTEGER NOT NULL,
    index_code          VARCHAR NOT NULL,
    methodology_version VARCHAR NOT NULL,
    contracts_version   VARCHAR NOT NULL,
    status              VARCHAR NOT NULL,
    price               DECIMAL(38,18),
    unrounded           VARCHAR,
    fallbacks           INTEGER NOT NULL,
    flags               VARCHAR NOT NULL,
    evidence            VARCHAR NOT NULL,
    computed_at         TIMESTAMPTZ NOT NULL,
    final               BOOLEAN NOT NULL,
    max_consecutive_fallbacks INTEGER
    -- key: (contract, period, revision), kept unique by the writers (anti-join / merge)
);
-- Lakes made before the column existed gain it (NULL in their earlier revisions).
ALTER TABLE settlement ADD COLUMN IF NOT EXISTS max_consecutive_fallbacks INTEGER;
COMMENT ON TABLE settlement IS 'Final settlement prices of monthly average-price contracts, with their evidence. Append-only: a recomputation that differs is a new revision.';
COMMENT ON COLUMN settlement.contract IS 'Contract code from pipeline/settle/contracts.json, e.g. CIXF-H100-OD-HYP.';
COMMENT ON COLUMN settlement.period IS 'Contract month, YYYY-MM.';
COMMENT ON COLUMN settlement.revision IS '1 for the first settlement; each differing recomputation adds one.';
COMMENT ON COLUMN settlement.index_code IS 'Index the contract settles on.';
COMMENT ON COLUMN settlement.methodology_version IS 'Methodology version of the fixings used.';
COMMENT ON COLUMN settlement.contracts_version IS 'Version of the contract specifications used.';
COMMENT ON COLUMN settlement.status IS 'settled | no_settlement (referred to the administrator).';
COMMENT ON COLUMN settlement.price IS 'Final settlement price in the index unit and currency, rounded per the contract; NULL when no_settlement.';
COMMENT ON COLUMN settlement.unrounded IS 'Arithmetic mean before rounding, exact decimal text.';
COMMENT ON COLUMN settlement.fallbacks IS 'Business days that used the prior published value.';
COMMENT ON COLUMN settlement.max_consecutive_fallbacks IS 'The longest run of business days without a published fixing, counted across the month boundary (compared with the contract''s max_consecutive_fallbacks); NULL in revisions recorded before it was stored.';
COMMENT ON COLUMN settlement.flags IS 'JSON list: fallback_used, administrator_review:... .';
COMMENT ON COLUMN settlement.evidence IS 'JSON list, one entry per business day: fixing status, value, revision, value used, fallback source.';
COMMENT ON COLUMN settlement.computed_at IS 'When the settlement was computed (UTC).';
COMMENT ON COLUMN settlement.final IS 'True for the final settlement (recorded on or after the contract''s final settlement day); a final settlement is frozen: later differing computations are notices in governance_event.';

CREATE TABLE IF NOT EXISTS governance_event (
    event_id    VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    subject     VARCHAR NOT NULL,
    proposed_by VARCHAR,
    approved_by VARCHAR,
    reason      VARCHAR NOT NULL,
    detail      VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    refers_to   VARCHAR
    -- key: (event_id), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE governance_event IS 'The administrator''s record (IOSCO P7-P18, EU BMR Art. 8): proposals and four-eyes approvals of restatements and methodology changes, and notices such as a restatement after final settlement. Append-only.';
COMMENT ON COLUMN governance_event.event_id IS 'Identifier of the event.';
COMMENT ON COLUMN governance_event.kind IS 'restatement_proposed | restatement_approved | methodology_change | settlement_notice.';
COMMENT ON COLUMN governance_event.subject IS 'What the event is about, e.g. CIX-H100-OD 2026-08-03, methodology v3, CIXF-H100-OD 2026-07.';
COMMENT ON COLUMN governance_event.proposed_by IS 'Identity that proposed it.';
COMMENT ON COLUMN governance_event.approved_by IS 'Second identity that approved it (never the proposer).';
COMMENT ON COLUMN governance_event.reason IS 'Why.';
COMMENT ON COLUMN governance_event.detail IS 'JSON detail (revision recorded, values before and after, notice period ...).';
COMMENT ON COLUMN governance_event.recorded_at IS 'When it was recorded (UTC).';
COMMENT ON COLUMN governance_event.refers_to IS 'The event this one acts on (an approval refers to its proposal).';

CREATE TABLE IF NOT EXISTS fx_rate (
    day           DATE NOT NULL,
    currency      VARCHAR NOT NULL,
    usd_per_unit  DECIMAL(38,18) NOT NULL,
    ecb_rate      DECIMAL(38,18) NOT NULL,
    source        VARCHAR NOT NULL,
    capture_id    VARCHAR NOT NULL
    -- key: (day, currency, source), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE fx_rate IS 'Daily reference FX rates (ECB) used to convert non-USD prices; each quote records the rate it used.';
COMMENT ON COLUMN fx_rate.day IS 'Reference date of the rate (ECB publication day).';
COMMENT ON COLUMN fx_rate.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN fx_rate.usd_per_unit IS 'USD per one unit of the currency: ECB USD rate / ECB currency rate, rounded half-even to 12 decimals.';
COMMENT ON COLUMN fx_rate.ecb_rate IS 'The ECB figure: units of the currency per 1 EUR.';
COMMENT ON COLUMN fx_rate.source IS 'Source that published the rate (ecb-fx).';
COMMENT ON COLUMN fx_rate.capture_id IS 'Raw capture the rate was read from.';

CREATE TABLE IF NOT EXISTS methodology (
    version      VARCHAR NOT NULL,
    digest       VARCHAR NOT NULL,
    published    VARCHAR,
    summary      VARCHAR NOT NULL,
    is_current   BOOLEAN NOT NULL
    -- key: (version), kept unique by the writers (anti-join / merge)
);
COMMENT ON TABLE methodology IS 'Methodology versions known to the code that last opened the warehouse for writing, and which one is current (the analyst views read it).';
COMMENT ON COLUMN methodology.version IS 'Methodology version, as named by fixing.methodology_version.';
COMMENT ON COLUMN methodology.digest IS 'sha256 of the version''s canonical document; part of every fixing''s inputs digest.';
COMMENT ON COLUMN methodology.published IS 'Date the version was published.';
COMMENT ON COLUMN methodology.summary IS 'What the version is.';
COMMENT ON COLUMN methodology.is_current IS 'True for the version daily fixings are published under.';

CREATE TABLE IF NOT EXISTS cix_schema (
    digest     VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE cix_schema IS 'sha256 of the schema and views this lake was last brought up to (a writer applies them only when it differs).';
COMMENT ON COLUMN cix_schema.digest IS 'sha256 of schema.sql + views.sql as shipped by the code that applied them.';
COMMENT ON COLUMN cix_schema.applied_at IS 'When they were applied (UTC).';
