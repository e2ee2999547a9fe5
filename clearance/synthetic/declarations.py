"""Declarations a Ma Lù Thàng trader would lodge, ready to send as JSON."""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from clearance.reference.calendar import VIETNAM
from clearance.synthetic import documents, parties
from clearance.synthetic.cargo import Cargo, load_truck, money, unit_value_usd
from clearance.synthetic.catalogue import (
    Goods,
    band,
    codes,
    of_kind,
    origin_of,
    prohibited_lines,
    rate_per_usd,
    reference,
)

GATE = "MLT"
DISHONEST_SHARE = 0.15
PROHIBITED_SHARE = 0.01
MISSING_PHYTO_SHARE = 0.10  # left out on purpose: the restricted-goods rule must find something
TRANSIT_SHARE = 0.07
FORM_E_SHARE = 0.5
PROHIBITED_TRUCK_KG = (3_000, 15_000)
LINE_COUNTS, LINE_COUNT_WEIGHTS = (1, 2, 3, 4), (50, 28, 14, 8)

_issued: set[str] = set()
MAX_DRAWS = 50


def unique(rng: random.Random, make: Any) -> str:
    """A number never issued before in this process: a certificate seen twice is reuse. Once
    the numbers of a day run short (a load test's tens of thousands of papers), a draw that
    keeps meeting issued ones takes a suffix no other number has."""
    for _ in range(MAX_DRAWS):
        if (value := str(make(rng))) not in _issued:
            break
    else:
        value = f"{value}{len(_issued)}"  # the count only grows: no two suffixes are alike
    _issued.add(value)
    return value


def stamp(rng: random.Random, today: date) -> str:
    return unique(rng, lambda r: f"{today:%y%m%d}{parties.digits(r, 4)}")


def ucr(rng: random.Random, today: date) -> str:
    return unique(rng, lambda r: f"MLT-{today:%Y%m%d}-{parties.digits(r, 6)}")


def pick_lines(rng: random.Random, kind: str, origin: str) -> list[tuple[str, Goods | None]]:
    """The goods and HS code of each line: a main cargo and, sometimes, related goods."""
    catalogue = of_kind("import" if kind == "transit" else kind)
    main = rng.choices(catalogue, weights=[g.weight for g in catalogue])[0]
    count = rng.choices(LINE_COUNTS, weights=LINE_COUNT_WEIGHTS)[0]
    picked: list[tuple[str, Goods | None]] = [(rng.choice(codes(main, origin)), main)]
    for _ in range(count - 1):
        family = [g for g in catalogue if g.family == main.family]
        goods = rng.choice(family if rng.random() < 0.85 else catalogue)
        options = [c for c in codes(goods, origin) if c not in {p[0] for p in picked}]
        if options:
            picked.append((rng.choice(options), goods))
    return picked


@dataclass(frozen=True)
class Shipment:
    kind: str
    origin: str
    cargo: list[Cargo]

    @property
    def family(self) -> str:
        goods = self.cargo[0].goods
        return goods.family if goods else "transit"


def transit_destinations() -> list[str]:
    countries = reference().countries
    return sorted(c for c in parties.TRANSIT_CONSIGNEES if not countries or c in countries)


def shipment(rng: random.Random) -> Shipment:
    """What crosses, which way: now and then prohibited goods, sometimes transit to Laos."""
    if rng.random() < PROHIBITED_SHARE:
        code, regime = rng.choice(prohibited_lines())
        kind = "export" if regime == "export" else "import"
        picked: list[tuple[str, Goods | None]] = [(code, None)]
        return Shipment(kind, origin_of(kind), load_truck(rng, picked, PROHIBITED_TRUCK_KG))
    kinds = [k for k in ("export", "import") if of_kind(k)]
    kind = rng.choices(kinds, weights=[55 if k == "export" else 42 for k in kinds])[0]
    if kind == "import" and transit_destinations() and rng.random() < TRANSIT_SHARE:
        kind = "transit"
    origin = origin_of(kind)
    picked = pick_lines(rng, kind, origin)
    main = picked[0][1]
    assert main is not None
    return Shipment(kind, origin, load_truck(rng, picked, main.truck_kg))


