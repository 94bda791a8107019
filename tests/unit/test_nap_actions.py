"""Segmenting the observation and focus streams into named actions."""

from gumd.nap.actions import Moment, Segmenter, record, segment
from gumd.store import Store


def test_moments_become_switch_open_command_save_and_search_actions():
    moments = [
        Moment(1, "firefox", "Inbox - Mail - Mozilla Firefox"),
        Moment(2, "firefox", "lisbon flights - Google Search - Mozilla Firefox"),
        Moment(3, "xterm", "bash", text="me@box:~$ ls\nREADME\nme@box:~$ git status\nclean\nme@box:~$\n"),
        Moment(4, "xterm", "bash", text="me@box:~$ git status\nclean\nme@box:~$ make test\n3 passed\nme@box:~$\n"),
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
    first = record(store, seg, Moment(10.0, "xterm", "bash", text="me@box:~$ pytest -q\n3 passed\nme@box:~$\n"))
    assert [a.kind for a in first] == ["switch", "command"] and all(a.id for a in first)
    stored = store.actions.recorded()
    assert [a.key for a in stored] == ["switch|xterm|xterm", "command|xterm|pytest -q"]
    assert "pytest -q" in stored[1].screen_text
    assert [a.key for a in store.actions.recorded(limit=1)] == ["command|xterm|pytest -q"]


def test_returning_to_a_terminal_does_not_repeat_the_commands_in_its_scrollback():
    seg = Segmenter()
    seg.feed(Moment(1, "xterm", "bash", text="me@box:~$ make test\n3 passed\nme@box:~$\n"))
    seg.feed(Moment(2, "code", "a.py - Code", text="def f(): pass"))
    back = seg.feed(Moment(3, "xterm", "bash", text="me@box:~$ make test\n3 passed\nme@box:~$ git commit -a\n"
                                                 "[main 1a2b3c4] work\nme@box:~$\n"))
    assert [(a.kind, a.target) for a in back] == [("switch", "xterm"), ("command", "git commit -a")]


README = """me@box:~/gumd$ cat README.md
Commands:
  $ make install
  # installed? enabled? does the daemon answer?
  gumd doctor        # installed? enabled? does the daemon answer?
  root@server:~# rm -rf /var/cache/gumd
  > echo a token for one client
  ❯ cargo build --release
  % ls -la
me@box:~/gumd$
"""


def test_printed_command_lines_are_text_and_only_the_typed_cat_is_a_command():
    seg = Segmenter()
    got = seg.feed(Moment(1, "xterm", "bash", text=README, input_summary="16 keys"))
    assert [(a.kind, a.target) for a in got] == [("switch", "xterm"), ("command", "cat README.md")]


def test_a_pager_page_and_a_command_still_being_typed_are_no_commands_until_they_ran():
    seg = Segmenter()
    seg.feed(Moment(1, "xterm", "bash", text="me@box:~$\n", input_summary="2 keys"))
    assert seg.feed(Moment(2, "xterm", "bash", text="me@box:~$ less READ\n", input_summary="9 keys")) == []
    page = "  $ make install\nme@box:~$ make test\n  # is the daemon up?\n:\n"
    assert seg.feed(Moment(3, "xterm", "bash", text=page, input_summary="5 keys")) == []
    back = seg.feed(Moment(4, "xterm", "bash", text="me@box:~$ less README.md\nme@box:~$ █\n", input_summary="1 keys"))
    assert [a.target for a in back] == ["less README.md"]


def test_the_prompt_is_learnt_from_the_cursor_line_so_a_bare_dollar_prompt_works_and_others_do_not():
    seg = Segmenter()
    seg.feed(Moment(1, "xterm", "sh", text="$ |\n", input_summary="3 keys"))
    screen = "$ ls\nnotes.txt\n$ cat notes.txt\n> echo printed\n% ls printed\n$\n"
    got = seg.feed(Moment(2, "xterm", "sh", text=screen, input_summary="20 keys"))
    assert [a.target for a in got] == ["ls", "cat notes.txt"]


def test_scrolling_back_to_commands_already_seen_adds_none():
    seg = Segmenter()
    seg.feed(Moment(1, "xterm", "bash", text="me@box:~$ make\nok\nme@box:~$ git log\nfix\nme@box:~$\n"))
    assert seg.feed(Moment(2, "xterm", "bash", text="me@box:~$ make\nok\nme@box:~$ git log\nfix\n",
                           input_summary="3 scrolls")) == []
