"""Fuzzy party-name matching across Vietnamese, Chinese and English spellings."""

import pytest

from clearance.names import (
    MATCH_THRESHOLD,
    Watchlist,
    best_match,
    name_similarity,
    normalize_name,
)


def full_width(text: str) -> str:
    """Text with its ASCII characters in the full-width forms Chinese input methods type."""
    return "".join(
        "\u3000" if char == " " else chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char
        for char in text
    )


# The same party written two ways.
SAME_PARTY = [
    # Vietnamese diacritics, đ, case, spacing, punctuation
    ("Công ty TNHH Thương mại Minh Anh", "Cong ty TNHH Thuong mai Minh Anh", "no-diacritics"),
    ("Hoàng Long Phát Đạt", "HOANG LONG PHAT DAT", "upper-ascii"),
    ("CÔNG TY TNHH THƯƠNG MẠI MINH ANH", "công ty tnhh thương mại minh anh", "case"),
    ("Công ty TNHH Đông Đô", "Cong ty TNHH Dong Do", "d-stroke"),
    ("Đặng Văn Đức", "Dang Van Duc", "d-stroke-person"),
    ("Công ty  TNHH   Minh-Anh", "Minh Anh", "spaces-hyphen"),
    ("Công ty TNHH Sao Mai (Lai Châu)", "Sao Mai - Lai Chau", "brackets"),
    ("CTY TNHH VIỆT-TRUNG", "Việt Trung Co.,Ltd.", "punctuation"),
    # Vietnamese legal forms against their abbreviations and English renderings
    ("Công ty TNHH Minh Anh", "Minh Anh Co., Ltd", "tnhh-co-ltd"),
    ("Công ty TNHH Thương mại Minh Anh", "Minh Anh Trading Co., Ltd", "trading-english"),
    ("Công ty Cổ phần Đại Phát", "Dai Phat Joint Stock Company", "jsc-english"),
    ("Công ty CP Đại Phát", "DAI PHAT JSC", "cp-jsc"),
    ("Cty CP Đại Phát", "Công ty Cổ phần Đại Phát", "cty-cp"),
    ("Công ty Cổ phần Sao Mai Lai Châu", "CTCP Sao Mai Lai Chau", "ctcp"),
    ("Công ty TNHH MTV Hoàng Long", "Hoang Long One Member Limited Liability Company", "mtv-llc"),
    ("Công ty TNHH Một thành viên Tuấn Hưng", "Cty TNHH MTV Tuấn Hưng", "mtv-spelled"),
    ("Cty TNHH Đông Đô", "Công ty trách nhiệm hữu hạn Đông Đô", "tnhh-spelled"),
    ("Doanh nghiệp tư nhân Đức Thắng", "DNTN Đức Thắng", "dntn"),
    ("Tập đoàn Hòa Phát", "Hoa Phat Group", "group"),
    ("Công ty TNHH Xuất nhập khẩu Tây Bắc", "Tay Bac Import Export Co., Ltd", "xnk-english"),
    ("Cty TNHH TM DV Phong Thổ", "Công ty TNHH Thương mại Dịch vụ Phong Thổ", "tm-dv"),
    ("Công ty TNHH MTV XNK Phong Thổ", "Phong Tho Import Export Co., Ltd", "xnk-abbreviated"),
    ("Chi nhánh Công ty TNHH Minh Anh", "Công ty TNHH Minh Anh", "branch"),
    ("Tổng công ty Thương mại Hà Nội", "Hanoi Trade Corporation", "corporation"),
    ("Công ty TNHH Thương mại Phú Thịnh", "Công ty TNHH Phú Thịnh", "extra-trade-word"),
    # Word order
    ("Nguyễn Văn Hùng", "HUNG NGUYEN VAN", "person-western-order"),
    ("Trần Thị Mai Lan", "Lan Tran Thi Mai", "person-western-order-4"),
    ("Lai Châu Sao Mai JSC", "Công ty CP Sao Mai Lai Châu", "order-swapped"),
    # One-letter typos in long names
    ("Công ty TNHH Hoàng Long Phát Đạt", "Hoang Long Phat Dta Co., Ltd", "typo-transposed"),
    ("Công ty CP Vận tải Tây Bắc Lai Châu", "Van tai Tay Bac Lai Chua JSC", "typo-place"),
    ("Nguyễn Văn Hùng", "Nguyen Van Hunng", "typo-person"),
    ("Công ty TNHH Thương mại Hoàng Long Phát", "Hoang Lonh Phat Trading Co., Ltd", "typo-letter"),
    # Chinese: legal forms, full width, romanisation
    ("金水河边贸有限公司", "金水河边贸", "hanzi-without-form"),
    ("金水河边贸股份有限公司", "金水河边贸有限公司", "hanzi-other-form"),
    (full_width("云南金平(集团)有限公司"), "云南金平", "hanzi-group-fullwidth"),
    ("金水河边贸有限公司", "Jin Shui He Bian Mao Co., Ltd", "pinyin-syllables"),
    ("金水河边贸有限公司", "Jinshuihe Bianmao Youxian Gongsi", "pinyin-words"),
    ("金水河边贸有限公司", "JINSHUIHE BIANMAO CO LTD", "pinyin-upper"),
    ("金水河边贸有限公司", full_width("JINSHUIHE BIANMAO"), "pinyin-fullwidth"),
    ("云南红河物流有限责任公司", "Yunnan Honghe Wuliu Co., Ltd", "pinyin-llc"),
    ("金平县顺达商贸有限公司", "Jinping Xian Shunda Shangmao Co Ltd", "pinyin-county"),
    ("金平县顺达商贸有限公司", "Jinping Xian Shunda Shangmoa Co Ltd", "pinyin-typo"),
    ("昆明绿源农产品有限公司", "Kunming Lvyuan Nongchanpin Co., Ltd", "pinyin-v-for-u"),
    ("重庆长江贸易有限公司", "Chongqing Changjiang Maoyi Youxian Gongsi", "pinyin-polyphone"),
    (f"金水河边贸有限公司{full_width('(Jinshuihe Bianmao)')}", "Jinshuihe Bianmao", "mixed-script"),
    ("河口兴达进出口贸易有限公司", "河口兴达进出口有限公司", "hanzi-extra-trade-word"),
]

