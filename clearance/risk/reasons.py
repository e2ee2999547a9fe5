"""Why the learned model scored a declaration, as officers read it: each reason covers the
features that describe one thing, and says it as a message (`model.*` in the catalogue)."""

import math
from collections.abc import Callable, Sequence

from clearance.messages import Message
from clearance.risk.bands import ALL_ORIGINS, Band
from clearance.risk.facts import FEATURE_NAMES, Facts


def _tally(tally: tuple[int, int]) -> Message:
    inspections, frauds = tally
    if inspections == 0:
        return Message("model.tally_none")
    return Message("model.tally", {"frauds": frauds, "inspections": inspections})


def _band(band: Band) -> Message:
    if band.origin == ALL_ORIGINS:
        return Message("model.band_all", {"hs6": band.hs6})
    return Message("model.band", {"hs6": band.hs6, "origin": band.origin})


def _unit_value(f: Facts) -> Message:
    if not f.unit_value > 0:
        return Message("model.unit_value_unknown")
    declared = {"unit_value": f.unit_value, "unit": f.unit}
    if f.band is None:
        return Message("model.unit_value_no_band", declared)
    off = f.unit_value / f.band.median - 1
    return Message(
        "model.unit_value_below" if off < 0 else "model.unit_value_above",
        {
            **declared,
            "off": abs(off),
            "band": _band(f.band),
            "median": f.band.median,
            "n": f.band.n,
        },
    )


def _preference(f: Facts) -> Message:
    if f.preference_outside is not None:
        return Message(
            "model.preference_outside",
            {"preference": f.preference, "origin": f.preference_outside},
        )
    if f.preference:
        return Message("model.preference", {"preference": f.preference})
    return Message("model.no_preference")


def _origin(f: Facts) -> Message:
    if f.origin_departure is None:
        return Message("model.origin_same")
    origin, departure = f.origin_departure
    return Message("model.origin_differs", {"origin": origin, "departure": departure})


def _hs6_origin(f: Facts) -> Message:
    hs6, origin = f.hs6_origin.split("|")
    return Message(
        "model.hs6_origin", {"hs6": hs6, "origin": origin, "tally": _tally(f.hs6_origin_tally)}
    )


def _route(f: Facts) -> Message:
    hs6, origin, departure = f.route.split("|")
    return Message(
        "model.route",
        {"hs6": hs6, "origin": origin, "departure": departure, "tally": _tally(f.route_tally)},
    )


def _kind(f: Facts) -> Message:
    return Message("model.kind", {"kind": Message(f"flow.{f.kind}")})


def _gross_net(f: Facts) -> Message:
    if f.gross_net_ratio > 0:
        return Message("model.gross_net", {"ratio": f.gross_net_ratio})
    return Message("model.no_gross")


def _reference_price(f: Facts) -> Message:
    ratio = f.goods.reference_ratio
    if math.isnan(ratio):  # no reference band for the goods
        return Message("model.reference_price_none")
    code = "model.reference_price_below" if ratio < 0 else "model.reference_price_above"
    return Message(code, {"off": abs(math.exp(ratio) - 1)})


def _stake(f: Facts) -> Message:
    g = f.goods
    if math.isnan(g.duty):  # the tariff has no rate for the line
        return Message("model.stake_no_rate", {"assessed": g.assessed_usd})
    stake = Message(
        "model.stake",
        {"duty": g.duty, "vat": g.vat, "assessed": g.assessed_usd, "tax": g.tax_usd},
    )
    if not g.harm_usd:
        return stake
    return Message("model.stake_harm", {"stake": stake, "harm": g.harm_usd})


def _split(f: Facts) -> Message:
    s = f.split
    return Message("model.split", {"others": s.others, "own": s.own_share, "total": s.total_share})


