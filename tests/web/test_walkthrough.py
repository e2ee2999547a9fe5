"""Two officers at work in a real browser against the service as it runs.

The API runs in its own process (uvicorn) on a database of this test's own; screening is done
by a real RQ worker; Debian's Chromium, headless, driven by Playwright (no browser download).
Officer A, in Vietnamese, picks the red declaration from the queue and claims it, opens each
paper, accepts the clean dossier in one click, inspects the goods, records discrepancies and
seizes them, and the trader's API view says `seized`; officer B, in English, releases a yellow
one, which is released once its duty is paid and the gate records the truck. Every Vietnamese
page on the way has no word of the service's English. With CLEARANCE_SCREENSHOTS_DIR set, the
pages are saved as PNG there.
"""

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright
from redis import Redis

from clearance import db
from clearance.auth.models import Role
from clearance.embedded import create_keys, free_port
from tests.conftest import TRADER_TAX_CODE
from tests.documents.helpers import pdf
from tests.factories import declaration
from tests.helpers import required_documents
from tests.needs import need
from tests.web.helpers import WATCHLISTED, red_declaration
from tests.web.test_vietnamese_pages import english_vocabulary, english_words

pytestmark = pytest.mark.slow
CHROMIUM = os.environ.get("CLEARANCE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the suite runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("CLEARANCE_SCREENSHOTS_DIR")
STARTUP_SECONDS = 30.0
RENDER_MS = 30_000


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def service(
    cloned_db: str, redis: Redis, redis_url: str, configure: Callable[..., None]
) -> Iterator[str]:
    """The API in a process of its own; keys and the in-process worker use the same database."""
    configure(database_url=cloned_db, redis_url=redis_url, random_red_share=0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    api = subprocess.Popen(
        [sys.executable, "-m", "clearance", "api", "--port", str(port)],
        env=dict(os.environ),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(url):
            assert api.poll() is None and time.monotonic() < deadline, "the API did not start"
            time.sleep(0.05)
        yield url
    finally:
        os.killpg(api.pid, signal.SIGTERM)
        api.wait(timeout=15)
        db.get_engine().dispose()


def _cjk_font() -> bool:
    """A font with Chinese glyphs: the Yunnan parties' names are shown, not drawn as boxes."""
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return bool(listed.stdout.strip())


@pytest.fixture
def cjk_font() -> None:
    need(_cjk_font(), "a CJK font for the parties' Chinese names", "apt-get install fonts-noto-cjk")


@pytest.fixture
def browser() -> Iterator[Browser]:
    need(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}", "apt-get install chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


def _lodge(http: httpx.Client, key: str, body: dict[str, Any]) -> str:
    """Lodge as the trader's system does, with every document the goods need."""
    headers = {"Authorization": f"Bearer {key}"}
    lodged = http.post("/v1/declarations", json=body, headers=headers)
    assert lodged.status_code == 202, lodged.text
    for fields in required_documents(body):
        uploaded = http.post(
            f"{lodged.headers['Location']}/documents",
            files={"file": ("scan.pdf", pdf(), "application/pdf")},
            data={"fields": json.dumps(fields)},
            headers=headers,
        )
        assert uploaded.status_code == 201, uploaded.text
    return str(lodged.json()["id"])


def _state(http: httpx.Client, key: str, declaration_id: str) -> tuple[str, str | None]:
    found = http.get(
        f"/v1/declarations/{declaration_id}", headers={"Authorization": f"Bearer {key}"}
    )
    assert found.status_code == 200, found.text
    return found.json()["state"], found.json()["channel"]


def _ucr(http: httpx.Client, key: str, declaration_id: str) -> str:
    found = http.get(
        f"/v1/declarations/{declaration_id}", headers={"Authorization": f"Bearer {key}"}
    )
    return str(found.json()["ucr"])


def _screenshot(page: Page, name: str) -> None:
    """The whole page as a PNG of 256 colours: a third of the size, as legible. A Vietnamese
    page is first read for English words: there must be none."""
    if page.locator("html").get_attribute("lang") == "vi":
        assert english_words(page.content(), english_vocabulary()) == [], name
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        image = Image.open(io.BytesIO(page.screenshot(full_page=True)))
        image.quantize(colors=256).save(Path(SCREENSHOTS) / f"{name}.png", optimize=True)


def _sign_in(
    browser: Browser, url: str, key: str, errors: list[str], *, screenshot: bool = False
) -> Page:
    """A fresh browser profile signed in with the key; script errors and CSP refusals noted."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/officer/")
    if screenshot:
        _screenshot(page, "sign-in")
    page.fill("#api_key", key)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{url}/officer/queue")
    return page


def _claim_next(page: Page, url: str, expected_id: str) -> None:
    page.click("#claim-next")
    expect(page).to_have_url(f"{url}/officer/declarations/{expected_id}?notice=claimed")


def _lodge_red_and_yellow(
    http: httpx.Client, keys: dict[Role, str], work: Callable[[], int]
) -> tuple[str, str]:
    """A red one (watchlisted counterparty) screened first, so it is due first; a yellow one."""
    supervisor = {"Authorization": f"Bearer {keys[Role.supervisor]}"}
    listed = http.post("/v1/risk/watchlist", json=WATCHLISTED, headers=supervisor)
    assert listed.status_code == 201, listed.text
    red_body = red_declaration()
    red_body["lines"][0]["description"] = "Phân urê, bao 50 kg"  # what a trader here writes
    red = _lodge(http, keys[Role.trader], red_body)
    assert work() >= 1
    yellow = _lodge(http, keys[Role.trader], declaration())  # a new trader: yellow
    assert work() >= 1
    assert _state(http, keys[Role.trader], red) == ("assessed", "red")
    assert _state(http, keys[Role.trader], yellow) == ("assessed", "yellow")
    return red, yellow


def _accept_every_document(page: Page) -> None:
    for verdict in page.locator("#document-check-form input[value=accepted]").all():
        verdict.check()


def _claim_chosen(page: Page, url: str, ucr: str, declaration_id: str) -> None:
    """Claim the row of the queue the officer picked, not the most urgent one."""
    page.locator(f"#lane-document_check tr[data-ucr='{ucr}'] button.claim").click()
    expect(page).to_have_url(f"{url}/officer/declarations/{declaration_id}?notice=claimed")
    expect(page.locator(".notice")).to_have_text("Đã nhận hồ sơ.")


def _open_each_paper(page: Page) -> None:
    """Every paper of the dossier opens in place, its PDF shown beside what was declared."""
    papers = page.locator("details.paper")
    assert papers.count() >= 3
    for paper in papers.all():
        if paper.get_attribute("open") is None:
            paper.locator("summary").click()
        expect(paper.locator("iframe")).to_be_visible()
        expect(paper.locator(".paper-fields")).to_be_visible()


def _check_and_send_to_inspection(page: Page) -> None:
    """Officer A, on the red one: each paper read, the clean dossier accepted at once, then on
    to the goods."""
    expect(page.locator("#risk")).to_contain_text("R-WATCHLIST")
    expect(page.locator("#risk")).to_contain_text("trùng với")  # the reason, in Vietnamese
    _open_each_paper(page)
    _screenshot(page, "declaration")
    page.click("#accept-all")
    expect(page.locator(".notice")).to_have_text("Đã ghi nhận kết quả kiểm tra hồ sơ.")
    page.check("input[name=decision][value=inspect]")
    page.click("#submit-decision")
    expect(page.locator("#state")).to_have_attribute("data-state", "inspection")


def _inspect_and_seize(page: Page) -> None:
    """At the goods: a count and a weight that disagree with the declaration; seized."""
    page.fill("input[name=seal_numbers]", "CN-88121, CN-88122")
    page.fill("input[name=packages_counted]", "412")
    page.fill("input[name=weight_kg]", "21050")
    page.click("#inspection-form >> text=Thêm phát hiện")  # htmx fetches a second row
    expect(page.locator("#discrepancy-rows tr.finding")).to_have_count(2)
    rows = page.locator("#discrepancy-rows tr.finding")
    rows.nth(0).locator("select").select_option("quantity")
    rows.nth(0).locator("input[name=discrepancy_line]").fill("1")
    rows.nth(0).locator("input[name=discrepancy_detail]").fill("đếm được 412 bao, khai 400")
    rows.nth(1).locator("select").select_option("weight")
    rows.nth(1).locator("input[name=discrepancy_detail]").fill("cân tại cửa khẩu 21.050 kg")
    _screenshot(page, "inspection")
    page.click("#submit-inspection")
    expect(page.locator("#review-records")).to_contain_text("đếm được 412 bao, khai 400")
    page.check("input[name=decision][value=seize]")
    page.check("input[name=fraud_found]")
    page.fill(
        "#decision-form textarea[name=reason]",
        "Bên gửi hàng trong danh sách theo dõi; thừa 12 bao không khai báo",
    )
    page.click("#submit-decision")
    expect(page.locator("#state")).to_have_attribute("data-state", "seized")
    expect(page.locator(".case")).to_contain_text("SC-")
    _screenshot(page, "seized")


def _check_and_release_in_english(page: Page, url: str, declaration_id: str) -> None:
    page.click("a[href='?lang=en']")
    expect(page.locator("h1")).to_have_text("My queue")
    _claim_next(page, url, declaration_id)
    _accept_every_document(page)
    page.click("#submit-check")
    expect(page.locator(".notice")).to_have_text("Document check recorded.")
    page.check("input[name=decision][value=release]")
    page.fill("#decision-form textarea[name=reason]", "Papers in order")
    page.click("#submit-decision")
    expect(page.locator("#state")).to_have_attribute("data-state", "decided")


def _pay(http: httpx.Client, key: str, declaration_id: str) -> None:
    """The bank's notice that what the declaration owes is paid."""
    headers = {"Authorization": f"Bearer {key}"}
    owed = http.get(f"/v1/declarations/{declaration_id}/duties", headers=headers)
    assert owed.status_code == 200, owed.text
    notice = {
        "bank_reference": f"VCB-E2E-{declaration_id[:8]}",
        "declaration_id": declaration_id,
        "amount_vnd": owed.json()["outstanding_vnd"],
        "paid_at": datetime.now(UTC).isoformat(),
    }
    paid = http.post("/v1/payments/notifications", json=notice, headers=headers)
    assert paid.status_code == 201, paid.text


def _arrive(http: httpx.Client, key: str, declaration_id: str, kg: str) -> None:
    arrived = http.post(
        f"/v1/declarations/{declaration_id}/arrival",
        json={"weighbridge_kg": kg},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert arrived.status_code == 200, arrived.text


def test_two_officers_seize_a_red_one_and_release_a_yellow_one_in_the_browser(
    cjk_font: None, service: str, browser: Browser, work: Callable[[], int]
) -> None:
    roles: dict[Role, str | None] = {Role.trader: TRADER_TAX_CODE, Role.supervisor: None}
    keys = create_keys({**roles, Role.gate: None, Role.bank: None}, "e2e")
    officer_a, officer_b = (create_keys({Role.officer: None}, n)[Role.officer] for n in "AB")
    errors: list[str] = []
    with httpx.Client(base_url=service, timeout=10) as http:
        red, yellow = _lodge_red_and_yellow(http, keys, work)
        _arrive(http, keys[Role.gate], red, "21050")  # the red truck waits at the gate
        red_ucr = _ucr(http, keys[Role.trader], red)

        # Officer A, in Vietnamese (the default), picks the red one from the queue.
        page = _sign_in(browser, service, officer_a, errors, screenshot=True)
        expect(page.locator("#lane-document_check tr[data-ucr]")).to_have_count(2)
        _screenshot(page, "queue")
        _claim_chosen(page, service, red_ucr, red)

        # The supervisor, in English, sees it held and the yellow one waiting.
        supervisor = _sign_in(browser, service, keys[Role.supervisor], errors)
        supervisor.goto(f"{service}/officer/supervisor?lang=en")
        expect(supervisor.locator("#workload tbody tr")).to_have_count(1)
        expect(supervisor.locator("#lanes tbody tr").first).to_contain_text("2")
        _screenshot(supervisor, "supervisor")

        # Documents, inspection, a discrepancy, a seizure; the trader's own view of it.
        _check_and_send_to_inspection(page)
        page.goto(f"{service}/officer/queue")
        page.select_option("select[name=lane]", "inspection")
        _claim_next(page, service, red)
        _inspect_and_seize(page)
        assert _state(http, keys[Role.trader], red) == ("seized", "red")

        # Officer B releases the yellow one; it waits for the bank and the truck, then is released.
        page = _sign_in(browser, service, officer_b, errors)
        _check_and_release_in_english(page, service, yellow)
        assert _state(http, keys[Role.trader], yellow) == ("decided", "yellow")
        _pay(http, keys[Role.bank], yellow)
        _arrive(http, keys[Role.gate], yellow, "20400")
        assert _state(http, keys[Role.trader], yellow) == ("released", "yellow")
        page.reload()
        expect(page.locator("#state")).to_have_attribute("data-state", "released")

        supervisor.reload()
        expect(supervisor.locator("#workload tbody tr")).to_have_count(2)  # decisions today
    assert errors == []  # htmx and the pages run under their content security policy


def test_the_api_docs_render_in_chromium_with_the_internet_cut_off(
    service: str, browser: Browser
) -> None:
    """A gate's network is not the internet: Swagger UI and ReDoc render from the service
    alone, with every request to another host refused."""
    outside: list[str] = []
    context = browser.new_context()

    def only_the_service(route: Any) -> None:
        if route.request.url.startswith(service):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_service)
    page = context.new_page()
    page.goto(f"{service}/docs")
    # Both render the whole OpenAPI document in the page's script first: on a busy machine
    # that takes longer than expect's default 5 s (a wait for the page, not a speed claim).
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("clearance", timeout=RENDER_MS)
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    page.goto(f"{service}/redoc")
    expect(page.locator("h1").first).to_contain_text("clearance", timeout=RENDER_MS)
    expect(page.get_by_role("menuitem", name="declarations")).to_be_visible()
    context.close()
    assert outside == []
