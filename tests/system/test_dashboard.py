"""The privacy dashboard in Debian's Chromium (Playwright) against a real `gumd run` seeded by `gumd replay`.

The daemon captures on the test X server and serves the dashboard on a free loopback port; its
propositions come from the packaged model over replayed screenshots. Screenshots of every view, wide
and narrow, go to the test's tmp dir and to /tmp/dashboard-shots/.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from gumd.client import ApiError
from tests.support.daemon import gumd_run
from tests.support.dashboard import CHROMIUM_ARGS, NARROW, WIDE, chromium, log_in, login_link, open_view
from tests.support.environment import GUMD, wait_for
from tests.support.replay_session import make_session

pytestmark = pytest.mark.slow
SHOTS = Path("/tmp/dashboard-shots")
MARKER = "Quokkafield"  # a word only the edited proposition holds


@pytest.fixture(scope="module")
def daemon(tmp_path_factory, model_path, xserver):
    tmp = tmp_path_factory.mktemp("dashboard")
    env = {**xserver.env, "GUMD_CONFIG": str(tmp / "none.toml")}
    make_session(tmp / "session")
    seeded = subprocess.run([*GUMD, "--data-dir", str(tmp / "data"), "replay", str(tmp / "session"),
                             "--model", str(model_path)], env=env, capture_output=True, text=True, timeout=600,
                            check=False)
    assert seeded.returncode == 0, seeded.stderr
    with gumd_run(tmp, tmp / "data", env, model_path) as running:
        assert running.client.search(limit=5), "the replay stored no proposition to review"
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shots")
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return folder


def screenshot(page, shots: Path, name: str) -> None:
    for label, size in (("wide", WIDE), ("narrow", NARROW)):
        page.set_viewport_size(size)
        path = shots / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=label == "narrow")
        shutil.copy(path, SHOTS / path.name)
    page.set_viewport_size(WIDE)


@pytest.fixture(scope="module")
def page(daemon, browser, shots):
    page = browser.new_page()
    page.on("dialog", lambda d: d.accept())
    log_in(page, daemon)
    return page


def test_dashboard_and_api_refuse_a_browser_without_login(daemon, browser):
    page = browser.new_page()
    response = page.goto(f"{daemon.base}/dashboard")
    assert response.status == 401
    assert "gumd dashboard" in page.locator("main").inner_text()
    assert page.goto(f"{daemon.base}/v1/propositions").status == 401
    assert page.goto(f"{daemon.base}/dashboard/login?code=made-up").status == 401
    assert not [c for c in browser.cookies() if c["name"] == "gumd_session"]
    page.close()


def test_a_login_link_works_once_and_gives_a_strict_httponly_cookie(daemon, browser, page):
    cookie = next(c for c in browser.cookies() if c["name"] == "gumd_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("sessionStorage.getItem('gumd.key')")  # this tab's page key
    link = login_link(daemon)
    other = browser.new_page()
    assert other.goto(link).ok
    assert other.goto(link).status == 401  # single use
    other.close()
    log_in(page, daemon)  # the second login replaced the cookie: this tab needs a session of its own again
    over_tcp = httpx.post(f"{daemon.base}/v1/dashboard/login")
    assert over_tcp.status_code == 401  # minting a link needs the socket, not a browser


def test_api_calls_without_the_page_key_are_refused(daemon, page):
    pid = daemon.client.search(limit=1)[0]["id"]
    status = page.evaluate("async (id) => (await fetch(`/v1/propositions/${id}/reject`, {method: 'POST'})).status", pid)
    assert status == 403
    assert page.evaluate("async () => (await fetch('/v1/propositions')).status") == 403
    assert daemon.client.proposition(pid)["verdict"] is None


class CookieCatcher(http.server.BaseHTTPRequestHandler):
    """A page on another loopback port, as a dev server or another local user might run: it keeps the cookies."""

    caught: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        CookieCatcher.caught.append(self.headers.get("Cookie", ""))
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><title>a dev server</title><p>hello")

    def log_message(self, *args):
        pass


def test_a_cookie_captured_on_another_loopback_port_reads_and_writes_nothing(daemon, browser, page):
    catcher = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CookieCatcher)
    threading.Thread(target=catcher.serve_forever, daemon=True).start()
    visit = browser.new_page()
    try:
        visit.goto(f"http://127.0.0.1:{catcher.server_address[1]}/")  # the user opens another local page
    finally:
        visit.close()
        catcher.shutdown()
    stolen = next(c for c in CookieCatcher.caught if "gumd_session=" in c)  # cookies ignore ports: it got it
    replay = httpx.Client(base_url=daemon.base, headers={"Cookie": stolen})
    page_html = replay.get("/dashboard")
    assert page_html.status_code == 200 and "gumd-key" not in page_html.text  # the page holds no secret
    pid = daemon.client.search(limit=1)[0]["id"]
    attempts = {
        "export": replay.get("/v1/export"),
        "search": replay.get("/v1/propositions"),
        "audit": replay.get("/v1/audit"),
        "add rule": replay.post("/v1/capture/rules", json={"kind": "app", "pattern": "firefox"}),
        "delete": replay.delete(f"/v1/propositions/{pid}"),
        "confirm": replay.post("/dashboard/confirm", json={"action": "delete"}),
    }
    assert {name: r.status_code for name, r in attempts.items()} == {name: 403 for name in attempts}
    assert daemon.client.proposition(pid)["id"] == pid
    assert not any(r["pattern"] == "firefox" for r in daemon.client.capture_rules())
    # the page itself still works: its key stayed in its own origin's sessionStorage
    open_view(page, "browse")
    assert page.locator("#results button").count() >= 1


WATCHER = r"""
import json, os, sys, threading
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
login = sys.argv[1].encode()  # the daemon's own login URL: other processes on the machine may say "code="
leaks, seen_browser, could_read = set(), False, []
while not stop.wait(0.005):
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                line = f.read()
        except OSError:
            continue
        if login in line:
            leaks.add(line.replace(b"\0", b" ").decode(errors="replace"))
        if b"open-in-chromium" in line:
            seen_browser = True
        if b"dashboard-login-" in line:
            path = next(a for a in line.split(b"\0") if b"dashboard-login-" in a).decode().removeprefix("file://")
            try:
                could_read.append(open(path).read()[:80])
            except OSError:
                pass
