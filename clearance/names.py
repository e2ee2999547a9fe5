"""Fuzzy matching of party names written in Vietnamese, Chinese or English against a watchlist."""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from confusable_homoglyphs import confusables
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

# Midway between the closest different parties (0.89) and the farthest typos (0.93) labelled in
# tests/risk/test_names.py.
MATCH_THRESHOLD = 0.91

# Longest first: removing 公司 before 有限公司 would leave 有限 behind.
HANZI_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "分公司",
    "总公司",
    "公司",
    "集团",
)

# Legal forms as normalized token sequences. Trade words (thương mại, 贸易) are not forms and stay.
FORM_PHRASES = (
    # Vietnamese
    ("tong", "cong", "ty"),
    ("cong", "ty"),
    ("trach", "nhiem", "huu", "han"),
    ("co", "phan"),
    ("mot", "thanh", "vien"),
    ("hai", "thanh", "vien", "tro", "len"),
    ("doanh", "nghiep", "tu", "nhan"),
    ("chi", "nhanh"),
    ("tap", "doan"),
    ("hop", "tac", "xa"),
    # English
    ("joint", "stock"),
    ("one", "member"),
    # Chinese romanised by hand rather than converted from characters
    ("you", "xian", "gong", "si"),
    ("gong", "si"),
    ("youxian", "zeren", "gongsi"),
    ("gufen", "youxian", "gongsi"),
    ("youxian", "gongsi"),
    ("fen", "gongsi"),
)
FORM_TOKENS = frozenset(
    {
        *("cty", "tnhh", "cp", "ctcp", "mtv", "dntn", "htx"),
        *("ltd", "limited", "company", "llc", "inc", "incorporated", "corp", "corporation"),
        *("jsc", "liability", "group"),
        *("gongsi", "youxiangongsi", "jituan"),
    }
)
# "co" is also the Vietnamese "cơ" (cơ khí, cơ điện), so it only goes where English puts it: last.
TRAILING_FORM = "co"
# Abbreviations and English renderings of Vietnamese trade words, folded to one spelling.
SYNONYMS = {
    ("tm",): ("thuong", "mai"),
    ("trading",): ("thuong", "mai"),
    ("dv",): ("dich", "vu"),
    ("service",): ("dich", "vu"),
    ("services",): ("dich", "vu"),
    ("xnk",): ("xuat", "nhap", "khau"),
    ("import", "export"): ("xuat", "nhap", "khau"),
    ("sx",): ("san", "xuat"),
    ("production",): ("san", "xuat"),
    ("xd",): ("xay", "dung"),
    ("construction",): ("xay", "dung"),
    ("dt",): ("dau", "tu"),
    ("investment",): ("dau", "tu"),
    ("transport",): ("van", "tai"),
    ("international",): ("quoc", "te"),
    ("trade",): ("thuong", "mai"),
    ("va",): (),
    ("and",): (),
}
# Trade words many unrelated parties carry; shared ones are set aside so the distinctive part
# decides ("Thương mại Dịch vụ Phú Thịnh" and "Thương mại Dịch vụ Phú Thành" are not one party).
TRADE_WORDS = (
    *("thuong mai", "dich vu", "xuat nhap khau", "san xuat", "xay dung", "dau tu", "van tai"),
    *("quoc te", "logistics", "bian mao", "mao yi", "shang mao", "jing mao", "jin chu kou"),
    *("wu liu", "guo ji"),
)
HANZI_TRADE_WORDS = ("进出口", "边贸", "贸易", "商贸", "经贸", "物流", "国际")
# Rewrites by first token, longest phrase first; the scan runs left to right once, so a
# replacement is never rewritten again.
_REWRITES: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
for _phrase, _replacement in sorted(
    [(phrase, ()) for phrase in FORM_PHRASES] + list(SYNONYMS.items()),
    key=lambda item: -len(item[0]),
):
    _REWRITES.setdefault(_phrase[0], []).append((_phrase, _replacement))
HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
NOT_WORD = re.compile(r"[\W_]+")
# A name held whole in another matches only if it has this many characters or words.
MIN_HANZI_CONTAINED = 2
MIN_TOKENS_CONTAINED = 2


