"""Segmenting the observation and focus streams into named actions."""

from gumd.nap.actions import Moment, Segmenter, record, segment
from gumd.store import Store


def test_moments_become_switch_open_command_save_and_search_actions():
    moments = [
        Moment(1, "firefox", "Inbox - Mail - Mozilla Firefox"),
        Moment(2, "firefox", "lisbon flights - Google Search - Mozilla Firefox"),
        Moment(3, "xterm", "bash", text="me@box:~$ ls\nREADME\nme@box:~$ git status\n"),
        Moment(4, "xterm", "bash", text="me@box:~$ git status\nclean\nme@box:~$ make test\n"),
        Moment(5, "code", "report.md - Visual Studio Code", input_summary="40 keys, shortcuts ctrl+s"),
        Moment(6, "code", "notes.md - Visual Studio Code"),
    ]
    got = [(a.kind, a.app, a.target) for a in segment(moments)]
    assert got == [
        ("switch", "firefox", "firefox"),
        ("search", "firefox", "lisbon flights"),
        ("switch", "xterm", "xterm"),
        ("command", "xterm", "ls"),
        ("command", "xterm", "git status"),
        ("command", "xterm", "make test"),  # git status was already on the last screen
        ("switch", "code", "code"),
        ("save", "code", "report.md"),
        ("open", "code", "notes.md"),
    ]


def test_an_unchanged_window_is_no_action_and_captions_are_one_line():
    seg = Segmenter()
    assert [a.caption for a in seg.feed(Moment(1, "code", "a.py - Code"))] == ["Switched to code"]
    assert seg.feed(Moment(2, "code", "a.py - Code", text="def f(): pass")) == []
    (saved,) = seg.feed(Moment(3, "code", "a.py - Code", input_summary="shortcuts ctrl+s"))
    assert saved.caption == "Saved a.py in code" and "\n" not in saved.caption


def test_recorded_actions_are_stored_in_order_with_their_screen_text(tmp_path):
    store = Store(tmp_path / "gumd.db")
    seg = Segmenter()
    first = record(store, seg, Moment(10.0, "xterm", "bash", text="me@box:~$ pytest -q\n"))
    assert [a.kind for a in first] == ["switch", "command"] and all(a.id for a in first)
    stored = store.actions.recorded()
    assert [a.key for a in stored] == ["switch|xterm|xterm", "command|xterm|pytest -q"]
    assert "pytest -q" in stored[1].screen_text
    assert [a.key for a in store.actions.recorded(limit=1)] == ["command|xterm|pytest -q"]


def test_returning_to_a_terminal_does_not_repeat_the_commands_in_its_scrollback():
    seg = Segmenter()
    seg.feed(Moment(1, "xterm", "bash", text="me@box:~$ make test\n3 passed\n"))
    seg.feed(Moment(2, "code", "a.py - Code", text="def f(): pass"))
    back = seg.feed(Moment(3, "xterm", "bash", text="me@box:~$ make test\n3 passed\nme@box:~$ git commit -a\n"))
    assert [(a.kind, a.target) for a in back] == [("switch", "xterm"), ("command", "git commit -a")]
