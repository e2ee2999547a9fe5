"""The first rule set. Each rule reads a declaration and answers hits with readable reasons."""

from dataclasses import dataclass
from decimal import Decimal

from clearance.declarations.schemas import DeclarationIn, Line
from clearance.reference.service import ReferenceData

# Document kinds that lift a restriction, as traders reference them.
LICENCE_DOCUMENTS = {
    "phytosanitary": {"phytosanitary"},
    "quarantine": {"quarantine"},
    "import_licence": {"licence"},
    "export_licence": {"licence"},
}


@dataclass(frozen=True)
class Hit:
    rule_id: str
    rule_version: int
    severity: str  # info | warning | critical
    score: float  # this hit's own risk in [0, 1]
    reason: str
    line: int | None = None
    hard: bool = False  # a hard hit is red whatever the score

    def as_reason(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "severity": self.severity,
            "score": round(self.score, 4),
            "reason": self.reason,
            "line": self.line,
        }


@dataclass(frozen=True)
class Context:
    """What the rules may read besides the declaration itself."""

    reference: ReferenceData
    trader_prior_declarations: int
    new_trader_below: int


def prohibited_goods(body: DeclarationIn, ctx: Context) -> list[Hit]:
    hits = []
    for no, line in enumerate(body.lines, start=1):
        for r in ctx.reference.restrictions_for(line.hs_code, body.kind.value):
            if r.kind == "prohibited":
                hits.append(
                    Hit("R-PROHIBITED", 1, "critical", 1.0,
                        f"HS {line.hs_code} is prohibited for {body.kind.value} "
                        f"(prefix {r.hs_prefix}): {r.reason}",
                        no, hard=True)
                )  # fmt: skip
    return hits


def restricted_without_licence(body: DeclarationIn, ctx: Context) -> list[Hit]:
    held = {doc.kind for doc in body.documents}
    hits = []
    for no, line in enumerate(body.lines, start=1):
        for r in ctx.reference.restrictions_for(line.hs_code, body.kind.value):
            needed = LICENCE_DOCUMENTS.get(r.licence or "", set())
            if r.kind == "restricted" and needed and not needed & held:
                hits.append(
                    Hit("R-RESTRICTED-NO-LICENCE", 1, "warning", 0.6,
                        f"HS {line.hs_code} is restricted (prefix {r.hs_prefix}) and needs "
                        f"a {r.licence} document; none is referenced: {r.reason}",
                        no)
                )  # fmt: skip
    return hits


def _unit_value_usd(line: Line, ctx: Context) -> Decimal | None:
    value_usd = ctx.reference.to_usd(line.customs_value, line.currency)
    if value_usd is None:
        return None
    per = line.net_kg if line.unit == "kg" else line.quantity
    return value_usd / per


def undervaluation(body: DeclarationIn, ctx: Context) -> list[Hit]:
    """Unit value below the tenth percentile of the reference band for HS code x origin."""
    hits = []
    for no, line in enumerate(body.lines, start=1):
        band = ctx.reference.price_band(line.hs_code, line.origin)
        unit_value = _unit_value_usd(line, ctx)
        if band is None or unit_value is None or unit_value >= band.p10:
            continue
        below_median = float(1 - unit_value / band.median)
        below_p10 = float(1 - unit_value / band.p10)
        unit = "kg" if line.unit == "kg" else line.unit
        hits.append(
            Hit("R-UNDERVALUATION", 1, "warning", min(0.35 + below_p10, 0.95),
                f"declared {unit_value:.2f} USD/{unit} is {below_median:.0%} below the "
                f"HS {line.hs_code[:8]} x {line.origin} median of {band.median:.2f} USD/{unit} "
                f"(10th percentile {band.p10:.2f}, n={band.n})",
                no)
        )  # fmt: skip
    return hits


def new_trader(body: DeclarationIn, ctx: Context) -> list[Hit]:
    if ctx.trader_prior_declarations >= ctx.new_trader_below:
        return []
    return [
        Hit("R-NEW-TRADER", 1, "info", 0.4,
            f"trader {body.trader.tax_code} has {ctx.trader_prior_declarations} earlier "
            f"declarations at this service (fewer than {ctx.new_trader_below})")
    ]  # fmt: skip


RULES = (prohibited_goods, restricted_without_licence, undervaluation, new_trader)


def evaluate(body: DeclarationIn, ctx: Context) -> list[Hit]:
    return [hit for rule in RULES for hit in rule(body, ctx)]
