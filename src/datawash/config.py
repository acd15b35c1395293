"""Settings: where the data lives and the thresholds the teams may tune (env DATAWASH_*)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DATAWASH_", extra="ignore")

    data_dir: Path = Field(default=Path("datawash-data"), description="Where the database lives")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite in the data directory"
    )
    # PostgreSQL: the schema owner's URL, used only to migrate. When set, database_url
    # connects as the application's role, which may not UPDATE, DELETE or TRUNCATE the
    # audit log (granted by db.grant_application_role after each migration).
    migration_database_url: str | None = None
    # Web application: the key signing its cookies (default: made once, kept in the data
    # directory) and whether it is served over TLS (Secure cookies, HSTS).
    secret_key: str | None = None
    web_tls: bool = False
    # Optional sign-in with the force's identity provider (OpenID Connect): its issuer URL
    # (the discovery document is read from ISSUER/.well-known/openid-configuration), this
    # application's client id and secret, and the claim holding the datawash username.
    # Users must still exist in datawash, which alone gives their role.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    # No default: it must be a claim the force's administrators control (Entra ID's upn,
    # an employee number), never one a user can edit; OIDC does not promise
    # preferred_username is unique or stable.
    oidc_username_claim: str | None = None
    # Wash thresholds (match probability).
    review_threshold: float = 0.5
    # The share of matched people a review should find: with reviewers' marks, the wash
    # says down to which probability the queue must be worked to find it (issue 11).
    target_share_found: float = 0.97
    confirmed_threshold: float = 0.995
    # Blocking guard: a rule estimated above this many comparisons is re-planned (refined
    # by birth year, postcode district …, with a companion rule for the pairs the refinement
    # would lose) or refused. 0 = automatic: one comparison per record in the extract, at
    # least 1,000,000 - the same plan shape at every size. (It was twice that: the broad
    # "same forename and locality" rules then made 3.2 million of the 5.4 million pairs
    # scored at 1,000,000 records for 3 true pairs in the review band; docs/benchmarks.md.)
    max_comparisons_per_rule: int = 0
    # Scoring takes the extract a slice at a time, so that about this many blocked pairs (the
    # plan's count) are held at once: memory stays bounded at any size, and the pairs are
    # the same whatever the number of slices (docs/benchmarks.md).
    pairs_per_slice: int = Field(default=5_000_000, ge=1)
    random_seed: int = 42
    # A workforce date of birth outside these ages is reported as impossible.
    workforce_min_age: int = 16
    workforce_max_age: int = 100
    # DuckDB working memory for the linkage (it spills to data_dir/tmp beyond this);
    # empty = automatic: 1.25 GB up to about 2.8 million records, then 0.45 GB per million,
    # at most 10 GB (docs/benchmarks.md: the 1,000,000-record wash takes as long with
    # 1.25 GB as with 3 GB, and peaks at about 1.6 GB instead of 3.2 GB).
    duckdb_memory_limit: str = ""
    # DuckDB threads for a wash (0 = one per core). The result does not depend on it.
    duckdb_threads: int = 0
    # Dual control is not a setting here: it is a safeguard held in the database, changed
    # only by an administrator (datawash safeguards set), so DATAWASH_DUAL_CONTROL does nothing.
    # The disclosure threshold is a safeguard held in the database (datawash safeguards),
    # not a setting: DATAWASH_DISCLOSURE_THRESHOLD does nothing.
    # FOI: the public authority's name in letters, and the s12 appropriate limit for police
    # (£450 at £25 an hour = 18 hours).
    authority_name: str = "Synthetic Constabulary"
    s12_limit_pounds: float = 450.0
    s12_hourly_rate: float = 25.0

    def memory_limit_for(self, n_records: int) -> str:
        if self.duckdb_memory_limit:
            return self.duckdb_memory_limit
        gb = min(10.0, max(1.25, 0.45 * n_records / 1_000_000))
        return f"{gb:.1f}GB"

    def comparison_limit(self, n_records: int) -> int:
        if self.max_comparisons_per_rule > 0:
            return self.max_comparisons_per_rule
        return max(1_000_000, n_records)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'datawash.sqlite').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
