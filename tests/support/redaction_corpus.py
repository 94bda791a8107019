"""A generated corpus for redaction recall: secret-bearing screen texts and innocent look-alikes.

Everything is made up from a seeded generator: card numbers pass Luhn, IBANs pass mod 97, keys have the
real shapes, and none is a real secret. Each secret sample knows the exact secret it carries, so recall
means "that string is gone after redact()"; an innocent sample is a false positive when redact() changes it.
Used by tests/unit/test_redaction_recall.py and bench/redaction.py.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass
from typing import Callable

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
NAMES = ["Marta Silva", "Jonas Weber", "Aiko Tanaka", "Liam O'Brien", "Sofia Rossi", "Noah Dubois"]


@dataclass(frozen=True)
class Sample:
    kind: str
    layout: str
    text: str
    secret: str = ""  # empty for an innocent look-alike


def _pick(rng: random.Random, chars: str, n: int) -> str:
    return "".join(rng.choice(chars) for _ in range(n))


def _luhn_complete(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + _pick(rng, string.digits, length - len(prefix) - 1)
    return next(body + d for d in string.digits if _luhn_ok(body + d))


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban(rng: random.Random) -> str:
    country, length = rng.choice([("DE", 18), ("FR", 23), ("GB", 18), ("NL", 14), ("ES", 20), ("IT", 23)])
    bban = (_pick(rng, string.ascii_uppercase, 4) + _pick(rng, string.digits, length - 4)
            if country in ("GB", "NL") else _pick(rng, string.digits, length))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def _group(s: str, n: int = 4, sep: str = " ") -> str:
    return sep.join(s[i:i + n] for i in range(0, len(s), n))


def _jwt(rng: random.Random) -> str:
    def part(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return ".".join([part({"alg": "HS256", "typ": "JWT"}),
                     part({"sub": str(rng.randint(1000, 99999)), "name": rng.choice(NAMES), "iat": 1764230000}),
                     _pick(rng, ALNUM + "-_", 43)])


def _pem(rng: random.Random) -> str:
    kind = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
    body = "\n".join(_pick(rng, ALNUM + "+/", 64) for _ in range(rng.randint(3, 8)))
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"


def _password(rng: random.Random) -> str:
    return rng.choice(["Tr0ub4dor&3", "correct-horse-7", "S3cure!Pass", "hunter2hunter2", "Qw9#vLm2@x"]) + _pick(
        rng, string.digits, 2)


SECRETS: dict[str, Callable[[random.Random], str]] = {
    "card_number": lambda r: _luhn_complete(r, r.choice(["4", "51", "55", "37", "6011"]), r.choice([15, 16, 16])),
    "iban": _iban,
    "aws_key": lambda r: r.choice(["AKIA", "ASIA"]) + _pick(r, UPPER_DIGITS, 16),
    "aws_secret": lambda r: _pick(r, ALNUM + "/+", 40),
    "github_token": lambda r: r.choice(["ghp_", "gho_", "ghs_"]) + _pick(r, ALNUM, 36),
    "slack_token": lambda r: f"xoxb-{r.randint(10**10, 10**11)}-{r.randint(10**10, 10**11)}-{_pick(r, ALNUM, 24)}",
    "stripe_key": lambda r: r.choice(["sk_live_", "rk_live_", "sk_test_"]) + _pick(r, ALNUM, 24),
    "jwt": _jwt,
    "private_key": _pem,
    "password": _password,
    "otp": lambda r: _pick(r, string.digits, r.choice([6, 6, 8])),
}

LABELS = {
    "card_number": ["Card number", "Credit card", "Card"], "iban": ["IBAN", "Account (IBAN)", "Pay to"],
    "aws_key": ["AWS_ACCESS_KEY_ID", "aws_access_key_id"], "aws_secret": ["AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"],
    "github_token": ["GITHUB_TOKEN", "token"], "slack_token": ["SLACK_BOT_TOKEN", "slack_token"],
    "stripe_key": ["STRIPE_SECRET_KEY", "stripe_key"], "jwt": ["Authorization: Bearer", "id_token"],
    "private_key": ["key"], "password": ["Password", "password", "DB_PASSWORD", "passwd"],
    "otp": ["Verification code", "Your one-time code", "2FA code"],
}


def _secret_text(rng: random.Random, kind: str, layout: str, secret: str) -> str:
    label = rng.choice(LABELS[kind])
    shown = secret
    if kind == "card_number":
        shown = rng.choice([_group(secret), _group(secret, sep="-"), secret])
    elif kind == "iban":
        shown = rng.choice([_group(secret), secret])
    if kind == "private_key":
        return {"terminal": f"$ cat ~/.ssh/id_ed25519\n{shown}\n$ ",
                "email": f"From: {rng.choice(NAMES)}\nSubject: server access\n\nHere is the deploy key:\n{shown}\nCheers",
                }.get(layout, f"# deploy.pem\n{shown}\n")
    if kind == "otp" and layout == "email":
        return (f"From: no-reply@accounts.example\nSubject: Sign-in attempt\n\n{rng.choice(NAMES).split()[0]}, "
                f"your verification code is {shown}. It expires in 10 minutes.")
    if kind == "otp":
        return rng.choice([f"{shown} is your verification code. Do not share it.",
                           f"{label}: {shown}", f"Enter the code we sent: {shown}"])
    env_name = label.upper().replace(" ", "_").replace(":", "") if label.isidentifier() or "_" in label else \
        kind.upper()
    return {
        "form": f"Checkout\nName on card: {rng.choice(NAMES)}\n{label}\n{shown}\nContinue  Cancel",
        "terminal": f"$ export {env_name}={shown}\n$ ./deploy.sh --region eu-west-1\nDeploying...",
        "email": f"From: {rng.choice(NAMES)}\nTo: me\nSubject: the details\n\nHi, as asked — {label}: {shown}\nBest",
        "env": f"# .env\nDEBUG=false\n{env_name}={shown}\nPORT=8080",
        "json": json.dumps({"service": "billing", label.lower().replace(" ", "_"): shown, "retries": 3}, indent=2),
    }[layout]


def _innocent(rng: random.Random) -> list[tuple[str, str]]:
    d = lambda n: _pick(rng, string.digits, n)  # noqa: E731
    isbn12 = "978" + d(9)
    isbn = isbn12 + str((10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(isbn12)) % 10) % 10)
    sha = _pick(rng, "0123456789abcdef", 40)
    uuid = "-".join(_pick(rng, "0123456789abcdef", n) for n in (8, 4, 4, 4, 12))
    return [
        ("order_number", f"Order #{d(3)}-{d(7)}-{d(7)} placed on 3 March. Arriving Friday."),
        ("order_number", f"Your order number is {d(10)}. Keep it for returns."),
        ("phone", f"Call us: +1 ({d(3)}) 555-{d(4)} or +44 20 {d(4)} {d(4)}"),
        ("phone", f"Mobile: +49 151 {d(4)} {d(4)}"),
        ("isbn", f"ISBN {isbn[:3]}-{isbn[3]}-{isbn[4:7]}-{isbn[7:12]}-{isbn[12]}  Paperback, 320 pages"),
        ("isbn", f"ISBN-13: {isbn}"),
        ("git_sha", f"commit {sha}\nAuthor: {rng.choice(NAMES)}\n\n    Fix the retry loop"),
        ("git_sha", f"$ git checkout {sha[:12]}\nHEAD is now at {sha[:7]} Bump version"),
        ("uuid", f"request_id={uuid} status=200 duration=41ms"),
        ("date", f"Meeting on {rng.randint(2020, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} at 14:30"),
        ("version", f"Python {rng.randint(2, 3)}.{rng.randint(0, 13)}.{rng.randint(0, 20)}, "
                    f"numpy 1.{rng.randint(20, 26)}.{rng.randint(0, 5)}, build {d(8)}"),
        ("price", f"Total: {rng.randint(10, 9999)}.{d(2)} EUR (VAT {rng.randint(5, 25)}% incl.)"),
        ("tracking", f"Tracking number 1Z{_pick(rng, UPPER_DIGITS, 6)}{d(10)}"),
        ("http_status", f"Error code {rng.choice([404, 500, 502, 503])}: the server could not answer"),
        ("postal_code", f"Shipping to 12 Main St, zip code {d(5)}, Springfield"),
        ("serial", f"Serial: {_pick(rng, string.ascii_uppercase, 2)}{d(2)} {_pick(rng, UPPER_DIGITS, 4)} "
                   f"{_pick(rng, UPPER_DIGITS, 4)}"),
        ("password_prompt", "Password: ********   [ ] Remember me   Forgot password?"),
        ("long_number", f"Invoice {d(16)} due in 30 days"),
    ]


LAYOUTS = ("form", "terminal", "email", "env", "json")


def corpus(seed: int = 10, per_kind: int = 25, innocent_rounds: int = 14) -> tuple[list[Sample], list[Sample]]:
    """(secret samples, innocent samples), the same for the same seed."""
    rng = random.Random(seed)
    secrets = []
    for kind, make in SECRETS.items():
        for i in range(per_kind):
            secret = make(rng)
            layout = LAYOUTS[i % len(LAYOUTS)]
            secrets.append(Sample(kind, layout, _secret_text(rng, kind, layout, secret), secret))
    innocents = [Sample(kind, "text", text) for _ in range(innocent_rounds) for kind, text in _innocent(rng)]
    return secrets, innocents


def leaked(sample: Sample, redacted: str) -> bool:
    """Whether any part of the secret survives: the whole string, ungrouped, or a line of a key."""
    if sample.secret in redacted:
        return True
    if sample.kind in ("card_number", "iban"):  # shown grouped with spaces or dashes
        return sample.secret in "".join(c for c in redacted if c.isalnum())
    if sample.kind == "private_key":
        return any(line in redacted for line in sample.secret.splitlines()[1:-1])
    return False