def _strip_marks(text: str) -> str:
    """Text without combining marks, after canonical decomposition."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _latin_skeleton(text: str) -> str:
    """Text with each non-Latin letter that looks like a Latin one written as that Latin letter.

    Unicode's confusables (UTS #39, the data behind its skeletons) say which: "Phu" written
    with a Cyrillic Er for its P reads "Phu" here, so a lookalike of a listed name is compared
    as the name it imitates. Latin letters stay as they are (UTS #39 would write an I as an l):
    the fuzzy score already weighs their typos.
    """
    if text.isascii():
        return text
    found = confusables.is_confusable(text, greedy=True, preferred_aliases=["latin"]) or []
    prototypes = {}
    for hit in found:
        latin = [h["c"] for h in hit["homoglyphs"] if h["c"].isascii() and h["c"].isalpha()]
        if latin:
            prototypes[hit["character"]] = min(latin)
    return "".join(prototypes.get(char, char) for char in text)


def _rewrite(tokens: list[str]) -> list[str]:
    """Tokens with legal forms dropped and synonyms folded, scanning left to right once."""
    result: list[str] = []
    index = 0
    while index < len(tokens):
        for phrase, replacement in _REWRITES.get(tokens[index], ()):
            if tuple(tokens[index : index + len(phrase)]) == phrase:
                result.extend(replacement)
                index += len(phrase)
                break
        else:
            if tokens[index] not in FORM_TOKENS:
                result.append(tokens[index])
            index += 1
    while result and result[-1] == TRAILING_FORM:
        result.pop()
    return result


def _folded(name: str) -> str:
    """Name in compatibility form (full width folded) with Chinese legal forms removed."""
    text = unicodedata.normalize("NFKC", name)
    for form in HANZI_FORMS:
        text = text.replace(form, " ")
    return text


def _tokens(text: str) -> str:
    """Folded text as space-joined ASCII tokens, Hanzi as toneless pinyin, legal forms removed."""
    if HANZI.search(text):
        text = " ".join(lazy_pinyin(text, v_to_u=True))
    text = _latin_skeleton(_strip_marks(text.replace("đ", "d").replace("Đ", "d"))).casefold()
    return " ".join(_rewrite(NOT_WORD.sub(" ", text).split()))


def normalize_name(name: str) -> str:
    """Name as lower-case ASCII tokens, Hanzi as toneless pinyin, legal forms removed."""
    return _tokens(_folded(name))


@dataclass(frozen=True)
class _NameKey:
    """A name prepared once for comparison."""

    tokens: str
    hanzi: str
    trade_words: frozenset[str]
    hanzi_trade_words: frozenset[str]


@lru_cache(maxsize=8192)
def _key(name: str) -> _NameKey:
    """A raw name prepared for comparison, cached since watchlists repeat."""
    folded = _folded(name)
    tokens = _tokens(folded)
    hanzi = "".join(HANZI.findall(folded))
    return _NameKey(
        tokens=tokens,
        hanzi=hanzi,
        trade_words=frozenset(word for word in TRADE_WORDS if f" {word} " in f" {tokens} "),
        hanzi_trade_words=frozenset(word for word in HANZI_TRADE_WORDS if word in hanzi),
    )


def _drop_words(tokens: str, words: frozenset[str]) -> str:
    """Tokens without the given words."""
    padded = f" {tokens} "
    for word in words:
        padded = padded.replace(f" {word} ", " ")
    return padded.strip()


def _drop_hanzi_words(hanzi: str, words: frozenset[str]) -> str:
    """Characters without the given words."""
    for word in words:
        hanzi = hanzi.replace(word, "")
    return hanzi


def _hanzi_similarity(a: str, b: str) -> float:
    """Similarity of two names by their characters; one held whole in the other is a match."""
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= MIN_HANZI_CONTAINED and shorter in longer:
        return 1.0
    return fuzz.ratio(a, b) / 100


def _token_similarity(a: str, b: str) -> float:
    """Similarity of two normalized names by their tokens and by their letters."""
    # Joined letters cover romanisations that split syllables differently: jinshuihe, jin shui he.
    joined = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
    # token_set_ratio scores a name held whole in the other as 1.0 (branches, extra words), which
    # one word ("an", "vietnam") is too little evidence for.
    if min(len(set(a.split())), len(set(b.split()))) < MIN_TOKENS_CONTAINED:
        return max(fuzz.token_sort_ratio(a, b), joined) / 100
    return max(fuzz.token_set_ratio(a, b), joined) / 100


def _key_similarity(a: _NameKey, b: _NameKey) -> float:
    """Similarity in [0, 1] of two prepared names."""
    # Pinyin drops tones and merges homophones (华丰, 华峰): characters decide when both have them.
    if a.hanzi and b.hanzi:
        shared = a.hanzi_trade_words & b.hanzi_trade_words
        hanzi_a, hanzi_b = _drop_hanzi_words(a.hanzi, shared), _drop_hanzi_words(b.hanzi, shared)
        if hanzi_a and hanzi_b:
            return _hanzi_similarity(hanzi_a, hanzi_b)
        return _hanzi_similarity(a.hanzi, b.hanzi)
    shared = a.trade_words & b.trade_words
    tokens_a, tokens_b = _drop_words(a.tokens, shared), _drop_words(b.tokens, shared)
    if tokens_a and tokens_b:
        return _token_similarity(tokens_a, tokens_b)
    if a.tokens and b.tokens:
        return _token_similarity(a.tokens, b.tokens)
    return 0.0


def name_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two raw party names."""
    return _key_similarity(_key(a), _key(b))


ANSWERS_KEPT = 65_536


class Watchlist:
    """Listed party names, prepared once and matched against many names."""

    def __init__(self, names: Iterable[str]) -> None:
        self._entries = [(name, _key(name)) for name in names]
        # Traders and their counterparties come back day after day: remember the answers.
        self._answers: dict[str, tuple[str, float] | None] = {}

    def match(self, name: str) -> tuple[str, float] | None:
        """The best listed name at or above MATCH_THRESHOLD with its score, else None."""
        if name not in self._answers:
            if len(self._answers) >= ANSWERS_KEPT:
                self._answers.clear()
            self._answers[name] = self._match(name)
        return self._answers[name]

    def _match(self, name: str) -> tuple[str, float] | None:
        query = _key(name)
        best: tuple[str, float] | None = None
        best_rank = (0.0, 0.0)
        for listed, key in self._entries:
            score = _key_similarity(query, key)
            if score < MATCH_THRESHOLD:
                continue
            # Containment scores 1.0 for many names; the closest spelling wins the tie.
            rank = (score, fuzz.ratio(query.tokens, key.tokens))
            if best is None or rank > best_rank:
                best, best_rank = (listed, score), rank
        return best


def best_match(name: str, candidates: Iterable[str]) -> tuple[str, float] | None:
    """The highest-scoring candidate at or above MATCH_THRESHOLD with its score, else None."""
    return Watchlist(candidates).match(name)
