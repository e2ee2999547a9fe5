"""The TRS chart: the median time of each stage per channel, as horizontal stacked bars."""

import io

from clearance.reports.schemas import (
    SEQUENTIAL_STAGES,
    ChannelReport,
    ReleaseTimeReport,
    Stage,
)

STAGE_LABELS = {
    Stage.lodgement_to_screening: "lodgement → screening done",
    Stage.screening_to_document_check: "screening → document check",
    Stage.document_check: "document check",
    Stage.inspection: "physical inspection",
    Stage.decision_to_release: "decision → release",
    Stage.release_to_exit: "release → exit",
}
STAGE_COLOURS = {
    Stage.lodgement_to_screening: "#4e79a7",
    Stage.screening_to_document_check: "#f28e2b",
    Stage.document_check: "#edc948",
    Stage.inspection: "#e15759",
    Stage.decision_to_release: "#76b7b2",
    Stage.release_to_exit: "#bab0ac",
}
# Channels only: stage medians over every declaration mix lanes that never meet (a green has
# no inspection), so an "all" bar would stack numbers from different declarations.
CHANNEL_ORDER = ("green", "yellow", "red")


def _unit(report: ReleaseTimeReport) -> tuple[str, float]:
    """Minutes for a fast gate, hours otherwise, so the bars read in round numbers."""
    longest = max((sum(_medians(channel).values()) for channel in report.channels), default=0.0)
    return ("hours", 3600.0) if longest >= 3 * 3600 else ("minutes", 60.0)


def _medians(channel: ChannelReport) -> dict[Stage, float]:
    return {
        stats.stage: stats.median_seconds or 0.0
        for stats in channel.stages
        if stats.stage in SEQUENTIAL_STAGES
    }


def render_png(report: ReleaseTimeReport) -> bytes:
    """A PNG the way TRS reports show the breakdown: one bar per channel, one colour a stage."""
    # Imported here: matplotlib takes over a second to import, and every API process and
    # worker would pay it at start for a chart an operator asks for now and then.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    unit, per_unit = _unit(report)
    channels = [report.channel(name) for name in CHANNEL_ORDER]
    figure = Figure(figsize=(10, 4.8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    rows = range(len(channels))
    left = [0.0] * len(channels)
    for stage in SEQUENTIAL_STAGES:
        widths = [_medians(channel)[stage] / per_unit for channel in channels]
        axes.barh(rows, widths, left=left, color=STAGE_COLOURS[stage], label=STAGE_LABELS[stage])
        left = [start + width for start, width in zip(left, widths, strict=True)]
    for row, channel in zip(rows, channels, strict=True):
        axes.annotate(
            _caption(channel, per_unit, unit),
            xy=(left[row], row),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.set_yticks(list(rows), [f"{c.channel} (n={c.released})" for c in channels])
    axes.invert_yaxis()
    axes.set_xlabel(f"median {unit}")
    axes.set_xlim(0, max(max(left, default=0.0) * 1.45, 1.0))
    axes.set_title(
        "Time release by stage (median), declarations lodged "
        f"{report.period_from:%Y-%m-%d %H:%M} to {report.period_to:%Y-%m-%d %H:%M} UTC",
        fontsize=10,
    )
    figure.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _caption(channel: ChannelReport, per_unit: float, unit: str) -> str:
    if channel.target_seconds is None or channel.within_target_share is None:
        return ""
    return (
        f"target arrival → release {channel.target_seconds / per_unit:.3g} {unit[0]}: "
        f"{channel.within_target_share:.0%} within"
    )
