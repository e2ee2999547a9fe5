"""The fraud the simulator plants: each pattern leaves what its rule reads, and nothing else."""

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from clearance.risk.history import Finding, FindingCode
from clearance.risk.rules import RULES
from clearance.synthetic.cargo import Cargo, money, requantify, unit_value_usd
from clearance.synthetic.catalogue import (
    band,
    description_words,
    goods_of,
    needs_phytosanitary,
    prohibited_for,
    reference,
    unit_of,
)
from clearance.synthetic.documents import needed_papers


class Pattern(StrEnum):
    undervaluation = "undervaluation"
    misclassification = "misclassification"
    origin = "origin"
    split_shipment = "split_shipment"
    certificate_reuse = "certificate_reuse"
    weight = "weight"
    prohibited = "prohibited"
    restricted_no_certificate = "restricted_no_certificate"


# The finding an officer records for each pattern. History has no code for a split consignment;
# "quantity" (the declared quantity is part of a larger one) is the nearest.
FINDING_CODES: dict[Pattern, FindingCode] = {
    Pattern.undervaluation: "undervaluation",
    Pattern.misclassification: "misclassification",
    Pattern.origin: "origin",
    Pattern.split_shipment: "quantity",
    Pattern.certificate_reuse: "document",
    Pattern.weight: "weight",
    Pattern.prohibited: "prohibited",
    Pattern.restricted_no_certificate: "document",
}
# Relative weight of each pattern when a cheater cheats, before and after the drift.
MIX_BEFORE = {
    "undervaluation": 30,
    "misclassification": 12,
    "origin": 6,
    "split_shipment": 2,
    "certificate_reuse": 9,
    "weight": 14,
    "prohibited": 3,
    "restricted_no_certificate": 12,
}
MIX_AFTER = {
    "undervaluation": 8,
    "misclassification": 16,
    "origin": 30,
    "split_shipment": 2,
    "certificate_reuse": 10,
    "weight": 18,
    "prohibited": 3,
    "restricted_no_certificate": 8,
}

# Revenue: a flat 10% stands in for duty and VAT; misclassification moves the line to a heading
# about 5 points cheaper; a denied Form E preference costs the ACFTA margin, about 8 points.
DUTY_RATE = Decimal("0.10")
HEADING_DUTY_GAP = Decimal("0.05")
FORM_E_MARGIN = Decimal("0.08")
# The split-shipment rule's own threshold and "just under" share: honest declarations stay out of
# the zone it watches, [near_share, 1) x the threshold, and planted splits fall inside it.
_SPLIT_RULE = RULES["R-SPLIT-SHIPMENT"].defaults
SPLIT_THRESHOLD_USD = Decimal(str(_SPLIT_RULE["threshold_usd"]))
SPLIT_FLOOR = Decimal(str(_SPLIT_RULE["near_share"]))
# A planted split's share of the threshold: the upper part of that zone, clear of its floor.
SPLIT_SHARES = (float(SPLIT_FLOOR + (1 - SPLIT_FLOOR) * Decimal("0.3")), 0.995)
SPLIT_WINDOW = timedelta(days=4)
HIDDEN_WEIGHT = (1.07, 1.30)  # weighbridge / declared gross when goods are left undeclared
NON_ACFTA_ORIGINS = ("JP", "KR", "TW", "IN", "DE", "US")
OTHER_ACFTA_ORIGINS = ("TH", "MY", "LA", "KH", "ID")
FORM_E = "ACFTA_FORM_E"


@dataclass
class Draft:
    """A declaration being built: cargo, priced lines, and what planting changed."""

    kind: str
    origin: str
    rate: Decimal  # invoice currency per USD
    cargo: list[Cargo]
    lines: list[dict[str, Any]]
    true_usd: list[Decimal]
    form_e: bool
    drop_phyto: bool = False
    reused: dict[str, dict[str, Any]] = field(default_factory=dict)
    weighbridge_factor: float = 1.0

    def usd(self, index: int) -> Decimal:
        return Decimal(self.lines[index]["customs_value"]) / self.rate

    def total_usd(self) -> Decimal:
        return sum((self.usd(i) for i in range(len(self.lines))), Decimal(0))

    def set_usd(self, index: int, usd: Decimal) -> None:
        self.lines[index]["customs_value"] = max(money(usd * self.rate), Decimal("0.01"))


@dataclass(frozen=True)
class Planted:
    findings: list[Finding]
    revenue_usd: Decimal = Decimal(0)


@dataclass
class Ledger:
    """What planting draws on: the run's random stream and the certificates issued so far."""

    rng: random.Random
    # kind -> (trader tax code, ucr, the document reference)
    certificates: dict[str, list[tuple[str, str, dict[str, Any]]]] = field(default_factory=dict)


def undervalue(ledger: Ledger, d: Draft, trader: str) -> Planted | None:
    findings: list[Finding] = []
    revenue = Decimal(0)
    for i, cargo in enumerate(d.cargo):
        found = band(cargo.code, d.origin)
        if found is None or (findings and ledger.rng.random() >= 0.3):
            continue
        unit_value = unit_value_usd(ledger.rng, found, cargo, honest=False)
        d.set_usd(i, unit_value * cargo.basis)
        revenue += (d.true_usd[i] - d.usd(i)) * DUTY_RATE
        findings.append(
            Finding(
                code="undervaluation",
                line=i + 1,
                detail=(
                    f"declared {unit_value:.2f} USD/{cargo.unit}, worth {d.true_usd[i]:.2f} USD in "
                    f"all; the band starts at {found.p10} USD/{cargo.unit}"
                ),
            )
        )
    return Planted(findings, revenue) if findings else None