# Different parties whose names look alike.
DIFFERENT_PARTIES = [
    ("Công ty TNHH Minh Anh", "Công ty TNHH Minh An Phát", "shared-form-vn"),
    ("Công ty TNHH Hoàng Long", "Công ty TNHH Hoàng Lâm", "one-syllable-vn"),
    ("Công ty Cổ phần Đại Phát", "Công ty Cổ phần Đại Thành", "shared-cp"),
    ("Công ty TNHH Thương mại Tây Bắc", "Công ty TNHH Thương mại Đông Bắc", "shared-trade-word"),
    ("Minh Anh Trading Co., Ltd", "Minh Châu Trading Co., Ltd", "shared-co-ltd"),
    ("Cty TNHH MTV XNK Lai Châu", "Cty TNHH MTV XNK Lào Cai", "shared-xnk"),
    (
        "Công ty TNHH Thương mại Dịch vụ Xuất nhập khẩu Phú Thịnh",
        "Công ty TNHH Thương mại Dịch vụ Xuất nhập khẩu Phú Thành",
        "shared-long-descriptor",
    ),
    ("Công ty TNHH Thương mại Minh Anh", "Công ty TNHH Xây dựng Minh Châu", "other-trade"),
    ("Công ty TNHH Cơ khí Hòa Phát", "Công ty TNHH Hòa Bình", "co-khi"),
    ("Doanh nghiệp tư nhân Đức Thắng", "Doanh nghiệp tư nhân Đức Thịnh", "shared-dntn"),
    ("Công ty TNHH Hải Đăng", "Công ty TNHH Hải Đường", "one-syllable-d-stroke"),
    ("Nguyễn Văn Hùng", "Nguyễn Thị Hằng", "person-shared-surname"),
    ("Công ty TNHH Việt Trung", "Công ty TNHH Việt Thắng", "viet-prefix"),
    ("Hoa Phat Group", "Hoa Sen Group", "shared-group"),
    ("Sao Mai JSC", "Sao Vàng JSC", "shared-jsc"),
    ("金水河边贸有限公司", "金平边贸有限公司", "shared-bianmao"),
    ("金水河边贸有限公司", "银水河边贸有限公司", "one-character"),
    ("华丰贸易有限公司", "华峰贸易有限公司", "homophones"),
    ("河口兴达进出口贸易有限公司", "河口兴隆进出口贸易有限公司", "shared-place-and-trade"),
    ("云南红河物流有限责任公司", "云南金平物流有限责任公司", "shared-province"),
    ("金平县顺达商贸有限公司", "金平县顺发商贸有限公司", "shared-county"),
    ("金水河边贸有限公司", "Jinping Bianmao Co., Ltd", "pinyin-shared-bianmao"),
    ("Jinshuihe Bianmao Co., Ltd", "Jinshui Maoyi Co., Ltd", "pinyin-other-trade"),
    ("Yunnan Honghe Wuliu Co., Ltd", "Yunnan Hekou Wuliu Co., Ltd", "pinyin-he-kou"),
    ("重庆长江贸易有限公司", "Chongqing Changcheng Maoyi Co., Ltd", "pinyin-changcheng"),
    ("Kunming Lvyuan Co., Ltd", "Kunming Luyao Co., Ltd", "pinyin-lu"),
    ("金水河边贸有限公司", "Công ty TNHH Minh Anh", "across-scripts"),
    ("Lào Cai Logistics JSC", "Lai Châu Logistics JSC", "neighbouring-provinces"),
    ("Công ty TNHH An", "Công ty TNHH Minh An Phát", "one-word-contained"),
    ("Vietnam Co., Ltd", "Samsung Vietnam Co., Ltd", "one-word-contained-en"),
    ("金水河边贸有限公司", "金边贸有限公司", "hanzi-one-character-contained"),
]


