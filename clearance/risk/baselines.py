"""Baselines the engine is compared with: XGBoost on the raw columns (the DATE paper's), and an
exact lookup of the goods tuple (what CIDD's generator leaks)."""

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import xgboost as xgb

from clearance.risk.bands import usd_per
from clearance.risk.history import HistoryRecord

LOOKUP_WEIGHT = 1.0
XGB_ROUNDS = 200
XGB_PARAMS: dict[str, Any] = {
    "objective": "binary:logistic",
    "tree_method": "hist",
    "max_depth": 6,
    "eta": 0.1,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "nthread": 1,
    "verbosity": 0,
}
RAW_CATEGORIES = ("hs6", "origin", "departure", "importer", "declarant")


def goods_key(record: HistoryRecord) -> tuple[tuple[str, str, str, Decimal], ...]:
    """The goods tuple of each line: HS6, departure, origin and net mass."""
    # CIDD's generator glued these (and tax rate and type, which history does not carry) to
    # the label, so an exact lookup of them nearly reads the answer: report it beside figures.
    departure = record.counterparty.country
    return tuple(sorted({(ln.hs_code[:6], departure, ln.origin, ln.net_kg) for ln in record.lines}))


def _raw_row(record: HistoryRecord, rates: Mapping[str, float]) -> tuple[list[str], list[float]]:
    """Identifiers of the largest line and the declaration's value, mass and unit value."""
    values = [float(ln.customs_value) * usd_per(rates, ln.currency) for ln in record.lines]
    main = record.lines[int(np.argmax(values))]
    net = sum(float(ln.net_kg) for ln in record.lines)
    ids = [main.hs_code[:6], main.origin, record.counterparty.country]
    ids += [record.trader.tax_code, record.declarant.tax_code]
    return ids, [sum(values), net, sum(values) / net]


class RawColumns:
    """The DATE paper's baseline input: raw columns, identifiers label-encoded on training."""

    def __init__(self, records: Sequence[HistoryRecord], rates: Mapping[str, float]) -> None:
        self.rates = rates
        rows = [_raw_row(record, rates)[0] for record in records]
        self.codes = [
            {value: float(code) for code, value in enumerate(sorted({row[i] for row in rows}))}
            for i in range(len(RAW_CATEGORIES))
        ]

    def matrix(self, records: Sequence[HistoryRecord]) -> np.ndarray:
        rows = []
        for record in records:
            ids, numbers = _raw_row(record, self.rates)
            encoded = [codes.get(v, math.nan) for codes, v in zip(self.codes, ids, strict=True)]
            rows.append(encoded + numbers)
        return np.array(rows, dtype=np.float64)


def xgboost_scores(
    train_set: Sequence[HistoryRecord],
    test_set: Sequence[HistoryRecord],
    *,
    rates: Mapping[str, float],
    seed: int,
) -> np.ndarray:
    columns = RawColumns(train_set, rates)
    labels = [int(r.outcome.fraud_found) for r in train_set if r.outcome is not None]
    matrix = xgb.DMatrix(columns.matrix(train_set), label=labels, missing=math.nan)
    booster = xgb.train({**XGB_PARAMS, "seed": seed}, matrix, num_boost_round=XGB_ROUNDS)
    return np.asarray(booster.predict(xgb.DMatrix(columns.matrix(test_set), missing=math.nan)))


def lookup_scores(
    train_set: Sequence[HistoryRecord], test_set: Sequence[HistoryRecord]
) -> np.ndarray:
    """The fraud rate of the same goods tuple in training (the base rate for an unseen one)."""
    tallies: dict[tuple[tuple[str, str, str, Decimal], ...], list[int]] = {}
    for record in train_set:
        tally = tallies.setdefault(goods_key(record), [0, 0])
        tally[0] += 1
        tally[1] += int(record.outcome is not None and record.outcome.fraud_found)
    base = sum(t[1] for t in tallies.values()) / max(1, sum(t[0] for t in tallies.values()))
    scores = []
    for record in test_set:
        n, frauds = tallies.get(goods_key(record), (0, 0))
        scores.append((frauds + LOOKUP_WEIGHT * base) / (n + LOOKUP_WEIGHT))
    return np.array(scores)
