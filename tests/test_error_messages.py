"""Errors speak in codes: every refusal is a message of the catalogue, rendered in the language
the request asked for, with its code and parameters beside the text."""

import ast
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

import clearance
from clearance.catalogue import TEMPLATES
from clearance.declarations.schemas import DeclarationIn
from clearance.errors import ClearanceError, InvalidInput
from clearance.messages import Message
from clearance.pydantic_errors import message
from tests.conftest import auth
from tests.factories import UREA_LINE, declaration
from tests.helpers import check_documents, lodge

SOURCES = sorted(Path(clearance.__file__).parent.rglob("*.py"))
VI = {"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}


def _trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in SOURCES:
        yield path, ast.parse(path.read_text("utf-8"))


def _error_classes() -> set[str]:
    """ClearanceError and every class that derives from it, by name, across the package."""
    names = {"ClearanceError"}
    classes = [
        node for _, tree in _trees() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
    ]
    grown = True
    while grown:
        before = len(names)
        names |= {
            c.name for c in classes for b in c.bases if ast.unparse(b).split(".")[-1] in names
        }
        grown = len(names) > before
    return names


def _a_sentence(node: ast.expr) -> bool:
    """A text built in code: a literal, an f-string, a concatenation, `str(...)`, a join or a
    format."""
    if isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp):
        return not isinstance(node, ast.Constant) or isinstance(node.value, str)
    if isinstance(node, ast.Call):
        called = ast.unparse(node.func)
        return called == "str" or called.endswith((".join", ".format"))
    return False


def test_no_error_of_the_service_is_given_a_plain_sentence() -> None:
    classes = _error_classes()
    assert {"DeclarationNotFound", "LeaseRequired", "UnsafeCallback", "CsrfFailed"} <= classes
    sentences = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = ast.unparse(node.func).split(".")[-1]
            given: list[ast.expr] = []
            if called in classes and node.args:
                given = [node.args[0]]
            elif called == "invalid_field" and len(node.args) > 1:
                given = [node.args[1]]
            elif called == "FieldError":
                given = [*node.args[1:], *(k.value for k in node.keywords if k.arg == "message")]
            sentences += [f"{path.name}:{node.lineno}" for arg in given if _a_sentence(arg)]
    assert sentences == []


def test_an_error_refuses_a_sentence_when_it_is_raised() -> None:
    with pytest.raises(TypeError):
        InvalidInput("lines.0.hs_code: unknown")  # type: ignore[arg-type]


def _sample(spec: str) -> Any:
    """A value any format spec of the catalogue accepts: a number where one is formatted."""
    if spec.endswith("d"):
        return 7
    return 0.25 if spec else "X"


@pytest.mark.parametrize("code", sorted(TEMPLATES["en"]))
def test_every_code_renders_in_both_languages_with_its_parameters(code: str) -> None:
    fields = [
        (name, spec)
        for lang in ("vi", "en")
        for _text, name, spec, _conv in string.Formatter().parse(TEMPLATES[lang][code])
        if name
    ]
    params = {name: _sample(spec or "") for name, spec in fields}
    vietnamese, english = (Message(code, params).render(lang) for lang in ("vi", "en"))
    assert vietnamese.strip() and english.strip()
    assert "{" not in vietnamese.replace("{X", "") and "{" not in english.replace("{X", "")


def test_every_error_class_has_a_title_in_both_languages() -> None:
    titles = {cls.title.code for cls in _subclasses(ClearanceError)}
    assert "title.unsupported_media_type" in titles
    assert titles <= set(TEMPLATES["vi"]) and titles <= set(TEMPLATES["en"])


