"""Realistic Ma Lù Thàng traffic: declarations a trader would lodge, and a loop that lodges them."""

import csv
import json
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select

from clearance.clock import Clock
from clearance.mandates.models import Mandate
from clearance.reference.calendar import VIETNAM

DATA_DIR = Path(__file__).parent / "reference" / "data"
GOODS_FILE = Path(__file__).parent / "risk" / "data" / "goods.csv"
GATE = "MLT"
CNY_PER_USD = Decimal("7.2")

MIN_TRUCK_KG = 2_000
MAX_TRUCK_KG = 30_000
DISHONEST_SHARE = 0.15
PROHIBITED_SHARE = 0.01
MISSING_PHYTO_SHARE = 0.10
LATE_DOCUMENT_SHARE = 0.10  # declarations that upload one required paper with the arrival
ARRIVAL_LAG = 3  # lodgements between a truck's lodgement and its arrival at the weighbridge
STATUS_CHECKS_PER_ROUND = 5
CLIENTS_PER_BROKER = 4
MAX_STATUS_CHECKS = 60
MAX_ARRIVAL_ATTEMPTS = 3

DISCRETE_UNITS = {"u", "set", "pair", "head"}
SCHEMA_UNITS = {"kg", "u", "m", "m2", "m3", "l", "head", "pair", "set"}
UNIT_ALIASES = {
    "kgm": "kg",
    "kgs": "kg",
    "unit": "u",
    "units": "u",
    "pce": "u",
    "pcs": "u",
    "piece": "u",
    "nar": "u",
    "chiếc": "u",
    "cái": "u",
    "bộ": "set",
    "mtr": "m",
    "mtk": "m2",
    "mtq": "m3",
    "ltr": "l",
    "đôi": "pair",
    "con": "head",
}
# Rough weight of one unit, when the tariff counts goods by something other than kilograms.
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


@dataclass(frozen=True)
class Tariff:
    """One line of goods.csv."""

    code: str
    chapter: str
    description_vi: str
    description_en: str
    unit: str


@dataclass(frozen=True)
class Band:
    """Reference unit values in USD for one HS code and origin."""

    p10: Decimal
    median: Decimal
    p90: Decimal


@dataclass(frozen=True)
class Restriction:
    """One line of prohibited.csv."""

    hs_prefix: str
    kind: str
    regime: str
    licence: str


@dataclass(frozen=True)
class Reference:
    """The reference CSV files as the generator needs them."""

    tariff: dict[str, Tariff]
    bands: dict[tuple[str, str], Band]
    restrictions: tuple[Restriction, ...]
    countries: frozenset[str]
    cny_per_usd: Decimal

    def band(self, code: str, origin: str) -> Band | None:
        """The reference band the risk rules will compare this line with."""
        return self.bands.get((code, origin)) or self.bands.get((code[:8], origin))


@dataclass(frozen=True)
class Goods:
    """A kind of cargo that crosses at Ma Lù Thàng, and how a truck of it looks."""

    label: str
    kind: str
    family: str
    prefixes: tuple[str, ...]
    trade_names: tuple[str, ...]
    package: tuple[str, float]
    packing: tuple[float, float]
    truck_kg: tuple[int, int]
    usd_per_kg: tuple[float, float]
    weight: float
    keywords: tuple[str, ...] = ()
    kg_per_unit: tuple[float, float] | None = None


