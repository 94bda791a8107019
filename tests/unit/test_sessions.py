"""Dashboard login codes and sessions: single use, expiry, the page key, single-use confirmations."""

import pytest

from gumd.api.sessions import CONFIRM_TTL_S, Sessions, key_matches


def test_a_login_code_works_once_and_only_while_fresh():
    sessions = Sessions(code_ttl_s=120, session_ttl_s=3600)
    code = sessions.issue_code(now=1000)
    login = sessions.redeem(code.code, now=1100)
    assert sessions.find(login.cookie, now=1200) == login.session
    assert sessions.redeem(code.code, now=1100) is None  # used
    stale = sessions.issue_code(now=1000)
    assert sessions.redeem(stale.code, now=1121) is None  # expired
    assert sessions.redeem("made-up", now=1000) is None


def test_a_session_ends_on_expiry_or_logout_and_checks_its_page_key():
    sessions = Sessions(session_ttl_s=3600)
    login = sessions.redeem(sessions.issue_code(now=0).code, now=0)
    assert key_matches(login.session, login.key)
    assert not key_matches(login.session, login.cookie) and not key_matches(login.session, None)
    assert login.key not in repr(login.session)  # only its hash is held
    assert sessions.find(login.cookie, now=3601) is None
    other = sessions.redeem(sessions.issue_code(now=0).code, now=0)
    assert other.session.id != login.session.id
    sessions.end(other.cookie)
    assert sessions.find(other.cookie, now=1) is None


def test_a_confirmation_is_single_use_for_one_action_of_one_session():
    sessions = Sessions()
    mine = sessions.redeem(sessions.issue_code(now=0).code, now=0).session
    theirs = sessions.redeem(sessions.issue_code(now=0).code, now=0).session
    token = sessions.confirm(mine, "delete", now=10)
    assert sessions.take_confirmation(mine, "delete", token, now=11)
    assert not sessions.take_confirmation(mine, "delete", token, now=11)  # used
    assert not sessions.take_confirmation(theirs, "delete", sessions.confirm(mine, "delete", now=10), now=11)
    assert not sessions.take_confirmation(mine, "export", sessions.confirm(mine, "delete", now=10), now=11)
    late = sessions.confirm(mine, "export", now=10)
    assert not sessions.take_confirmation(mine, "export", late, now=10 + CONFIRM_TTL_S + 1)
    assert not sessions.take_confirmation(mine, "export", None)
    with pytest.raises(ValueError):
        sessions.confirm(mine, "format-disk")
