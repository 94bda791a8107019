"""Small files in the formats of the public behaviour data `gumd eval nap` reads, generated so that no test
needs ../shared/data, and streams whose best achievable accuracy is known.

- D2U (`d2u/participant1.csv`): `start_unix,app,duration_s,recording`, one row per focused app, times with
  millisecond digits; a new recording (`p1_YYMMDD_HHMMSS_HHMMSS.csv`) can open in the app the last one ended
  in, so that app appears twice in a row.
- SEA (`sea/UserN`): one command name per line, 15,000 lines; commands 1-5000 are the user's own, later
  100-command blocks may be another user's.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Sequence

D2U_APPS = ("Google Chrome", "Atom", "iTerm2", "Slack", "RStudio", "Microsoft Teams", "Preview", "Finder")
SEA_COMMANDS = ("sh", "cpp", "xrdb", "csh", "cat", "ls", "generic", "sendmail", "egrep", "expr", "rm", "make")
SEA_MASQUERADE = ("emacs", "latex", "dvips", "ghostview", "tar", "gzip")  # never among SEA_COMMANDS
SEA_CLEAN, SEA_TOTAL, SEA_BLOCK = 5000, 15000, 100


def app_walk(n: int, apps: Sequence[str], seed: int) -> list[str]:
    """`n` app switches, each to a uniformly chosen app other than the current one."""
    rng = random.Random(seed)
    walk = [rng.choice(apps)]
    while len(walk) < n:
        walk.append(rng.choice([a for a in apps if a != walk[-1]]))
    return walk


def write_d2u(path: Path, switches: Sequence[str], start: float = 1586199368.930, per_recording: int = 40
              ) -> list[float]:
    """A D2U participant CSV of `switches` in order, `per_recording` switches per recording; each recording
    after the first opens with a row for the app the last one ended in. Returns each switch's start time."""
    rows, starts, t, recording = [], [], start, ""
    for i, app in enumerate(switches):
        if i % per_recording == 0:
            t += 3600.0 if i else 0.0  # the gap between two recordings
            recording = _recording_name(t, per_recording)
            if i:
                rows.append((t, switches[i - 1], 1.204, recording))
                t += 1.204
        dwell = round(0.6 + (i * 37 % 90) * 0.7, 3)
        rows.append((t, app, dwell, recording))
        starts.append(round(t, 3))
        t += dwell
    lines = ["start_unix,app,duration_s,recording"] + [f"{t:.3f},{app},{d:.3f},{r}" for t, app, d, r in rows]
    path.write_text("\n".join(lines) + "\n")
    return starts


def _recording_name(t: float, switches: int) -> str:
    begin, end = time.gmtime(t), time.gmtime(t + 40 * switches)
    return f"p1_{time.strftime('%y%m%d_%H%M%S', begin)}_{time.strftime('%H%M%S', end)}.csv"


def sea_user(seed: int) -> list[str]:
    """A SEA user's 15,000 commands: the first 5000 clean, then blocks of 100 that are, one in five, a
    masquerader's (drawn from SEA_MASQUERADE only)."""
    rng = random.Random(seed)
    commands = [rng.choice(SEA_COMMANDS) for _ in range(SEA_CLEAN)]
    for _ in range((SEA_TOTAL - SEA_CLEAN) // SEA_BLOCK):
        vocabulary = SEA_MASQUERADE if rng.random() < 0.2 else SEA_COMMANDS
        commands += [rng.choice(vocabulary) for _ in range(SEA_BLOCK)]
    return commands


def write_sea(path: Path, commands: Sequence[str]) -> None:
    """A SEA user file: one command name per line."""
    path.write_text("\n".join(commands) + "\n")


def cycle(pattern: Sequence[str], repeats: int) -> list[str]:
    """`pattern` over and over: after its first passes, every next item is certain."""
    return list(pattern) * repeats


def uniform(n: int, alphabet: int, seed: int) -> list[str]:
    """`n` items drawn independently and uniformly from `alphabet` names: no predictor beats 1/alphabet."""
    rng = random.Random(seed)
    return [f"cmd{rng.randrange(alphabet)}" for _ in range(n)]