CATALOGUE = (
    Goods("tea", "export", "spice", ("09021", "09022"),
          ("Chè xanh sấy khô Tam Đường", "Chè Shan tuyết khô", "Chè búp xanh khô"),
          ("bao PP 25 kg", 25), (0.01, 0.03), (5_000, 20_000), (1.5, 4.0), 7),
    Goods("tea", "export", "spice", ("09023", "09024"),
          ("Chè đen OP", "Chè đen CTC", "Chè đen xuất khẩu"),
          ("bao PP 25 kg", 25), (0.01, 0.03), (5_000, 20_000), (1.2, 3.0), 5),
    Goods("cardamom", "export", "spice", ("090831",),
          ("Thảo quả khô Sìn Hồ", "Thảo quả sấy khô loại 1", "Thảo quả khô nguyên quả"),
          ("bao PP 50 kg", 50), (0.01, 0.03), (3_000, 15_000), (8.0, 18.0), 10,
          keywords=("cardamom",)),
    Goods("star anise", "export", "spice", ("0909",),
          ("Hoa hồi khô", "Hoa hồi khô vụ thu", "Hoa hồi sấy khô loại 1"),
          ("bao PP 20 kg", 20), (0.01, 0.03), (3_000, 15_000), (3.0, 7.0), 6,
          keywords=("anise", "badian")),
    Goods("durian", "export", "fruit", ("081060", "0810"),
          ("Sầu riêng tươi Ri6", "Sầu riêng Monthong tươi"),
          ("thùng carton 18 kg", 18), (0.08, 0.14), (10_000, 25_000), (2.5, 5.0), 8,
          keywords=("durian",)),
    Goods("longan", "export", "fruit", ("0810",),
          ("Nhãn tươi", "Nhãn lồng tươi", "Nhãn muộn Sơn La tươi"),
          ("sọt nhựa 20 kg", 20), (0.08, 0.15), (10_000, 28_000), (0.8, 1.8), 8,
          keywords=("longan",)),
    Goods("dragon fruit", "export", "fruit", ("0810",),
          ("Thanh long ruột đỏ tươi", "Thanh long ruột trắng tươi"),
          ("thùng carton 16 kg", 16), (0.08, 0.14), (12_000, 28_000), (0.5, 1.2), 8,
          keywords=("dragon", "pitahaya", "pitaya")),
    Goods("mango", "export", "fruit", ("080450", "0804"),
          ("Xoài Cát Chu tươi", "Xoài tươi Yên Châu", "Xoài cát Hòa Lộc tươi"),
          ("thùng carton 10 kg", 10), (0.08, 0.14), (10_000, 25_000), (0.6, 1.5), 6,
          keywords=("mango",)),
    Goods("cassava", "export", "cassava", ("071410",),
          ("Sắn lát khô", "Sắn lát khô phơi nắng"),
          ("bao PP 50 kg", 50), (0.005, 0.02), (15_000, 30_000), (0.15, 0.35), 5),
    Goods("cassava", "export", "cassava", ("110814",),
          ("Tinh bột sắn", "Tinh bột sắn loại 1"),
          ("bao PP 50 kg", 50), (0.005, 0.02), (15_000, 30_000), (0.35, 0.55), 3),
    Goods("rubber", "export", "rubber", ("4001",),
          ("Cao su SVR 10", "Cao su tự nhiên định chuẩn kỹ thuật SVR 10"),
          ("bành 33,33 kg", 33.33), (0.02, 0.04), (15_000, 30_000), (1.4, 1.9), 6),
    Goods("urea", "import", "fertiliser", ("310210",),
          ("Phân bón Urê hạt trong N46%", "Phân urê hạt đục"),
          ("bao 50 kg", 50), (0.005, 0.01), (15_000, 30_000), (0.3, 0.45), 12),
    Goods("NPK", "import", "fertiliser", ("310520",),
          ("Phân bón NPK 16-16-8", "Phân bón NPK 15-15-15", "Phân NPK 20-10-10"),
          ("bao 50 kg", 50), (0.005, 0.01), (15_000, 30_000), (0.35, 0.6), 8),
    Goods("excavator", "import", "machinery", ("842952",),
          ("Máy xúc đào bánh xích", "Máy đào bánh xích gầu 0,8 m3", "Máy xúc đào mini"),
          ("chiếc, không đóng kiện", 20_000), (0.002, 0.01), (6_000, 30_000), (3.0, 7.0), 6,
          kg_per_unit=(5_000, 23_000)),
    Goods("steel", "import", "steel", ("7213",),
          ("Thép cuộn trơn phi 6,5", "Thép dây cuộn phi 8 cán nóng"),
          ("cuộn 2.000 kg", 2_000), (0.001, 0.005), (15_000, 30_000), (0.5, 0.7), 4),
    Goods("steel", "import", "steel", ("7214",),
          ("Thép thanh vằn D16", "Thép cốt bê tông D20", "Thép thanh vằn D25"),
          ("bó 2.000 kg", 2_000), (0.001, 0.005), (15_000, 30_000), (0.5, 0.7), 4),
    Goods("cables", "import", "electrical", ("8544",),
          ("Cáp điện lõi đồng bọc PVC 0,6/1kV", "Dây cáp điện hạ thế", "Cáp nhôm vặn xoắn"),
          ("cuộn tang gỗ 400 kg", 400), (0.05, 0.15), (3_000, 20_000), (3.0, 9.0), 6,
          kg_per_unit=(0.2, 2.0)),
    Goods("textiles", "import", "textiles", ("5208", "5209"),
          ("Vải cotton nhuộm khổ 1,5 m", "Vải bông dệt thoi vân điểm đã nhuộm"),
          ("cuộn 25 kg", 25), (0.02, 0.05), (2_000, 12_000), (2.5, 7.0), 3,
          kg_per_unit=(0.15, 0.35)),
    Goods("textiles", "import", "textiles", ("6004", "6006"),
          ("Vải dệt kim co giãn khổ 1,6 m", "Vải thun dệt kim"),
          ("cuộn 25 kg", 25), (0.02, 0.05), (2_000, 12_000), (3.0, 7.5), 3),
    Goods("ceramic tiles", "import", "tiles", ("6907", "6908"),
          ("Gạch ốp lát ceramic 60x60", "Gạch men lát nền 80x80", "Gạch porcelain 60x120"),
          ("thùng carton 25 kg", 25), (0.05, 0.1), (15_000, 30_000), (0.2, 0.45), 6,
          kg_per_unit=(16, 24)),
)  # fmt: skip