print(json.dumps({"leaks": sorted(leaks), "seen_browser": seen_browser, "could_read": could_read}))
"""

BROWSER = """#!{python}
# $BROWSER for `gumd dashboard`: real Chromium (Playwright drives it over a pipe, so the URL is in no argv).
import json, pathlib, sys
from playwright import sync_api
url = sys.argv[1]
with sync_api.sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args={args!r})
    page = browser.new_page()
    page.goto(url)
    page.wait_for_url("{base}/dashboard", timeout=30000)
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30000)
    result = {{"argv": sys.argv[1:], "url": page.url, "summary": page.locator("#summary").inner_text(),
              "key": bool(page.evaluate("sessionStorage.getItem('gumd.key')"))}}
    browser.close()
pathlib.Path({out!r}).write_text(json.dumps(result))
"""


def test_the_login_link_never_appears_in_any_process_command_line(daemon, tmp_path):
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    out = tmp_path / "browser.json"
    fake = tmp_path / "open-in-chromium"
    fake.write_text(BROWSER.format(python=sys.executable, args=CHROMIUM_ARGS, base=daemon.base, out=str(out)))
    fake.chmod(0o755)

    def as_nobody():
        os.setgid(65534)
        os.setuid(65534)

    watcher = subprocess.Popen(["/usr/bin/python3", "-c", WATCHER, f"{daemon.base}/dashboard/login"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=as_nobody)  # another local user, polling every 5 ms
    opened = subprocess.run([*GUMD, "--data-dir", str(daemon.data), "dashboard"], capture_output=True, text=True,
                            timeout=120, env={**daemon.env, "BROWSER": str(fake), "XDG_RUNTIME_DIR": str(runtime)})
    seen = json.loads(watcher.communicate("", timeout=30)[0])
    assert opened.returncode == 0, opened.stderr
    assert seen["seen_browser"], "the watcher never saw the browser start: it proves nothing"
    assert seen["leaks"] == [] and seen["could_read"] == []  # before: the browser's argv held the code
    assert "code=" not in opened.stdout + opened.stderr
    result = json.loads(out.read_text())
    assert result["url"] == f"{daemon.base}/dashboard" and result["key"] and "belief" in result["summary"]
    login_file = Path(result["argv"][0].removeprefix("file://"))
    assert login_file.parent == runtime / "gumd" and "code=" in login_file.read_text()
    assert stat.S_IMODE(login_file.stat().st_mode) == 0o600 and stat.S_IMODE(login_file.parent.stat().st_mode) == 0o700


def test_review_queue_confirms_with_one_key_and_shows_evidence(daemon, page, shots):
    open_view(page, "review")
    first = page.locator("#queue .card").first
    pid = int(first.get_attribute("data-id"))
    assert first.locator(".evidence pre").count() >= 1
    evidence = daemon.client.proposition(pid)["evidence"][0]
    assert evidence["app"] in first.locator(".evidence .where").first.inner_text()
    screenshot(page, shots, "review")
    first.focus()
    page.keyboard.press("c")
    wait_for(lambda: daemon.client.proposition(pid)["verdict"] == "confirmed", 10, what="the confirm to land")
    page.wait_for_selector(f"#queue .card[data-id='{pid}']", state="detached")  # it leaves the queue


def edit_in_browse(page, pid: int, at_least: str, text: str, confidence: str | None = None) -> None:
    """Find a proposition in Browse (listed at confidence `at_least` and up), open it and save `text`."""
    open_view(page, "browse")
    page.get_by_label("Confidence at least").select_option(at_least)
    page.get_by_role("button", name="Search").click()
    page.locator(f"#results button[data-id='{pid}']").click()
    page.wait_for_selector("#detail h4")
    page.locator("#detail [data-action='edit']").click()
    page.get_by_label("What gumd should believe").fill(text)
    if confidence:
        page.get_by_label("Confidence (1 to 10)").select_option(confidence)
    page.get_by_role("button", name="Save").click()


def test_an_edit_in_browse_shows_in_the_list_beside_the_detail(daemon, page):
    pid = daemon.client.search(limit=2)[-1]["id"]
    edit_in_browse(page, pid, "1", "The user reviews the Wombatfield budget on Fridays")
    page.wait_for_selector("#detail-title:text('Wombatfield')")
    listed = page.locator(f"#results button[data-id='{pid}']")
    assert "Wombatfield" in listed.inner_text()
    assert listed.get_attribute("aria-current") == "true"


def test_edit_in_browse_then_delete_leaves_no_trace_in_api_or_file(daemon, page, shots):
    pid = next(p["id"] for p in daemon.client.search(limit=50) if p["confidence"] >= 2)  # listed at "at least 2"
    edit_in_browse(page, pid, "2", f"The user pairs with Priya {MARKER} on pull request 1423", confidence="7")
    wait_for(lambda: MARKER in daemon.client.proposition(pid)["text"], 10, what="the edit to land")
    assert daemon.client.proposition(pid)["confidence"] == 7
    page.wait_for_selector(f"#detail-title:text('{MARKER}')")
    assert "Version history" in page.locator("#detail").inner_text()
    screenshot(page, shots, "browse-detail")
    page.locator("#detail [data-action='delete']").click()
    wait_for(lambda: page.locator("#detail").is_hidden(), 10, what="the detail to close")
    with pytest.raises(ApiError, match="not_found"):
        daemon.client.proposition(pid)
    assert daemon.client.search(MARKER) == []
    stored = b"".join(f.read_bytes() for f in daemon.data.glob("gumd.db*"))
    assert MARKER.encode() not in stored


def test_the_detail_view_shows_where_a_propositions_names_come_from(daemon, page, shots):
    details = [daemon.client.proposition(p["id"]) for p in daemon.client.search(limit=50)]
    grounded = [d for d in details if d.get("grounding")]
    assert grounded, "no proposition from the model carries its grounding"
    p = grounded[0]
    open_view(page, "browse")
    page.get_by_label("Confidence at least").select_option("1")
    page.get_by_role("button", name="Search").click()
    page.locator(f"#results button[data-id='{p['id']}']").click()
    page.wait_for_selector("#detail .grounding")
    shown = page.locator("#detail .grounding").inner_text()
    assert f"confidence {p['confidence']}/10" in shown and p["grounding"]["kind"] in shown
    for entity in p["grounding"]["entities"]:
        assert entity["text"] in shown and all(f"#{i}" in shown for i in entity["observation_ids"])
    screenshot(page, shots, "browse-grounding")


def test_capture_pause_and_resume_from_the_page(daemon, page, shots):
    open_view(page, "capture")
    page.get_by_role("button", name="Pause 15 min").click()
    wait_for(lambda: daemon.client.capture_state()["state"] == "paused", 10, what="capture to pause")
    page.wait_for_selector("#capture-state:text('Paused until')")
    assert "Database on disk" in page.locator("#storage").inner_text()
    screenshot(page, shots, "capture")
    page.get_by_role("button", name="Resume", exact=True).click()
    wait_for(lambda: daemon.client.capture_state()["state"] == "capturing", 10, what="capture to resume")


def test_an_exclusion_added_on_the_page_takes_effect_and_the_live_check_says_so(daemon, page):
    open_view(page, "capture")
    page.get_by_label("Kind").select_option("app")
    page.get_by_label("Pattern").fill("signal-desktop")
    page.get_by_role("button", name="Add exclusion").click()
    page.wait_for_selector("#exclusions code:text('signal-desktop')")
    assert any(r["pattern"] == "signal-desktop" for r in daemon.client.capture_rules("app"))
    assert daemon.client.would_capture("signal-desktop")["captured"] is False
    page.locator("#c-app").fill("signal-desktop")
    wait_for(lambda: "NOT be captured" in page.locator("#check-result").inner_text(), 10, what="the live check")


def test_transparency_shows_who_read_the_model_and_export_downloads(daemon, page, shots):
    open_view(page, "transparency")
    page.wait_for_selector("#audit tbody tr")
    assert "local-socket" in page.locator("#clients").inner_text()
    assert "dashboard" in page.locator("#clients").inner_text()
    assert page.locator("#prediction").inner_text().strip()
    screenshot(page, shots, "transparency")
    open_view(page, "erase")
    screenshot(page, shots, "erase")
    open_view(page, "export")
    with page.expect_download() as download:  # the page asks for a confirmation first (the dialog is accepted)
        page.get_by_role("button", name="Download export (JSON)").click()
    exported = Path(download.value.path()).read_text()
    assert '"format": "gumd-export/1"' in exported or '"format":"gumd-export/1"' in exported


def test_every_control_is_labelled_and_reachable_by_keyboard(daemon, page):
    for view in ("review", "browse", "erase", "capture", "transparency", "export"):
        open_view(page, view)
        unnamed = page.evaluate("""() => [...document.querySelectorAll(
              'section:not([hidden]) :is(input, select, textarea, button, a[href])')]
            .filter(e => e.offsetParent !== null)
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map(e => e.outerHTML.slice(0, 80))""")
        assert unnamed == [], view
    open_view(page, "review")
    open_view(page, "review")  # a fresh load, which focuses nothing: Tab starts from the page's start
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim().slice(0, 30)"))
    assert {"Review", "Browse", "Erase", "Capture", "Transparency", "Export"} <= set(reached), reached
