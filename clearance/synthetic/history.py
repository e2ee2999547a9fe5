"""Simulated Ma Lù Thàng history with planted fraud and known outcomes, for demos and tests.

Traders (each with a line of trade and a propensity to cheat) lodge declarations built from the
catalogue and the reference data. Every record is inspected, so every record is labelled; a
planted pattern leaves what its rule reads (a unit value under the band, a heading that does not
match the description, Form E on a non-ACFTA origin, ...) and honest traffic leaves none of it.
After `drift_at` of the span, most cheaters are replaced by new traders, new goods appear and
the fraud mix shifts, so a model trained on the early part meets a world it has not seen.

Exports leave Vietnam (origin VN) and imports come from China (origin CN); the counterparty
is always the Chinese partner, so "origin != departure" is an import-side signal only. Each
record carries the truck's arrival: when the gate weighed it and what the weighbridge read
(honest trucks within 1.5% of the declared gross weight, trucks with undeclared goods 7-30%
over it). `simulate_with_truth` also returns the planted pattern beside each record.
"""

import argparse
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from clearance.reference.calendar import VIETNAM
from clearance.risk.history import HistoryRecord, Outcome, write_jsonl
from clearance.synthetic import documents, parties
from clearance.synthetic.cargo import Cargo, cargo, load_truck, money, unit_value_usd
from clearance.synthetic.catalogue import (
    Goods,
    band,
    codes,
    needs_phytosanitary,
    origin_of,
    prohibited_lines,
    rate_per_usd,
)
from clearance.synthetic.declarations import GATE, LINE_COUNT_WEIGHTS, LINE_COUNTS
from clearance.synthetic.fraud import (
    PLANTERS,
    SPLIT_FLOOR,
    SPLIT_SHARES,
    SPLIT_THRESHOLD_USD,
    Draft,
    Ledger,
    Pattern,
    Planted,
    hide_weight,
)
from clearance.synthetic.population import Plan, Population, Trader, available, kg_codes

HONEST_WEIGHT_SPREAD = 0.015  # weighbridge vs declared gross, honest trucks
# Trucks often wait in the border yard while the broker lodges: the gate weighs them first.
TRUCK_FIRST_SHARE = 0.08
TRUCK_FIRST_MINUTES = (10, 120)  # how long before lodgement such a truck was weighed
ARRIVAL_SPREAD_MINUTES = 40.0  # actual arrival around the expected one, other trucks
PROHIBITED_TRUCK_KG = (3_000, 15_000)
RENDER_ATTEMPTS = 50


@dataclass(frozen=True)
class SimulatedDeclaration:
    """A record with what the simulator knows and history does not carry."""

    record: HistoryRecord
    pattern: Pattern | None
    weighbridge_kg: Decimal


