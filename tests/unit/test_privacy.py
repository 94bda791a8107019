"""The privacy stage on its own: redaction of each kind of secret, exclusion rules, blanking, pause state."""


import pytest
from PIL import Image

from gumd.observers.base import Frame
from gumd.privacy import CaptureControl, Exclusions, InvalidRule, blank, check_pattern, redact

SECRETS = [
    ("card_number", "Card 4111 1111 1111 1111 exp 12/29"),
    ("card_number", "pay with 5500-0000-0000-0004 now"),
    ("iban", "IBAN DE89 3704 0044 0532 0130 00"),
    ("aws_key", "key AKIAIOSFODNN7EXAMPLE"),
    ("github_token", "GITHUB_TOKEN ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("slack_token", "xoxb-123456789012-abcdefghijkl"),
    ("stripe_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
    ("private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"),
    ("otp", "Your verification code is 482913"),
    ("password", "password: Tr0ub4dor&3"),
]


@pytest.mark.parametrize("kind, text", SECRETS)
def test_each_kind_of_secret_is_redacted_and_counted(kind, text):
    out = redact(text)
    assert f"[REDACTED:{kind}]" in out.text
    assert out.counts.get(kind) == 1
    secret = {"password": "Tr0ub4dor", "otp": "482913", "private_key": "b3BlbnNz"}.get(kind)
    if secret:
        assert secret not in out.text


def test_digits_that_fail_the_luhn_check_are_not_a_card():
    out = redact("order 4111 1111 1111 1112 shipped; call 0044 20 7946 0958")
    assert out.counts == {} and "4111 1111 1111 1112" in out.text


def test_extra_patterns_redact_and_a_secret_group_limits_the_cut():
    extra = (check_pattern(r"project (?P<secret>falcon\w*)"), check_pattern(r"\bACME-\d{6}\b"))
    out = redact("the project falconX ships; ticket ACME-123456", extra)
    assert out.text == "the project [REDACTED:custom] ships; ticket [REDACTED:custom]"
    assert out.counts == {"custom": 2}


@pytest.mark.parametrize("pattern, why", [("", "empty"), ("(unclosed", "not a valid"), ("a*", "empty string")])
def test_bad_user_patterns_are_refused_with_the_reason(pattern, why):
    with pytest.raises(InvalidRule, match=why):
        check_pattern(pattern)


def test_exclusions_name_the_rule_and_defaults_can_be_turned_off():
    ex = Exclusions.build(apps=["Signal"], title_patterns=[r"\bpayroll\b"])
    assert ex.match("KeePassXC", "db.kdbx") == "app keepassxc"
    assert ex.match("signal", "Chats") == "app Signal"
    assert ex.match("libreoffice", "Payroll 2026.ods") == r"title /\bpayroll\b/"
    assert ex.match("firefox", "Bank — Mozilla Firefox Private Browsing") == r"title /\bprivate browsing\b/"
    assert ex.match("Chromium", "Bank - Chromium", private=True) == "private browser window"
    assert ex.match("xterm", "shell") is None
    bare = Exclusions.build(defaults=False, apps=["signal"])
    assert bare.match("KeePassXC", "db.kdbx") is None and bare.match("Chromium", "x", private=True) is None


def test_blank_paints_only_what_shows_of_an_excluded_window_on_this_monitor():
    frame = Frame(at=0, image=Image.new("RGB", (100, 50), "white"), origin=(100, 0), monitor=1)
    stack = [((150, 10, 100, 20), True),  # excluded, partly on this monitor
             ((180, 10, 10, 10), False),  # a window above it
             ((0, 0, 90, 50), True)]  # on another monitor
    px = blank(frame, stack).image.load()
    assert px[50, 10] == px[99, 29] == px[85, 25] == (0, 0, 0)
    assert px[49, 10] == px[50, 9] == px[50, 30] == px[10, 20] == px[85, 15] == (255, 255, 255)
    assert blank(frame, [((0, 0, 90, 50), True)]) is frame


def test_pause_state_is_reported_for_saving_and_restored():
    saved = []
    clock = [1000.0]
    control = CaptureControl(clock=lambda: clock[0], on_change=lambda *s: saved.append(s))
    control.pause(minutes=10)
    control.resume()
    control.pause()
    assert saved == [(True, 1600.0), (False, None), (True, None)]
    again = CaptureControl(clock=lambda: clock[0])
    again.restore(True, 1600.0)
    assert again.state() == {"state": "paused", "paused_until": 1600.0}
    clock[0] = 1601.0
    assert again.allows()


def test_check_says_why_a_window_would_not_be_captured():
    control = CaptureControl()
    assert control.check("xterm", "shell") == {"captured": True, "state": "capturing", "rule": None}
    assert control.check("Bitwarden", "Vault")["rule"] == "app bitwarden"
    control.pause()
    assert control.check("xterm", "shell") == {"captured": False, "state": "paused", "rule": None}


def test_a_password_prompt_above_the_echoed_password_still_redacts_the_password():
    out = redact("Password:\npassword: Wombat-Plinth-77\nLogin:\nPassword:\n  hunter2")
    assert "Wombat" not in out.text and "hunter2" not in out.text
    assert out.counts == {"password": 2}
