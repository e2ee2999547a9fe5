"""The model's reasons in words an officer can read: each covers the features of one thing."""

import math
from collections.abc import Callable, Sequence

from clearance.risk.facts import FEATURE_NAMES, Facts


def _tally_text(tally: tuple[int, int]) -> str:
    inspections, frauds = tally
    if inspections == 0:
        return "no past inspections"
    return f"{frauds} of {inspections} past inspections found fraud"


def _unit_value_text(f: Facts) -> str:
    if not f.unit_value > 0:
        return "unit value not computable (unknown currency)"
    declared = f"unit value {f.unit_value:.2f} USD/{f.unit}"
    if f.band is None:
        return f"{declared}, no reference band for its HS code yet"
    off = f.unit_value / f.band.median - 1
    side = "below" if off < 0 else "above"
    return (
        f"{declared} is {abs(off):.0%} {side} the {f.band.label} median of "
        f"{f.band.median:.2f} USD/{f.unit} (n={f.band.n})"
    )


def _reference_price_text(f: Facts) -> str:
    ratio = f.goods.reference_ratio
    if math.isnan(ratio):  # no reference band for the goods
        return "no reference price for the goods"
    side = "below" if ratio < 0 else "above"
    return f"unit value {abs(math.exp(ratio) - 1):.0%} {side} the reference 10th percentile"


def _preference_text(f: Facts) -> str:
    if f.preference_outside is not None:
        return f"preference {f.preference} claimed for origin {f.preference_outside} outside it"
    return f"preference {f.preference} claimed" if f.preference else "no preference claimed"


def _hs6_origin_text(f: Facts) -> str:
    hs6, origin = f.hs6_origin.split("|")
    return f"HS {hs6} x {origin}: {_tally_text(f.hs6_origin_tally)}"


def _route_text(f: Facts) -> str:
    hs6, origin, departure = f.route.split("|")
    return f"HS {hs6} of origin {origin} from {departure}: {_tally_text(f.route_tally)}"


def _stake_text(f: Facts) -> str:
    g = f.goods
    if math.isnan(g.duty):  # the tariff has no rate for the line
        return f"no tariff rate known; {g.assessed_usd:,.0f} USD assessed"
    text = (
        f"duty {g.duty:.0%} and VAT {g.vat:.0%} on {g.assessed_usd:,.0f} USD: "
        f"{g.tax_usd:,.0f} USD at stake"
    )
    return text + (f", harm weight {g.harm_usd:,.0f} USD" if g.harm_usd else "")


def _split_text(f: Facts) -> str:
    s = f.split
    return (
        f"{s.others} other declarations of the trader in the split-shipment window; this one "
        f"is {s.own_share:.0%} of the threshold, {s.total_share:.0%} with them"
    )


def _weighbridge_text(f: Facts) -> str:
    w = f.weighed
    if w is None:
        return "truck not weighed yet"
    off = w.weighbridge_kg / w.declared_kg - 1
    return (
        f"weighbridge {w.weighbridge_kg:,.0f} kg against {w.declared_kg:,.0f} kg declared "
        f"({off:+.1%})"
    )


REASONS: dict[str, tuple[tuple[str, ...], Callable[[Facts], str]]] = {
    "importer": (("importer_fraud_rate", "importer_inspections"),
                 lambda f: f"importer {f.importer}: {_tally_text(f.importer_tally)}"),
    "new_trader": (("importer_declarations",),
                   lambda f: f"importer {f.importer} has "
                             f"{f.activity.importer_declarations} earlier declarations"),
    "recent": (("importer_7d", "importer_30d"),
               lambda f: f"importer {f.importer} lodged {f.activity.importer_7d} declarations "
                         f"in the last 7 days, {f.activity.importer_30d} in 30"),
    "new_goods": (("importer_hs6_declarations",),
                  lambda f: f"importer {f.importer} declared these goods "
                            f"{f.activity.importer_hs6_declarations} times before"),
    "declarant": (("declarant_fraud_rate", "declarant_inspections", "declarant_declarations"),
                  lambda f: f"declarant {f.declarant}: {_tally_text(f.declarant_tally)}"),
    "hs6": (("hs6_fraud_rate", "hs6_inspections"),
            lambda f: f"HS {f.hs6}: {_tally_text(f.hs6_tally)}"),
    "hs6_origin": (("hs6_origin_fraud_rate", "hs6_origin_inspections"), _hs6_origin_text),
    "route": (("route_fraud_rate", "route_inspections"), _route_text),
    "unit_value": (("unit_value_log_ratio", "log_unit_value_usd"), _unit_value_text),
    "reference_price": (("reference_price_ratio",), _reference_price_text),
    "value": (("log_value_usd",), lambda f: f"declared value {f.value_usd:,.0f} USD"),
    "weight": (("log_net_kg",), lambda f: f"net weight {f.net_kg:,.0f} kg"),
    "lines": (("lines",), lambda f: f"{f.lines} goods lines"),
    "preference": (("preference_claimed", "preference_origin_outside"), _preference_text),
    "origin": (("origin_differs",),
               lambda f: f"origin {f.origin_departure[0]} differs from departure "
                         f"{f.origin_departure[1]}" if f.origin_departure
                         else "origin is the country of departure"),
    "kind": (("kind",), lambda f: f"{f.kind} declaration"),
    "chapter": (("hs_chapter",), lambda f: f"HS chapter {f.chapter:02d}"),
    "documents": (("documents",), lambda f: f"{f.documents} documents referenced"),
    "gross_net": (("gross_net_ratio",),
                  lambda f: f"gross/net weight ratio {f.gross_net_ratio:.2f}"
                            if f.gross_net_ratio > 0 else "gross weight not declared"),
    "description": (("description_mismatch",),
                    lambda f: f"{f.goods.mismatched_lines} lines described as goods of another "
                              "heading than the one declared"),
    "licence": (("unlicensed",),
                lambda f: f"{f.goods.unlicensed} restrictions without their licence or "
                          "certificate"),
    "stake": (("duty_rate", "vat_rate", "log_assessed_usd", "log_tax_usd", "log_preference_usd",
               "harm_usd"), _stake_text),
    "certificates": (("certificate_reuses",),
                     lambda f: f"certificates presented on {f.certificate_reuses} earlier "
                               "declarations"),
    "split": (("split_others", "split_own_share", "split_total_share"), _split_text),
    "weighbridge": (("weighbridge_ratio", "arrival_hours"), _weighbridge_text),
}  # fmt: skip
REASON_OF = {feature: reason for reason, (names, _) in REASONS.items() for feature in names}


def reasons(facts: Facts, contributions: Sequence[float], top: int) -> list[str]:
    """The reasons whose features raise the score most, largest first."""
    per_reason: dict[str, float] = {}
    for name, contribution in zip(FEATURE_NAMES, contributions, strict=False):
        per_reason[REASON_OF[name]] = per_reason.get(REASON_OF[name], 0.0) + contribution
    ranked = sorted((c, r) for r, c in per_reason.items() if c > 0)[::-1][:top]
    return [REASONS[reason][1](facts) for _, reason in ranked]
