"""Every page an officer reads in Vietnamese, rendered with real work on it, has no English left.

The English a page could show is the service's own English: every English label and message
template, and the English prose of the reference data. A word of it on a Vietnamese page is a
text someone forgot to give a code. What people typed and what traders declared is theirs and
stays as written (the test data is Vietnamese); so do identifiers (rule ids, HS codes, UCRs).
"""

import csv
import html
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from clearance.catalogue import TEMPLATES
from clearance.documents.requirements import DATA_FILE as REQUIRED_DOCUMENTS
from clearance.web import i18n
from tests.conftest import auth
from tests.factories import UREA_LINE, declaration
from tests.helpers import arrive, lodge, read
from tests.web.helpers import WATCHLISTED, claim, post_form, sign_in, verdicts

REFERENCE_DATA = Path(i18n.__file__).parents[1] / "reference" / "data"
WORD = re.compile(r"[A-Za-z][a-z]{2,}")
PLACEHOLDER = re.compile(r"\{[^}]*\}")
# Function words of English that no label need contain to give itself away.
FUNCTION_WORDS = {"the", "and", "of", "for", "is", "to", "not", "with", "by", "from", "its", "off"}
# Words English and Vietnamese pages share: names, units, codes said as words.
SHARED = {"Ma", "Thàng", "Form", "Schedule", "Appendix"}


def _words(text: str) -> set[str]:
    return set(WORD.findall(PLACEHOLDER.sub(" ", text)))


def english_vocabulary() -> set[str]:
    """Every word the service could say in English, less the words its Vietnamese also uses."""
    english = " ".join([*i18n.LABELS["en"].values(), *TEMPLATES["en"].values()])
    vietnamese = " ".join([*i18n.LABELS["vi"].values(), *TEMPLATES["vi"].values()])
    for path, column in (
        (REQUIRED_DOCUMENTS, "reason"),
        (REFERENCE_DATA / "prohibited.csv", "reason"),
        (REFERENCE_DATA / "procedure_papers.csv", "paper"),
    ):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        english += " " + " ".join(row[column] for row in rows)
        vietnamese += " " + " ".join(row[f"{column}_vi"] for row in rows)
    own = {w.lower() for w in _words(english)} | FUNCTION_WORDS
    shared = {w.lower() for w in _words(vietnamese) | SHARED}
    return own - shared