VN_PROVINCE_TAX_PREFIXES = ("62", "62", "62", "01", "53", "56", "57")
VN_FORMS = ("Công ty TNHH", "Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Hợp tác xã")
VN_TRADES = {
    "spice": ("Nông sản", "Chè", "Dược liệu", "Thương mại"),
    "fruit": ("Nông sản", "Trái cây", "Xuất nhập khẩu"),
    "cassava": ("Nông sản", "Tinh bột sắn", "Thương mại"),
    "rubber": ("Cao su", "Nông lâm sản", "Xuất nhập khẩu"),
    "fertiliser": ("Phân bón", "Vật tư nông nghiệp", "Thương mại"),
    "machinery": ("Máy xây dựng", "Thiết bị công trình", "Thương mại"),
    "steel": ("Thép", "Vật liệu xây dựng", "Kim khí"),
    "electrical": ("Thiết bị điện", "Điện lực", "Thương mại"),
    "textiles": ("Dệt may", "Vải sợi", "Thương mại"),
    "tiles": ("Vật liệu xây dựng", "Gạch men", "Thương mại"),
    "transit": ("Logistics", "Vận tải quốc tế", "Giao nhận"),
}
VN_PLACES = (
    "Phong Thổ", "Lai Châu", "Tam Đường", "Tân Uyên", "Sìn Hồ", "Mường Tè", "Than Uyên",
    "Nậm Nhùn", "Ma Lù Thàng", "Tây Bắc", "Điện Biên", "Lào Cai", "Sơn La", "Hà Nội", "Hồng Hà",
)  # fmt: skip
CN_PLACES = (
    "金水河", "金平", "红河", "蒙自", "个旧", "河口",
    "昆明", "云南", "建水", "开远", "文山", "元阳",
)  # fmt: skip
CN_TRADES = {
    "spice": ("农产品", "茶叶", "香料", "边贸"),
    "fruit": ("果业", "农产品", "边贸"),
    "cassava": ("农产品", "淀粉", "边贸"),
    "rubber": ("橡胶", "边贸"),
    "fertiliser": ("化肥", "农资", "化工"),
    "machinery": ("工程机械", "机械设备"),
    "steel": ("钢铁", "金属材料"),
    "electrical": ("电缆", "电线电缆", "电气"),
    "textiles": ("纺织", "布业"),
    "tiles": ("陶瓷", "建材"),
    "transit": ("国际物流", "进出口"),
}
CN_FORMS = ("有限公司", "有限公司", "贸易有限公司", "进出口有限公司", "有限责任公司")
CN_ADDRESSES = (
    "云南省红河州金平县金水河镇", "云南省红河州蒙自市", "云南省红河州河口县", "云南省昆明市官渡区",
    "云南省红河州个旧市", "云南省文山州文山市",
)  # fmt: skip
TRANSIT_CONSIGNEES = {
    "LA": (("Phongsaly Trading Co., Ltd", "Oudomxay Import-Export Sole Co., Ltd",
            "Luang Namtha Construction Supply Co., Ltd"), "Oudomxay, Lao PDR"),
    "KH": (("Angkor Agri-Inputs Co., Ltd", "Mekong Machinery (Cambodia) Co., Ltd"),
           "Phnom Penh, Cambodia"),
    "TH": (("Chiang Rai Border Trading Co., Ltd",), "Chiang Rai, Thailand"),
}  # fmt: skip
VN_SURNAMES = ("Lò", "Tòng", "Lường", "Vàng", "Giàng", "Sùng", "Hoàng", "Nguyễn", "Trần", "Phạm")
VN_MIDDLE = ("Văn", "Văn", "Đức", "Minh", "Quang", "A")
VN_GIVEN = ("Thắng", "Hùng", "Dũng", "Chiến", "Páo", "Sử", "Tuấn", "Long", "Phong", "Hải", "Sơn")
CN_SURNAMES = ("李", "王", "张", "刘", "杨", "赵", "陈", "周", "罗", "普")
CN_GIVEN = ("建国", "志强", "海涛", "明", "伟", "军", "俊杰", "永华", "国华", "小龙", "文斌")
# Yunnan plates: 云A is Kunming, 云G Honghe (Jinshuihe's prefecture), 云H Wenshan.
CN_PLATE_PREFIXES = ("云G", "云G", "云G", "云A", "云H", "云E")
VN_PLATE_PROVINCES = ("25", "25", "25", "24", "27", "26", "29")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PHYTO_ISSUERS_VN = (
    "Chi cục Trồng trọt và Bảo vệ thực vật Lai Châu",
    "Trạm Kiểm dịch thực vật cửa khẩu Ma Lù Thàng",
)
PHYTO_ISSUERS_CN = ("中华人民共和国红河海关", "中华人民共和国昆明海关")
FORM_E_ISSUERS = ("中华人民共和国昆明海关", "中国国际贸易促进委员会云南省委员会")
LICENCE_DOCUMENTS = {
    "phytosanitary": "phytosanitary",
    "quarantine": "quarantine",
    "import_licence": "licence",
    "export_licence": "licence",
}
DOCUMENT_ISSUERS = {
    "phytosanitary": PHYTO_ISSUERS_VN,
    "quarantine": ("Cơ quan Thú y vùng I", "中华人民共和国红河海关"),
    "licence": ("Bộ Công Thương", "Bộ Nông nghiệp và Môi trường"),
}
PREFERRED_PROHIBITED = ("6309", "3604")
INCOTERMS = ("DAP", "DAP", "DAP", "FCA", "FCA", "CPT", "EXW", "CIP", "DDP")

DEMO_TRADERS: list[tuple[str, str]] = [
    ("6200123456", "Công ty TNHH Thương mại Phong Thổ"),
    ("6200234567", "Công ty Cổ phần Nông sản Tam Đường"),
    ("6200345678", "Công ty TNHH Xuất nhập khẩu Ma Lù Thàng"),
    ("0109876543", "Công ty TNHH Máy xây dựng Hồng Hà"),
    ("5300456789-001", "Chi nhánh Công ty Cổ phần Phân bón Lào Cai tại Lai Châu"),
]

_issued_ucrs: set[str] = set()
_issued_stamps: set[str] = set()


def _rows(name: str) -> Iterator[dict[str, str]]:
    """The rows of one reference CSV file (or the goods catalogue), or none if it is not there."""
    path = GOODS_FILE if name == GOODS_FILE.name else DATA_DIR / name
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


@cache
def reference() -> Reference:
    """The reference files, read once per process."""
    tariff = {
        row["code"]: Tariff(
            code=row["code"],
            chapter=row["chapter"].zfill(2),
            description_vi=row["description_vi"],
            description_en=row["description_en"],
            unit=row["unit"],
        )
        for row in _rows(GOODS_FILE.name)
    }
    if not tariff:
        raise RuntimeError(f"no HS codes in {GOODS_FILE}")
    bands = {
        (row["hs_code"], row["origin"]): Band(
            Decimal(row["unit_value_usd_p10"]),
            Decimal(row["unit_value_usd_median"]),
            Decimal(row["unit_value_usd_p90"]),
        )
        for row in _rows("reference_prices.csv")
    }
    restrictions = tuple(
        Restriction(row["hs_prefix"], row["kind"], row["regime"], row.get("licence") or "")
        for row in _rows("prohibited.csv")
    )
    countries = frozenset(row["code"] for row in _rows("countries.csv") if row.get("code"))
    return Reference(tariff, bands, restrictions, countries, _cny_per_usd())


def _cny_per_usd() -> Decimal:
    """The rate the server will convert CNY values at, from exchange_rates.csv if shipped."""
    today = date.today().isoformat()
    rates: dict[str, tuple[str, Decimal]] = {}
    for row in _rows("exchange_rates.csv"):
        currency, since = row.get("currency", ""), row.get("effective_from", "")
        if currency in {"USD", "CNY"} and since <= today and since >= rates.get(currency, ("",))[0]:
            rates[currency] = (since, Decimal(row["rate_vnd"]))
    if "USD" in rates and "CNY" in rates and rates["CNY"][1] > 0:
        return rates["USD"][1] / rates["CNY"][1]
    return CNY_PER_USD


def _unit(tariff: Tariff) -> str:
    """The declaration unit for a tariff line's unit of quantity."""
    unit = tariff.unit.strip().lower()
    unit = UNIT_ALIASES.get(unit, unit)
    return unit if unit in SCHEMA_UNITS else "kg"


@cache
def _codes(goods: Goods, origin: str) -> tuple[str, ...]:
    """The tariff lines a trader would use for these goods, only banded ones if there are any."""
    ref = reference()
    codes = [c for c in ref.tariff if c.startswith(goods.prefixes)]
    # Several fruits share a heading: the description tells longan from dragon fruit.
    named = [c for c in codes if _mentions(ref.tariff[c], goods.keywords)]
    codes = named or codes
    # A band lets the value be drawn where the undervaluation rule can judge it.
    banded = [c for c in codes if ref.band(c, origin) is not None]
    return tuple(banded or codes)


