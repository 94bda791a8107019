"""A recorded gumd session with screen text, for measuring what the in-context predictor adds.

    PYTHONPATH=. python bench/nap_session.py session.db [--days 12] [--seed 1]
    PYTHONPATH=. python -m gumd.cli eval nap --format gumd session.db --in-context 60

Synthetic, stated plainly: a developer's working days written as the screen
texts gumd would transcribe (terminal output, editor, mail, browser), stored
as observations and segmented into actions by gumd's own Segmenter, exactly
as recorded ones are. What comes next often depends on what the screen says
and not on the action sequence — a failing test sends the developer back to
the file the traceback names, a passing one on to commit; a mail asking for a
review leads to that pull request — so the statistics cannot know it and the
screen can. The branch probabilities below are the generator's, not a
person's: the figure measures whether the model reads such cues, not how
often real screens carry them.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gumd.nap.actions import Segmenter, moment_of, record  # noqa: E402
from gumd.store import NewObservation, Store  # noqa: E402

DAY = 86400.0
START = 1_767_000_000.0  # a Monday morning, UTC
MODULES = ["parser", "client", "store", "config", "render"]
PEOPLE = ["Ana", "Ben", "Chloe"]
PROMPT = "me@box:~/gumd$ "


class Day:
    """One working day as a stream of stored observations; the terminal keeps its scrollback."""

    def __init__(self, store: Store, at: float, rng: random.Random):
        self.store, self.at, self.rng = store, at, rng
        self.scrollback: list[str] = []

    def see(self, app: str, title: str, text: str, keys: str = "") -> None:
        self.at += self.rng.uniform(8, 90)
        self.store.observations.add(NewObservation(self.at, self.at + 2, app, title, text, keys, "replay"))

    def run(self, command: str, output: list[str]) -> None:
        self.scrollback += [PROMPT + command] + output
        self.scrollback = self.scrollback[-14:]
        self.see("xterm", "me@box: ~/gumd", "\n".join(self.scrollback + [PROMPT]), f"{len(command) + 1} keys")

    def edit(self, module: str) -> None:
        body = f"def {module}_main(args):\n    result = {module}.load(args.path)\n    return result\n"
        self.see("code", f"{module}.py - Visual Studio Code", body)
        self.see("code", f"{module}.py - Visual Studio Code", body + "    # fixed\n", "54 keys, shortcuts ctrl+s")

    def test(self) -> str | None:
        """Run the tests; the module that fails, or None when all pass."""
        failing = self.rng.choice(MODULES) if self.rng.random() < 0.5 else None
        if failing:
            out = [f"FAILED tests/test_{failing}.py::test_{failing}_roundtrip - AssertionError",
                   "1 failed, 41 passed in 3.2s"]
        else:
            out = ["42 passed in 3.1s"]
        self.run("make test", out)
        return failing

    def mail(self) -> None:
        person = self.rng.choice(PEOPLE)
        number = self.rng.randint(40, 99)
        review = self.rng.random() < 0.5
        subject = f"Review PR #{number}?" if review else "Lunch on Friday?"
        body = (f"From: {person}\nSubject: {subject}\n"
                + (f"Could you review pull request #{number} today? It touches the parser."
                   if review else "Are you in for lunch on Friday at the usual place?"))
        self.see("thunderbird", f"{subject} - Mozilla Thunderbird", body)
        if review:
            self.see("firefox", f"Pull request #{number} - GitHub - Mozilla Firefox",
                     f"Pull request #{number}: parser speed-up\nFiles changed 3\nReview changes")
        else:
            self.see("thunderbird", f"Re: {subject} - Mozilla Thunderbird", f"To: {person}\nCount me in!")

    def spec(self) -> None:
        """A mail that sends a document never opened before; the developer opens it next."""
        number = self.rng.randint(100, 999)
        name = f"spec-{number}.pdf"
        self.see("thunderbird", "Spec for the parser - Mozilla Thunderbird",
                 f"From: {self.rng.choice(PEOPLE)}\nSubject: Spec for the parser\n"
                 f"The new format is described in {name}, attached. Please read it before Friday.")
        self.see("evince", "Open Document — Document Viewer", f"Open Document\nDownloads\n{name}\nnotes.txt\nCancel Open")
        self.see("evince", f"{name} — Document Viewer", f"Parser format {number}\n1 Scope\n2 Grammar")


def write_session(path: Path, days: int = 12, seed: int = 1) -> int:
    """Write `days` working days into a fresh gumd database at `path`; returns the number of actions."""
    rng = random.Random(seed)
    store = Store(path)
    try:
        for d in range(days):
            day = Day(store, START + d * DAY + rng.uniform(0, 1800), rng)
            day.run("git pull", ["Already up to date."])
            for _ in range(rng.randint(3, 5)):
                day.edit(rng.choice(MODULES))
                failing = day.test()
                while failing:
                    day.edit(failing)
                    failing = day.test()
                day.run("git commit -a", ["[main 1a2b3c4] work", " 1 file changed"])
                if rng.random() < 0.6:
                    day.mail()
                if rng.random() < 0.15:
                    day.spec()
        seg = Segmenter()
        observations = store.observations.newest(limit=1_000_000)[::-1]
        return sum(len(record(store, seg, moment_of(o))) for o in observations)
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="the gumd database to write (must not exist)")
    ap.add_argument("--days", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.out.exists():
        sys.exit(f"{args.out} exists: give a new path")
    n = write_session(args.out, args.days, args.seed)
    print(f"{args.out}: {args.days} days, {n} actions")


if __name__ == "__main__":
    main()
