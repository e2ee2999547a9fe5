"""Who trades at Ma Lù Thàng: Vietnamese and Yunnan companies, brokers, drivers and trucks."""

import random
from datetime import datetime, timedelta
from typing import Any

VN_PROVINCE_TAX_PREFIXES = ("62", "62", "62", "01", "53", "56", "57")
VN_FORMS = ("Công ty TNHH", "Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Hợp tác xã")
VN_TRADES = {
    "spice": ("Nông sản", "Chè", "Dược liệu", "Thương mại"),
    "fruit": ("Nông sản", "Trái cây", "Xuất nhập khẩu"),
    "cassava": ("Nông sản", "Tinh bột sắn", "Thương mại"),
    "rubber": ("Cao su", "Nông lâm sản", "Xuất nhập khẩu"),
    "ores": ("Khoáng sản", "Khai khoáng", "Xuất nhập khẩu"),
    "rice": ("Lương thực", "Nông sản", "Thương mại"),
    "fertiliser": ("Phân bón", "Vật tư nông nghiệp", "Thương mại"),
    "machinery": ("Máy xây dựng", "Thiết bị công trình", "Thương mại"),
    "steel": ("Thép", "Vật liệu xây dựng", "Kim khí"),
    "building": ("Vật liệu xây dựng", "Gạch men", "Kính xây dựng", "Thương mại"),
    "electronics": ("Điện tử", "Điện máy", "Thương mại"),
    "textiles": ("Dệt may", "Vải sợi", "Thương mại"),
    "produce": ("Nông sản", "Rau quả", "Thương mại"),
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
    "ores": ("矿业", "矿产品", "边贸"),
    "rice": ("粮油", "边贸"),
    "fertiliser": ("化肥", "农资", "化工"),
    "machinery": ("工程机械", "机械设备"),
    "steel": ("钢铁", "金属材料"),
    "building": ("陶瓷", "建材", "玻璃"),
    "electronics": ("电子", "电器", "数码"),
    "textiles": ("纺织", "布业"),
    "produce": ("果蔬", "农产品"),
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
CLIENTS_PER_BROKER = 4

DEMO_TRADERS: list[tuple[str, str]] = [
    ("6200123456", "Công ty TNHH Thương mại Phong Thổ"),
    ("6200234567", "Công ty Cổ phần Nông sản Tam Đường"),
    ("6200345678", "Công ty TNHH Xuất nhập khẩu Ma Lù Thàng"),
    ("0109876543", "Công ty TNHH Máy xây dựng Hồng Hà"),
    ("5300456789-001", "Chi nhánh Công ty Cổ phần Phân bón Lào Cai tại Lai Châu"),
]


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def tax_code(rng: random.Random) -> str:
    """A Vietnamese tax code: ten digits, a branch's with a three-digit suffix."""
    code = rng.choice(VN_PROVINCE_TAX_PREFIXES) + digits(rng, 8)
    return code + f"-{rng.randint(1, 9):03d}" if rng.random() < 0.1 else code


def demo_clients(broker: str) -> list[str]:
    """The tax codes of the companies a demo trader declares for as their broker."""
    rng = random.Random(f"clients of {broker}")
    return [code for code in (tax_code(rng) for _ in range(CLIENTS_PER_BROKER)) if code != broker]


def vn_company(rng: random.Random, family: str) -> tuple[str, str]:
    """A (tax code, name) of a Vietnamese company in a line of trade."""
    trade = rng.choice(VN_TRADES.get(family, ("Thương mại",)))
    name = f"{rng.choice(VN_FORMS)} {trade} {rng.choice(VN_PLACES)}"
    return tax_code(rng), name


def cn_company(rng: random.Random, family: str) -> str:
    """A Yunnan company name in a line of trade."""
    trade = rng.choice(CN_TRADES.get(family, ("边贸",)))
    return f"{rng.choice(CN_PLACES)}{trade}{rng.choice(CN_FORMS)}"


def plate(rng: random.Random, chinese: bool) -> str:
    if chinese:
        tail = rng.choice(PLATE_LETTERS) if rng.random() < 0.3 else rng.choice("0123456789")
        return f"{rng.choice(CN_PLATE_PREFIXES)}{tail}{digits(rng, 4)}"
    number = digits(rng, 5)
    return f"{rng.choice(VN_PLATE_PROVINCES)}C-{number[:3]}.{number[3:]}"


def driver(rng: random.Random, chinese: bool) -> str:
    if chinese:
        return rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN)
    return f"{rng.choice(VN_SURNAMES)} {rng.choice(VN_MIDDLE)} {rng.choice(VN_GIVEN)}"


def truck(rng: random.Random, kind: str, now: datetime) -> dict[str, Any]:
    """The truck, trailer and driver of a declaration, and when it is expected at the gate."""
    chinese = rng.random() < (0.65 if kind == "import" else 0.35 if kind == "export" else 0.5)
    found: dict[str, Any] = {"plate": plate(rng, chinese), "driver": driver(rng, chinese)}
    # Chinese trailer plates end in 挂, which the trailer pattern does not take: leave them out.
    if not chinese and rng.random() < 0.3:
        number = digits(rng, 5)
        found["trailer"] = f"{rng.choice(VN_PLATE_PROVINCES)}R-{number[:3]}.{number[3:]}"
    arrival = now + timedelta(minutes=rng.randint(60, 360))
    found["expected_arrival_at"] = arrival.isoformat(timespec="seconds")
    return found
