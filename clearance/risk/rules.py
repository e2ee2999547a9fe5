"""Rules: each reads a declaration and its context and answers hits with readable reasons.

A rule's code is here; its settings (on/off, severity, thresholds) are data, versioned in the
`risk_rule` table and edited by supervisors. Every hit records the rule version it used.
"""

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from clearance.declarations.models import Kind
from clearance.declarations.schemas import DeclarationIn, Line
from clearance.messages import Message
from clearance.reference.service import PriceBand, ReferenceData, Restriction

# Document kinds that lift a restriction, as traders reference them.
LICENCE_DOCUMENTS = {
    "phytosanitary": {"phytosanitary"},
    "quarantine": {"quarantine"},
    "import_licence": {"licence"},
    "export_licence": {"licence"},
}
HOME_COUNTRY = "VN"


@dataclass(frozen=True)
class Hit:
    rule_id: str
    rule_version: int
    severity: str  # info | warning | critical
    score: float  # this hit's own risk in [0, 1]
    reason: Message
    line: int | None = None
    hard: bool = False  # a hard hit is red whatever the score

    def as_reason(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "severity": self.severity,
            "score": round(self.score, 4),
            "reason": self.reason.text,
            "line": self.line,
            **self.reason.as_json(),
        }


@dataclass(frozen=True)
class SplitWindow:
    """The trader's other recent declarations of one HS heading, each just under the threshold."""

    count: int
    total_usd: Decimal


@dataclass(frozen=True)
class Context:
    """What the rules may read besides the declaration itself."""

    reference: ReferenceData
    trader_prior_declarations: int = 0
    trader_inspections: int = 0
    trader_frauds: int = 0
    watchlist_match: Callable[[str], tuple[str, float] | None] = lambda _name: None
    watchlisted_tax_codes: frozenset[str] = frozenset()
    split_windows: Mapping[str, SplitWindow] = field(default_factory=dict)
    hs_keywords: Mapping[str, frozenset[str]] = field(default_factory=dict)
    weighbridge_kg: Decimal | None = None
    # Unit-value bands learned from inspected history (the active model's); None without one.
    learned_band: Callable[[str, str, str], PriceBand | None] = lambda _hs, _origin, _unit: None


@dataclass(frozen=True)
class RuleConfig:
    rule_id: str
    version: int
    enabled: bool
    severity: str
    params: Mapping[str, Any]


Finding = tuple[float, Message, int | None]  # score, reason, line number
Check = Callable[[DeclarationIn, Context, Mapping[str, Any]], list[Finding]]


@dataclass(frozen=True)
class Rule:
    rule_id: str
    description: str
    severity: str
    defaults: Mapping[str, Any]
    check: Check
    hard: bool = False


def _lines(body: DeclarationIn) -> list[tuple[int, Line]]:
    return list(enumerate(body.lines, start=1))


def prohibited_goods(body: DeclarationIn, ctx: Context, _p: Mapping[str, Any]) -> list[Finding]:
    return [
        (1.0, _restriction("risk.prohibited", line, r, flow=Message(f"flow.{body.kind.value}")), no)
        for no, line in _lines(body)
        for r in ctx.reference.restrictions_for(line.hs_code, body.kind.value)
        if r.kind == "prohibited"
    ]


def _restriction(code: str, line: Line, r: Restriction, **more: object) -> Message:
    reason = Message("bilingual", {"en": r.reason, "vi": r.reason_vi or r.reason})
    return Message(code, {"hs_code": line.hs_code, "prefix": r.hs_prefix, "reason": reason, **more})