def counterparty(rng: random.Random, kind: str, family: str) -> dict[str, str]:
    if kind == "transit":
        country = rng.choice(transit_destinations())
        names, address = parties.TRANSIT_CONSIGNEES[country]
        return {"name": rng.choice(names), "country": country, "address": address}
    address = rng.choice(parties.CN_ADDRESSES)
    return {"name": parties.cn_company(rng, family), "country": "CN", "address": address}


def trader_for(rng: random.Random, declarant: tuple[str, str], family: str) -> tuple[str, str]:
    """The declarant itself, or (as a broker) one of the clients whose mandate it holds."""
    if rng.random() < 0.7:
        return declarant
    name = parties.vn_company(rng, family)[1]
    return rng.choice(parties.demo_clients(declarant[0])), name


def priced_lines(
    rng: random.Random, ship: Shipment, honest: bool, form_e: bool
) -> list[dict[str, Any]]:
    """The declaration's lines, valued honestly or below the reference band."""
    currency = "CNY" if ship.kind != "transit" and rng.random() < 0.4 else "USD"
    to_currency = rate_per_usd(currency)
    incoterm = rng.choice(documents.INCOTERMS)
    lines: list[dict[str, Any]] = []
    for c in ship.cargo:
        unit_value = unit_value_usd(rng, band(c.code, ship.origin), c, honest)
        value = max(money(unit_value * c.basis * to_currency), Decimal("0.01"))
        line: dict[str, Any] = {
            "hs_code": c.code,
            "description": c.description,
            "origin": ship.origin,
            "quantity": str(c.quantity),
            "unit": c.unit,
            "gross_kg": str(c.gross_kg),
            "net_kg": str(c.net_kg),
            "customs_value": str(value),
            "currency": currency,
            "incoterm": incoterm,
        }
        if form_e:
            line["preference"] = "ACFTA_FORM_E"
        lines.append(line)
    return lines


def papers(
    rng: random.Random,
    ship: Shipment,
    lines: list[dict[str, Any]],
    names: tuple[str, str, str],
    destination: str,
    today: date,
) -> list[dict[str, Any]]:
    """Everything the declaration refers to: dossier, Form E if claimed, the lines' papers."""
    serial = stamp(rng, today)
    packages = sum(c.packages for c in ship.cargo)
    found = documents.dossier(
        rng, lines=lines, parties=names, today=today, stamps=(serial, serial), packages=packages
    )
    if any(line.get("preference") == "ACFTA_FORM_E" for line in lines):
        number = f"E{today:%y}53{parties.digits(rng, 10)}"
        found.append(documents.form_e(rng, number, today, None))
    if rng.random() >= MISSING_PHYTO_SHARE:
        for kind in sorted(documents.needed_papers(ship.kind, [c.code for c in ship.cargo])):
            number = documents.number_for(kind, serial)
            found.append(documents.certificate(rng, kind, number, today, ship.origin, destination))
    return found


def make_declaration(
    rng: random.Random, *, declarant: tuple[str, str], now: datetime, honest: bool = True
) -> dict[str, Any]:
    """A declaration as a Ma Lù Thàng trader would lodge it, ready to send as JSON."""
    now = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(VIETNAM)
    today = now.date()
    ship = shipment(rng)
    trader = trader_for(rng, declarant, "transit" if ship.kind == "transit" else ship.family)
    other = counterparty(rng, ship.kind, ship.family)
    seller, buyer = (
        (trader[1], other["name"]) if ship.kind == "export" else (other["name"], trader[1])
    )
    form_e = ship.kind == "import" and rng.random() < FORM_E_SHARE
    lines = priced_lines(rng, ship, honest, form_e)
    destination = other["country"] if ship.kind != "import" else "VN"
    return {
        "ucr": ucr(rng, today),
        "kind": ship.kind,
        "gate": GATE,
        "declarant": {"tax_code": declarant[0], "name": declarant[1]},
        "trader": {"tax_code": trader[0], "name": trader[1]},
        "counterparty": other,
        "truck": parties.truck(rng, ship.kind, now),
        "lines": lines,
        "documents": papers(rng, ship, lines, (seller, buyer, trader[1]), destination, today),
    }
