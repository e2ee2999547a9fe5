"""Vietnamese by default, English on request; every label in both languages."""

import re
import string
import typing
from enum import StrEnum

import pytest
from fastapi.testclient import TestClient

from clearance.declarations.models import Channel, DecisionKind, Kind, State
from clearance.documents.checks import BLOCKING
from clearance.documents.models import DocumentKind
from clearance.documents.schemas import COMMON_FIELDS, DocumentFieldsIn
from clearance.reports.service import CHANNELS
from clearance.review.schemas import Lane, Verdict
from clearance.risk.rules import RULES
from clearance.web import i18n
from clearance.web import session as tokens
from clearance.web.pages import FINDING_CODES
from clearance.web.review import NOTICES
from clearance.web.templating import TEMPLATES_DIR
from tests.web.helpers import sign_in

LITERAL_LABEL = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")
# `t("state." ~ item.state.value)`: a label chosen by a value, under a prefix.
PREFIX_LABEL = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)\.["']\s*~""")
ENUM_PREFIXES: dict[str, type[StrEnum]] = {
    "state": State,
    "lane": Lane,
    "channel": Channel,
    "decision": DecisionKind,
    "kind": Kind,
    "doc": DocumentKind,
}


def _placeholders(label: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(label) if name}


def test_both_languages_have_every_label_with_the_same_placeholders() -> None:
    vi, en = i18n.LABELS["vi"], i18n.LABELS["en"]
    assert set(vi) == set(en)
    assert all(vi[key].strip() and en[key].strip() for key in vi)
    differ = [key for key in vi if _placeholders(vi[key]) != _placeholders(en[key])]
    # Pydantic's English fragments (a parse error's `{error}`) have no Vietnamese: left out there.
    english_only = [key for key in differ if _placeholders(vi[key]) < _placeholders(en[key])]
    assert all(key.startswith("input.") or key == "field.body_unparsed" for key in english_only)
    # And reference data's own prose: `{vi}` or `{en}`.
    assert sorted(set(differ) - set(english_only)) == ["bilingual"]


def test_every_label_a_template_names_exists() -> None:
    named = {key for text in _templates() for key in LITERAL_LABEL.findall(text)}
    assert named
    assert sorted(named - set(i18n.LABELS["en"])) == []


def _templates() -> list[str]:
    return [template.read_text(encoding="utf-8") for template in TEMPLATES_DIR.glob("*.html")]


def test_every_prefix_a_template_labels_values_under_is_checked_here() -> None:
    prefixes = {prefix for text in _templates() for prefix in PREFIX_LABEL.findall(text)}
    assert prefixes
    known = {*ENUM_PREFIXES, "field", "finding", "notice", "verdict", "severity", "rule"}
    assert sorted(prefixes - known - {"case_status"}) == []


def test_every_rule_severity_and_case_status_a_page_shows_has_a_label() -> None:
    labels = i18n.LABELS["vi"]
    assert [r for r in RULES if f"rule.{r}" not in labels] == []
    assert [
        s for s in ("info", "warning", "critical", BLOCKING) if f"severity.{s}" not in labels
    ] == []
    assert "case_status.open" in labels


def test_every_field_a_trader_declares_for_a_paper_has_a_label() -> None:
    models = typing.get_args(typing.get_args(DocumentFieldsIn)[0])
    names = {name for model in models for name in model.model_fields} - COMMON_FIELDS
    assert {"seller", "origin_criterion", "holder_tax_code"} <= names
    assert sorted(n for n in names if f"field.{n}" not in i18n.LABELS["vi"]) == []


def test_every_notice_a_page_may_show_has_a_label() -> None:
    assert [n for n in NOTICES if f"notice.{n}" not in i18n.LABELS["en"]] == []


def test_every_verdict_has_a_label() -> None:
    assert [v for v in Verdict if f"verdict.{v.value}" not in i18n.LABELS["vi"]] == []


@pytest.mark.parametrize("prefix", list(ENUM_PREFIXES))
def test_every_enum_value_a_page_shows_has_a_label(prefix: str) -> None:
    values = [member.value for member in ENUM_PREFIXES[prefix]]
    if prefix == "channel":
        values += list(CHANNELS)
    assert [v for v in values if f"{prefix}.{v}" not in i18n.LABELS["en"]] == []


def test_every_finding_code_has_a_label() -> None:
    assert [c for c in FINDING_CODES if f"finding.{c}" not in i18n.LABELS["vi"]] == []


def test_pages_are_in_vietnamese_unless_english_is_asked_for(
    client: TestClient, keys: dict[str, str]
) -> None:
    sign_in(client, keys["officer"])

    default = client.get("/officer/queue")
    english = client.get("/officer/queue?lang=en")
    remembered = client.get("/officer/queue")
    ignored = client.get("/officer/queue?lang=fr")
    back = client.get("/officer/queue?lang=vi")

    assert '<html lang="vi">' in default.text and "Hàng đợi của tôi" in default.text
    assert '<html lang="en">' in english.text and "My queue" in english.text
    cookie = english.headers["set-cookie"]
    assert cookie.startswith(f"{tokens.LANGUAGE_COOKIE}=en") and "Path=/officer" in cookie
    assert "My queue" in remembered.text  # the choice is kept in a cookie
    assert "My queue" in ignored.text  # an unknown language changes nothing
    assert "Hàng đợi của tôi" in back.text


def test_the_sign_in_page_and_errors_follow_the_language_too(client: TestClient) -> None:
    assert "Enter the API key issued to you" in client.get("/officer/?lang=en").text
    assert "Not found (404)" in client.get("/officer/nowhere").text