def _decoy_fits(ledger: Ledger, d: Draft, i: int, decoy: str) -> dict[str, Any] | None:
    """The line re-declared under the decoy, unless the decoy would itself look wrong."""
    cargo = d.cargo[i]
    if not reference().known_hs_code(decoy) or prohibited_for(decoy, d.kind):
        return None
    # The description rule reads the heading's words: a heading the goods' own words belong to
    # too (fertiliser under another fertiliser heading) hides nothing.
    text = unicodedata.normalize("NFC", cargo.description).casefold()
    if any(word in text for word in description_words(decoy[:4])):
        return None
    unit = unit_of(decoy)
    quantity = cargo.quantity if unit == cargo.unit else requantify(ledger.rng, cargo, unit)
    found = band(decoy, d.origin)
    per = cargo.net_kg if unit == "kg" else quantity
    # A decoy priced above these goods would add an undervaluation hit to this one.
    if found is not None and d.usd(i) / per < found.p10 * Decimal("1.03"):
        return None
    return {"hs_code": decoy, "unit": unit, "quantity": quantity}


def misclassify(ledger: Ledger, d: Draft, trader: str) -> Planted | None:
    for i, cargo in enumerate(d.cargo):
        goods = cargo.goods or goods_of(cargo.code)
        decoys = goods.decoys if goods else ()
        for decoy in ledger.rng.sample(decoys, k=len(decoys)):
            change = _decoy_fits(ledger, d, i, decoy)
            if change is None:
                continue
            d.lines[i].update(change)
            detail = f"{cargo.description} is HS {cargo.code}, declared as {decoy}"
            finding = Finding(code="misclassification", line=i + 1, detail=detail)
            return Planted([finding], d.true_usd[i] * HEADING_DUTY_GAP)
    return None


def false_origin(ledger: Ledger, d: Draft, trader: str) -> Planted | None:
    if d.kind != "import":
        return None
    pool = NON_ACFTA_ORIGINS if ledger.rng.random() < 0.6 else OTHER_ACFTA_ORIGINS
    origin = ledger.rng.choice(pool)
    d.form_e = True
    for line in d.lines:
        line["origin"] = origin
    covered = reference().schedule_for(FORM_E, origin) is not None
    why = "not the country of departure CN" if covered else "not an ACFTA country"
    findings = [
        Finding(code="origin", line=i + 1, detail=f"Form E claimed on origin {origin}, {why}")
        for i in range(len(d.lines))
    ]
    return Planted(findings, sum(d.true_usd, Decimal(0)) * FORM_E_MARGIN)


def reuse_certificate(ledger: Ledger, d: Draft, trader: str) -> Planted | None:
    kind = "co_form_e" if d.kind == "import" else "phytosanitary"
    codes = [c.code for c in d.cargo]
    pool = ledger.certificates.get(kind, [])
    if not pool or (kind == "phytosanitary" and kind not in needed_papers(d.kind, codes)):
        return None
    own = [c for c in pool[-500:] if c[0] == trader]
    _, ucr, document = ledger.rng.choice(own if own and ledger.rng.random() < 0.6 else pool[-300:])
    d.reused[kind] = document
    d.form_e = d.form_e or kind == "co_form_e"
    detail = f"{kind} {document['number']} was already presented with {ucr}"
    revenue = sum(d.true_usd, Decimal(0)) * FORM_E_MARGIN if kind == "co_form_e" else 0
    return Planted([Finding(code="document", detail=detail)], Decimal(revenue))


def hide_weight(ledger: Ledger, d: Draft, trader: str) -> Planted:
    gross = sum((c.gross_kg for c in d.cargo), Decimal(0))
    d.weighbridge_factor = ledger.rng.uniform(*HIDDEN_WEIGHT)
    hidden = gross * Decimal(str(d.weighbridge_factor - 1))
    per_kg = sum(d.true_usd, Decimal(0)) / sum((c.net_kg for c in d.cargo), Decimal(0))
    detail = f"about {hidden:.0f} kg more on the weighbridge than the {gross} kg declared"
    return Planted([Finding(code="weight", detail=detail)], hidden * per_kg * DUTY_RATE)


def smuggle(ledger: Ledger, d: Draft, trader: str) -> Planted | None:
    detail = f"HS {d.cargo[0].code} is prohibited for {d.kind}"
    return Planted([Finding(code="prohibited", line=1, detail=detail)])


def without_certificate(ledger: Ledger, d: Draft, trader: str) -> Planted | None:
    for i, cargo in enumerate(d.cargo):
        if needs_phytosanitary(cargo.code, d.kind):
            d.drop_phyto = True
            detail = f"HS {cargo.code} needs a phytosanitary certificate; none was presented"
            return Planted([Finding(code="document", line=i + 1, detail=detail)])
    return None


def split(ledger: Ledger, d: Draft, trader: str) -> Planted | None:
    detail = (
        f"one of several {d.cargo[0].code} declarations within "
        f"{SPLIT_WINDOW.days} days, each under {SPLIT_THRESHOLD_USD} USD"
    )
    return Planted([Finding(code="quantity", line=1, detail=detail)])


PLANTERS: dict[Pattern, Callable[[Ledger, Draft, str], Planted | None]] = {
    Pattern.undervaluation: undervalue,
    Pattern.misclassification: misclassify,
    Pattern.origin: false_origin,
    Pattern.split_shipment: split,
    Pattern.certificate_reuse: reuse_certificate,
    Pattern.weight: hide_weight,
    Pattern.prohibited: smuggle,
    Pattern.restricted_no_certificate: without_certificate,
}
