"""Every Prometheus metric of the service, in one place (STYLE §8).

Labels are bounded: kind, channel, decision, job, outcome, route template, status, type. Never
an id.
With PROMETHEUS_MULTIPROC_DIR set (API processes and workers of `clearance run`), values go to
files that `/metrics` aggregates.
"""

from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

# Clearance takes from a tenth of a second (a green lane, truck already at the gate) to days.
CLEARANCE_BUCKETS = (
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200,
    14400, 28800, 43200, 86400, 172800, 345600, 604800, 864000,
)  # fmt: skip
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

DECLARATIONS_LODGED = Counter(
    "clearance_declarations_lodged_total", "Declarations lodged.", ["kind"]
)
DECLARATIONS_AMENDED = Counter(
    "clearance_declarations_amended_total", "Amendments lodged.", ["kind"]
)
SCREENINGS = Counter(
    "clearance_screenings_total", "Declaration versions screened, by channel.", ["channel"]
)
DECISIONS = Counter("clearance_decisions_total", "Decisions recorded.", ["decision", "actor_kind"])
OVERPAYMENTS = Counter(
    "clearance_overpayments_total", "Payment notices that took a declaration past what it owes."
)
RELEASES = Counter("clearance_releases_total", "Declarations released.", ["channel"])
CANCELLATIONS = Counter("clearance_cancellations_total", "Declarations cancelled.", ["actor_kind"])
SWEEPER_REENQUEUED = Counter(
    "clearance_sweeper_reenqueued_total", "Screening jobs the sweeper found lost and re-enqueued."
)
LODGEMENT_TO_CHANNEL = Histogram(
    "clearance_lodgement_to_channel_seconds",
    "From lodgement of a version to its channel.",
    ["channel"],
    buckets=CLEARANCE_BUCKETS,
)
LODGEMENT_TO_RELEASE = Histogram(
    "clearance_lodgement_to_release_seconds",
    "From first lodgement to release.",
    ["channel"],
    buckets=CLEARANCE_BUCKETS,
)
ARRIVAL_TO_RELEASE = Histogram(
    "clearance_arrival_to_release_seconds",
    "From the truck's arrival at the gate to release (WCO TRS: arrival to release).",
    ["channel"],
    buckets=CLEARANCE_BUCKETS,
)
STAGE_SECONDS = Histogram(
    "clearance_stage_seconds",
    "Time a declaration spent in a state (a TRS stage), observed when it leaves it.",
    ["stage", "channel"],
    buckets=CLEARANCE_BUCKETS,
)
JOBS = Counter("clearance_jobs_total", "Worker jobs run.", ["job", "outcome"])
JOBS_IN_FLIGHT = Gauge(
    "clearance_jobs_in_flight", "Worker jobs running now.", ["job"], multiprocess_mode="livesum"
)
JOB_DURATION = Histogram(
    "clearance_job_duration_seconds", "Worker job run time.", ["job"], buckets=REQUEST_BUCKETS
)
NOTIFICATIONS = Counter(
    "clearance_notifications_total", "Events written to the notification outbox.", ["type"]
)
# outcome: delivered; retrying (a failed push, tried again later); failed (given up after
# 24 hours: pull queue only); deferred (held while the receiver is failing for another event).
NOTIFICATION_DELIVERIES = Counter(
    "clearance_notification_deliveries_total", "Pushes to trader callbacks.", ["outcome"]
)
HTTP_REQUESTS = Counter(
    "clearance_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "clearance_http_request_duration_seconds",
    "HTTP request handling time.",
    ["method", "route"],
    buckets=REQUEST_BUCKETS,
)
# The API process's CPU in the thread that writes lodgements a set at a time; the rest of the
# process's CPU is the requests' (loadtests/bench_intake.py reads both).
LODGING_WRITER_CPU = Counter(
    "clearance_lodging_writer_cpu_seconds_total",
    "CPU time of the thread that writes sets of lodgements.",
)


TARGET_SECONDS = Gauge(
    "clearance_target_seconds",
    "Arrival to release target: the baseline less the configured reduction.",
    ["channel"],
    multiprocess_mode="max",
)
BASELINE_SECONDS = Gauge(
    "clearance_baseline_seconds",
    "Arrival to release measured before the service (the baseline of the target).",
    ["channel"],
    multiprocess_mode="max",
)


def export_target(*, baseline_seconds: dict[str, float], target_seconds: dict[str, float]) -> None:
    for channel, seconds in baseline_seconds.items():
        BASELINE_SECONDS.labels(channel).set(seconds)
    for channel, seconds in target_seconds.items():
        TARGET_SECONDS.labels(channel).set(seconds)


def _label(channel: object) -> str:
    return str(getattr(channel, "value", channel) or "none")


def observe_stage(
    *, stage: object, channel: object, entered_at: datetime, left_at: datetime
) -> None:
    STAGE_SECONDS.labels(_label(stage), _label(channel)).observe(
        max((left_at - entered_at).total_seconds(), 0.0)
    )


def observe_channel(*, channel: object, lodged_at: datetime, assessed_at: datetime) -> None:
    SCREENINGS.labels(_label(channel)).inc()
    LODGEMENT_TO_CHANNEL.labels(_label(channel)).observe(
        max((assessed_at - lodged_at).total_seconds(), 0.0)
    )


def observe_release(
    *,
    channel: object,
    lodged_at: datetime,
    released_at: datetime,
    arrived_at: datetime | None,
) -> None:
    label = _label(channel)
    RELEASES.labels(label).inc()
    LODGEMENT_TO_RELEASE.labels(label).observe(max((released_at - lodged_at).total_seconds(), 0))
    if arrived_at is not None:
        ARRIVAL_TO_RELEASE.labels(label).observe(
            max((released_at - arrived_at).total_seconds(), 0.0)
        )
