"""Tools: the specialised program or web app the user works in and what they work on there, read from its window
without a model ("The user works in Archicad on Wrangelstr42_DG.pln (04 DG Grundriss).", "The user works in
Dentrix Ascend on Claim C-20481 (Insurance).").

A program counts when it is not one everybody has (a browser, a mail or chat client, an office suite, a file
manager, a terminal, a viewer, a player, a settings panel: "the user uses Firefox" tells an assistant nothing),
when the user worked in it (`digest.interacted`: clicked or typed, not only scrolled; in imported history, long
in focus), and when its window names what was worked on: a document, a view or a deck from the title, else a
file named on the screen. A web app counts once the user has worked on two of its pages or more (sites.py; a
site clicked through once is an errand). A remote desktop's client (Citrix, RDP) stands for the program its title
names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gumd.propositions.digest import WORD, Activity, interacted
from gumd.propositions.sites import MORE_PAGES
from gumd.propositions.vocabulary import COMMON_PROGRAMS, TITLE_NOISE, TITLE_SPLIT

MAX_OBJECTS = 2
_TAIL = re.compile(r"\s*(?:\(\d+(?:[.,]\d+)?\s*[KMG]i?B\)|\(\d+\)|@\s*\d+(?:\.\d+)?%)\s*$")  # "(28.4 MiB)", "(3)"
_VERSION = re.compile(r"\s+v?\d+(?:\.\d+)*$")  # "Archicad 27", "darktable 5.2"


# A spreadsheet program as a window title names it, and a spreadsheet's file.
_SHEET_PROGRAM = re.compile(r"^(?:libreoffice calc|calc|google sheets|google spreadsheets|hojas de cálculo de google|"
                            r"planilhas google|google tabellen|feuilles google|fogli google|microsoft excel|excel|"
                            r"numbers|gnumeric|onlyoffice spreadsheet editor)$", re.IGNORECASE)
_SHEET_FILE = re.compile(r"\.(?:xlsx|xlsm|xls|ods|csv|numbers)$", re.IGNORECASE)


@dataclass(frozen=True)
class Tool:
    """A program the user worked in, what they worked on there, and the title it was read from; for a spreadsheet,
    whether the user typed in it (`kept`: a tracker, a budget, a rota they keep)."""

    program: str
    objects: tuple[str, ...]
    title: str
    sheet: bool = False
    kept: bool = False

    @property
    def sentence(self) -> str:
        if self.sheet:
            verb = "keeps" if self.kept else "works on"
            return f"The user {verb} the spreadsheet {self.objects[0]}{f' in {self.program}' if self.program else ''}."
        more = f" ({', '.join(self.objects[1:])})" if self.objects[1:] else ""
        return f"The user works in {self.program} on {self.objects[0]}{more}."


def _sheet(activity: Activity) -> Tool | None:
    """The spreadsheet the activity's window shows, by its program's name in the title ("Staff Schedule - March
    2027 - Google Sheets") or its file's ("Volunteer_Rota_Apr-May_2027.xlsx and 3 more pages - Microsoft Edge")."""
    for title in activity.titles:
        parts = [MORE_PAGES.sub("", p.strip()) for p in TITLE_SPLIT.split(title) if p.strip()]
        at = next((i for i, p in enumerate(parts) if _SHEET_PROGRAM.match(p)), None)
        name, program = (" - ".join(parts[:at]), parts[at]) if at else \
            (next((p for p in parts if _SHEET_FILE.search(p)), ""), "")
        if name and WORD.search(name):
            keys = sum(int(m.group(1)) for o in activity.observations
                       for m in re.finditer(r"(\d+)\s*keys?\b", o.input_summary or ""))
            return Tool(program, (name,), title, sheet=True, kept=keys > 0)
    return None


# A remote desktop's or a published app's client, whose window shows another machine's program and names it in the
# title: "Forwarding Shipment - S00412873 - CargoWise - Citrix Workspace".
_REMOTE = re.compile(r"^(?:wfica(?:32)?|cdviewer|citrix viewer|mstsc|msrdc|remote desktop connection|vmware-view|"
                     r"remmina|xfreerdp|wlfreerdp)(?:\.exe)?$", re.IGNORECASE)
_REMOTE_PART = re.compile(r"^(?:citrix workspace|citrix viewer|remote desktop connection|remotedesktopverbindung|"
                          r"conexión a escritorio remoto|connexion bureau à distance|remmina)$", re.IGNORECASE)


def _remote(titles: list[str]) -> tuple[str, list[str]]:
    """The program a remote client's titles name and the titles without the client's part: the last part, or the
    first when the last is a document in brackets ("Primavera P6 Professional - [AYZ-V3 Revize]")."""
    titles = [" - ".join(p for p in TITLE_SPLIT.split(t) if not _REMOTE_PART.match(p.strip())) for t in titles]
    parts = TITLE_SPLIT.split(titles[0]) if titles else []
    if len(parts) < 2:
        return "", titles
    return (parts[0] if titles[0].rstrip().endswith("]") else parts[-1]).strip(), titles


def _program(app: str, titles: list[str]) -> str:
    """The program's name as its window writes it ("Archicad" for the ArchiCAD window class), else its class."""
    app = app.strip()
    for title in titles:
        parts = TITLE_SPLIT.split(title)
        for part in (parts[-1], parts[0]):  # "cover.kra - Krita", "DaVinci Resolve Studio - EP87_Bathroom"
            part = _VERSION.sub("", part.strip())
            if (part.lower()[:3] == app.lower()[:3] or re.search(rf"\b{re.escape(app)}\b", part, re.IGNORECASE)) \
                    and WORD.search(part):
                return part
    return app if WORD.fullmatch(app) else ""


def _objects(app: str, titles: list[str], program: str, files: list[str]) -> list[str]:
    """What the titles say was worked on (a document, a view: "[04 DG Grundriss]" as "04 DG Grundriss"), else
    the files the screen names."""
    found: list[str] = []
    for title in titles:
        for part in TITLE_SPLIT.split(title):
            part = _TAIL.sub("", part.strip()).strip("[]* ")  # "*Plan.qgz": unsaved
            if part and WORD.search(part) and not TITLE_NOISE.match(part) and \
                    _VERSION.sub("", part).lower() not in (program.lower(), app.lower()) and part not in found:
                found.append(part)
    return (found or files)[:MAX_OBJECTS]


def _tool(app: str, titles: list[str], files: list[str]) -> Tool | None:
    if COMMON_PROGRAMS.match(app.strip()):
        return None
    if _REMOTE.match(app.strip()):
        app, titles = _remote(titles)
    program = _program(app, titles)
    if not program or COMMON_PROGRAMS.match(program):
        return None
    objects = _objects(app, titles, program, files)
    return Tool(program, tuple(objects), titles[0] if titles else program) if objects else None


def tools_used(activity: Activity) -> list[Tool]:
    """The specialised programs the activity shows the user working in, each with what they worked on. None for
    a program everybody has, a window the user did not work in, or one that names nothing worked on (a web app's
    generic view, "Dashboard", "Painel", "Mapa", names nothing)."""
    if activity.site:
        pages = [p for p in activity.site_pages if not TITLE_NOISE.match(p)]  # not a view such as "Painel", "Mapa"
        return [Tool(activity.site, tuple(pages[:MAX_OBJECTS]), activity.titles[0])] if pages else []
    if not interacted(activity):
        return []
    if sheet := _sheet(activity):
        return [sheet]
    files = [e.text for e in activity.entities if e.kind == "thing" and e.cue == "file"]
    return [t for t in [_tool(activity.app, activity.titles, files)] if t]


__all__ = ["Tool", "tools_used"]