class Simulation:
    """One run: its population, random stream, and the numbers and certificates it issued."""

    def __init__(self, seed: int, start: datetime, days: int, drift_at: float | None) -> None:
        self.rng = random.Random(seed)
        # Arrival times draw on a stream of their own: adding them changed no other number.
        self.arrivals = random.Random(f"arrival:{seed}")
        self.people = Population(self.rng, start, days, drift_at)
        self.ledger = Ledger(self.rng)
        self.clusters: dict[int, tuple[Goods, str]] = {}

    def render(self, plan: Plan) -> SimulatedDeclaration:
        for _ in range(RENDER_ATTEMPTS):
            rendered = self._attempt(plan, plan.pattern)
            if rendered is not None:
                return rendered
        rendered = self._attempt(plan, None, anywhere=True)
        assert rendered is not None
        return rendered

    def _cargo(
        self, trader: Trader, at: datetime, origin: str, require: Callable[[str], bool] | None
    ) -> list[Cargo]:
        """A truckload of the trader's goods; its first line passes `require` where it can."""
        rng = self.rng
        goods = available(trader.kind, trader.family, self.people.after_drift(at))
        mains = [g for g in goods if require and any(require(c) for c in codes(g, origin))]
        main = rng.choices(mains or goods, weights=[g.weight for g in mains or goods])[0]
        wanted = [c for c in codes(main, origin) if require is None or require(c)]
        picked: list[tuple[str, Goods | None]] = [(rng.choice(wanted or codes(main, origin)), main)]
        for _ in range(rng.choices(LINE_COUNTS, weights=LINE_COUNT_WEIGHTS)[0] - 1):
            other = rng.choice(goods)
            options = [c for c in codes(other, origin) if c not in {p[0] for p in picked}]
            if options:
                picked.append((rng.choice(options), other))
        return load_truck(rng, picked, main.truck_kg)

    def _split_cargo(self, plan: Plan, origin: str) -> tuple[Cargo, Decimal] | None:
        """One line of the cluster's goods and its value in USD, just under the threshold."""
        rng = self.rng
        assert plan.cluster is not None
        if plan.cluster not in self.clusters:
            after = self.people.after_drift(plan.at)
            options = [
                g
                for g in available(plan.trader.kind, plan.trader.family, after)
                if kg_codes(g, origin)
            ]
            if not options:
                return None
            chosen = rng.choices(options, weights=[g.weight for g in options])[0]
            self.clusters[plan.cluster] = (chosen, rng.choice(kg_codes(chosen, origin)))
        goods, code = self.clusters[plan.cluster]
        found = band(code, origin)
        low, high = (
            (found.p10 * Decimal("1.03"), found.p90 * Decimal("0.98"))
            if found
            else (Decimal(str(goods.usd_per_kg[0])), Decimal(str(goods.usd_per_kg[1])))
        )
        for _ in range(20):
            target = money(SPLIT_THRESHOLD_USD * Decimal(str(rng.uniform(*SPLIT_SHARES))))
            guess = Decimal(str(rng.uniform(float(low), float(high))))
            line = cargo(rng, code, goods, float(target / guess) * 1.02)
            if low <= target / line.net_kg <= high:
                return line, target
        return None

    def _load(
        self, plan: Plan, pattern: Pattern | None, kind: str
    ) -> tuple[list[Cargo], list[Decimal]] | None:
        """The truckload a plan calls for, and its prices where planting fixed them."""
        origin = origin_of(kind)
        if pattern is Pattern.split_shipment:
            split = self._split_cargo(plan, origin)
            return None if split is None else ([split[0]], [split[1]])
        if pattern is Pattern.prohibited:
            code = self.rng.choice(prohibited_lines())[0]
            return load_truck(self.rng, [(code, None)], PROHIBITED_TRUCK_KG), []
        wanted = pattern is Pattern.restricted_no_certificate
        require = (lambda code: needs_phytosanitary(code, kind)) if wanted else None
        return self._cargo(plan.trader, plan.at, origin, require), []

    def _draft(self, plan: Plan, pattern: Pattern | None) -> Draft | None:
        """The truckload, priced honestly; planting changes it afterwards."""
        rng = self.rng
        kind = "import" if pattern is Pattern.prohibited else plan.trader.kind
        loaded = self._load(plan, pattern, kind)
        if loaded is None:
            return None
        load, prices = loaded
        origin = origin_of(kind)
        currency = "CNY" if rng.random() < 0.4 else "USD"
        incoterm = rng.choice(documents.INCOTERMS)
        form_e = kind == "import" and rng.random() < 0.5
        d = Draft(kind, origin, rate_per_usd(currency), load, [], [], form_e)
        for i, c in enumerate(load):
            usd = (
                prices[i]
                if prices
                else unit_value_usd(rng, band(c.code, origin), c, True) * c.basis
            )
            d.lines.append(
                {
                    "hs_code": c.code,
                    "description": c.description,
                    "origin": origin,
                    "quantity": c.quantity,
                    "unit": c.unit,
                    "gross_kg": c.gross_kg,
                    "net_kg": c.net_kg,
                    "currency": currency,
                    "incoterm": incoterm,
                }
            )
            d.set_usd(i, usd)
            d.true_usd.append(d.usd(i))
        return d

    def _attempt(
        self, plan: Plan, pattern: Pattern | None, anywhere: bool = False
    ) -> SimulatedDeclaration | None:
        """One try at the declaration; None if it fell where only split shipments may fall."""
        d = self._draft(plan, pattern)
        if d is None:
            return None
        trader = plan.trader.tax_code
        planted = PLANTERS[pattern](self.ledger, d, trader) if pattern else Planted([])
        if pattern is not None and planted is None:
            # This load gives the pattern nothing to hold on to: hide weight instead.
            pattern, planted = Pattern.weight, hide_weight(self.ledger, d, trader)
        assert planted is not None
        total = d.total_usd()
        in_split_zone = SPLIT_FLOOR * SPLIT_THRESHOLD_USD <= total < SPLIT_THRESHOLD_USD
        if not anywhere and pattern is not Pattern.split_shipment and in_split_zone:
            return None
        return self._finish(plan, pattern, d, planted)

    def _finish(
        self, plan: Plan, pattern: Pattern | None, d: Draft, planted: Planted
    ) -> SimulatedDeclaration:
        rng, trader = self.rng, plan.trader
        local = plan.at.astimezone(VIETNAM)
        ucr = self.people.unique(lambda: f"MLT-{local:%Y%m%d}-{self.people.number(6)}")
        partner = rng.choice(trader.partners)
        declarant = trader.declarant if rng.random() < 0.9 else rng.choice(self.people.brokers)
        if d.form_e:
            for line in d.lines:
                line["preference"] = "ACFTA_FORM_E"
        papers = self._documents(d, trader, partner[0], local.date(), ucr)
        gross = sum((c.gross_kg for c in d.cargo), Decimal(0))
        factor = d.weighbridge_factor
        if pattern is not Pattern.weight:
            factor = 1 + rng.uniform(-HONEST_WEIGHT_SPREAD, HONEST_WEIGHT_SPREAD)
        weighbridge = Decimal(round(float(gross) * factor))
        outcome = Outcome(
            inspected=True,
            fraud_found=pattern is not None,
            revenue_recovered=money(planted.revenue_usd),
            revenue_currency="USD",
            findings=planted.findings,
            decided_at=plan.at + timedelta(hours=rng.uniform(1, 48)),
        )
        truck = parties.truck(rng, d.kind, local)
        record = HistoryRecord.model_validate(
            {
                "ucr": ucr,
                "kind": d.kind,
                "gate": GATE,
                "declarant": {"tax_code": declarant[0], "name": declarant[1]},
                "trader": {"tax_code": trader.tax_code, "name": trader.name},
                "counterparty": {"name": partner[0], "country": "CN", "address": partner[1]},
                "truck": truck,
                "lines": d.lines,
                "documents": papers,
                "lodged_at": plan.at,
                "arrival": {
                    "arrived_at": self._arrival_time(plan.at, truck),
                    "weighbridge_kg": weighbridge,
                },
                "outcome": outcome,
            }
        )
        return SimulatedDeclaration(record, pattern, weighbridge)

    def _arrival_time(self, lodged_at: datetime, truck: dict[str, Any]) -> datetime:
        """When the gate weighed the truck: before lodgement now and then, else near the ETA."""
        rng = self.arrivals
        if rng.random() < TRUCK_FIRST_SHARE:
            return lodged_at - timedelta(minutes=rng.uniform(*TRUCK_FIRST_MINUTES))
        expected = datetime.fromisoformat(truck["expected_arrival_at"])
        late = timedelta(minutes=rng.gauss(0, ARRIVAL_SPREAD_MINUTES))
        return max(expected + late, lodged_at + timedelta(minutes=5))

    def _documents(
        self, d: Draft, trader: Trader, partner: str, today: date, ucr: str
    ) -> list[dict[str, Any]]:
        """The dossier the declaration references, as the demo's traders send it."""
        rng, people = self.rng, self.people
        seller, buyer = (trader.name, partner) if d.kind == "export" else (partner, trader.name)
        day = f"{today:%y%m%d}"
        stamps = (
            people.unique(lambda: f"{day}-{people.number(5)}"),
            people.unique(lambda: f"{day}-{people.number(5)}"),
        )
        packages = sum(c.packages for c in d.cargo)
        found = documents.dossier(
            rng,
            lines=d.lines,
            parties=(seller, buyer, trader.name),
            today=today,
            stamps=stamps,
            packages=packages,
        )
        fresh: list[dict[str, Any]] = []
        if d.form_e and "co_form_e" not in d.reused:
            number = people.unique(lambda: f"E{today:%y}53{people.number(10)}")
            fresh.append(documents.form_e(rng, number, today, d.lines[0]["origin"]))
        destination = "VN" if d.kind == "import" else "CN"
        for kind in sorted(documents.needed_papers(d.kind, [ln["hs_code"] for ln in d.lines])):
            if kind in d.reused or (kind == "phytosanitary" and d.drop_phyto):
                continue
            number = people.unique(lambda: documents.number_for(kind, f"{day}-{people.number(5)}"))  # noqa: B023
            fresh.append(documents.certificate(rng, kind, number, today, d.origin, destination))
        for document in fresh:
            if document["kind"] in {"co_form_e", "phytosanitary"}:
                pool = self.ledger.certificates.setdefault(document["kind"], [])
                pool.append((trader.tax_code, ucr, document))
        return found + fresh + list(d.reused.values())