class _VisibleText(HTMLParser):
    """The text a reader sees (and the titles and alt texts read out), outside any element
    marked as another language (`lang="en"`), not shown (script, style) or computer code
    (`<code>`: rule ids, setting names as the API spells them)."""

    HIDDEN = {"script", "style", "template", "code"}
    VOID = {"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: whether its text is skipped
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        skipped = (bool(self.stack) and self.stack[-1]) or tag in self.HIDDEN
        skipped = skipped or (named.get("lang") not in (None, "vi") and tag != "html")
        if not skipped:
            self.texts += [v for k, v in attrs if k in ("title", "alt", "aria-label") and v]
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.texts.append(data)


def english_words(page: str, vocabulary: set[str]) -> list[str]:
    parser = _VisibleText()
    parser.feed(page)
    text = html.unescape(" ".join(parser.texts))
    return sorted({w for w in _words(text) if w.lower() in vocabulary})


VIETNAMESE_LINE = {**UREA_LINE, "description": "Phân urê, bao 50 kg"}


def _lodge_vietnamese(client: TestClient, key: str, **overrides: Any) -> str:
    return lodge(client, key, declaration(lines=[VIETNAMESE_LINE], **overrides))


def _pages(client: TestClient, keys: dict[str, str], work: Callable[[], int]) -> Iterator[str]:
    """Sign-in, queue, a declaration in each lane with reasons and findings, supervisor, errors."""
    yield client.get("/officer/").text
    listed = client.post("/v1/risk/watchlist", json=WATCHLISTED, headers=auth(keys["supervisor"]))
    assert listed.status_code == 201, listed.text
    counterparty = {"name": WATCHLISTED["name"], "country": "CN"}
    red = _lodge_vietnamese(client, keys["trader"], counterparty=counterparty)
    yellow = _lodge_vietnamese(client, keys["trader"])
    held = _lodge_vietnamese(client, keys["trader"])
    work()
    arrive(client, keys["gate"], red, kg="26000")  # the weighbridge disagrees: more findings
    csrf = sign_in(client, keys["officer"])
    yield client.get("/officer/queue").text

    location = claim(client, csrf)  # the red one, due first
    assert location.endswith(red)
    yield client.get(location).text  # document check, with rule reasons and findings
    checked = verdicts(client.get(location).text)
    incomplete = dict(list(checked.items())[2:])  # one paper has no verdict
    yield _refused(post_form(client, f"{location}/document-check", csrf, **incomplete))
    post_form(client, f"{location}/document-check", csrf, **checked)
    yield _refused(post_form(client, f"{location}/decision", csrf, decision="release"))
    post_form(client, f"{location}/decision", csrf, decision="inspect")
    claim(client, csrf, lane="inspection")
    yield client.get(location).text  # inspection
    yield from _refused_decisions(client, location, csrf)
    seized = post_form(
        client,
        f"{location}/decision",
        csrf,
        decision="seize",
        fraud_found="on",
        reason="bên gửi hàng trong danh sách theo dõi",
        finding_code="weight",
        finding_detail="thừa 5.600 kg so với khai báo",
    )
    yield seized.text  # seized, with its case

    location = claim(client, csrf)
    fields = verdicts(client.get(location).text, invoice="tổng tiền không khớp hợp đồng")
    yield post_form(client, f"{location}/document-check", csrf, **fields).text  # held
    location = claim(client, csrf)
    post_form(client, f"{location}/document-check", csrf, **verdicts(client.get(location).text))
    yield post_form(client, f"{location}/decision", csrf, decision="release").text  # decided
    assert {read(client, keys["officer"], d)["state"] for d in (yellow, held)} == {
        "held",
        "decided",
    }

    client.cookies.clear()
    supervisor = sign_in(client, keys["supervisor"])
    yield client.get("/officer/supervisor").text
    yield client.get(f"/officer/declarations/{red}/nowhere").text
    yield client.get("/officer/declarations/00000000-0000-4000-8000-000000000000").text
    yield _refused(
        client.post(f"/officer/declarations/{red}/claim", data={"csrf_token": supervisor})
    )
    unclaimed = f"/officer/declarations/{yellow}/decision"
    yield _refused(post_form(client, unclaimed, supervisor, decision="release"))


def _refused(answer: Any) -> str:
    """An error page: refused, and saying why in Vietnamese (a test of this module reads it)."""
    assert answer.status_code >= 400 and 'class="details"' in answer.text, answer.text
    return str(answer.text)


def _refused_decisions(client: TestClient, location: str, csrf: str) -> Iterator[str]:
    """Decisions the page refuses: each error page says why, in the officer's language."""
    decision = f"{location}/decision"
    yield _refused(post_form(client, decision, csrf, decision="seize"))  # no reason
    yield _refused(post_form(client, decision, csrf, decision="hold"))  # no query
    yield _refused(post_form(client, decision, csrf, decision="seize", reason="x" * 3, version="2"))
    bad_code = {"reason": "lý do", "finding_code": "smuggling", "finding_detail": "x"}
    yield _refused(post_form(client, decision, csrf, decision="seize", **bad_code))
    yield _refused(post_form(client, decision, "wrong", decision="seize", reason="lý do"))


def test_the_vocabulary_knows_the_services_english() -> None:
    vocabulary = english_vocabulary()
    assert {"the", "declaration", "missing", "weighbridge", "invoice", "unpaid"} <= vocabulary
    assert "kg" not in vocabulary and "hs" not in vocabulary  # said the same in both


def test_a_page_with_an_english_text_fails() -> None:
    page = '<html lang="vi"><p>Lý do: arrival recorded at the gate</p><p lang="en">fine</p>'
    assert english_words(page, english_vocabulary()) == ["arrival", "gate", "recorded", "the"]


def test_every_page_in_vietnamese_has_no_english_word(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    vocabulary = english_vocabulary()
    found = {
        number: words
        for number, page in enumerate(_pages(client, keys, work))
        if (words := english_words(page, vocabulary))
    }
    assert found == {}