def _weighbridge(f: Facts) -> Message:
    w = f.weighed
    if w is None:
        return Message("model.not_weighed")
    off = w.weighbridge_kg / w.declared_kg - 1
    return Message(
        "model.weighbridge",
        {"weighed": w.weighbridge_kg, "declared": w.declared_kg, "off": off},
    )


REASONS: dict[str, tuple[tuple[str, ...], Callable[[Facts], Message]]] = {
    "importer": (("importer_fraud_rate", "importer_inspections"),
                 lambda f: Message("model.importer",
                                   {"importer": f.importer, "tally": _tally(f.importer_tally)})),
    "new_trader": (("importer_declarations",),
                   lambda f: Message("model.new_trader", {
                       "importer": f.importer, "count": f.activity.importer_declarations})),
    "recent": (("importer_7d", "importer_30d"),
               lambda f: Message("model.recent", {"importer": f.importer,
                                 "week": f.activity.importer_7d,
                                 "month": f.activity.importer_30d})),
    "new_goods": (("importer_hs6_declarations",),
                  lambda f: Message("model.new_goods", {
                      "importer": f.importer, "count": f.activity.importer_hs6_declarations})),
    "declarant": (("declarant_fraud_rate", "declarant_inspections", "declarant_declarations"),
                  lambda f: Message("model.declarant", {
                      "declarant": f.declarant, "tally": _tally(f.declarant_tally)})),
    "hs6": (("hs6_fraud_rate", "hs6_inspections"),
            lambda f: Message("model.hs6", {"hs6": f.hs6, "tally": _tally(f.hs6_tally)})),
    "hs6_origin": (("hs6_origin_fraud_rate", "hs6_origin_inspections"), _hs6_origin),
    "route": (("route_fraud_rate", "route_inspections"), _route),
    "unit_value": (("unit_value_log_ratio", "log_unit_value_usd"), _unit_value),
    "value": (("log_value_usd",), lambda f: Message("model.value", {"value": f.value_usd})),
    "weight": (("log_net_kg",), lambda f: Message("model.weight", {"kg": f.net_kg})),
    "lines": (("lines",), lambda f: Message("model.lines", {"lines": f.lines})),
    "preference": (("preference_claimed", "preference_origin_outside"), _preference),
    "origin": (("origin_differs",), _origin),
    "kind": (("kind",), _kind),
    "chapter": (("hs_chapter",), lambda f: Message("model.chapter", {"chapter": f.chapter})),
    "documents": (("documents",), lambda f: Message("model.documents", {"documents": f.documents})),
    "gross_net": (("gross_net_ratio",), _gross_net),
    "reference_price": (("reference_price_ratio",), _reference_price),
    "description": (("description_mismatch",),
                    lambda f: Message("model.description", {"lines": f.goods.mismatched_lines})),
    "licence": (("unlicensed",),
                lambda f: Message("model.licence", {"count": f.goods.unlicensed})),
    "stake": (("duty_rate", "vat_rate", "log_assessed_usd", "log_tax_usd", "log_preference_usd",
               "harm_usd"), _stake),
    "certificates": (("certificate_reuses",),
                     lambda f: Message("model.certificates", {"count": f.certificate_reuses})),
    "split": (("split_others", "split_own_share", "split_total_share"), _split),
    "weighbridge": (("weighbridge_ratio", "arrival_hours"), _weighbridge),
}  # fmt: skip
REASON_OF = {feature: reason for reason, (names, _) in REASONS.items() for feature in names}


def reasons(facts: Facts, contributions: Sequence[float], top: int) -> list[Message]:
    """The reasons whose features raise the score most, largest first."""
    per_reason: dict[str, float] = {}
    for name, contribution in zip(FEATURE_NAMES, contributions, strict=False):
        per_reason[REASON_OF[name]] = per_reason.get(REASON_OF[name], 0.0) + contribution
    ranked = sorted((c, r) for r, c in per_reason.items() if c > 0)[::-1][:top]
    return [REASONS[reason][1](facts) for _, reason in ranked]
