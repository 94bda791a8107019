"""Dashboard login codes and sessions: single use, expiry, CSRF comparison."""

from gumd.api.sessions import Sessions, csrf_matches


def test_a_login_code_works_once_and_only_while_fresh():
    sessions = Sessions(code_ttl_s=120, session_ttl_s=3600)
    code = sessions.issue_code(now=1000)
    secret, session = sessions.redeem(code.code, now=1100)
    assert sessions.find(secret, now=1200) == session
    assert sessions.redeem(code.code, now=1100) is None  # used
    stale = sessions.issue_code(now=1000)
    assert sessions.redeem(stale.code, now=1121) is None  # expired
    assert sessions.redeem("made-up", now=1000) is None


def test_a_session_ends_on_expiry_or_logout_and_checks_its_csrf_token():
    sessions = Sessions(session_ttl_s=3600)
    secret, session = sessions.redeem(sessions.issue_code(now=0).code, now=0)
    assert csrf_matches(session, session.csrf) and not csrf_matches(session, "other") and not csrf_matches(session, None)
    assert sessions.find(secret, now=3601) is None
    secret, _ = sessions.redeem(sessions.issue_code(now=0).code, now=0)
    sessions.end(secret)
    assert sessions.find(secret, now=1) is None
