"""What a truck carries: each line's quantity, weights and an honest (or not) unit value."""

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from clearance.reference.service import PriceBand
from clearance.synthetic.catalogue import Goods, reference, unit_of

MIN_TRUCK_KG = 2_000
MAX_TRUCK_KG = 30_000
DISCRETE_UNITS = {"u", "set", "pair", "head"}
# Rough weight of one unit, when goods are counted by something other than kilograms.
DEFAULT_KG_PER_UNIT = {
    "u": (1.0, 40.0),
    "set": (5.0, 200.0),
    "pair": (0.4, 1.5),
    "head": (50.0, 500.0),
    "m": (0.2, 1.5),
    "m2": (1.0, 20.0),
    "m3": (400.0, 900.0),
    "l": (0.9, 1.3),
}


@dataclass
class Cargo:
    """One line before it is written out: goods, code and its weights."""

    code: str
    goods: Goods | None
    description: str
    unit: str
    quantity: Decimal
    net_kg: Decimal
    gross_kg: Decimal
    packages: int

    @property
    def basis(self) -> Decimal:
        """What the reference band prices: kilograms net, or the quantity in its own unit."""
        return self.net_kg if self.unit == "kg" else self.quantity


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def kg(value: float) -> Decimal:
    rounded = Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return Decimal(f"{rounded.normalize():f}")


def count_in(unit: str, net_kg: float, per_unit: float) -> Decimal:
    """How many units of `per_unit` kilograms make up the net weight."""
    count = net_kg / per_unit
    return kg(max(1, round(count)) if unit in DISCRETE_UNITS else max(1.0, round(count, 1)))


def requantify(rng: random.Random, cargo: Cargo, unit: str) -> Decimal:
    """The quantity of this cargo counted in another unit, as a misclassifier would declare it."""
    if unit == "kg":
        return cargo.net_kg
    return count_in(unit, float(cargo.net_kg), rng.uniform(*DEFAULT_KG_PER_UNIT[unit]))


def _description(rng: random.Random, code: str, goods: Goods | None) -> str:
    if goods is None:
        line = reference().tariff_line(code)
        text = line.description_vi.strip(" -") if line else ""
        return text[:500] if len(text) >= 3 else f"Hàng hóa mã HS {code}"
    return f"{rng.choice(goods.trade_names)}, {goods.package[0]}"[:500]


def cargo(rng: random.Random, code: str, goods: Goods | None, gross_target: float) -> Cargo:
    """A line's quantity and weights for its share of the truck."""
    unit = goods.unit if goods else unit_of(code)
    packing = goods.packing if goods else (0.02, 0.06)
    package_kg = goods.package[1] if goods else 50.0
    ratio = 1 + rng.uniform(*packing)
    net = gross_target / ratio
    if unit == "kg":
        packages = max(1, round(net / package_kg))
        net = packages * package_kg
    else:
        per_unit = rng.uniform(
            *((goods.kg_per_unit if goods else None) or DEFAULT_KG_PER_UNIT[unit])
        )
        quantity = count_in(unit, net, per_unit)
        net = float(quantity) * per_unit
        packages = max(1, round(net / package_kg))
    net_kg = kg(round(net, 1))
    # A quantity in kg is the net weight, to the same rounding.
    quantity = net_kg if unit == "kg" else quantity
    # Gross comes off a scale that reads whole kilograms.
    gross_kg = max(kg(round(net * ratio)), net_kg + 1)
    description = _description(rng, code, goods)
    return Cargo(code, goods, description, unit, quantity, net_kg, gross_kg, packages)


def load_truck(
    rng: random.Random, picked: list[tuple[str, Goods | None]], truck_kg: tuple[int, int]
) -> list[Cargo]:
    """Weights for every line such that the whole truck stays within what a truck carries."""
    for _ in range(200):
        total = rng.uniform(*truck_kg)
        shares = [rng.uniform(0.5, 1.5) * (2.0 if i == 0 else 1.0) for i in range(len(picked))]
        loaded = [
            cargo(rng, code, goods, total * share / sum(shares))
            for (code, goods), share in zip(picked, shares, strict=True)
        ]
        gross = sum(c.gross_kg for c in loaded)
        if MIN_TRUCK_KG <= gross <= MAX_TRUCK_KG:
            return loaded
        if len(picked) > 1 and rng.random() < 0.2:
            picked = picked[:-1]
    raise RuntimeError(f"cannot load a truck with {[code for code, _ in picked]}")


def unit_value_usd(
    rng: random.Random, band: PriceBand | None, cargo: Cargo, honest: bool
) -> Decimal:
    """USD per kg (net) or per unit, where the undervaluation rule will look."""
    if band is None:
        low, high = cargo.goods.usd_per_kg if cargo.goods else (0.5, 3.0)
        per_kg = rng.uniform(low, high) if honest else low * rng.uniform(0.2, 0.6)
        if cargo.unit == "kg":
            return Decimal(str(per_kg))
        return Decimal(str(per_kg)) * cargo.net_kg / cargo.quantity
    if not honest:
        return band.p10 * Decimal(str(rng.uniform(0.2, 0.6)))
    # A margin inside the band keeps rounding and the server's own CNY rate from crossing p10.
    low, high = float(band.p10) * 1.03, float(band.p90) * 0.98
    if low >= high:
        return band.median
    mode = min(max(float(band.median), low), high)
    return Decimal(str(rng.triangular(low, high, mode)))
