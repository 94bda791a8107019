"""Input bursts: shortcuts named, characters never kept, bursts settled by their last kind of input."""

from types import SimpleNamespace

from gumd.observers.base import InputBurst
from gumd.observers.input import BurstTracker, Settle, key_name


def test_burst_tracker_names_shortcuts_and_keeps_no_characters():
    t = BurstTracker(Settle(click=0.5, keys=0.5, scroll=0.5))
    for ch in "hunter2":
        t.key_down(ch, 10.0)
    t.key_down("ctrl_l", 10.1)
    t.key_down("s", 10.1)
    t.key_up("ctrl_l")
    t.key_down("shift", 10.2)
    t.key_down("a", 10.2)  # shift+a is typing, not a shortcut
    t.key_up("shift")
    t.click(10.3)
    assert t.settled(10.5) is None  # still inside the settle window
    burst = t.settled(10.9)
    assert burst == InputBurst(started_at=10.0, ended_at=10.3, keys=9, clicks=1, scrolls=0, shortcuts=("ctrl+s",))
    assert "hunter2" not in repr(burst) and t.settled(20.0) is None


def test_burst_settles_by_its_last_kind_of_input_and_long_typing_is_cut():
    t = BurstTracker(Settle(click=0.3, keys=0.8, scroll=0.5, longest=5.0))
    t.click(1.0)
    assert t.settled(1.35).clicks == 1  # a click settles after 0.3 s
    t.key_down("a", 2.0)
    assert t.settled(2.5) is None  # typing waits 0.8 s
    assert t.settled(2.85).keys == 1
    bursts = []
    for i in range(80):  # typing without a pause for 8 s: a burst ends after 5 s anyway
        now = 10.0 + i * 0.1
        t.key_down("a", now)
        bursts += [b for b in [t.settled(now + 0.05)] if b]
    assert [b.keys for b in bursts] == [51]
    assert t.settled(30.0).keys == 29


def test_altgr_characters_are_not_recorded_as_shortcuts():
    t = BurstTracker(Settle(click=0.1, keys=0.1, scroll=0.1))
    t.key_down("alt_gr", 1.0)
    t.key_down("q", 1.0)  # '@' on a German layout: part of what is typed, never named
    t.key_up("alt_gr")
    assert t.settled(2.0).shortcuts == ()


def test_a_key_without_a_printable_character_is_named_by_its_x11_keysym_but_never_by_a_mac_key_code():
    ctrl_s = SimpleNamespace(char="\x13", vk=0x73)  # X11: keysym 0x73 is 's'
    assert key_name(ctrl_s, "linux") == "s"
    assert key_name(SimpleNamespace(char="\x13", vk=0x23), "darwin") is None  # the Mac's P key, not '#'
    assert key_name(SimpleNamespace(char="s", vk=0x01), "darwin") == "s"