def population_size(count: int) -> int:
    return max(20, min(400, count // 60))


def simulate_with_truth(
    *, seed: int, count: int, start: datetime, days: int, drift_at: float | None = 0.6
) -> list[SimulatedDeclaration]:
    """Labelled declarations in lodgement order, each with its planted pattern and true weight."""
    if count < 0 or days < 1:
        raise ValueError("count must be >= 0 and days >= 1")
    if drift_at is not None and not 0 < drift_at < 1:
        raise ValueError("drift_at must lie strictly between 0 and 1, or be None")
    simulation = Simulation(seed, start, days, drift_at)
    traders = simulation.people.traders(population_size(count))
    return [simulation.render(plan) for plan in simulation.people.plans(count, traders)]


def simulate(
    *, seed: int, count: int, start: datetime, days: int, drift_at: float | None = 0.6
) -> list[HistoryRecord]:
    """Labelled declarations in lodgement order (the history-import schema)."""
    truth = simulate_with_truth(seed=seed, count=count, start=start, days=days, drift_at=drift_at)
    return [simulated.record for simulated in truth]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m clearance.synthetic.history",
        description="Write simulated Ma Lù Thàng declarations with planted fraud as JSON Lines.",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--start", type=datetime.fromisoformat, default=datetime(2025, 1, 1))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--drift-at",
        type=lambda s: None if s == "none" else float(s),
        default=0.6,
        help="fraction of the span after which the population drifts, or 'none'",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    records = simulate(
        seed=args.seed, count=args.count, start=args.start, days=args.days, drift_at=args.drift_at
    )
    written = write_jsonl(records, args.out)
    frauds = sum(1 for r in records if r.outcome and r.outcome.fraud_found)
    print(f"wrote {written} declarations ({frauds} with fraud) to {args.out}")


if __name__ == "__main__":
    main()