@pytest.mark.parametrize(("a", "b"), [pytest.param(a, b, id=i) for a, b, i in SAME_PARTY])
def test_the_same_party_written_differently_matches(a: str, b: str) -> None:
    assert name_similarity(a, b) >= MATCH_THRESHOLD
    assert name_similarity(b, a) >= MATCH_THRESHOLD


@pytest.mark.parametrize(("a", "b"), [pytest.param(a, b, id=i) for a, b, i in DIFFERENT_PARTIES])
def test_different_parties_with_similar_names_do_not_match(a: str, b: str) -> None:
    assert name_similarity(a, b) < MATCH_THRESHOLD
    assert name_similarity(b, a) < MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        pytest.param("Công ty TNHH Thương mại Minh Anh", "thuong mai minh anh", id="vietnamese"),
        pytest.param("金水河边贸有限公司", "jin shui he bian mao", id="hanzi"),
        pytest.param("Doanh nghiệp tư nhân Đức Thắng", "duc thang", id="d-stroke"),
        pytest.param(full_width("ABC Co.,Ltd"), "abc", id="full-width"),
        pytest.param(
            full_width("云南金平(集团)股份有限公司"), "yun nan jin ping", id="hanzi-forms"
        ),
        pytest.param("Jinshuihe Bianmao Youxian Gongsi", "jinshuihe bianmao", id="pinyin-forms"),
        pytest.param("Công ty TNHH Cơ khí Hòa Phát", "co khi hoa phat", id="co-khi-kept"),
        pytest.param("Minh Anh Trading Co., Ltd", "minh anh thuong mai", id="english"),
        pytest.param(
            "Cty TNHH MTV TM DV XNK Hoàng Long",
            "thuong mai dich vu xuat nhap khau hoang long",
            id="abbreviations",
        ),
        pytest.param("昆明绿源", "kun ming lu yuan", id="u-umlaut"),
        pytest.param("Công ty TNHH", "", id="form-only"),
    ],
)
def test_normalize_name_folds_scripts_and_drops_legal_forms(name: str, normalized: str) -> None:
    assert normalize_name(name) == normalized


