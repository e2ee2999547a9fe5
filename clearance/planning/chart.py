"""The what-if chart: release time per channel as observed, replayed and with the changes
(median bars, 90th percentile ticks), and beside it the queues by hour of the day."""

import io
from typing import TYPE_CHECKING

from clearance.planning.schemas import ChannelOutcome, ReleaseFigures, WhatIfReport
from clearance.reference.calendar import VIETNAM

SERIES = (
    ("observed", "observed", "#bab0ac"),
    ("baseline", "replayed (model)", "#4e79a7"),
    ("scenario", "what if", "#f28e2b"),
)
WIDTH = 0.26

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _figures(channel: ChannelOutcome, series: str) -> ReleaseFigures:
    figures: ReleaseFigures = getattr(channel, series)
    return figures


def _unit(report: WhatIfReport) -> tuple[str, float]:
    longest = max(
        (
            _figures(channel, series).arrival_to_release_p90_seconds or 0.0
            for channel in report.channels
            for series, _, _ in SERIES
        ),
        default=0.0,
    )
    return ("hours", 3600.0) if longest >= 3 * 3600 else ("minutes", 60.0)


def render_png(report: WhatIfReport) -> bytes:
    """A PNG: the release-time bars on the left, the hourly queues on the right."""
    # Imported here, as for the release-time chart: matplotlib is slow to import.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    releases, queues = figure.subplots(1, 2, width_ratios=[1, 1.3])
    _release_bars(releases, report)
    _queue_lines(queues, report)
    local = report.period_from.astimezone(VIETNAM), report.period_to.astimezone(VIETNAM)
    figure.suptitle(
        f"What if: {report.changes}. {report.gate}, declarations lodged"
        f" {local[0]:%Y-%m-%d %H:%M} to {local[1]:%Y-%m-%d %H:%M} (gate time),"
        f" {report.runs} runs",
        fontsize=10,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _release_bars(axes: "Axes", report: WhatIfReport) -> None:
    unit, per_unit = _unit(report)
    rows = range(len(report.channels))
    bars: list[tuple[float, float, float]] = []  # x, median, 90th percentile
    for offset, (series, label, colour) in enumerate(SERIES):
        xs = [row + (offset - 1) * WIDTH for row in rows]
        figures = [_figures(channel, series) for channel in report.channels]
        medians = [(f.arrival_to_release_median_seconds or 0.0) / per_unit for f in figures]
        p90s = [(f.arrival_to_release_p90_seconds or 0.0) / per_unit for f in figures]
        axes.bar(xs, medians, WIDTH, color=colour, label=f"{label}: median")
        bars += zip(xs, medians, p90s, strict=True)
    top = _top(bars)
    for x, _, p90 in bars:
        # A 90th percentile far above every median (trucks kept overnight) is written, not drawn.
        axes.scatter([x], [min(p90, top * 0.97)], marker="_", s=220, color="black", zorder=3)
        if p90 > top:
            axes.annotate(f"{p90:.3g}", (x, top * 0.97), ha="center", va="bottom", fontsize=7)
    axes.scatter([], [], marker="_", s=220, color="black", label="90th percentile")
    axes.set_ylim(0, top)
    axes.set_xticks(list(rows), [channel.channel for channel in report.channels])
    axes.set_ylabel(f"arrival → release, {unit}")
    axes.set_title("Release time per channel", fontsize=10)
    axes.legend(fontsize=8, frameon=False, loc="upper left")


def _top(bars: list[tuple[float, float, float]]) -> float:
    """The y-axis' top: every 90th percentile, unless one dwarfs every median."""
    highest_median = max((median for _, median, _ in bars), default=0.0)
    highest_p90 = max((p90 for _, _, p90 in bars), default=0.0)
    if highest_median > 0 and highest_p90 > 3 * highest_median:
        return 2.0 * highest_median
    return max(highest_p90 * 1.15, highest_median * 1.15, 1.0)


def _queue_lines(axes: "Axes", report: WhatIfReport) -> None:
    # The last hour is drawn to its end: steps after each hour's start, one more at 24.
    hours = [load.hour for load in report.queue_by_hour] + [24]
    lines = (
        ("baseline_review_queue", "waiting for an officer, replayed", "#4e79a7", "-"),
        ("scenario_review_queue", "waiting for an officer, what if", "#f28e2b", "-"),
        ("baseline_trucks_waiting", "trucks at the gate, replayed", "#4e79a7", ":"),
        ("scenario_trucks_waiting", "trucks at the gate, what if", "#f28e2b", ":"),
    )
    for name, label, colour, style in lines:
        values = [getattr(load, name) for load in report.queue_by_hour]
        values.append(values[-1])
        axes.plot(hours, values, style, color=colour, label=label, drawstyle="steps-post")
    axes.set_xticks(range(0, 25, 2))
    axes.set_xlim(0, 24)
    axes.set_xlabel("hour of the day at the gate")
    axes.set_ylabel("mean count")
    axes.set_title("Queues by hour", fontsize=10)
    axes.legend(fontsize=8, frameon=False)
