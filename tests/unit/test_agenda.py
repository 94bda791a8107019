"""The user's own calendar, read from a week or month view without a model."""

import datetime as dt

from gumd.propositions.agenda import events
from gumd.propositions.digest import Digester
from gumd.store import Observation

SEEN = dt.datetime(2027, 6, 6, 20, 0).timestamp()  # a Sunday evening

WEEK = (
    " ＋ New event    Today   ‹ ›   June 7-11, 2027 ▾                 Day   Work week   Week   Month\n"
    "            Mon 7                Tue 8                Wed 9                Thu 10               Fri 11\n"
    "  8 AM      Team standup 8:15    Team standup 8:15    Team standup 8:15    Dentist - Dr Ana     ⚠ DUE 12:00 Q2\n"
    "                                                                           Ruiz (cleaning)      board pack → Lena\n"
    "  9 AM      9:30 Site visit -    Budget review                                                 \n"
    "            Harbour Rd ware-     11:00 Room 4.02                                               \n"
    "            house (roof)                              ── Lena Brandt ──                        \n"
    "                                                      Offsite (all day)                        \n"
    "  1 PM      1:00 Lena: interview Lunch with Omar                           2:00 Call Karim\n"
    "            panel (Lena only)                                              re: lease\n"
    " ▾ My calendars   ☑ Calendar   ☑ Birthdays   ▾ People's calendars   ☑ Lena Brandt\n"
    " Lena Brandt: Mon 6/14 - Fri 6/18  Holiday\n"
)


def _activity(title: str, text: str, user: str = "", seen: float = SEEN):
    """The activity of one calendar screen, after mail windows that showed the user's account, if `user`."""
    digester = Digester()
    for i in range(3 if user else 0):
        digester.digest([Observation(seen - 90 + 20 * i, seen - 80 + 20 * i, "thunderbird", "Inbox",
                                     f"{user} (you)\nmail {i}", "", "test", id=10 + i)])
    (activity,) = digester.digest([Observation(seen, seen + 30, "firefox", title, text, "5 clicks", "test", id=2)])
    return activity


def test_a_week_views_events_are_read_under_the_day_of_their_column():
    found = {(e.what, e.day, e.time) for e in events(_activity("Calendar - Outlook - Mozilla Firefox", WEEK))}
    assert found == {
        ("Site visit - Harbour Rd warehouse (roof)", dt.date(2027, 6, 7), "9:30"),  # time first, word mended
        ("Budget review Room 4.02", dt.date(2027, 6, 8), "11:00"),  # the time on a later line
        ("Dentist - Dr Ana Ruiz (cleaning)", dt.date(2027, 6, 10), "8 AM"),  # the row's time
        ("DUE 12:00 Q2 board pack → Lena", dt.date(2027, 6, 11), "8 AM"),
        ("Lunch with Omar", dt.date(2027, 6, 8), "1 PM"),
        ("Call Karim re: lease", dt.date(2027, 6, 10), "2:00"),
    }  # not the daily stand-up, nor what the view shows of Lena Brandt's calendar
    sentence = next(e.sentence for e in events(_activity("Calendar - Outlook", WEEK)) if e.time == "9:30")
    assert sentence == 'The user\'s calendar has "Site visit - Harbour Rd warehouse (roof)" on Monday 7 June 2027 at 9:30.'
    wednesday = _activity("Calendar - Outlook", WEEK, seen=SEEN + 3 * 86400)
    assert {e.day.day for e in events(wednesday)} == {10, 11}  # what is past is done, and the stand-up is a routine


def test_only_a_calendar_of_the_users_own_gives_events():
    assert events(_activity("Calendar - Omar Haddad - Outlook", WEEK, user="Sam Okafor")) == []  # another's
    assert len(events(_activity("Calendar - Sam Okafor - Outlook", WEEK, user="Sam Okafor"))) == 6
    assert events(_activity("Staff rota - Google Sheets", WEEK)) == []  # a roster is no calendar of the user's
    scrambled = WEEK.replace("Tue 8 ", "Tue 9 ")  # headers whose weekdays and dates disagree head no columns
    assert not any(e.day == dt.date(2027, 6, 8) for e in events(_activity("Calendar", scrambled)))


def test_a_month_view_starts_its_columns_again_under_each_weeks_header():
    month = (
        " ◂  June 2027  ▸      Sun 6            Mon 7             Tue 8\n"
        "                      Garden club      Pick up order -   Garbage\n"
        "                      7:00 p.m.        Hill Supply\n"
        "                      Sun 13           Mon 14            Tue 15\n"
        "                                       Car service       Piano recital\n"
        "                                       8:30 a.m.         (Maya) 6 pm\n"
    )
    found = {(e.what, e.day, e.time) for e in events(_activity("Calendar - Mozilla Thunderbird", month))}
    assert found == {
        ("Garden club", dt.date(2027, 6, 6), "7:00 p.m."), ("Pick up order - Hill Supply", dt.date(2027, 6, 7), ""),
        ("Garbage", dt.date(2027, 6, 8), ""), ("Car service", dt.date(2027, 6, 14), "8:30 a.m."),
        ("Piano recital (Maya) 6 pm", dt.date(2027, 6, 15), ""),
    }


def _row(*cells: tuple[int, str]) -> str:
    """A screen line with each text starting at its column."""
    line = ""
    for column, text in cells:
        line = line.ljust(column) + text
    return line + "\n"


def test_a_view_with_a_row_of_days_per_person_gives_the_users_rows_alone():
    rows = (
        _row((16, "lun 7"), (38, "mar 8"), (60, "mer 9"), (82, "gio 10"), (102, "ven 11"))
        + _row((1, "Sara"), (16, "08:30 Dentista"), (38, "09:00 Cliente Ferri"), (60, "Preventivo Bassi"),
               (82, "10:00 Invio offerta 12:00 SCADENZA"))  # one space apart: two days' events
        + _row((1, "Conti"), (38, "(sede Brescia)"), (60, "+ campioni"), (82, "portale Consip"), (102, "gara Ferri"))
        + _row((1, "Marco"), (16, "Ferie ─────────────────────────────────────────▸"))
        + _row((1, "Galli"), (16, "09:30 Fiera Rimini (con Sara)"))
        + _row((1, "Calendari: ☑ Calendario  ☑ Marco Galli"))
    )
    found = {(e.what, e.day.day, e.time) for e in events(_activity("Calendario - Outlook", rows, user="Sara Conti"))}
    assert found == {
        ("Dentista", 7, "08:30"), ("Cliente Ferri (sede Brescia)", 8, "09:00"),
        ("Preventivo Bassi + campioni", 9, ""), ("Invio offerta portale Consip", 10, "10:00"),
        ("SCADENZA gara Ferri", 11, "12:00"),
    }  # not Marco Galli's holiday nor his fair