def test_similarity_is_one_for_the_same_name_and_zero_for_an_empty_one() -> None:
    assert name_similarity("Công ty TNHH Minh Anh", "Công ty TNHH Minh Anh") == 1.0
    assert name_similarity("Công ty TNHH", "Công ty TNHH Minh Anh") == 0.0


WATCHLIST = [
    "Công ty TNHH Minh An Phát",
    "Công ty TNHH Thương mại Minh Anh",
    "金水河边贸有限公司",
    "Hoa Sen Group",
]


def test_best_match_returns_the_listed_spelling_and_its_score() -> None:
    assert best_match("Minh Anh Trading Co., Ltd", WATCHLIST) == (
        "Công ty TNHH Thương mại Minh Anh",
        1.0,
    )
    assert best_match("JINSHUIHE BIANMAO CO LTD", WATCHLIST) == ("金水河边贸有限公司", 1.0)


def test_best_match_prefers_the_closest_of_several_matches() -> None:
    match = best_match("Minh Anh", ["Minh Anh Phat Dat Trading", "Cty TNHH Minh Anh"])
    assert match == ("Cty TNHH Minh Anh", 1.0)


def test_best_match_is_none_below_the_threshold() -> None:
    assert best_match("Hoa Phat Group", WATCHLIST) is None
    assert best_match("Minh Anh", []) is None


def test_watchlist_matches_like_best_match() -> None:
    watchlist = Watchlist(WATCHLIST)
    for name in ("Minh Anh Trading Co., Ltd", "金水河边贸", "Hoa Phat Group"):
        assert watchlist.match(name) == best_match(name, WATCHLIST)


def test_best_match_finds_the_one_among_a_thousand_similar_names() -> None:
    # Speed is measured by `python -m loadtests.bench_risk`, not asserted here.
    names = [f"Công ty TNHH Thương mại Xuất nhập khẩu Số {n} Lai Châu" for n in range(800)]
    names += [f"金平县{chr(0x4E00 + n)}{chr(0x4F00 + n)}边贸有限公司" for n in range(200)]
    match = best_match("Cty TNHH TM XNK So 500 Lai Chau", names)
    assert match == ("Công ty TNHH Thương mại Xuất nhập khẩu Số 500 Lai Châu", 1.0)


# Latin letters and the Cyrillic ones that look the same on a screen.
CYRILLIC = {
    "P": "\u0420",
    "T": "\u0422",
    "o": "\u043e",
    "a": "\u0430",
    "A": "\u0410",
    "M": "\u041c",
}


def _lookalike(name: str, letters: str) -> str:
    return "".join(CYRILLIC[c] if c in letters else c for c in name)


@pytest.mark.parametrize(
    ("listed", "letters"),
    [
        ("Công ty TNHH Phú Thịnh", "PT"),
        ("Hoàng Anh Gia Lai Trading", "oAa"),
        ("Masan Group", "Ma"),
        ("Viettel Construction Corporation", "oa"),
    ],
)
def test_a_name_written_with_lookalike_letters_of_another_script_matches(
    listed: str, letters: str
) -> None:
    lookalike = _lookalike(listed, letters)
    assert lookalike != listed
    assert Watchlist([listed]).match(lookalike) == (listed, 1.0)


def test_lookalike_folding_does_not_make_different_names_match() -> None:
    watchlist = Watchlist(["Công ty TNHH Phú Thịnh"])
    # Cyrillic letters with no Latin lookalike (De, Zhe, El) stay what they are.
    assert watchlist.match("Công ty TNHH \u0414\u04af\u0436\u0438\u043d \u041b\u0430\u0431") is None
    assert watchlist.match(_lookalike("Công ty TNHH Phú Thành", "PT")) is None