def _mentions(tariff: Tariff, keywords: tuple[str, ...]) -> bool:
    """Whether a tariff line's description names any of the keywords."""
    text = f"{tariff.description_en} {tariff.description_vi}".lower()
    return any(k in text for k in keywords)


def _catalogue(kind: str, origin: str) -> list[Goods]:
    """The goods of one direction that goods.csv has codes for."""
    return [g for g in CATALOGUE if g.kind == kind and _codes(g, origin)]


@cache
def _prohibited() -> tuple[tuple[str, str], ...]:
    """(hs code, regime) pairs of prohibited goods in the tariff, the classic ones first."""
    ref = reference()
    found: list[tuple[str, str]] = []
    for r in ref.restrictions:
        if r.kind != "prohibited":
            continue
        found += [(c, r.regime) for c in ref.tariff if c.startswith(r.hs_prefix)]
    preferred = [f for f in found if f[0].startswith(PREFERRED_PROHIBITED)]
    return tuple(preferred or found)


def goods_label(hs_code: str) -> str:
    """A short English name of what a line carries, for logs."""
    for goods in CATALOGUE:
        if hs_code in _codes(goods, "VN" if goods.kind == "export" else "CN"):
            return goods.label
    tariff = reference().tariff.get(hs_code)
    if tariff is None:
        return hs_code
    name = tariff.description_en.split(";")[0].split(",")[0].split(" and ")[0]
    return name.strip().lower()[:40] or hs_code


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _kg(value: float) -> Decimal:
    rounded = Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return Decimal(f"{rounded.normalize():f}")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _tax_code(rng: random.Random) -> str:
    code = rng.choice(VN_PROVINCE_TAX_PREFIXES) + _digits(rng, 8)
    return code + f"-{rng.randint(1, 9):03d}" if rng.random() < 0.1 else code


def demo_clients(broker: str) -> list[str]:
    """The tax codes of the companies a demo trader declares for as their broker."""
    rng = random.Random(f"clients of {broker}")
    return [code for code in (_tax_code(rng) for _ in range(CLIENTS_PER_BROKER)) if code != broker]


def grant_demo_mandates(*, session: Session, clock: Clock, brokers: Iterable[str]) -> int:
    """Record the mandates the demo's brokers hold (as a supervisor records paper ones)."""
    today = clock.now().date()
    granted = 0
    for broker in brokers:
        held = set(
            session.exec(
                select(Mandate.client_tax_code).where(Mandate.broker_tax_code == broker)
            ).all()
        )
        for client in demo_clients(broker):
            if client not in held:
                session.add(
                    Mandate(broker_tax_code=broker, client_tax_code=client,
                            scope=["import", "export", "transit"],
                            valid_from=today - timedelta(days=1),
                            valid_to=today + timedelta(days=365), granted_by="demo",
                            granted_at=clock.now())
                )  # fmt: skip
                granted += 1
    session.flush()
    return granted


def vn_company(rng: random.Random, family: str) -> tuple[str, str]:
    """A (tax code, name) of a Vietnamese company in a line of trade."""
    trade = rng.choice(VN_TRADES.get(family, ("Thương mại",)))
    name = f"{rng.choice(VN_FORMS)} {trade} {rng.choice(VN_PLACES)}"
    return _tax_code(rng), name


def cn_company(rng: random.Random, family: str) -> str:
    """A Yunnan company name in a line of trade."""
    trade = rng.choice(CN_TRADES.get(family, ("边贸",)))
    return f"{rng.choice(CN_PLACES)}{trade}{rng.choice(CN_FORMS)}"


def _plate(rng: random.Random, chinese: bool) -> str:
    if chinese:
        tail = rng.choice(PLATE_LETTERS) if rng.random() < 0.3 else rng.choice("0123456789")
        return f"{rng.choice(CN_PLATE_PREFIXES)}{tail}{_digits(rng, 4)}"
    digits = _digits(rng, 5)
    return f"{rng.choice(VN_PLATE_PROVINCES)}C-{digits[:3]}.{digits[3:]}"


def _driver(rng: random.Random, chinese: bool) -> str:
    if chinese:
        return rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN)
    return f"{rng.choice(VN_SURNAMES)} {rng.choice(VN_MIDDLE)} {rng.choice(VN_GIVEN)}"


def _truck(rng: random.Random, kind: str, now: datetime) -> dict[str, Any]:
    chinese = rng.random() < (0.65 if kind == "import" else 0.35 if kind == "export" else 0.5)
    truck: dict[str, Any] = {"plate": _plate(rng, chinese), "driver": _driver(rng, chinese)}
    # Chinese trailer plates end in 挂, which the trailer pattern does not take: leave them out.
    if not chinese and rng.random() < 0.3:
        digits = _digits(rng, 5)
        truck["trailer"] = f"{rng.choice(VN_PLATE_PROVINCES)}R-{digits[:3]}.{digits[3:]}"
    arrival = now + timedelta(minutes=rng.randint(60, 360))
    truck["expected_arrival_at"] = arrival.isoformat(timespec="seconds")
    return truck


def _stamp(rng: random.Random, today: date) -> str:
    """A day's paper serial, never twice: a certificate number seen twice is reuse."""
    while True:
        stamp = f"{today:%y%m%d}{_digits(rng, 4)}"
        if stamp not in _issued_stamps:
            _issued_stamps.add(stamp)
            return stamp


def _ucr(rng: random.Random, today: date) -> str:
    while True:
        ucr = f"MLT-{today:%Y%m%d}-{_digits(rng, 6)}"
        if ucr not in _issued_ucrs:
            _issued_ucrs.add(ucr)
            return ucr


@dataclass
class _Cargo:
    """One line before it is written out: goods, code and its weights."""

    code: str
    goods: Goods | None
    description: str
    unit: str
    quantity: Decimal
    net_kg: Decimal
    gross_kg: Decimal
    packages: int


