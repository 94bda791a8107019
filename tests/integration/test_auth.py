"""Who may use the API: real uvicorn on loopback TCP and on a unix socket, real tokens, real refusals. The daemon's
own TCP listener: tests/system/test_auth_daemon.py."""

import re
import subprocess
import time
from types import SimpleNamespace

import httpx
import pytest

from gumd.api.app import create_app
from gumd.api.audit import AuditLog
from gumd.api.server import LoopbackServer, SocketServer
from gumd.api.sessions import Sessions
from gumd.client import ApiError, Client
from gumd.privacy import CaptureControl
from gumd.store import NewProposition, Store
from gumd.store.access import TokenError
from tests.support.environment import GUMD


@pytest.fixture
def both(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    store = Store(data / "gumd.db")
    pid = store.propositions.add(NewProposition("The user keeps bees in Ghent", "hive app", 7, 8), [])
    tokens = {name: store.access.create_token(name, scope)[1] for name, scope in
              (("reader", "read"), ("writer", "write"), ("gone", "read"))}
    store.access.revoke_token("gone")
    control = CaptureControl()
    sessions = Sessions()
    app = create_app(store, dict, control, sessions=sessions)
    unix, tcp = SocketServer(app, data / "gumd.sock"), LoopbackServer(app, 0)
    unix.start()
    tcp.start()
    base = f"http://127.0.0.1:{tcp.port}"
    sessions.url = base
    yield SimpleNamespace(store=store, pid=pid, tcp=tcp, tokens=tokens, port=tcp.port, base=base,
                          sock=data / "gumd.sock", data=data,
                          http=httpx.Client(base_url=base),
                          unix=httpx.Client(transport=httpx.HTTPTransport(uds=str(data / "gumd.sock")),
                                            base_url="http://gumd"))
    tcp.stop()
    unix.stop()
    store.close()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def refused(r: httpx.Response, status: int, code: str) -> bool:
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert r.json()["message"]
    return True


def test_tcp_listens_on_loopback_only(both):
    bound = [s.getsockname()[0] for server in both.tcp._server.servers for s in server.sockets]
    assert bound == ["127.0.0.1"]


def test_tcp_needs_a_valid_live_token(both):
    assert refused(both.http.get("/v1/status"), 401, "missing_token")
    assert both.http.get("/v1/status").headers["www-authenticate"].startswith("Bearer")
    assert refused(both.http.get("/v1/status", headers=bearer("gumd_not-a-real-token")), 401, "invalid_token")
    assert refused(both.http.get("/v1/status", headers={"Authorization": "Basic dXNlcjpwdw=="}), 401, "invalid_token")
    assert refused(both.http.get("/v1/status", headers=bearer(both.tokens["gone"])), 401, "token_revoked")
    assert refused(both.http.get("/openapi.json"), 401, "missing_token")
    ok = both.http.get("/v1/propositions", params={"q": "bees"}, headers=bearer(both.tokens["reader"]))
    assert ok.status_code == 200 and [p["id"] for p in ok.json()["items"]] == [both.pid]


def test_revoking_stops_a_token_at_once(both):
    with Client.loopback(both.port, both.tokens["reader"]) as client:
        assert client.status()["propositions"] == 1
        both.store.access.revoke_token("reader")
        with pytest.raises(ApiError) as e:
            client.status()
    assert e.value.code == "token_revoked"


def test_read_token_cannot_write_and_write_token_can(both):
    read, write = bearer(both.tokens["reader"]), bearer(both.tokens["writer"])
    assert refused(both.http.post(f"/v1/propositions/{both.pid}/confirm", headers=read), 403, "insufficient_scope")
    assert refused(both.http.delete(f"/v1/propositions/{both.pid}", headers=read), 403, "insufficient_scope")
    assert refused(both.http.post("/v1/capture/pause", headers=read), 403, "insufficient_scope")
    assert refused(both.http.get("/v1/export", headers=read), 403, "insufficient_scope")
    assert refused(both.http.get("/v1/audit", headers=read), 403, "insufficient_scope")
    assert both.store.propositions.get(both.pid).verdict is None
    r = both.http.post(f"/v1/propositions/{both.pid}/confirm", headers=write)
    assert r.status_code == 200 and r.json()["verdict"] == "confirmed"
    assert both.http.get("/v1/audit", headers=write).status_code == 200


def test_foreign_host_is_refused_on_both_transports(both):
    token = bearer(both.tokens["writer"])
    for host in ("evil.example", f"evil.example:{both.port}", "127.0.0.1.nip.io", "192.168.1.20"):
        assert refused(both.http.get("/v1/status", headers=token | {"Host": host}), 421, "bad_host")
        assert refused(both.unix.get("/v1/status", headers={"Host": host}), 421, "bad_host")
    for host in ("[::1].evil.com", f"[::1]:{both.port}.evil.com", "[::1]evil.com", "[::1", "localhost:80:80",
                 "localhost:", "localhost:http", "localhost.", "localhost@evil.com"):
        assert refused(both.http.get("/v1/status", headers=token | {"Host": host}), 421, "bad_host"), host
    for host in (f"localhost:{both.port}", f"127.0.0.1:{both.port}", f"[::1]:{both.port}", "[::1]"):
        assert both.http.get("/v1/status", headers=token | {"Host": host}).status_code == 200
    assert both.unix.get("/v1/status", headers={"Host": "localhost"}).status_code == 200


def test_foreign_origin_and_cross_site_fetches_are_refused(both):
    token = bearer(both.tokens["writer"])
    for origin in ("https://evil.example", "null", f"http://localhost:{both.port + 1}",
                   f"https://127.0.0.1:{both.port}"):
        r = both.http.post(f"/v1/propositions/{both.pid}/reject", headers=token | {"Origin": origin})
        assert refused(r, 403, "bad_origin") and "access-control-allow-origin" not in r.headers
        assert refused(both.unix.post("/v1/capture/pause", headers={"Origin": origin}), 403, "bad_origin")
    preflight = both.http.options("/v1/status", headers={"Origin": "https://evil.example",
                                                         "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
    r = both.http.get("/v1/status", headers=token | {"Sec-Fetch-Site": "cross-site"})
    assert refused(r, 403, "cross_site")
    assert both.store.propositions.get(both.pid).status == "active"
    same = both.http.get("/v1/status", headers=token | {"Origin": both.base, "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200


def test_unix_socket_is_the_user_but_a_token_sent_there_is_checked(both):
    assert both.unix.post(f"/v1/propositions/{both.pid}/confirm").status_code == 200
    assert refused(both.unix.get("/v1/status", headers=bearer("gumd_wrong")), 401, "invalid_token")
    r = both.unix.post(f"/v1/propositions/{both.pid}/reject", headers=bearer(both.tokens["reader"]))
    assert refused(r, 403, "insufficient_scope")
    with Client(both.sock, token=both.tokens["reader"]) as client:
        assert client.search("bees")[0]["id"] == both.pid
    audit = [(e["client"], e["route"], e["status"]) for e in Client(both.sock).audit(limit=4)]
    assert audit == [
        ("reader", "/v1/propositions", 200),
        ("reader", f"/v1/propositions/{both.pid}/reject", 403),  # refused before routing: the bare path
        ("unknown-token", "/v1/status", 401),
        ("local-socket", "/v1/propositions/{prop_id}/confirm", 200),
    ]


def test_audit_moves_a_tokens_last_use(both):
    assert {t.name: t.last_used_at for t in both.store.access.list_tokens()}["writer"] is None
    before = time.time()
    both.http.get("/v1/status", headers=bearer(both.tokens["writer"]))
    Client(both.sock).audit()  # reading the log writes what is buffered
    assert {t.name: t.last_used_at for t in both.store.access.list_tokens()}["writer"] >= before


def test_token_names_and_scopes_are_checked(both):
    for name, scope in (("local-socket", "read"), ("has space", "read"), ("", "read"), ("ok", "admin")):
        with pytest.raises(TokenError):
            both.store.access.create_token(name, scope)
    with pytest.raises(TokenError, match="already active"):
        both.store.access.create_token("reader", "read")
    both.store.access.create_token("gone", "read")  # a revoked name may be issued again
    stored = both.store.database.execute("SELECT token_hash, prefix FROM api_tokens").fetchall()
    assert all(secret not in (h, p) for h, p in stored for secret in both.tokens.values())


def test_token_cli_creates_lists_and_revokes(tmp_path):
    run = lambda *a: subprocess.run([*GUMD, "--data-dir", str(tmp_path / "d"), "token", *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=60, env={"GUMD_CONFIG": "/nonexistent"})
    made = run("create", "claude-desktop", "--scope", "read")
    secret = made.stdout.strip()
    assert made.returncode == 0 and secret.startswith("gumd_") and "shown only now" in made.stderr
    listed = run("list")
    assert "claude-desktop" in listed.stdout and secret[:10] in listed.stdout and secret not in listed.stdout
    assert "last used never" in listed.stdout and "active" in listed.stdout
    assert run("create", "claude-desktop").returncode == 2
    assert run("revoke", "claude-desktop").returncode == 0
    assert "revoked" in run("list").stdout
    again = run("revoke", "claude-desktop")
    assert again.returncode == 1 and "no active token" in again.stderr


def test_a_dashboard_cookie_replayed_without_the_page_key_reads_and_writes_nothing(both):
    link = both.unix.post("/v1/dashboard/login").json()["url"]
    login = both.http.get(link.removeprefix(both.base))
    assert login.status_code == 200
    key = re.search(r'name="gumd-key" content="([^"]+)"', login.text)[1]
    stolen = {"Cookie": f"gumd_session={login.cookies['gumd_session']}"}  # what a server on another port receives
    page = both.http.get("/dashboard", headers=stolen)
    assert page.status_code == 200 and key not in page.text and "gumd-key" not in page.text
    assert refused(both.http.get("/v1/export", headers=stolen), 403, "session_key")
    assert refused(both.http.get("/v1/propositions", headers=stolen), 403, "session_key")
    assert refused(both.http.get("/v1/audit", headers=stolen), 403, "session_key")
    assert refused(both.http.post("/v1/capture/rules", json={"kind": "app", "pattern": "x"}, headers=stolen),
                   403, "session_key")
    assert refused(both.http.delete(f"/v1/propositions/{both.pid}", headers=stolen), 403, "session_key")
    assert refused(both.http.post("/dashboard/confirm", json={"action": "delete"}, headers=stolen), 403, "session_key")
    assert refused(both.http.get("/v1/propositions", headers=stolen | {"X-Gumd-Key": "guess"}), 403, "session_key")
    assert both.store.propositions.get(both.pid) is not None
    assert both.unix.get("/v1/capture/rules").json()["items"] == []

    # the page itself, with its key: reads and writes; export and deletes need a fresh confirmation each
    mine = stolen | {"X-Gumd-Key": key}
    assert both.http.get("/v1/propositions", headers=mine).status_code == 200
    assert refused(both.http.get("/v1/export", headers=mine), 403, "confirmation_needed")
    assert refused(both.http.delete(f"/v1/propositions/{both.pid}", headers=mine), 403, "confirmation_needed")
    confirm = lambda action: both.http.post("/dashboard/confirm", json={"action": action},  # noqa: E731
                                            headers=mine).json()["token"]
    assert refused(both.http.delete(f"/v1/propositions/{both.pid}", headers=mine | {"X-Gumd-Confirm": confirm("export")}),
                   403, "confirmation_needed")
    assert both.http.get("/v1/export", headers=mine | {"X-Gumd-Confirm": confirm("export")}).status_code == 200
    token = confirm("delete")
    assert both.http.delete(f"/v1/propositions/{both.pid}", headers=mine | {"X-Gumd-Confirm": token}).status_code == 200
    assert refused(both.http.delete(f"/v1/propositions/{both.pid}", headers=mine | {"X-Gumd-Confirm": token}),
                   403, "confirmation_needed")  # single use

    audit = Client(both.sock).audit(limit=50)
    sessions = {e["session"] for e in audit if e["client"] == "dashboard" and e["status"] == 200}
    assert len(sessions) == 1 and "" not in sessions
    assert {e["transport"] for e in audit if e["client"] == "dashboard"} == {"tcp"}
    assert {e["transport"] for e in audit if e["client"] == "local-socket"} == {"unix"}


def test_every_response_has_a_strict_csp_and_no_docs_page_loads_scripts_from_elsewhere(both):
    token = bearer(both.tokens["reader"])
    for r in (both.http.get("/dashboard"), both.http.get("/v1/status", headers=token),
              both.http.get("/v1/status"), both.unix.get("/v1/status")):
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    login_needed = both.http.get("/dashboard")
    assert login_needed.status_code == 401 and "style-src 'sha256-" in login_needed.headers["content-security-policy"]
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert both.http.get(path, headers=token).status_code == 404
        assert both.unix.get(path).status_code == 404
    assert both.http.get("/openapi.json", headers=token).json()["info"]["title"] == "gumd"


def test_refused_requests_cost_constant_storage_and_reach_the_log_within_a_second(both):
    files = lambda: sum(f.stat().st_size for f in both.data.glob("gumd.db*"))  # noqa: E731
    both.unix.get("/v1/status")
    Client(both.sock).audit(limit=1)  # settle what is buffered
    rows_before, size_before = both.store.database.sqlite["api_audit"].count, files()
    path = "/v1/" + "x" * 195  # 199 characters, as in the issue
    started = time.time()
    for _ in range(3000):
        r = both.http.get(path, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403
    minutes = int(time.time() // 60) - int(started // 60) + 1  # the burst's minutes: one row each
    time.sleep(1.5)  # no further request: the timer writes what is left
    counted = list(both.store.database.rows(
        "SELECT client, route, status, count, transport FROM api_audit WHERE id > (SELECT MAX(id) - 10 FROM api_audit)"
        " AND status = 403"))
    assert sum(r["count"] for r in counted) == 3000  # before: 2,505 rows after 5 s, the rest at the next request
    # one row a minute, not a request (the audit read above is logged too, by the timer, so count the 403s)
    assert len(counted) <= minutes and both.store.database.sqlite["api_audit"].count - rows_before <= minutes + 1
    assert all(len(r["route"]) <= 49 and r["client"] == "anonymous" and r["transport"] == "tcp" for r in counted)
    assert files() - size_before < 64 * 1024  # before: ~320 bytes a request, ~960 KB
    assert Client(both.sock).audit(limit=1)[0]["count"] in {r["count"] for r in counted}


def test_the_audit_table_keeps_its_newest_rows_only(both):
    log = AuditLog(both.store, max_rows=50)
    from gumd.store.access import AuditEntry

    for i in range(120):
        log.record(AuditEntry(time.time(), "local-socket", "GET", "/v1/status", 200, transport="unix"))
        if i % 40 == 39:
            log.flush()
    log.close()
    assert both.store.database.sqlite["api_audit"].count == 50