def _subclasses(cls: type[ClearanceError]) -> Iterator[type[ClearanceError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# Bodies that break the declaration schema in the ways clients do, one pydantic type each.
BROKEN: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("missing", lambda b: b.pop("kind")),
    ("extra_forbidden", lambda b: b.update(note="x")),
    ("literal_or_enum", lambda b: b.update(kind="smuggle")),
    ("string_pattern_mismatch", lambda b: b.update(gate="mlt")),
    ("string_too_long", lambda b: b["truck"].update(driver="x" * 500)),
    ("less_than_equal", lambda b: b["lines"][0].update(gross_kg="9999999999")),
    ("greater_than", lambda b: b["lines"][0].update(quantity="0")),
    ("decimal_parsing", lambda b: b["lines"][0].update(customs_value="lots")),
    ("decimal_max_places", lambda b: b["lines"][0].update(customs_value="1.001")),
    ("too_short", lambda b: b.update(lines=[])),
    ("list_type", lambda b: b.update(lines={})),
    ("date_from_datetime_parsing", lambda b: b["documents"][0].update(issued_on="20 Nov")),
    ("string_type", lambda b: b.update(ucr=12)),
    ("model_type", lambda b: b.update(truck="25C")),
    ("net_over_gross", lambda b: b["lines"][0].update(net_kg="30000")),
    ("control_characters", lambda b: b["truck"].update(driver="Lò\u202eVăn")),
]


@pytest.mark.parametrize(("kind", "breaks"), BROKEN, ids=[kind for kind, _ in BROKEN])
def test_pydantic_errors_have_a_code_of_the_catalogue_and_read_in_vietnamese(
    kind: str, breaks: Callable[[dict[str, Any]], None]
) -> None:
    body = declaration()
    breaks(body)
    with pytest.raises(ValidationError) as refused:
        DeclarationIn.model_validate(body)

    said = [message(e) for e in refused.value.errors()]
    assert [m.code for m in said if m.code == "input.other"] == []
    for m in said:
        assert m.render("vi") != m.render("en")
        assert "should" not in m.render("vi") and "Input" not in m.render("vi")


def test_an_unknown_hs_code_is_refused_in_the_language_asked(
    client: TestClient, keys: dict[str, str]
) -> None:
    body = declaration(lines=[{**UREA_LINE, "hs_code": "31029990"}])

    english = client.post("/v1/declarations", json=body, headers=auth(keys["trader"])).json()
    vietnamese = client.post("/v1/declarations", json=body, headers={**auth(keys["trader"]), **VI})
    problem = vietnamese.json()

    assert (vietnamese.status_code, problem["code"]) == (422, "invalid_input")
    assert problem["type"].endswith("/invalid_input") and problem["status"] == 422
    assert english["title"] == "Invalid input" and problem["title"] == "Dữ liệu nhập không hợp lệ"
    assert english["detail"].startswith("lines.0.hs_code: HS 31029990 is not a line")
    assert problem["detail"].startswith("lines.0.hs_code: mã HS 31029990 không phải một dòng")
    [error] = problem["errors"]
    assert (error["field"], error["code"]) == ("lines.0.hs_code", "field.hs_closest")
    assert error["params"]["why"] == {
        "code": "field.hs_not_line",
        "params": {"hs_code": "31029990"},
    }
    assert all(line.startswith("3102") for line in error["params"]["closest"])
    assert problem["message"] == {
        "code": "error.field",
        "params": {
            "field": "lines.0.hs_code",
            "message": {"code": error["code"], "params": error["params"]},
        },
    }


def test_a_missing_field_is_named_and_said_in_vietnamese(
    client: TestClient, keys: dict[str, str]
) -> None:
    body = declaration()
    del body["truck"]

    problem = client.post("/v1/declarations", json=body, headers={**auth(keys["trader"]), **VI})

    assert problem.status_code == 422
    [error] = problem.json()["errors"]
    assert error == {
        "field": "truck",
        "message": "bắt buộc phải có",
        "code": "input.missing",
        "params": {},
    }
    assert problem.json()["detail"] == "truck: bắt buộc phải có"
    english = client.post("/v1/declarations", json=body, headers=auth(keys["trader"])).json()
    assert english["errors"][0]["message"] == "Field required"  # pydantic's own words


def test_lease_required_and_not_found_in_both_languages(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()

    refused = check_documents(client, keys["officer"], declaration_id)
    how = f"POST /v1/review/items/{declaration_id}/claim"
    assert (refused.status_code, refused.json()["detail"]) == (
        409,
        f"claim this declaration first: {how}",
    )
    listing = client.get(
        f"/v1/declarations/{declaration_id}/documents", headers=auth(keys["officer"])
    )
    verdicts = [
        {"document_id": d["id"], "verdict": "accepted"} for d in listing.json()["documents"]
    ]
    in_vietnamese = client.post(
        f"/v1/review/items/{declaration_id}/document-check",
        json={"version": 1, "documents": verdicts},
        headers={**auth(keys["officer"]), **VI},
    ).json()
    assert in_vietnamese["code"] == "lease_required" and in_vietnamese["title"] == "Xung đột"
    assert in_vietnamese["detail"] == f"Hãy nhận tờ khai này trước: {how}"
    assert in_vietnamese["message"] == {"code": "error.lease_required", "params": {"how": how}}

    missing = "00000000-0000-4000-8000-000000000000"
    gone = client.get(f"/v1/declarations/{missing}", headers={**auth(keys["officer"]), **VI})
    assert (gone.status_code, gone.json()["code"]) == (404, "declaration_not_found")
    assert gone.json()["title"] == "Không tìm thấy"
    assert gone.json()["detail"] == f"Không có tờ khai {missing}"
    english = client.get(f"/v1/declarations/{missing}", headers=auth(keys["officer"])).json()
    assert (english["title"], english["detail"]) == ("Not found", f"no declaration {missing}")


def test_the_problem_schema_documents_the_code_and_parameters(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    assert {"message", "detail", "title", "code", "errors"} <= set(schemas["Problem"]["properties"])
    assert {"field", "message", "code", "params"} <= set(schemas["ProblemField"]["properties"])
    assert {"code", "params"} <= set(schemas["MessageRef"]["properties"])


def test_a_route_that_does_not_exist_is_a_problem_in_the_language_asked(client: TestClient) -> None:
    answer = client.get("/v1/nowhere", headers=VI)

    assert (answer.status_code, answer.json()["code"]) == (404, "http_404")
    assert answer.json()["title"] == answer.json()["detail"] == "Không tìm thấy"
    assert client.get("/v1/nowhere").json()["detail"] == "Not Found"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/v1/declarations?limit=many", "input.int_parsing"),
        ("/v1/declarations?limit=0", "input.greater_than_equal"),
        ("/v1/declarations?limit=201", "input.less_than_equal"),
        ("/v1/declarations?from=yesterday", "input.datetime_from_date_parsing"),
        ("/v1/declarations?from=2026-12-01T08:00", "input.timezone_aware"),
        ("/v1/declarations?from=1999-12-01T08:00Z", "field.years_between"),
        ("/v1/declarations/not-an-id", "input.uuid_parsing"),
    ],
)
def test_query_and_path_errors_read_in_vietnamese(
    client: TestClient, keys: dict[str, str], path: str, code: str
) -> None:
    answer = client.get(path, headers={**auth(keys["officer"]), **VI})

    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["code"] == code
    english = client.get(path, headers=auth(keys["officer"])).json()["errors"][0]["message"]
    assert error["message"] != english and "should" not in error["message"]