def _pick_lines(rng: random.Random, kind: str, origin: str) -> list[tuple[str, Goods]]:
    """The goods and HS code of each line: a main cargo and, sometimes, related goods."""
    catalogue = _catalogue("import" if kind == "transit" else kind, origin)
    main = rng.choices(catalogue, weights=[g.weight for g in catalogue])[0]
    count = rng.choices((1, 2, 3, 4), weights=(50, 28, 14, 8))[0]
    picked = [(rng.choice(_codes(main, origin)), main)]
    for _ in range(count - 1):
        family = [g for g in catalogue if g.family == main.family]
        goods = rng.choice(family if rng.random() < 0.85 else catalogue)
        options = [c for c in _codes(goods, origin) if c not in {p[0] for p in picked}]
        if options:
            picked.append((rng.choice(options), goods))
    return picked


def _cargo(rng: random.Random, code: str, goods: Goods | None, gross_target: float) -> _Cargo:
    """A line's quantity and weights for its share of the truck."""
    tariff = reference().tariff[code]
    unit = _unit(tariff)
    packing = goods.packing if goods else (0.02, 0.06)
    package_name, package_kg = goods.package if goods else ("kiện", 50.0)
    ratio = 1 + rng.uniform(*packing)
    net = gross_target / ratio
    if unit == "kg":
        packages = max(1, round(net / package_kg))
        net = packages * package_kg
        quantity = _kg(net)
    else:
        low, high = (goods.kg_per_unit if goods else None) or DEFAULT_KG_PER_UNIT[unit]
        per_unit = rng.uniform(low, high)
        count = net / per_unit
        amount = max(1, round(count)) if unit in DISCRETE_UNITS else max(1.0, round(count, 1))
        net = amount * per_unit
        packages = max(1, round(net / package_kg))
        quantity = _kg(amount)
    net_kg = _kg(round(net, 1))
    if unit == "kg":
        quantity = net_kg  # a quantity in kg is the net weight, to the same rounding
    # Gross comes off a scale that reads whole kilograms.
    gross_kg = max(_kg(round(net * ratio)), net_kg + 1)
    name = rng.choice(goods.trade_names) if goods else tariff.description_vi
    description = f"{name}, {package_name}"[:500] if goods else name[:500]
    if len(description) < 3:
        description = f"Hàng hóa mã HS {code}"
    return _Cargo(code, goods, description, unit, quantity, net_kg, gross_kg, packages)


def _load_truck(
    rng: random.Random, picked: list[tuple[str, Goods | None]], truck_kg: tuple[int, int]
) -> list[_Cargo]:
    """Weights for every line such that the whole truck stays within what a truck carries."""
    for _ in range(200):
        total = rng.uniform(*truck_kg)
        shares = [rng.uniform(0.5, 1.5) * (2.0 if i == 0 else 1.0) for i in range(len(picked))]
        cargo = [
            _cargo(rng, code, goods, total * share / sum(shares))
            for (code, goods), share in zip(picked, shares, strict=True)
        ]
        gross = sum(c.gross_kg for c in cargo)
        if MIN_TRUCK_KG <= gross <= MAX_TRUCK_KG:
            return cargo
        if len(picked) > 1 and rng.random() < 0.2:
            picked = picked[:-1]
    raise RuntimeError(f"cannot load a truck with {[code for code, _ in picked]}")


def _unit_value_usd(rng: random.Random, band: Band | None, cargo: _Cargo, honest: bool) -> Decimal:
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


def _document(
    kind: str, number: str, issuer: str, issued_on: date, **fields: Any
) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": kind, "number": number, "issuer": issuer}
    doc["issued_on"] = issued_on.isoformat()
    validity = {"phytosanitary": 14, "quarantine": 30, "co_form_e": 365, "licence": 180}
    if kind in validity:
        doc["expires_on"] = (issued_on + timedelta(days=validity[kind])).isoformat()
    doc["fields"] = {k: v for k, v in fields.items() if v is not None}
    return doc


def _lifting(kind: str, code: str) -> dict[str, set[str]]:
    """Document kind -> the HS prefixes it lifts on this line: phytosanitary for plants,
    quarantine for animals, and whatever the restrictions name."""
    chapter = reference().tariff[code].chapter
    needed: dict[str, set[str]] = {}
    if "01" <= chapter <= "05":
        needed.setdefault("quarantine", set()).add(chapter)
    if "06" <= chapter <= "14":
        needed.setdefault("phytosanitary", set()).add(chapter)
    for r in reference().restrictions:
        if (
            r.kind == "restricted"
            and code.startswith(r.hs_prefix)
            and r.regime in {"any", kind}
            and r.licence in LICENCE_DOCUMENTS
        ):
            needed.setdefault(LICENCE_DOCUMENTS[r.licence], set()).add(r.hs_prefix)
    return needed


def _needed_licences(kind: str, codes: list[str]) -> set[str]:
    """Document kinds that lift the restrictions on these lines, phytosanitary for plants."""
    return {doc_kind for code in codes for doc_kind in _lifting(kind, code)}