def watchlisted_party(body: DeclarationIn, ctx: Context, p: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    parties = [
        ("declarant", body.declarant.name, body.declarant.tax_code),
        ("importer/exporter", body.trader.name, body.trader.tax_code),
        ("counterparty", body.counterparty.name, None),
    ]
    for role, name, tax_code in parties:
        if tax_code is not None and tax_code in ctx.watchlisted_tax_codes:
            params = {"role": Message(f"party.{role}"), "tax_code": tax_code}
            found.append((1.0, Message("risk.watchlist_tax_code", params), None))
            continue
        match = ctx.watchlist_match(name)
        if match is not None and match[1] >= float(p["min_similarity"]):
            params = {
                "role": Message(f"party.{role}"),
                "name": name,
                "listed": match[0],
                "similarity": match[1],
            }
            found.append((1.0, Message("risk.watchlist_name", params), None))
    return found


def restricted_without_licence(
    body: DeclarationIn, ctx: Context, p: Mapping[str, Any]
) -> list[Finding]:
    held = {doc.kind for doc in body.documents}
    found: list[Finding] = []
    for no, line in _lines(body):
        for r in unlicensed(ctx.reference.restrictions_for(line.hs_code, body.kind.value), held):
            licence = Message(f"licence.{r.licence}")
            reason = _restriction("risk.restricted_no_licence", line, r, licence=licence)
            found.append((float(p["score"]), reason, no))
    return found


def unlicensed(restrictions: Iterable[Restriction], held: Set[str]) -> list[Restriction]:
    """The restrictions none of the documents held lifts."""
    return [
        r
        for r in restrictions
        if r.kind == "restricted"
        and (needed := LICENCE_DOCUMENTS.get(r.licence or "", set()))
        and not needed & held
    ]


def _unit_value_usd(line: Line, ctx: Context) -> Decimal | None:
    value_usd = ctx.reference.to_usd(line.customs_value, line.currency)
    if value_usd is None:
        return None
    return value_usd / (line.net_kg if line.unit == "kg" else line.quantity)


def undervaluation(body: DeclarationIn, ctx: Context, p: Mapping[str, Any]) -> list[Finding]:
    """Unit value below the tenth percentile of the reference band for HS code x origin."""
    found: list[Finding] = []
    for no, line in _lines(body):
        learned = ctx.learned_band(line.hs_code, line.origin, line.unit)
        band = learned or ctx.reference.price_band(line.hs_code, line.origin)
        unit_value = _unit_value_usd(line, ctx)
        if band is None or band.n < int(p["min_n"]) or unit_value is None:
            continue
        if unit_value >= band.p10:
            continue
        below_median = float(1 - unit_value / band.median)
        below_p10 = float(1 - unit_value / band.p10)
        params = {
            "unit_value": float(unit_value),
            "unit": line.unit,
            "below": below_median,
            "hs_code": line.hs_code[:8],
            "origin": line.origin,
            "median": float(band.median),
            "p10": float(band.p10),
            "n": band.n,
        }
        code = "risk.undervaluation_learned" if learned else "risk.undervaluation"
        found.append((min(float(p["base_score"]) + below_p10, 0.95), Message(code, params), no))
    return found


def hs_description_mismatch(
    body: DeclarationIn, ctx: Context, p: Mapping[str, Any]
) -> list[Finding]:
    """The description names goods of another heading and none of the declared one."""
    found: list[Finding] = []
    for no, line in _lines(body):
        others = other_headings(line.hs_code, line.description, ctx.hs_keywords)
        if others:
            params = {
                "line": no,
                "heading": line.hs_code[:4],
                "description": line.description,
                "others": ", ".join(others[:3]),
            }
            found.append((float(p["score"]), Message("risk.hs_description", params), no))
    return found


def other_headings(
    hs_code: str, description: str, keywords: Mapping[str, frozenset[str]]
) -> list[str]:
    """The headings a description names when it names none of the declared heading's words."""
    text = unicodedata.normalize("NFC", description).casefold()
    own = keywords.get(hs_code[:4])
    if not own or any(word in text for word in own):
        return []
    return sorted(
        heading
        for heading, words in keywords.items()
        if heading != hs_code[:4] and any(word in text for word in words)
    )


def form_e_origin(body: DeclarationIn, ctx: Context, p: Mapping[str, Any]) -> list[Finding]:
    """An FTA preference claimed for goods its schedules cannot cover (reference agreements)."""
    if body.kind is not Kind.import_:
        return []
    departure = body.counterparty.country
    found: list[Finding] = []
    for no, line in _lines(body):
        if line.preference is None:
            continue
        params = {"preference": line.preference, "line": no, "origin": line.origin}
        if ctx.reference.schedule_for(line.preference, line.origin) is None:
            found.append((float(p["score"]), Message("risk.preference_not_party", params), no))
        elif line.origin != departure and line.origin != HOME_COUNTRY:
            reason = Message("risk.preference_departure", {**params, "departure": departure})
            found.append((float(p["score"]) / 2, reason, no))
    return found


def split_shipment(body: DeclarationIn, ctx: Context, p: Mapping[str, Any]) -> list[Finding]:
    """Several declarations of one heading, each just under the threshold, together over it."""
    threshold = Decimal(str(p["threshold_usd"]))
    floor = threshold * Decimal(str(p["near_share"]))
    found: list[Finding] = []
    for heading, window in ctx.split_windows.items():
        own = sum(
            (ctx.reference.to_usd(line.customs_value, line.currency) or Decimal(0))
            for line in body.lines
            if line.hs_code.startswith(heading)
        )
        total = window.total_usd + own
        if window.count >= 1 and floor <= own < threshold <= total:
            params = {
                "count": window.count + 1,
                "heading": heading,
                "tax_code": body.trader.tax_code,
                "days": p["window_days"],
                "threshold": float(threshold),
                "floor": float(floor),
                "total": float(total),
            }
            found.append((float(p["score"]), Message("risk.split_shipment", params), None))
    return found


def weight_mismatch(body: DeclarationIn, ctx: Context, p: Mapping[str, Any]) -> list[Finding]:
    """Declared gross weight off the weighbridge's by more than the tolerance."""
    if ctx.weighbridge_kg is None:
        return []
    declared = sum(line.gross_kg for line in body.lines)
    off = float(abs(ctx.weighbridge_kg - declared) / ctx.weighbridge_kg)
    if off <= float(p["tolerance"]):
        return []
    params = {
        "declared": float(declared),
        "off": off,
        "weighbridge": float(ctx.weighbridge_kg),
        "tolerance": float(p["tolerance"]),
    }
    return [(float(p["score"]), Message("risk.weight", params), None)]


def new_trader(body: DeclarationIn, ctx: Context, p: Mapping[str, Any]) -> list[Finding]:
    if ctx.trader_prior_declarations >= int(p["below"]):
        return []
    params = {
        "tax_code": body.trader.tax_code,
        "count": ctx.trader_prior_declarations,
        "below": p["below"],
    }
    return [(float(p["score"]), Message("risk.new_trader", params), None)]


def fraud_history(body: DeclarationIn, ctx: Context, p: Mapping[str, Any]) -> list[Finding]:
    if ctx.trader_frauds < int(p["min_frauds"]):
        return []
    score = min(float(p["score_per_fraud"]) * ctx.trader_frauds, float(p["max_score"]))
    params = {
        "tax_code": body.trader.tax_code,
        "frauds": ctx.trader_frauds,
        "inspections": ctx.trader_inspections,
        "days": p["lookback_days"],
    }
    return [(score, Message("risk.fraud_history", params), None)]


RULES: dict[str, Rule] = {
    rule.rule_id: rule
    for rule in [
        Rule("R-PROHIBITED", "Goods banned from import or export", "critical", {},
             prohibited_goods, hard=True),
        Rule("R-WATCHLIST", "A party on the sanctions or blacklist (fuzzy name match)",
             "critical", {"min_similarity": 0.9}, watchlisted_party, hard=True),
        Rule("R-RESTRICTED-NO-LICENCE", "Restricted goods without their licence or certificate",
             "warning", {"score": 0.6}, restricted_without_licence),
        Rule("R-UNDERVALUATION", "Unit value below the reference band for HS code x origin",
             "warning", {"base_score": 0.35, "min_n": 5}, undervaluation),
        Rule("R-HS-DESCRIPTION", "HS code does not match the goods description", "warning",
             {"score": 0.5}, hs_description_mismatch),
        Rule("R-FORM-E-ORIGIN", "ACFTA Form E claimed for a non-ACFTA origin or another "
             "country of departure", "warning", {"score": 0.6}, form_e_origin),
        Rule("R-SPLIT-SHIPMENT", "One trader splitting a consignment under a threshold",
             "warning", {"window_days": 7, "threshold_usd": 5000, "near_share": 0.8, "score": 0.5},
             split_shipment),
        Rule("R-WEIGHT", "Declared weight off the weighbridge weight", "warning",
             {"tolerance": 0.05, "score": 0.6}, weight_mismatch),
        Rule("R-NEW-TRADER", "A trader new to the service", "info", {"below": 3, "score": 0.4},
             new_trader),
        Rule("R-FRAUD-HISTORY", "A trader whose past inspections found fraud", "warning",
             {"min_frauds": 1, "score_per_fraud": 0.25, "max_score": 0.75, "lookback_days": 365},
             fraud_history),
    ]
}  # fmt: skip


def default_configs(
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, RuleConfig]:
    """Version 0 of every rule: its built-in settings, with `overrides` merged into params."""
    return {
        rule_id: RuleConfig(
            rule_id, 0, True, rule.severity, {**rule.defaults, **(overrides or {}).get(rule_id, {})}
        )
        for rule_id, rule in RULES.items()
    }


def evaluate(body: DeclarationIn, ctx: Context, configs: Mapping[str, RuleConfig]) -> list[Hit]:
    hits = []
    for rule_id, rule in RULES.items():
        config = configs[rule_id]
        if not config.enabled:
            continue
        params = {**rule.defaults, **config.params}
        for score, reason, line in rule.check(body, ctx, params):
            hits.append(
                Hit(rule_id, config.version, config.severity, score, reason, line, hard=rule.hard)
            )
    return hits


def hard_hit_by_goods(hs_codes: Iterable[str], kind: str, reference: ReferenceData) -> bool:
    """Whether prohibited goods alone send a declaration to red (backtests leave those out)."""
    return any(
        r.kind == "prohibited" for code in hs_codes for r in reference.restrictions_for(code, kind)
    )
