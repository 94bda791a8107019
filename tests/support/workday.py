"""A developer's workday as moments on screen (pull, edit, save, test, look something up), replayed day after
day through the next-action predictor."""

from gumd.nap.actions import Moment, Segmenter, record
from gumd.nap.predict import Predictor
from gumd.store import Store

DAY = 86400.0
START = 1_700_000_000.0


def workday(t0: float) -> list[Moment]:
    """Pull, edit, save, test, look something up: a developer's loop."""
    return [
        Moment(t0, "xterm", "bash", text="me@box:~/gumd$ git pull\nAlready up to date.\nme@box:~/gumd$\n"),
        Moment(t0 + 10, "code", "main.py - Visual Studio Code", text="def main():\n    run()\n"),
        Moment(t0 + 20, "code", "main.py - Visual Studio Code", input_summary="120 keys, shortcuts ctrl+s"),
        Moment(t0 + 30, "xterm", "bash", text="me@box:~/gumd$ git pull\nAlready up to date.\n"
                                                   "me@box:~/gumd$ make test\n3 passed\nme@box:~/gumd$\n"),
        Moment(t0 + 40, "firefox", "pytest fixtures - Google Search - Mozilla Firefox", text="pytest fixtures"),
    ]


def replay(predictor: Predictor, store: Store, days: int) -> None:
    """`days` workdays from START, each action predicted (statistics only) before it is observed."""
    seg = Segmenter()
    for d in range(days):
        for m in workday(START + d * DAY):
            for action in record(store, seg, m):
                predictor.predict_next(screen_text=m.text, now=action.at - 1, use_model=False)
                predictor.observe(action)
