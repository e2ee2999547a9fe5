"""One settings object for the whole service, read from `CLEARANCE_*` environment variables."""

import ipaddress
import re
from functools import lru_cache
from typing import Literal

from pydantic import Field, IPvAnyNetwork, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)

SHIFT_NAMES = ("morning", "afternoon", "evening")
SHIFT_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLEARANCE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///clearance.db"
    db_pool_size: int = Field(default=10, ge=1)  # PostgreSQL connections kept per process
    db_max_overflow: int = Field(default=10, ge=0)  # and opened beyond them at a peak
    # How long a request waits for a free connection before it is answered 503 (Retry-After).
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Keys are stored as HMAC-SHA256(secret_key, key): a leaked table alone opens nothing.
    secret_key: str = DEVELOPMENT_SECRET

    # Requests per second each API key may make (0: no limit); over it, 429 with Retry-After.
    rate_limit_per_second: int = Field(default=100, ge=0)
    # Requests refused for their key (none, unknown, revoked: 401) each client address may make
    # a second; over it, every request from there is a 429 until the window has room (0: off).
    rate_limit_refusals_per_address: int = Field(default=10, ge=0)
    # A rotated key keeps working this long, so clients can switch without an outage.
    key_rotation_grace_seconds: int = Field(default=3600, ge=0)
    # How long a process trusts a key's row once read (clearance/auth/keycache.py): a key
    # revoked or rotated by another process is refused here within this many seconds.
    key_cache_seconds: float = Field(default=5.0, ge=0, le=60)

    # /metrics on an internal port of its own (docs/security.md): set, the public app has no
    # /metrics and the scrape is served on metrics_host:metrics_port alone.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"

    max_body_bytes: int = 256 * 1024
    documents_dir: str = ".clearance/documents"
    page_size_max: int = 200
    # Proxies whose X-Forwarded-For the audit believes (JSON list of addresses or networks,
    # e.g. '["10.0.0.0/8"]'); from anyone else the header is ignored and the peer recorded.
    trusted_proxies: list[IPvAnyNetwork] = []

    # Channel thresholds on the risk score in [0, 1].
    yellow_threshold: float = Field(default=0.35, ge=0, le=1)
    red_threshold: float = Field(default=0.7, ge=0, le=1)
    # Share sent to red whatever the score (Revised Kyoto Convention ch. 6 random selection).
    random_red_share: float = Field(default=0.02, ge=0, le=1)
    new_trader_declarations: int = Field(default=3, ge=0)

    job_timeout_seconds: int = 60
    job_failure_ttl_seconds: int = 7 * 24 * 3600
    # Seconds between a failed job's retries; after the last, it is parked as a dead letter.
    job_retry_intervals: list[int] = Field(default=[5, 30, 120], min_length=1)
    # Screening takes the pending versions from the database in sets of this many (one
    # transaction each); a set that comes full calls one more worker to the backlog. After a
    # set short of a whole one a job waits `screening_poll_seconds` for work to gather, and
    # lets its trigger go after `screening_idle_seconds` with none (workers/jobs.py).
    screening_batch_size: int = Field(default=200, ge=1)
    # A lodgement set waits this long for those close behind its first (declarations/intake).
    lodging_linger_seconds: float = Field(default=0.005, ge=0, le=0.1)
    screening_poll_seconds: float = Field(default=0.02, gt=0)
    screening_idle_seconds: float = Field(default=0.2, ge=0)
    sweeper_interval_seconds: float = 30.0
    sweeper_stuck_after_seconds: float = 120.0
    auto_cancel_after_days: int = 15
    lease_seconds: int = 15 * 60
    # How long a process keeps rules, policy, watchlist, requirements, tariff and calendars
    # before reading them again (clearance/hot.py); 0 reads them on every use.
    hot_cache_seconds: float = Field(default=5.0, ge=0)

    # Retraining (docs/risk-engine.md): every this many hours (0: never) a worker of the
    # training queue compares the model on trial with the active one, then trains a new
    # candidate on the labelled history when none is on trial.
    retrain_hours: float = Field(default=24.0, ge=0)
    retrain_timeout_seconds: int = Field(default=3600, ge=60)
    retrain_seed: int = 7
    # The trial: the declarations inspected among those both models scored in the last this
    # many days; decided once at least this many are there, or rejected when the window
    # passed without them.
    promotion_window_days: int = Field(default=30, ge=1)
    promotion_min_inspected: int = Field(default=100, ge=1)

    # Clearance time target (DESIGN §5): the gate's measured baseline in hours, overall or per
    # channel as JSON ({"green": 2, "all": 12}), and the reduction the province must reach.
    # The 12 h default is a placeholder until the gate's own baseline is measured.
    baseline_hours: float | dict[str, float] = 12.0
    target_reduction: float = Field(default=0.5, ge=0, lt=1)
    # The what-if planner (docs/operations.md): the officers' shifts at the gate, local time
    # (morning, afternoon, evening), and officers per shift when the events cannot tell who
    # worked (empty: counted from the officers' own events, day by day).
    shift_hours: dict[str, str] = {"morning": "07:00-13:00", "afternoon": "13:00-19:00"}
    officers_per_shift: dict[str, int] = {}

    # Trader callbacks (README, Notifications). Hosts or networks (JSON list, e.g.
    # '["hooks.gate.internal", "10.20.0.0/16"]') a callback may reach over plain http and at
    # private addresses. Empty by default: https to public addresses only, so nobody can point
    # the service at Redis, the database or a cloud metadata endpoint.
    notification_allowlist: list[str] = []
    notification_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    # How old a process's set of subscribed traders may be; a registration answers only after
    # this long, so every process sees it by then (clearance/notifications/subscribers.py).
    notification_cache_seconds: float = Field(default=2.0, ge=0, le=30)
    # An idle worker wakes this often (RQ's blocking dequeue times out) to heartbeat and run
    # RQ's maintenance, which starts RQ's scheduler in this worker when none holds its lock:
    # after the worker that held it died, retries and retraining move on within this (plus
    # the lock's 61 s). RQ's own default is 405 s, with maintenance every 600 s.
    worker_maintenance_seconds: int = Field(default=60, ge=1, le=600)

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.environment == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError("CLEARANCE_SECRET_KEY must be set outside development")
        if self.yellow_threshold > self.red_threshold:
            raise ValueError("yellow_threshold must not exceed red_threshold")
        for name, hours in self.shift_hours.items():
            if name not in SHIFT_NAMES or not SHIFT_HOURS.match(hours) or hours[:5] >= hours[6:]:
                raise ValueError(
                    f"shift_hours: {name}: {hours!r} is not one of {SHIFT_NAMES}"
                    " with HH:MM-HH:MM, start before end"
                )
        if not set(self.officers_per_shift) <= set(self.shift_hours):
            raise ValueError("officers_per_shift names a shift shift_hours does not have")
        for entry in self.notification_allowlist:
            if not _host_or_network(entry):
                raise ValueError(f"notification_allowlist: {entry!r} is no host name or network")
        return self


def _host_or_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return HOST_NAME.match(entry.lower()) is not None
    return True


@lru_cache
def get_settings() -> Settings:
    return Settings()