def make_declaration(
    rng: random.Random, *, declarant: tuple[str, str], now: datetime, honest: bool = True
) -> dict[str, Any]:
    """A declaration as a Ma Lù Thàng trader would lodge it, ready to send as JSON."""
    ref = reference()
    now = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(VIETNAM)
    today = now.date()

    destinations = sorted(c for c in TRANSIT_CONSIGNEES if not ref.countries or c in ref.countries)
    picked: list[tuple[str, Goods | None]]
    prohibited = _prohibited() if rng.random() < PROHIBITED_SHARE else ()
    if prohibited:
        code, regime = rng.choice(prohibited)
        kind = "export" if regime == "export" else "import"
        origin = "VN" if kind == "export" else "CN"
        picked, truck_kg = [(code, None)], (3_000, 15_000)
    else:
        kinds = [k for k in ("export", "import") if _catalogue(k, "VN" if k == "export" else "CN")]
        kind = rng.choices(kinds, weights=[55 if k == "export" else 42 for k in kinds])[0]
        if kind == "import" and destinations and rng.random() < 0.07:
            kind = "transit"
        origin = "VN" if kind == "export" else "CN"
        goods_picked = _pick_lines(rng, kind, origin)
        picked = list(goods_picked)
        truck_kg = goods_picked[0][1].truck_kg
    cargo = _load_truck(rng, picked, truck_kg)
    family = cargo[0].goods.family if cargo[0].goods else "transit"

    if rng.random() < 0.7:
        trader = declarant
    else:  # a broker lodging for one of the clients whose mandate it holds
        name = vn_company(rng, "transit" if kind == "transit" else family)[1]
        trader = (rng.choice(demo_clients(declarant[0])), name)
    if kind == "transit":
        country = rng.choice(destinations)
        names, address = TRANSIT_CONSIGNEES[country]
        counterparty = {"name": rng.choice(names), "country": country, "address": address}
    else:
        counterparty = {
            "name": cn_company(rng, family),
            "country": "CN",
            "address": rng.choice(CN_ADDRESSES),
        }
    seller, buyer = (
        (trader[1], counterparty["name"]) if kind == "export" else (counterparty["name"], trader[1])
    )

    currency = "CNY" if kind != "transit" and rng.random() < 0.4 else "USD"
    to_currency = ref.cny_per_usd if currency == "CNY" else Decimal(1)
    incoterm = rng.choice(INCOTERMS)
    form_e = kind == "import" and rng.random() < 0.5
    lines: list[dict[str, Any]] = []
    for c in cargo:
        unit_value = _unit_value_usd(rng, ref.band(c.code, origin), c, honest)
        basis = c.net_kg if c.unit == "kg" else c.quantity
        value = max(_money(unit_value * basis * to_currency), Decimal("0.01"))
        line: dict[str, Any] = {
            "hs_code": c.code,
            "description": c.description,
            "origin": origin,
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

    total = sum((Decimal(line["customs_value"]) for line in lines), Decimal(0))
    gross = sum((c.gross_kg for c in cargo), Decimal(0))
    net = sum((c.net_kg for c in cargo), Decimal(0))
    stamp = _stamp(rng, today)
    invoiced = today - timedelta(days=rng.randint(0, 5))
    documents = [
        _document("invoice", f"INV-{stamp}", seller, invoiced, total=float(total),
                  currency=currency, incoterm=incoterm, buyer=buyer, lines=len(lines)),
        _document("packing_list", f"PL-{stamp}", seller, invoiced, gross_kg=float(gross),
                  net_kg=float(net), packages=sum(c.packages for c in cargo)),
        _document("contract", f"{rng.randint(1, 999):03d}/{today:%Y}/HĐMB",
                  trader[1], today - timedelta(days=rng.randint(10, 120)), seller=seller,
                  buyer=buyer, currency=currency),
    ]  # fmt: skip
    if form_e:
        documents.append(
            _document("co_form_e", f"E{today:%y}53{_digits(rng, 10)}",
                      rng.choice(FORM_E_ISSUERS), today - timedelta(days=rng.randint(0, 7)),
                      exporting_country="CN", importing_country="VN",
                      origin_criterion=rng.choice(("WO", "RVC 40%", "CTH")))
        )  # fmt: skip
    # Left out now and then on purpose: the restricted-goods rule must have something to find.
    if rng.random() >= MISSING_PHYTO_SHARE:
        for doc_kind in sorted(_needed_licences(kind, [c.code for c in cargo])):
            issuers = DOCUMENT_ISSUERS[doc_kind]
            if doc_kind == "phytosanitary" and origin == "CN":
                issuers = PHYTO_ISSUERS_CN
            documents.append(
                _document(doc_kind, f"{doc_kind[:2].upper()}-{stamp}", rng.choice(issuers),
                          today - timedelta(days=rng.randint(0, 2)), origin=origin,
                          destination=counterparty["country"] if kind != "import" else "VN")
            )  # fmt: skip

    return {
        "ucr": _ucr(rng, today),
        "kind": kind,
        "gate": GATE,
        "declarant": {"tax_code": declarant[0], "name": declarant[1]},
        "trader": {"tax_code": trader[0], "name": trader[1]},
        "counterparty": counterparty,
        "truck": _truck(rng, kind, now),
        "lines": lines,
        "documents": documents,
    }


def _decimal_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _unit_price(value: Decimal, quantity: Decimal) -> str:
    """Price per unit to the invoice's four decimals, never zero."""
    price = (value / quantity).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return _decimal_text(max(price, Decimal("0.0001")))


def _goods_of(code: str, origin: str) -> Goods | None:
    for goods in CATALOGUE:
        if code in _codes(goods, origin):
            return goods
    return None


def _invoiced_value(line: dict[str, Any], rng: random.Random) -> Decimal:
    """What the seller really invoiced for a line: its customs value, unless that value was
    undervalued, when the real invoice shows the price the goods fetch."""
    ref = reference()
    value = Decimal(line["customs_value"])
    to_currency = {"CNY": ref.cny_per_usd, "USD": Decimal(1)}.get(line["currency"])
    if to_currency is None:
        return value
    code, origin, unit = line["hs_code"], line["origin"], line["unit"]
    quantity, net_kg = Decimal(line["quantity"]), Decimal(line["net_kg"])
    basis = net_kg if unit == "kg" else quantity
    band = ref.band(code, origin)
    goods = _goods_of(code, origin)
    if band is not None:
        undervalued = value / to_currency / basis < band.p10 * Decimal("0.9")
    else:
        low = goods.usd_per_kg[0] if goods else 0.5
        undervalued = value / to_currency / net_kg < Decimal(str(low)) * Decimal("0.9")
    if not undervalued:
        return value
    gross_kg = Decimal(line["gross_kg"])
    cargo = _Cargo(code, goods, line["description"], unit, quantity, net_kg, gross_kg, 0)
    real = _unit_value_usd(rng, band, cargo, honest=True)
    return max(_money(real * basis * to_currency), value)


def _covered(body: dict[str, Any], doc_kind: str) -> tuple[list[dict[str, Any]], set[str]]:
    """The lines a certificate or licence covers, and the HS prefixes it names."""
    lines, prefixes = [], set()
    for line in body["lines"]:
        lifted = _lifting(body["kind"], line["hs_code"]).get(doc_kind)
        if lifted:
            lines.append(line)
            prefixes |= lifted
    return (lines, prefixes) if lines else (list(body["lines"]), set())


def _upload_fields(body: dict[str, Any], ref: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The `fields` part of one upload: the paper the body refers to, as its issuer wrote it."""
    kind, lines = ref["kind"], body["lines"]
    ours, theirs = body["trader"]["name"], body["counterparty"]["name"]
    seller, buyer = (ours, theirs) if body["kind"] == "export" else (theirs, ours)
    given = ref.get("fields", {})
    fields: dict[str, Any] = {"kind": kind, "number": ref["number"]}
    fields |= {k: ref[k] for k in ("issuer", "issued_on", "expires_on") if ref.get(k)}
    if kind == "invoice":
        values = [_invoiced_value(line, rng) for line in lines]
        fields |= {
            "seller": seller,
            "buyer": buyer,
            "currency": lines[0]["currency"],
            "total": str(sum(values, Decimal(0))),
            "lines": [
                {
                    "hs_code": line["hs_code"],
                    "quantity": line["quantity"],
                    "unit_price": _unit_price(value, Decimal(line["quantity"])),
                }
                for line, value in zip(lines, values, strict=True)
            ],
        }
    elif kind == "packing_list":
        gross = sum((Decimal(line["gross_kg"]) for line in lines), Decimal(0))
        net = sum((Decimal(line["net_kg"]) for line in lines), Decimal(0))
        packages = given.get("packages")
        fields |= {
            "packages": packages if isinstance(packages, int) and packages > 0 else len(lines),
            "gross_kg": _decimal_text(gross),
            "net_kg": _decimal_text(net),
        }
    elif kind == "contract":
        fields["parties"] = [seller, buyer]
    elif kind == "co_form_e":
        claimed = [line for line in lines if line.get("preference") == "ACFTA_FORM_E"] or lines
        exporter, importer = (theirs, ours) if body["kind"] == "import" else (ours, theirs)
        fields |= {
            "exporter": exporter,
            "importer": importer,
            "origin_country": claimed[0]["origin"],
            "origin_criterion": str(given.get("origin_criterion") or "WO"),
            "lines": [{"hs_code": ln["hs_code"], "quantity": ln["quantity"]} for ln in claimed],
        }
    elif kind in {"phytosanitary", "quarantine"}:
        covered, _ = _covered(body, kind)
        goods = [{"hs_code": ln["hs_code"], "quantity": ln["quantity"]} for ln in covered]
        fields["goods"] = goods
    elif kind == "licence":
        covered, prefixes = _covered(body, kind)
        quantity = sum((Decimal(line["quantity"]) for line in covered), Decimal(0))
        allowed = quantity * Decimal(rng.choice((2, 3, 5, 10)))
        fields |= {
            "holder_tax_code": body["trader"]["tax_code"],
            "hs_codes": sorted(prefixes or {line["hs_code"] for line in covered}),
            "quantity_allowed": _decimal_text(min(allowed, Decimal("10000000"))),
            "unit": covered[0]["unit"],
        }
        if "expires_on" not in fields:
            issued = date.fromisoformat(fields.get("issued_on") or date.today().isoformat())
            fields["expires_on"] = (issued + timedelta(days=180)).isoformat()
    return fields


def _pdf(title: str, rng: random.Random) -> bytes:
    """A small one-page PDF naming the paper; a random serial keeps every file distinct."""
    text = f"{title} #{rng.getrandbits(64):016x}".encode("ascii", "replace")
    text = text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 12 Tf 72 770 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def document_uploads(
    body: dict[str, Any], rng: random.Random
) -> list[tuple[dict[str, Any], bytes]]:
    """The (fields, file) of every paper the declaration refers to, ready to upload.

    The fields agree with the declaration (the document checks find nothing on an honest one),
    except that an undervalued declaration comes with the real invoice: its total is what
    the goods were sold for, not the value declared.
    """
    return [
        (
            _upload_fields(body, ref, rng),
            _pdf(f"{body['ucr']} {ref['kind']} {ref['number']}", rng),
        )
        for ref in body.get("documents", [])
    ]


@dataclass
class _Lodged:
    """A truck the demo lodged and still follows."""

    id: str
    ucr: str
    key: str
    gross_kg: Decimal
    attempts: int = 0
    late: list[tuple[dict[str, Any], bytes]] = field(default_factory=list)  # with the arrival


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _post(
    client: httpx.Client, path: str, key: str, body: dict[str, Any], log: Callable[[str], None],
    what: str, idempotency_key: str | None = None,
) -> httpx.Response | None:  # fmt: skip
    """POST, logging what went wrong; None unless the answer is 2xx."""
    headers = _bearer(key)
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    try:
        response = client.post(path, json=body, headers=headers)
    except httpx.HTTPError as exc:
        log(f"{what} failed: {type(exc).__name__}: {exc}")
        return None
    if not response.is_success:
        log(f"{what} -> {response.status_code} {' '.join(response.text.split())[:160]}")
        return None
    log(f"{what} -> {response.status_code}")
    return response


def _lodge(
    client: httpx.Client, body: dict[str, Any], key: str, log: Callable[[str], None]
) -> _Lodged | None:
    """Lodge one declaration; the truck to follow if it was accepted."""
    label = goods_label(body["lines"][0]["hs_code"])
    what = f"lodged {body['ucr']} ({body['kind']}, {label})"
    response = _post(client, "/v1/declarations", key, body, log, what, str(uuid.uuid4()))
    if response is None:
        return None
    try:
        declaration_id = str(response.json()["id"])
    except (ValueError, KeyError, TypeError):
        log(f"  no id in the answer to {body['ucr']}")
        return None
    gross = sum((Decimal(line["gross_kg"]) for line in body["lines"]), Decimal(0))
    return _Lodged(declaration_id, body["ucr"], key, gross)


def _upload(
    client: httpx.Client, truck: _Lodged, fields: dict[str, Any], data: bytes,
    log: Callable[[str], None], note: str = "",
) -> bool:  # fmt: skip
    """Upload one paper of the truck's declaration as its trader; whether it was stored."""
    what = f"uploaded {fields['kind']} {fields['number']} for {truck.ucr}{note}"
    try:
        response = client.post(
            f"/v1/declarations/{truck.id}/documents",
            files={"file": ("scan.pdf", data, "application/pdf")},
            data={"fields": json.dumps(fields, ensure_ascii=False)},
            headers=_bearer(truck.key),
        )
    except httpx.HTTPError as exc:
        log(f"{what} failed: {type(exc).__name__}: {exc}")
        return False
    if not response.is_success:
        log(f"{what} -> {response.status_code} {' '.join(response.text.split())[:160]}")
        return False
    log(f"{what} -> {response.status_code}")
    return True


def _upload_papers(
    client: httpx.Client, truck: _Lodged, body: dict[str, Any], rng: random.Random,
    log: Callable[[str], None],
) -> None:  # fmt: skip
    """Upload the declaration's papers now, keeping one back for the arrival now and then."""
    uploads = document_uploads(body, rng)
    if uploads and rng.random() < LATE_DOCUMENT_SHARE:
        truck.late.append(uploads.pop(rng.randrange(len(uploads))))
    for fields, data in uploads:
        _upload(client, truck, fields, data, log)


def _arrive(
    client: httpx.Client, truck: _Lodged, gate_key: str, rng: random.Random,
    log: Callable[[str], None],
) -> bool:  # fmt: skip
    """Put the truck on the weighbridge; whether the gate took it."""
    weighed = round(float(truck.gross_kg) * rng.uniform(0.98, 1.02))
    body = {"weighbridge_kg": max(weighed, 1)}
    what = f"arrived {truck.ucr} at {weighed} kg"
    path = f"/v1/declarations/{truck.id}/arrival"
    return _post(client, path, gate_key, body, log, what) is not None


def pay_duties(
    client: httpx.Client, truck: _Lodged, bank_key: str, log: Callable[[str], None]
) -> bool:
    """The trader's bank pays what the declaration owes and notifies customs, as VNACCS 24/7
    e-payment does; whether a payment was notified."""
    try:
        owed = client.get(f"/v1/declarations/{truck.id}/duties", headers=_bearer(bank_key))
    except httpx.HTTPError as exc:
        log(f"duties of {truck.ucr} failed: {type(exc).__name__}: {exc}")
        return False
    if not owed.is_success:
        log(f"duties of {truck.ucr} -> {owed.status_code}")
        return False
    outstanding = owed.json().get("outstanding_vnd")
    if not outstanding:
        return False  # nothing owed (an export, or paid), or no rate to pay at
    notice = {
        "bank_reference": f"VCB-{uuid.uuid4().hex[:20].upper()}",
        "declaration_id": truck.id,
        "amount_vnd": outstanding,
        "paid_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    what = f"paid {outstanding:,} VND for {truck.ucr}"
    return _post(client, "/v1/payments/notifications", bank_key, notice, log, what) is not None


def _state(client: httpx.Client, truck: _Lodged, log: Callable[[str], None]) -> str | None:
    """The declaration's state as its trader sees it, or None if it cannot be read now."""
    try:
        response = client.get(f"/v1/declarations/{truck.id}", headers=_bearer(truck.key))
    except httpx.HTTPError as exc:
        log(f"status {truck.ucr} failed: {type(exc).__name__}: {exc}")
        return None
    if not response.is_success:
        log(f"status {truck.ucr} -> {response.status_code}")
        return None
    try:
        return str(response.json()["state"])
    except (ValueError, KeyError, TypeError):
        log(f"status {truck.ucr}: no state in the answer")
        return None


def _exit_released(
    client: httpx.Client, arrived: deque[_Lodged], gate_key: str, log: Callable[[str], None]
) -> None:
    """Let released trucks leave; forget those that will never be released."""
    for _ in range(min(STATUS_CHECKS_PER_ROUND, len(arrived))):
        truck = arrived.popleft()
        truck.attempts += 1
        state = _state(client, truck, log)
        if state == "released":
            path = f"/v1/declarations/{truck.id}/exit"
            if _post(client, path, gate_key, {}, log, f"exited {truck.ucr}") is None:
                arrived.append(truck)
        elif state in {"exited", "seized", "cancelled"}:
            log(f"dropped {truck.ucr} ({state})")
        elif truck.attempts >= MAX_STATUS_CHECKS:
            log(f"gave up on {truck.ucr} (still {state})")
        else:
            arrived.append(truck)


def run_demo(
    *,
    base_url: str,
    trader_keys: dict[str, str],
    gate_key: str,
    count: int,
    interval: float,
    rng: random.Random,
    log: Callable[[str], None] = print,
    bank_key: str | None = None,
) -> None:
    """Lodge `count` declarations (0: until interrupted) and drive their trucks through the gate;
    with a bank key, the bank pays each one's duty once its papers are all in."""
    if not trader_keys:
        log("no trader keys: nothing to lodge")
        return
    names = dict(DEMO_TRADERS)
    traders = sorted(trader_keys.items())
    lodged: deque[_Lodged] = deque()
    arrived: deque[_Lodged] = deque()
    try:
        with httpx.Client(base_url=base_url, timeout=10.0) as client:
            done = 0
            while count == 0 or done < count:
                if done:
                    time.sleep(interval)
                done += 1
                tax_code, key = rng.choice(traders)
                declarant = (tax_code, names.get(tax_code, f"Doanh nghiệp {tax_code}"))
                honest = rng.random() >= DISHONEST_SHARE
                body = make_declaration(
                    rng, declarant=declarant, now=datetime.now(UTC), honest=honest
                )
                truck = _lodge(client, body, key, log)
                if truck is not None:
                    _upload_papers(client, truck, body, rng, log)
                    lodged.append(truck)
                if len(lodged) > ARRIVAL_LAG:
                    waiting = lodged.popleft()
                    arrived_now = _arrive(client, waiting, gate_key, rng, log)
                    for fields, data in waiting.late:
                        _upload(client, waiting, fields, data, log, " (late)")
                    waiting.late.clear()
                    if arrived_now and bank_key:
                        pay_duties(client, waiting, bank_key, log)
                    if arrived_now:
                        waiting.attempts = 0
                        arrived.append(waiting)
                    else:
                        waiting.attempts += 1
                        if waiting.attempts < MAX_ARRIVAL_ATTEMPTS:
                            lodged.append(waiting)
                _exit_released(client, arrived, gate_key, log)
    except KeyboardInterrupt:
        log("demo stopped")
