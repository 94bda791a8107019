"""Relations and roles: who the people on screen are to the user, and what the user does for a living, read
from how screens write it, without a model.

A relation counts only where the screen ties a relation word to a named person the way people write it: "your
teacher Camila Rocha", "Camila Rocha, your teacher", "as your tutor" (said by the sender), "Priya Nair (manager)",
"Karin Lund · Hiring manager at Spotify", "Treinador: Marcelo Prado", or a name with its title in the next cell.
A relation said of someone else ("Noah's mom", "her husband") or used to greet the user ("Hola papá") is not one.
The people who write to the user without a stated relation are known by the titles their signatures give them
(`contacts`), the user by the titles beside their own name (`roles`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from gumd.propositions.assigned import is_handle_of
from gumd.propositions.check import fold
from gumd.propositions.digest import (CAPITALS, FULL_NAME, GREETING_WORDS, HONORIFICS, NAME_WORD, ROW_JOIN, WORD,
                                     Activity, above_in_column, grid_cells, is_writing, person_ok)
from gumd.propositions.sites import BROWSER, MORE_PAGES, PROFILE
from gumd.propositions.vocabulary import COMMON_WORDS, FIRM_ENDS, MENU_WORDS, TITLE_SPLIT, UI_LABELS

# Words that say what a person is to someone, as screens write them, and the relation each one names.
RELATION_WORDS = {
    "sis": "sister", "sister": "sister", "hermana": "sister", "schwester": "sister", "soeur": "sister", "irmã": "sister",
    "sœur": "sister", "zus": "sister", "zusje": "sister", "syster": "sister", "søster": "sister", "siostra": "sister",
    "sorella": "sister",
    "bro": "brother", "brother": "brother", "hermano": "brother", "bruder": "brother", "frère": "brother",
    "broer": "brother", "bror": "brother", "fratello": "brother", "irmão": "brother",
    "mum": "mother", "mom": "mother", "mother": "mother", "mama": "mother", "mamá": "mother", "mãe": "mother",
    "mam": "mother", "mammy": "mother", "mummy": "mother", "mommy": "mother", "mamma": "mother", "mami": "mother",
    "mamãe": "mother", "maman": "mother", "mutti": "mother", "mamusia": "mother", "mamah": "mother", "annem": "mother",
    "amma": "mother", "ammi": "mother", "aai": "mother", "mẹ": "mother",
    "dad": "father", "father": "father", "papa": "father", "papá": "father", "pai": "father", "daddy": "father",
    "papi": "father", "papai": "father", "papà": "father", "vati": "father", "babam": "father", "appa": "father",
    "bố": "father",
    "wife": "wife", "esposa": "wife", "husband": "husband", "hubby": "husband", "esposo": "husband",
    "moglie": "wife", "ehefrau": "wife", "żona": "wife", "marito": "husband", "marido": "husband", "ehemann": "husband",
    "mąż": "husband", "echtgenoot": "spouse", "echtgenote": "spouse", "sambo": "partner", "fiancée": "fiancée",
    "fiancé": "fiancé", "girlfriend": "partner", "boyfriend": "partner",
    "son": "son", "hijo": "son", "daughter": "daughter", "hija": "daughter", "tochter": "daughter", "fille": "daughter",
    "dochter": "daughter", "dotter": "daughter", "figlia": "daughter", "filha": "daughter", "córka": "daughter",
    "sohn": "son", "zoon": "son", "figlio": "son", "filho": "son", "syn": "son", "grandson": "grandchild",
    "granddaughter": "grandchild", "grandchild": "grandchild", "nieto": "grandchild", "nieta": "grandchild",
    "grandma": "grandparent", "grandpa": "grandparent", "granny": "grandparent", "grandmother": "grandparent",
    "grandfather": "grandparent", "oma": "grandparent", "opa": "grandparent", "nonna": "grandparent",
    "nonno": "grandparent", "abuela": "grandparent", "abuelo": "grandparent", "avó": "grandparent",
    "avô": "grandparent", "babcia": "grandparent", "dziadek": "grandparent", "boss": "manager", "manager": "manager",
    "line manager": "manager", "supervisor": "supervisor", "supervising": "supervisor", "advisor": "thesis advisor",
    "adviser": "thesis advisor", "promotor": "thesis advisor", "tutor": "tutor", "coach": "coach",
    "treinador": "coach", "recruiter": "recruiter", "talent acquisition": "recruiter",
    "talent acquisition partner": "recruiter", "hiring manager":
    "hiring manager", "client": "client", "customer": "customer", "landlord": "landlord",
    "vermieter": "landlord", "tenant": "tenant", "teacher": "teacher", "professor": "professor",
    "classmate": "classmate", "colleague": "colleague", "co-maintainer": "co-maintainer", "maintainer":
    "co-maintainer", "mentor": "mentor", "doctor": "doctor", "pediatrician": "doctor", "neighbour": "neighbour",
    "neighbor": "neighbour", "friend": "friend", "bandmate": "bandmate", "reviewer": "reviewer",
    "cónyuge": "spouse", "spouse": "spouse", "art director": "art director", "editor": "editor",
    "hod": "head of department", "dept. chair": "department chair", "department chair": "department chair",
    "department head": "department head",
    "cliente": "client", "klant": "client", "klient": "client", "klientka": "client", "kunde": "customer",
    "kundin": "customer", "auftraggeber": "client", "auftraggeberin": "client", "bauherr": "client",
    "bauherrin": "client", "guide": "thesis guide", "thesis guide": "thesis guide", "orientador": "thesis advisor",
    "orientadora": "thesis advisor", "doktorvater": "thesis advisor", "doktormutter": "thesis advisor",
    "betreuer": "supervisor", "betreuerin": "supervisor", "handledare": "supervisor",
    "account manager": "account manager", "key account manager": "account manager",  # a supplier's contact for
    # the user's custom, not the user's boss
    "leidinggevende": "manager", "vorgesetzte": "manager", "vorgesetzter": "manager", "przełożony": "manager",
    "przełożona": "manager", "närmaste chef": "manager", "nærmeste leder": "manager", "esimies": "manager",
}
# Relations that are also occupations: as a title ("Anjali Patel, Grade 2 teacher") they say what the person does
# (a child's teacher, a parent's doctor), and count only when the screen says them to the user ("your teacher").
SERVICE_TITLES = frozenset({"teacher", "professor", "doctor"})
RELATION = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, RELATION_WORDS), key=len, reverse=True)) + r")\b",
                       re.IGNORECASE)


def relations_in(text: str) -> list[str]:
    """The relations a text names, by the words screens use for them ("big sis": sister)."""
    return list(dict.fromkeys(RELATION_WORDS[m.group(0).lower()] for m in RELATION.finditer(text)))


_REL = r"\b(?P<rel>(?i:" + "|".join(sorted(map(re.escape, RELATION_WORDS), key=len, reverse=True)) + r"))\b"
_NAME = rf"(?<![\w@.])(?P<name>{FULL_NAME})(?![\w@])"
_YOUR = r"(?i:\byour|\bvotre|\bton|\bta|\btu|\btua|\bteu|\bdein\w*|\bihr\w*)"
_SOME = r"(?:[\w.&'’-]+\s+){0,3}?"  # a few words between, as in "Talent Acquisition Partner at"
_MY = r"(?i:\bmy|\bmi|\bmeu|\bminha|\bmon|\bmein\w*|\bmijn|\bmitt|\bmio|\bmia)"  # said by the writer: the
# user's own only in a mail or message the user writes (not "ma" and "min": "but" and minutes too)
_HONORED = rf"(?:(?:{'|'.join(sorted(w.capitalize() for w in HONORIFICS))})\.?\s+)?"  # "Dr. " before a name
_EMOJI = r"(?:\s*[\u2600-\u27bf\U0001f300-\U0001faff]\ufe0f?)*"  # after a name the user saved with them
_PATTERNS = (
    (re.compile(rf"{_YOUR}\s+{_SOME}{_REL}\s*,?\s+{_NAME}"), "your"),  # your teacher Camila Rocha
    (re.compile(rf"{_NAME}\s*,\s*{_YOUR}\s+{_SOME}{_REL}"), "your"),  # Camila Rocha, your teacher
    (re.compile(rf"{_MY}\s+{_SOME}{_REL}\s*,?\s+{_NAME}"), "mine"),  # my manager Priya Nair
    (re.compile(rf"{_NAME}\s*[,(]\s*{_MY}\s+{_SOME}{_REL}"), "mine"),  # Omar (my editor), Priya Nair, my manager
    (re.compile(rf"{_NAME}{_EMOJI}\s*(?:\(|·|\||,|—|–)\s*(?i:(?:the|a|an)\s+)?{_SOME}{_REL}"), "title"),  # Name
    # (title), and as a contact saved with an emoji: "Fer 🌻 (hermana)"
    (re.compile(rf"(?<![\w.@-])(?P<name>@?[a-z][\w.-]{{2,30}})\s*\(\s*{_REL}\s*\)"), "title"),  # lena-k (co-maintainer)
    (_LABELLED := re.compile(rf"{_REL}\s*:\s*{_HONORED}{_NAME}(?! [a-zà-öø-ÿ])"), "title"),  # Treinador: Marcelo
    # Prado, Guide: Dr. Meera Joshi; not a chat list's "Mama: Perfecto hija", a message that its writer's contact
    # name heads
)
_LABEL = re.compile(rf"(?:^|{ROW_JOIN}){_REL}\s*:{ROW_JOIN}$")  # a field's label in the cell before its value
# A relation word that goes on into another word is part of a name ("Recruiter wrap-up"), unless that says where.
_GOES_ON = re.compile(r"[ \t]?(?!(?:at|for|of|in|to|and|@|bei|en|chez|de|da|di|presso)\b)[^\W\d_]")
_AS_YOUR = re.compile(rf"(?i:\bas\s+){_YOUR}\s+{_SOME}{_REL}")  # "as your personal tutor": said by the sender
_OTHERS = re.compile(r"(?:\b\w+['’]s|\b(?:his|her|their|its|su|sus|seu|sua|sein|seine)|(?i:\bmy|\bmi|\bmeu|\bminha))"
                     r"\s+(?:[\w-]+\s+)?$", re.IGNORECASE)
# What a manager's title says they manage when that is work, not people: "Senior Project Manager", "Product Manager".
_MANAGES_THINGS = re.compile(r"\b(?i:project|product|program|programme|account|events?|marketing|sales|brand|"
                             r"partnerships?|property|community|content|campaigns?|release)\b")
_GREETED = re.compile(rf"(?i:\b(?:{GREETING_WORDS}))\s+$")
_GREETED_LINE = re.compile(rf"^(?i:(?:{GREETING_WORDS}))\b")


# Family said by a greeting or a sign-off: what a mail's writer is to a reader they greet "Hola papá" (their child),
# and the user signing "Rachel (Noah's mom)" (Noah's parent).
_WRITER_TO_READER = {"mother": "child", "father": "child", "sister": "sibling", "brother": "sibling",
                     "grandparent": "grandchild", "son": "parent", "daughter": "parent"}
_KIN = ("mother", "father", "sister", "brother", "wife", "husband", "son", "daughter", "grandparent", "grandchild",
        "spouse", "partner", "fiancé", "fiancée")
# A kin word alone in a cell is a contact's name in a chat list ("Mama", "Mãe"), not the title of the name above it.
_KIN_ALONE = re.compile(r"^\W*(?i:" + "|".join(sorted((re.escape(w) for w, r in RELATION_WORDS.items() if r in _KIN),
                                                       key=len, reverse=True)) + r")\b[\W\d]*(?:\s+\w{1,3})?\s*$")
_GREETS_KIN = re.compile(rf"^\s*(?i:{GREETING_WORDS})\s+{_REL}\s*(?:[,!:.]|$)")
# A chat contact the user has named with a heart of any colour ("Dan ❤", "Mike ❤️", "Jess 💚"): whom people name so is
# their partner; not a two-letter message with a heart ("Dạ ❤️": yes).
_SWEETHEART = re.compile(rf"(?:^|\s{{2,}})(?P<name>(?=\w{{3}}){NAME_WORD})\s?"
                         rf"(?:❤️?|♥️?|💕|💖|💗|💘|💓|💞|💝|💚|💙|💛|💜|🧡|🤍|🖤|😍|🥰|😘)(?=\s{{2,}}|\s*$)", re.MULTILINE)
# … or with a word of endearment before the name ("Sayangku Nisa": my darling Nisa).
_ENDEARED = re.compile(rf"(?:^|\s{{2,}})(?i:sayangku|sayang|cintaku|habibi|habibti|hayati|my love|mi amor|meu amor|"
                       rf"mon amour|schatz|schatzi)\s+(?P<name>(?=\w{{3}}){NAME_WORD})(?=\s{{2,}}|\s*$)", re.MULTILINE)
_PARENT_OF = re.compile(rf"\(\s*(?P<name>{NAME_WORD})['’]s\s+(?i:mom|mum|dad|mother|father|mamá|mãe|papá|pai)\s*\)")


@dataclass(frozen=True)
class Relation:
    """A person on screen, what the screen says they are to the user, how it said so (`your`: addressed to the
    user; `title`: the person's title beside their name) and the line that says it."""

    person: str
    relation: str
    cue: str
    line: str

    @property
    def sentence(self) -> str:
        return f"{self.person} is the user's {self.relation}."


# A record a business app keeps about one person, as its window title names it with its number ("Quote Q-1043 -
# Niamh O'Sullivan", "Fall MB-2027-00318 Yılmaz Emine", "RO #10485 - Gary Pruitt"), and what the person is to the
# user who works on it; a year is no record's number ("Fall 2026 - Maria Lopez": a term).
_RECORDS = {"quote": "client", "quotation": "client", "estimate": "client", "offerte": "client", "devis": "client",
            "presupuesto": "client", "orçamento": "client", "preventivo": "client", "angebot": "client",
            "offert": "client", "invoice": "client", "factura": "client", "facture": "client", "rechnung": "client",
            "fattura": "client", "faktura": "client", "case": "client", "fall": "client", "caso": "client",
            "dossier": "client", "ärende": "client", "zaak": "client", "ro": "customer", "repair order": "customer",
            "work order": "customer", "claim": "claimant", "patient": "patient", "chart": "patient"}
_RECORD_NUMBER = re.compile(rf"^(?i:(?P<record>{'|'.join(sorted(map(re.escape, _RECORDS), key=len, reverse=True))}))"
                            rf"\s*[:#]?\s*(?!(?:19|20)\d\d\b)(?P<number>[\w/-]*\d[\w/-]*)"
                            rf"(?:\s+(?P<name>{FULL_NAME}))?$")


def _record_people(activity: Activity) -> list[tuple[str, str, str]]:
    """(person, relation, title) for each record about one person that a window title of the activity names with
    its number, the person in the same part of the title or the next one."""
    found = []
    for title in activity.titles:
        parts = [MORE_PAGES.sub("", p.strip()) for p in TITLE_SPLIT.split(title)][:-1]  # not the program's name
        parts = [p for p in parts if p and not (BROWSER.match(p) or PROFILE.match(p))]
        for n, part in enumerate(parts):
            m = _RECORD_NUMBER.match(part)
            name = (m.group("name") or (parts[n + 1] if n + 1 < len(parts) else "")) if m else ""
            if name and re.fullmatch(FULL_NAME, name) and " " in name and person_ok(name):
                found.append((name, _RECORDS[m.group("record").lower()], title))
    return found


def _said_of_user(line: str, at: int) -> bool:
    before = line[max(0, at - 30): at]
    return not (_OTHERS.search(before) or _GREETED.search(before))


_NOT_NAMES = HONORIFICS | frozenset(
    "mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def _is_person(name: str) -> bool:
    """A name, not a title ("Engineering Manager", "Director"), a pronoun ("I'd"), a weekday ("Mon") or a bare "Mr"."""
    name = name.lstrip("@")
    return bool(re.match(r"[^\W\d_][^\W\d_]", name)) and person_ok(name) and not relations_in(name) \
        and not _OCCUPATION.search(name) and not all(w.lower().strip(".") in _NOT_NAMES for w in name.split())


def relations(activity: Activity) -> list[Relation]:
    """The relations the activity's new lines state, one per person and relation, then the people the records its
    window titles name are about (`_record_people`) and the chat contacts named with a heart who have no other
    relation; the user (or the name the screens have addressed the user by most, before they settle it) is
    nobody's relation."""
    senders = [e.text for cue in ("sender", "signature") for e in activity.entities
               if e.kind == "person" and e.cue == cue]
    recipients = [e.text for e in activity.entities if e.kind == "person" and e.cue == "recipient"]
    writing = is_writing(activity)
    user = activity.likely_user.split()[0] if activity.likely_user else ""
    found: dict[tuple[str, str], Relation] = {}

    writers = {w.split()[0].lower() for w in [*senders, *(e.text for e in activity.entities
                                                       if e.kind == "person" and e.cue == "chat")]}

    def keep(name: str, word: str, cue: str, line: str) -> None:
        relation = RELATION_WORDS.get(word.lower(), word)
        if cue in ("title", "qualified") and relation in SERVICE_TITLES:
            return
        if cue == "qualified" and name.split()[0].lower() not in writers:
            return  # "Product Manager" beside a name is a job; it says who they are to the user in their own message
        if cue == "qualified" and _works_elsewhere(activity, name):
            return  # "Contracts Manager | Murphy & Lynch Builders Ltd" to an electrician: a contact, not their boss
        is_user = name.split()[0] == user
        if _is_person(name) and not is_user and (name.lower(), relation) not in found:
            found[(name.lower(), relation)] = Relation(name, relation, cue, line)

    lines = activity.lines
    for i, line in enumerate(lines):
        for pattern, cue in _PATTERNS:
            for m in pattern.finditer(line):
                between = line[m.end("name"):m.start("rel")] if m.start("name") < m.start("rel") else ""
                kin = RELATION_WORDS[m.group("rel").lower()] in _KIN
                if kin and (pattern is _LABELLED or cue == "title" and (
                        "," in between or " " in m.group("name")
                        or re.search(rf"{NAME_WORD},\s*$", line[:m.start("name")]))):
                    continue  # "Amma: Kavya, …": a family chat's speaker and whom she writes to; "Sanne, Mam, Bram":
                    # a family group's members; "Carer: Joanne Doyle (daughter)", "Kowalczyk, Matthew (Father)": a
                    # record's kin of whom it is about (the user saves their own by a given name: "Mélanie (sœur)")
                if cue == "title" and re.search(r"\b(?i:of|for|de|für)\s+$", between):
                    continue  # "Head of Customer Experience": what the person heads, not who they are to the user
                qualified = cue == "title" and (bool(WORD.search(re.sub(r"(?i)\b(?:the|a|an)\b", "", between)))
                                                or bool(_GOES_ON.match(line, m.end("rel"))))
                if qualified and _MANAGES_THINGS.search(between):
                    continue  # "Rachel Kim | Senior Project Manager": a job that manages work, not the user
                if cue == "mine":
                    if writing and not line.lstrip().startswith(">"):  # not a quote of the mail it answers
                        keep(m.group("name"), m.group("rel"), "your", line)
                elif _said_of_user(line, m.start("rel")):
                    keep(m.group("name"), m.group("rel"), "qualified" if qualified else cue, line)
        row = activity.rows.get(line, "")
        if (at := row.find(line)) > 0 and (label := _LABEL.search(row[:at])) and \
                (m := re.match(rf"{_HONORED}{_NAME}", line)):
            keep(m.group("name"), label.group("rel"), "title", row)  # "Cliente:   Beatriz Arnaiz (Arnaiz …)"
        m = _AS_YOUR.search(line)
        if m and senders:
            keep(senders[0], m.group("rel"), "your", line)
        m = _GREETS_KIN.match(line)
        if m and writing and recipients:  # the user writes "Hi Mum"
            keep(recipients[0], m.group("rel"), "greeting", line)
        elif m and not writing and senders and RELATION_WORDS[m.group("rel").lower()] in _WRITER_TO_READER:
            keep(senders[0], _WRITER_TO_READER[RELATION_WORDS[m.group("rel").lower()]], "greeting", line)
        m = _PARENT_OF.search(line)
        if m and user and re.search(rf"\b{re.escape(user)}\s*$", line[:m.start()]):
            keep(m.group("name"), "child", "signature", line)
        title = (activity.below.get(line) or lines[i + 1: i + 2] or [""])[0]  # under the name, in its column
        m = RELATION.search(title)
        if m and re.fullmatch(FULL_NAME, line) and " " in line and len(title.split()) <= 5 \
                and _said_of_user(title, m.start()) and not _KIN_ALONE.match(title) \
                and not re.match(rf"\.?\s+{FULL_NAME}", title[m.end():]):  # "Bro. Nana Yeboah": a name's honorific
            if not _MANAGES_THINGS.search(title[:m.start()]):
                keep(line, m.group(0), "qualified" if WORD.search(title[:m.start()]) else "title", f"{line} · {title}")
    for name, relation, title in _record_people(activity):
        keep(name, relation, "record", title)
    for m in (m for line in lines for pattern in (_SWEETHEART, _ENDEARED) for m in pattern.finditer(line)):
        given = m.group("name")
        full = {e.text for e in activity.entities
                if e.kind == "person" and e.text.split()[0] == given and " " in e.text}
        if not relations_in(given) and not any(r.person.split()[0] == given for r in found.values()):
            # "Mama 💕" is named by the relation already, "Pilar ❤" as the spouse she is
            keep(full.pop() if len(full) == 1 else given, "partner", "endearment", m.string)
    return list(found.values())


# Words that name an occupation, as titles and signatures write them.
_OCCUPATIONS = (
    "developer|engineer|programmer|designer|illustrator|artist|painter|photographer|writer|author|editor|"
    "journalist|reporter|translator|interpreter|teacher|professor|lecturer|student|researcher|scientist|analyst|"
    "accountant|bookkeeper|consultant|lawyer|attorney|paralegal|solicitor|nurse|physician|pharmacist|therapist|"
    "dentist|architect|plumber|electrician|carpenter|mechanic|technician|chef|cook|barista|baker|musician|composer|"
    "producer|co[oö]rdinator|administrator|assistant|officer|agent|realtor|broker|founder|owner|freelancer|maintainer|"
    "caregiver|manager|director|specialist|clerk|librarian|secretary|receptionist|counsell?or|instructor|midwife|"
    "veterinarian|surveyor|planner|marketer|entrepreneur|fot[oó]grafo|fot[oó]grafa|diseñador|diseñadora|"
    "ingenier[oa]|profesora?|professora|(?:phd|ph\\.d\\.|doctoral) candidate|enfermer[oa]|abogad[oa]|médic[oa]|"
    "maestr[oa]|lehrer(?:in)?|ingenieur(?:in)?|"
    "entwickler(?:in)?|übersetzer(?:in)?|traduct(?:or|ora)|tradutora?|desarrollador(?:a)?|desenvolvedora?|"
    "jubilad[oa]|retired|pensioner|recruiter|worker|apprentice|vet|architekt(?:in)?|architecte|arquitect[oa]|"
    "architetto|organisat(?:eur|rice)|specialista|avvocat[oa]|farmac[eé]utic[oa]|apothekerin|apotheker|"
    "especialista|dispatcher|forwarder|spedytor|dyspozytor|kierownik|farmer|éleveur|éleveuse|agricult(?:eur|rice)|"
    "creator|hygienist|investigador(?:a)?|planificador(?:a)?|urbanista|onderzoeker|bibliothécaire|bibliotecari[oa]|"
    "coach|trainer|adjuster|adjustor|underwriter|inspector|estimator|auditor|cashier|physiotherapist|fysioterapeut|"
    "superintendent|foreman|forewoman|sommelier|importer|exporter|chair|chairman|chairwoman|head|lead|"
    "leader|resident|intern|supervisor|nutritionist|dietitian|paramedic|surgeon|clinician|pilot|driver|courier|"
    "analista|gerente|agente|coordenador(?:a)?|coordinador(?:a)?|assistente|técnic[oa]|enfermeir[oa]|responsabile|"
    "president|treasurer|directeur|directrice|direktor(?:in)?|direttore|direttrice|directora|diretora?|dyrektor|"
    "partner|responsable|conseill(?:er|ère)|consultante?|berater(?:in)?|asesora?|adviseur|referent(?:in)?|medewerker|"
    "mitarbeiter(?:in)?|stagiaire|praktikant(?:in)?|comptable|contador(?:a)?|ingénieur(?:e)?|avocate?|"
    "advogad[oa]|enseignante?|docent|professeure?|infirmi(?:er|ère)|médecin|doctora?|journaliste|rédact(?:eur|rice)|"
    "chercheu(?:r|se)|étudiante?|estudiante|studentin|jef[ea]|encargad[oa]|auxiliar|assistante|"
    "impiegat[oa]|commercialista|sachbearbeiter(?:in)?|kauffrau|kaufmann|料理長|支配人|総支配人|マネージャー|部長|課長|"
    "主任|店長|purser|steward|stewardess|flight attendant|cabin attendant|crew member|mühendis(?:i)?|tekniker|"
    "sonorisateur|generalist|stylist|hairdresser|barber|colou?rist|parrucchier[ae]|titolare|proprietari[oa]|"
    "peluquer[oa]|cabeleireir[oa]|friseur(?:in)?|coiffeu(?:r|se)|şef(?:i)?|müdür(?:ü)?|uzman(?:ı)?|verwalter(?:in)?|"
    "pastor|priest|imam|rabbi|vicar|chaplain|deacon|deaconess|usher|associate|controller|principal|headteacher|"
    "headmaster|headmistress|dean|provost|rector|tatuador(?:a)?|tattooist|videographer|vide[oó]graf[oa]|"
    "cinematographer|cheesemaker|winemaker|brewer|pemeriksa|dosen"
)
# Compound titles end on these ("Skiftledare", "Platschef", "Kundansvarig", "Teamleider", "Küchenmeister",
# "Hausverwalter", "Rakennustarkastaja", "Tiimipäällikkö").
_COMPOUND = (r"\b(?i:\w+(?:ledare|chef|ansvarig|leiter|leiterin|leider|meister|meisterin|adviseur|medewerker|"
             r"berater|beraterin|verwalter|verwalterin|handläggare|rådgivare|rådgiver|tarkastaja|päällikkö|johtaja|"
             r"suunnittelija|insinööri|asiantuntija|sihteeri))\b")
_OCCUPATION = re.compile(rf"\b(?i:{_OCCUPATIONS})s?\b|{_COMPOUND}")
_ONE_OCCUPATION = re.compile(rf"\b(?i:{_OCCUPATIONS})\b|{_COMPOUND}")  # not "Professional Engineers Ontario",
# "Online services for agents": a body of people
_TITLE_CELL = re.compile(r"\s*(?:—|–|-|·|\||,)\s*(?P<title>(?:(?! - |\s{2})[^—–·|,▾()\n│┃║]){3,60})")  # in its
# cell: a row's next cells are after a wider gap
# A title in brackets after a name ("Linda Tremblay (President)"), not a place's access role ("(owner)", "(viewer)").
_BRACKETED = re.compile(r"\s*\((?P<title>[^()\n]{3,40})\)")
_ACCESS_ROLES = frozenset("owner viewer editor commenter admin administrator member guest host organizer organiser "
                          "presenter attendee you".split())
# What ends an employer's name, as signatures and profiles write it: "Whitfield & Osei LLP", "Lincoln Middle School".
_ORGANISATION = re.compile(
    rf"^[{CAPITALS}0-9][\w.'’&-]*\s+(?:(?:[{CAPITALS}0-9][\w.'’&-]*|&|and|of|de|und|y|e)\s+){{0,5}}?"
    r"(?:LLP|LLC|Inc\.?|Ltd\.?|GmbH|AG|SE|SA|S\.L\.|BV|B\.V\.|N\.V\.|AB|Co\.?|Corp\.?|(?i:sp\. z o\.o\.)|S\.A\.|"
    r"S\.p\.A\.|S\.r\.l\.|SRL|SAS|SARL|e\.V\.|Oy|ApS|Association|Society|Club|Library|Trust|"
    r"Group|University|Universit\w+|College|School|Academy|Hospital|Clinic|Studio|Studios|Press|Games|Bank|Agency|"
    r"Council|Ministry|Foundation|Institute|Labs?|Airlines|Airways|A\.Ş\.|Şti\.|Pty\.? Ltd\.?|(?i:universitet|"
    r"institutet|högskola|universiteit|hogeschool))$|^(?:University|Universidad|Universidade|Universität|Hospital|"
    r"Colegio|Escola|School|Dirección|Direção|Direction|Gobierno|Governo|Ayuntamiento|Prefeitura|Mairie|Secretaría|"
    r"Ministerio|Ministério|Ministère|Departamento|Département|Municipio|Município|Comune|Gemeente|Consejo|Conseil|"
    rf"Junta) (?:(?:of|de|del|de la|do|da|des|du|di|della) )?[{CAPITALS}][\w ]{{2,40}}$"
)
# A unit of an organisation, which a signature names before the organisation itself.
_UNIT = re.compile(r"^(?:Dirección|Direção|Direction|Departamento|Département|Department|Abteilung|Afdeling|"
                   r"Avdelning|Servicio|Serviço|Service|Unidad|Unidade|Unité|Unit|Division|Office)\b")
# An employer beside a title may also be any name of two to five capitalised words ("Corvid Health", "Studio Krause
# Architekten") in a signature's next cell or line.
_NAMED = re.compile(
    rf"[{CAPITALS}][\w.'’&-]*(?:\s+(?:[{CAPITALS}][\w.'’&-]*|&|of|de|du|des|di|del|und|y|e|and|for)){{1,4}}")
# A field beside a title: two to six capitalised words ("Linguistics and English Language", "Customer Support").
_FIELD = re.compile(rf"[{CAPITALS}][\w'’-]*(?:\s+(?:[{CAPITALS}][\w'’-]*|&|and|of|de|e|y|und|en)){{1,5}}")
_SCHOOL = re.compile(r"\b(?:School|Schule|Escuela|Escola|École|Ecole|Colegio|Gymnasium|Lycée|Collège|Scuola)\b")
# A signature line's parts: "Kundansvarig  |  Jobbpoolen Väst AB"; a box's border ("│ Red River Food Bank · 455
# Selkirk Ave") is none of them.
_PARTS = re.compile(r"\s*[—–·|,│┃║]\s*|\s{3,}")
# The organisation a mail address names ("maartje.hoekstra@pennywijs.nl": pennywijs); not a mail provider's.
_MAIL_DOMAIN = re.compile(r"[\w.+-]+@(?!(?:gmail|googlemail|outlook|hotmail|live|yahoo|icloud|me|proton|protonmail|"
                          r"gmx|web|aol|mail|yandex|zoho|fastmail)\.)([\w-]{3,})\.[a-z]{2,}", re.IGNORECASE)
# Credentials or nothing after a name that ends its line: a signature's name ("Doug Arsenault, P.Eng. (ret.)").
_CREDENTIAL = (r"[A-Z]{2,5}|[A-Z][a-z]{0,2}\.(?:[A-Z][a-z]{0,3}\.?)?|Ph\.?\s?D\.?|[A-Z]{1,3}(?:Sc|Ed|Eng|Pharm|Phil)\b|"
               r"\((?:Hons?|ret\.?|retired)\)|\((?:she|he|they|elle|il|iel|sie|er)/\w+\)")
_CREDENTIALS = re.compile(rf"(?:\s*,?\s*(?:{_CREDENTIAL}))*[\s,.]*")
_INITIALLED = re.compile(rf"\(?[{CAPITALS}]{{1,3}}\)?\s+{FULL_NAME}")  # a list's next person, after their avatar's
# initials: "(GR) Gennaro Russo"
_QUOTED = re.compile(r"^(?:>\s?)+")  # a line of a quoted mail
# Credentials between a name and the title beside it: "Dr Emily Tran BVSc (Hons) | Veterinarian | Brunswick Vet Clinic".
_CREDENTIALS_BEFORE_TITLE = re.compile(rf"(?:\s*,?\s*(?:{_CREDENTIAL}))+(?=\s*[—–·|-])")
_AT = re.compile(rf"\b(?:at|@|bei|en|chez|na|no|em|presso)\s+(?=[{CAPITALS}0-9])")
_IN_OR_AT = frozenset("en em na no".split())  # of _AT's words, those that may say "in" a field


def _as_read(name: str) -> str:
    """A pattern for `name` as OCR may read it: "m" and "rn" for each other ("Okarnoto" for Okamoto)."""
    return re.sub(r"rn|m", "(?:rn|m)", re.escape(name))


def _job_and_employer(title: str) -> tuple[str, str]:
    """A title as a sentence says it, in two parts: the job's words in lower case (acronyms and "PhD" kept; two
    jobs joined: "Titolare · Colorist") and its field as written ("in Customer Support"), and
    the employer as written ("at Fairbrook High School"; '' when there is none)."""
    at = _AT.search(title)
    job, employer = (title[:at.start()], title[at.start():]) if at else (title, "")
    job = re.sub(r"\s+·\s+", " and ", job)
    job, field = (job.split(" in ", 1) + [""])[:2]
    job = " ".join(w if len(w) > 1 and (w.isupper() or any(c.isupper() for c in w[1:])) else
                   w.replace("İ", "i").lower() for w in job.split())  # "PhD", "iOS" and "RN" as written
    return f"{job} in {field.strip()}" if field else job, " ".join(employer.split())


@dataclass(frozen=True)
class Role:
    """The user's occupation as a title beside the user's own name on screen, and the line that says it."""

    user: str
    title: str
    line: str
    owns: bool = False  # the title is a business of the user's own name: the user runs it

    @property
    def sentence(self) -> str:
        if self.owns:
            return f"The user, {self.user}, runs {self.title}."
        job, employer = _job_and_employer(self.title)
        said = " ".join(filter(None, (job, employer)))
        if not _OCCUPATION.search(job):  # "8th Grade Science at Lincoln Middle School": a field, not a job …
            verb = "teaches" if _SCHOOL.search(employer) else "works in"  # … taught, when the employer is a school
            said = f"The user, {self.user}, {verb} {said}"
        else:
            said = f"The user, {self.user}, is {_article(job)} {said}"
        return said if said.endswith(".") else f"{said}."  # "… at Warta-Trans Logistyka Sp. z o.o."


def _article(job: str) -> str:
    """"an" before a vowel's sound: "an engineer", "an IT technician", "an HR generalist"; else "a" ("a UX
    writer")."""
    first = job.split()[0] if job.split() else ""
    acronym = len(first) > 1 and first.split("-")[0].isupper()
    return "an" if first and (first[0] in "AEFHILMNORSX" if acronym else first[0].lower() in "aeiou") else "a"


@dataclass(frozen=True)
class Contact:
    """A person who writes to or with the user, the title their signature or name card gives them, and the line."""

    person: str
    title: str
    line: str
    cue: str = "signature"

    @property
    def sentence(self) -> str:
        said = " ".join(filter(None, _job_and_employer(self.title))).rstrip(".")
        return f"{self.person}, {re.sub('^at ', 'of ', said)}, works with the user."  # "of" an employer alone


def _employer(cells: tuple[str, ...], domains: frozenset[str] = frozenset(), people: frozenset[str] = frozenset()
              ) -> str:
    """The first cell that names an organisation ("Fairbrook High School"), else one word that a mail address on
    screen has as its domain (`domains`, lower case: "Kudipay" beside funmi.adebayo@kudipay.com, over a department's
    "Customer Support"), else the first of two to five capitalised words that are no title; a cell's description
    after " - " is left out ("Bonetti Vini - importazione e …"); a person's name (`people`, lower case) is
    none. Of a department and its organisation ("Dirección de Admisiones | Universidad Montebello"), the
    organisation."""
    cells = tuple(c for c in (c.split(" - ")[0].strip() for c in cells) if c.lower() not in people)
    organisations = [c for c in cells if _ORGANISATION.match(c)]
    return next((c for c in organisations if not _UNIT.match(c)), organisations[0] if organisations else "") \
        or next((c for c in cells if c[:1].isupper() and c.lower() in domains), "") \
        or next((c for c in cells if _NAMED.fullmatch(c) and not _ONE_OCCUPATION.search(c)), "")


# Words that join a title's words ("Jefa de Becas y Financiamiento Educativo"), not counted in its length.
_JOINING = frozenset("de del la las los el y e of and the for für und en et des du di da do dos das van voor och i "
                     "w z".split())


def _title(title: str, *employers: str, domains: frozenset[str] = frozenset(), people: frozenset[str] = frozenset()
           ) -> str:
    """A title with an occupation word, with the field the next cell names ("PhD candidate, Linguistics and
    English Language") and its employer when a next cell names one (`_employer`); a title without one only with
    its employer; '' when it is no title."""
    title = re.sub(r"^(?i:our|my|your|the)\s+", "", " ".join(title.split()))  # "our athletic trainer"
    if len([w for w in WORD.findall(title) if w.lower() not in _JOINING]) > 5 or re.search(r"[:@]|\b\d+\b", title) \
            or _GREETED_LINE.match(title) \
            or title.split()[0].lower().strip(".") in HONORIFICS or title.count("(") != title.count(")") \
            or any(unicodedata.category(c) == "So" for c in title) or re.search(r"\b[a-z]{5,}[.!?]\s", title) \
            or all(w.lower() in MENU_WORDS | UI_LABELS | COMMON_WORDS for w in WORD.findall(title)):
        return ""  # a date, an address, a count, a person ("Coach Ray Miller"), a message's first words ("Bom dia"),
        # a cell cut from a wrapped one ("Analyst) Meet"), a button with its icon ("↩ Responder"), a sentence's end
        # ("one of our senior agents. Please") or a menu's words ("Help  |  Sign Out")
    cells = tuple(" ".join(e.split()) for e in employers)
    # a title with "at" names its employer; one with "en", "em", "na", "no" (in or at) may name a field, so a next
    # cell that is an organisation's name is its employer ("Especialista en Planeación Urbana" / "Dirección de
    # Ordenamiento del Territorio")
    at = _AT.search(title)
    if not at:
        employer = _employer(cells, domains, people)
    elif at.group(0).split()[0] in _IN_OR_AT:
        employer = next((c for c in cells if _ORGANISATION.match(c)), "")
    else:
        employer = ""
    if _OCCUPATION.search(title):
        field = cells[0].split(" - ")[0] if cells and not _AT.search(title) else ""
        if _FIELD.fullmatch(field) and field != employer and not _OCCUPATION.search(field) \
                and not _ORGANISATION.match(field) and field.lower() not in domains | people:
            title = f"{title} in {field}"  # "PhD candidate, Linguistics and English Language"
        return f"{title} at {employer}" if employer else title
    return f"{title} at {employer}" if employer and WORD.search(title) else ""


def _titles(activity: Activity, person: str, signed: bool = True) -> list[tuple[str, str]]:
    """(title, line) for each title the activity's screens give `person`: after the name ("Dara Quinn — Freelance
    Illustrator", in its cell or the next cells of its row, or in brackets: "Linda Tremblay (President)"; after a
    field's label only with an occupation word), or on the line under it, as a signature or a profile card writes it
    ("Grace O'Connor" / "Registered Nurse" / "St Mary's Hospital"; the name may carry credentials and pronouns:
    "Doug Arsenault, P.Eng.", "Michelle Lavallée (she/elle)"), with the employer when a next cell or line names one
    (or the line after, for an organisation under a department's line); a title without an occupation word only with
    its employer. The screens are read as they are, chrome included: a signature shows in every mail of its writer.
    Of a title and the same title with more, only the fuller is kept; a title or employer that is someone's name is
    none. Without `signed`, only a title beside the name counts: someone who writes nothing here signs nothing."""
    found: dict[str, tuple[str, str]] = {}
    given, _, family = person.partition(" ")
    name = re.compile(rf"(?<!\w){_as_read(given)}\w*(?:\s+\([^()\n]{{1,20}}\))?\s+{_as_read(family)}"
                      rf"(?: {NAME_WORD})?(?!\w)" if family else rf"(?<!\w){_as_read(person)}(?!\w)")  # "Funmilayo
    # Adebayo" for Funmi Adebayo, "Rosalind (Ros) Whitaker" for Rosalind Whitaker, "Javier Ortega Blasco" for Javier
    # Ortega, "Renata Okarnoto" (as OCR misreads it) for Renata Okamoto
    people = frozenset(e.text.lower() for e in activity.entities if e.kind == "person" and _is_person(e.text))
    domains = frozenset(m.group(1).lower() for o in activity.observations
                        for m in _MAIL_DOMAIN.finditer(f"{o.title}\n{o.text}"))
    for o in activity.observations:
        grid = list(grid_cells(o.text))
        rows = {cell: cells for cell, cells, _ in grid}
        for line, cells, under in grid:
            following = [_QUOTED.sub("", ROW_JOIN.join(rows[u][rows[u].index(u):]) if u in rows else u)
                         for u in under]  # a quoted reply's signature ("> Owner | Ironbark Garden Co.") as written
            row = ROW_JOIN.join(cells)
            for m in name.finditer(line):
                title = ""
                stamped = re.search(r"\d:\d\d|\d{4}-\d\d-\d\d", row[row.index(line) + len(line):])  # a list's
                # sender, beside the time of the mail ("Pat Nguyen   2027-05-12 11:05 p.m."), signs nothing
                if signed and _CREDENTIALS.fullmatch(line[m.end():]) and len(WORD.findall(line[:m.start()])) <= 2 \
                        and not stamped:  # a signature
                    parts = [p for p in _PARTS.split(following[0] if following else "") if p]
                    later = [p for u in following[1:2] for p in _PARTS.split(u) if p] + \
                        [p for u in following[2:3] for p in _PARTS.split(u)[:1] if _ORGANISATION.match(p)]  # the
                    # organisation may come after a department's line ("Fysioterapi, Ortopedi Mölndal")
                    if parts and not re.search(r"[\d:]", parts[0]) and not any(p[0].islower() for p in parts) \
                            and (_OCCUPATION.search(parts[0]) or not re.fullmatch(FULL_NAME, parts[0])) \
                            and not _INITIALLED.fullmatch(parts[0]):
                        # a title's line, not "Subject: …", the start of a message ("Coach, heads up - …") or the
                        # next name of a list or a table ("Nils Andersson   Truck A+B", "(GR) Gennaro Russo   …")
                        if not _OCCUPATION.search(parts[0]) and len(parts) > 1 and _OCCUPATION.search(parts[1]):
                            parts = parts[1:]  # a degree before the job: "İnşaat Yük. Müh. – Kontrol Mühendisi"
                        title = _title(parts[0], *parts[1:], *later, domains=domains, people=people)
                if not title:  # a title beside the name, in its cell or the next cells of its row
                    rest = row[row.index(line) + m.end():]
                    rest = rest[credentials.end():] if (credentials := _CREDENTIALS_BEFORE_TITLE.match(rest)) else rest
                    if cell := _TITLE_CELL.match(rest):
                        after = _TITLE_CELL.match(rest, cell.end())
                        labelled = WORD.search(row[:row.index(line)])  # a form's row ("Päättäjä   Anna …"): the
                        # line under it is the form's next row, not the rest of a card
                        next_line = next((p for p in _PARTS.split(following[0]) if p), "") \
                            if following and not labelled else ""
                        title = _title(cell.group("title"), after.group("title") if after else "", next_line,
                                       domains=domains, people=people)
                    elif (bracket := _BRACKETED.match(rest)) and _OCCUPATION.search(bracket.group("title")) \
                            and bracket.group("title").strip().lower() not in _ACCESS_ROLES:
                        title = _title(bracket.group("title"))
                    elif bracket and person not in (activity.user, activity.likely_user) \
                            and (title := _bracketed_employer(bracket.group("title"))):
                        found.setdefault(title.lower(), (title, line))  # the name's own: no label's next name
                        continue
                    elif rest.startswith(ROW_JOIN) \
                            and (cell := _job_in_cell(_spelled_out(rest[len(ROW_JOIN):].split(ROW_JOIN)[0])))[0] \
                            and _OCCUPATION.search(cell[0]) and len(cell[0].split()) <= 4 \
                            and not re.search(r"\d", cell[0]) \
                            and not re.fullmatch(rf"{NAME_WORD}(?:\s+{NAME_WORD}){{1,2}}",
                                                 "".join(rest[len(ROW_JOIN):].split(ROW_JOIN)[1:2])):
                        title = _title(cell[0], cell[1])  # "Priya Nair   Engineering Manager   9:58 AM", "Jenna Park
                        # RDH", "Gareth Price   Commercial Manager - Sandstone Gulf": the next cell, with the employer
                        # after its dash, unless it labels the name after it ("Client  Maria Delgado    Responsible
                        # attorney  Sarah Osei")
                    if ":" in line[:m.start()] and not _OCCUPATION.search(_job_and_employer(title)[0]):
                        title = ""  # after a field's label, an occupation ("Par : Léa Garnier, organisatrice
                        # d'événements"), not the next of its names ("Distribution: Dana Whitfield, Luis Ortega")
                said = [p.strip().lower() for p in _AT.split(title)]
                if title and person.lower() not in title.lower() and "…" not in title \
                        and not any(p in people for p in said):
                    found.setdefault(title.lower(), (title, line))
    return [t for key, t in found.items() if not any(k != key and k.startswith(key) for k in found)]  # the fullest


_IN_CELL = re.compile(r"\s+[-·|]\s+")


def _job_in_cell(cell: str) -> tuple[str, str]:
    """A cell's job and what follows it ("Commercial Manager - Sandstone Gulf", "Deputy Principal · 4th Class"); two
    jobs joined ("Titolare · Colorist") are one."""
    job, *rest = _IN_CELL.split(cell, 1)
    return (cell, "") if rest and _OCCUPATION.search(rest[0]) else (job, rest[0] if rest else "")


# A short job in capitals ("CRA"), and one before an employer in the brackets after a name: "Julien Marchetti (CRA,
# Medvance)".
_SHORT_JOB = rf"[{CAPITALS}]{{2,5}}"
_BRACKETED_JOB = re.compile(rf"(?P<job>{_SHORT_JOB}),\s+(?P<employer>.+)")


def _bracketed_employer(said: str) -> str:
    """The title that the brackets after a name give without an occupation word ("CRA at Medvance" for "CRA,
    Medvance"; "at Zemin-Temel Kazık Ltd. Şti." for an organisation alone), when they name an organisation; ''
    for a place, a department, a status or a note ("Kota Bandung", "Finance", "Externo", "DM")."""
    said = " ".join(said.split())
    if m := _BRACKETED_JOB.fullmatch(said):
        employer = m.group("employer")
        return f"{m.group('job')} at {employer}" \
            if _ORGANISATION.match(employer) or re.fullmatch(rf"[{CAPITALS}][\w-]+", employer) else ""
    return f"at {said}" if _ORGANISATION.match(said) else ""


def _employer_named(title: str) -> bool:
    """Whether a title without an occupation word still says something: an employer, alone or after a short job
    in capitals ("at Zemin-Temel Kazık Ltd. Şti.", "CRA at Medvance")."""
    job, employer = _job_and_employer(title)
    return bool(employer) and (not job or bool(re.fullmatch(_SHORT_JOB, job)))


_NOT_INITIALS = frozenset("and of the ltd inc llc llp plc gmbh ag sa ab bv co corp".split())  # "MLB" for "Murphy &
# Lynch Builders Ltd"


def _employers(activity: Activity, person: str) -> list[str]:
    """The employers the activity's titles give `person` ("Murphy & Lynch Builders Ltd"), without their "at"."""
    return [_AT.sub("", employer, count=1) for title, _ in _titles(activity, person)
            if (employer := _job_and_employer(title)[1])]


def _works_elsewhere(activity: Activity, person: str) -> bool:
    """Whether the employer the screens give `person` is not the user's: the user's organisation is known by the
    mail account a window title shows ("Inbox - declan@horganelectrical.ie") or the employer beside the user's
    own name, and the person's employer ("Contracts Manager | Murphy & Lynch Builders Ltd") matches it neither
    with its words run together nor by their initials. False when either is unknown."""
    def squashed(text: str) -> str:
        return re.sub(r"[\W_]+", "", text.lower())

    ours = [m.group(1).lower() for t in activity.titles for m in _MAIL_DOMAIN.finditer(t)]
    ours += [squashed(e) for e in (_employers(activity, activity.user) if activity.user else [])]
    theirs = _employers(activity, person)
    if not theirs or not ours:
        return False
    return not any(o in squashed(e) or squashed(e) in o
                   or o == "".join(w[0] for w in re.findall(r"\w+", e.lower()) if w not in _NOT_INITIALS)
                   for o in ours for e in theirs)


# Credentials after a name that say the occupation, and the mark of one given up.
_PROFESSIONS = {"p.eng.": "professional engineer", "p.eng": "professional engineer", "cpa": "certified public "
                "accountant", "rn": "registered nurse", "rdh": "dental hygienist", "dds": "dentist", "dmd": "dentist",
                "esq.": "lawyer", "lcsw": "clinical social worker", "dvm": "veterinarian", "bvsc": "veterinarian",
                "pharmd": "pharmacist", "dpt": "physical therapist", "aia": "architect", "cfa": "financial analyst"}
_RETIRED = re.compile(r"\((?:ret\.?|retired)\)", re.IGNORECASE)
# Honorifics before a name that say the occupation, as Spanish, Italian and German write them: "Cdora. Graciela Paz",
# "Avv. Marco Ferri", "Arq. Daniela Ochoa", "Ing. Martin Haider".
_PROFESSION_BEFORE = {"ing.": "engineer", "dipl.-ing.": "engineer", "arq.": "architect", "arch.": "architect",
                      "cdor.": "accountant", "cdora.": "accountant", "avv.": "lawyer", "abog.": "lawyer",
                      "abg.": "lawyer"}


def _spelled_out(title: str) -> str:
    """`title` with each credential that names a profession written as it ("RDH": dental hygienist; "DDS / owner":
    dentist / owner)."""
    return re.sub(r"[\w.-]+", lambda m: _PROFESSIONS.get(m.group(0).lower(), m.group(0))
                  if any(c.isupper() for c in m.group(0)) else m.group(0), title)


def _credentials(activity: Activity, person: str, honorific: bool = True) -> list[tuple[str, str]]:
    """(title, line) for an occupation the credentials after `person`'s name say ("Doug Arsenault, P.Eng. (ret.)":
    retired professional engineer), or with `honorific` the honorific before it ("Cdora. Graciela Paz": accountant;
    it says what someone trained as, which is who they are to others, not always the user's job)."""
    found = []
    for line in activity.lines:
        at = line.find(person)
        before = line[:at].split()[-1:] if at > 0 and honorific else []
        if before and before[0].lower() in _PROFESSION_BEFORE:
            found.append((_PROFESSION_BEFORE[before[0].lower()], line))
            continue
        rest = line[at + len(person):] if at >= 0 else ""
        if at < 0 or not rest.strip() or not _CREDENTIALS.fullmatch(rest):
            continue
        jobs = [_PROFESSIONS[w.lower()] for w in re.findall(r"[\w.-]+", rest) if w.lower() in _PROFESSIONS]
        if jobs:
            found.append((("retired " if _RETIRED.search(rest) else "") + jobs[0], line))
    return found[:1]


def _own_business(activity: Activity, user: str) -> list[tuple[str, str]]:
    """(business, line) for a business the activity's screens name after the user's own surname, with a word that
    ends a firm's name after it: a small business's owner sees it in every account they are signed in to."""
    words = user.split()
    if len(words) < 2 or len(words[-1]) < 4:
        return []
    firm = re.compile(rf"(?<![\w-])(?:{re.escape(' '.join(words[:-1]))}\s+|{re.escape(words[0])}\s+)?"
                      rf"{re.escape(words[-1])}"
                      rf"(?:\s+[{CAPITALS}][\w&'’-]*){{0,2}}?\s+(?i:{FIRM_ENDS})\b\.?")
    for line in [*activity.titles, *activity.lines]:
        if m := firm.search(line):
            return [(m.group(0).rstrip("."), line)]
    return []


def roles(activity: Activity) -> list[Role]:
    """The occupations the activity's lines give the user beside their own name (`_titles`): "Tanya Brooks |
    Paralegal | Whitfield & Osei LLP", "Daniel Reyes, 8th Grade Science, Lincoln Middle School", or the
    credentials after it say ("Doug Arsenault, P.Eng. (ret.)"), and a business named after the user that they run
    (`_own_business`); a title without its employer is at the organisation whose work mail the user reads, if
    any. Before the screens settle the user's name, the name they have addressed the user by most stands for
    it."""
    user = activity.user or activity.likely_user
    if not user:
        return []
    org = activity.organisation

    def employed(title: str) -> str:  # "HR Generalist" at the organisation whose mail the user reads
        return title if not org or _AT.search(title) or org.lower() in title.lower() else f"{title} at {org}"

    return [*(Role(user, employed(title), line)
              for title, line in [*_titles(activity, user), *_credentials(activity, user, honorific=False)]),
            *(Role(user, firm, line, owns=True) for firm, line in _own_business(activity, user))]


# A name that heads a cell, after a row's number or an honorific, with nothing or a title after it: a roster's
# "4   Jenna Park   RDH", a card's "Josh Miller · Automotive Technician", a chat's "高橋 美和子 (総支配人)".
_LISTED = re.compile(rf"(?:\d{{1,3}}\s+)?(?:(?i:dr|prof)\.?\s+)?(?P<name>{NAME_WORD}(?:\s+{NAME_WORD}){{1,2}}"
                     r"|[\u4e00-\u9fff]{1,3} [\u3040-\u30ff\u4e00-\u9fff]{1,4})(?=\s*(?:$|[·|—–,(]))")  # "高橋 美和子"


# A table's column of organisations, not people: "Company   Role" over "Delivery Hero   Lead Product Analyst".
_ORGANISATIONS_HEADER = re.compile(
    r"(?i:company|companies|organi[sz]ations?|employers?|firms?|firma|empresas?|entreprises?|société|unternehmen|"
    r"bedrijf|företag|azienda|clients?|customers?|clientes?|kunden?|klant|kund|vendors?|suppliers?|proveedor|"
    r"fornecedor|fournisseur|lieferant|leverancier|leverantör|brands?|schools?)")


def _listed(activity: Activity) -> list[str]:
    """The names that head a cell of the activity's screens (`_LISTED`), rosters' and cards' people among them,
    unless a column of organisations holds them (`_ORGANISATIONS_HEADER` above, in its column)."""
    return list(dict.fromkeys(
        m.group("name") for o in activity.observations for cell, _, _ in grid_cells(o.text)
        if (m := _LISTED.match(cell))
        and not any(_ORGANISATIONS_HEADER.fullmatch(c.strip()) for c in above_in_column(o.text, cell)[:8])))


# A form's field that names the person doing a job on the matter it shows: "Consultant: Dr. S. V. Deshpande", "RFI
# Manager: Dana Whitfield (Hollis Brandt Construction)", "Il tuo agente: Ciro Mele"; the name ends its cell.
_JOB_FIELD = re.compile(
    rf"(?:^|\s{{2,}}|[│|·]\s*)(?P<label>(?:[^\W\d_][\w.-]*\s){{0,2}}[^\W\d_][\w-]*)\s*:\s*"
    rf"(?P<name>{_HONORED}(?:[{CAPITALS}]\.\s?){{0,2}}{FULL_NAME})(?P<brackets>\s*\([^()\n]{{3,40}}\))?"
    r"(?=\s{2,}|\s*$|\s*[|·│])")
# Whom a record names by what they did to it, not by a job they do for the user (its author, owner, reporter), and
# who cares for or teaches the user or their child ("Doctor: Dr. Gil" on a patient's appointment, "Teacher:" on a
# parent's school portal): whom the user sees, not works with.
_NOT_COLLEAGUE = re.compile(r"\b(?i:author|owner|reporter|editor|creator|director|producer|writer|artist|composer|"
                           r"photographer|assignee|organi[sz]er|host|chair|member|partner|head|president|founder|"
                           r"student|resident|intern|driver|worker|doctora?|médic[oa]|medico|physician|nurse|dentist|"
                           r"therapist|pediatrician|teacher|professora?|tutor|instructor|maestr[oa]|profesora?)s?\b")


def _job_fields(activity: Activity) -> list[tuple[str, str, str]]:
    """(person, title, line) for each field of the activity's new lines that labels a person with a job
    (`_JOB_FIELD`; not a record's author or owner, nor a doctor or a teacher: `_NOT_COLLEAGUE`), the employer in
    brackets after the name with it ("RFI manager at Hollis Brandt Construction"); the label's "your" or "our" is
    left out."""
    found = []
    for row in dict.fromkeys(activity.rows.get(line, line) for line in activity.lines):  # a field's label and
        # value are two cells of one row
        for m in _JOB_FIELD.finditer(row):
            label = re.sub(r"^(?i:your|our|my|il tuo|la tua|tu|su|votre|ihr|ihre|seu|sua)\s+", "", m.group("label"))
            if not _ONE_OCCUPATION.search(label.split()[-1]) or _NOT_COLLEAGUE.search(label):
                continue
            employer = _bracketed_employer(m.group("brackets").strip(" ()")) if m.group("brackets") else ""
            found.append((re.sub(rf"^{_HONORED}", "", m.group("name")),
                          f"{label} {employer}" if employer.startswith("at ") else label, row))
    return found


# Korean and Chinese names, which have no capitals: a common family name's syllable or character, then the given
# name ("이정호", "周立峰"), and the job title people write after them ("이정호 교수님", "박미경 원장님께", "최은영
# 쌤이", "周立峰 教授") or the label before them ("国内导师：周立峰"); not the honorifics anyone is given ("선생님",
# "老师").
_HANGUL_NAME = (r"[김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지엄채원천방"
                r"공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예봉경사부][가-힣]{2}")
_HAN_NAME = (r"[王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
             r"姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤]"
             r"[\u4e00-\u9fff]{1,2}")
_CJK_TITLES = {"교수": "professor", "원장": "director", "쌤": "teacher", "팀장": "team leader",
               "부장": "department head", "과장": "manager", "실장": "head of office", "대표": "CEO",
               "사장": "company president", "教授": "professor", "导师": "advisor",
               "指导教师": "advisor", "经理": "manager", "主任": "director", "总监": "director", "院长": "dean",
               "主管": "supervisor"}
_CJK_TITLE = "|".join(_CJK_TITLES)
_CJK_TITLED = re.compile(
    rf"(?<![가-힣])(?P<ko>{_HANGUL_NAME})\s?(?P<kt>{_CJK_TITLE})(?:님)?(?:께서|에게|[이가은는을를께의도])?(?![가-힣])"
    rf"|(?<![\u4e00-\u9fff])(?P<zh>{_HAN_NAME})\s?(?P<zt>{_CJK_TITLE})(?![\u4e00-\u9fff])"
    rf"|(?P<label>导师|指导教师|经理|主管)\s*[:：]\s*(?P<zl>{_HAN_NAME})(?![\u4e00-\u9fff])")


# Where a screen names its reader: an account's chip ("윤서진 님 ▾") and a mail's recipient ("받는사람  윤서진").
_CJK_READER = re.compile(rf"(?P<name>{_HANGUL_NAME}|{_HAN_NAME})\s?님\s*▾|(?:받는사람|收件人|宛先)\s*[:：]?\s*"
                         rf"(?P<to>{_HANGUL_NAME}|{_HAN_NAME})")


def _cjk_titled(activity: Activity) -> list[tuple[str, str, str]]:
    """(person, title, line) for each Korean or Chinese name the activity's new lines give a job title (`_CJK_TITLED`),
    the title in English with the screen's word beside it ("professor (교수)"); the user, as the screens name their
    reader (`_CJK_READER`), is none, nor is a word that doubles its first character ("谢谢周老师": thanks)."""
    readers = {m.group("name") or m.group("to") for o in activity.observations
               for m in _CJK_READER.finditer(f"{o.title}\n{o.text}")}
    readers |= {activity.user or activity.likely_user} - {""}
    found: dict[str, tuple[str, str, str]] = {}
    for line in activity.lines:
        for m in _CJK_TITLED.finditer(line):
            person = m.group("ko") or m.group("zh") or m.group("zl")
            word = m.group("kt") or m.group("zt") or m.group("label")
            if person[0] == person[1] or any(person in r or r in person for r in readers):
                continue
            found.setdefault(person, (person, f"{_CJK_TITLES[word]} ({word})", line))
    return list(found.values())


def contacts(activity: Activity, related: set[str] = frozenset()) -> list[Contact]:
    """The titles with an occupation word that the activity gives the people who write in it (mail senders,
    signatures, chat speakers) or whom a roster or a card lists with a title beside them that names one person's
    occupation ("4   Ayşe Demir   Teamleider vrijwilligers", not "Australian Taxation Office · Online services for
    agents"), and the occupations writers' credentials name ("Jenna Park, RDH"), other than the
    user or whom the screens have addressed as the user most so far (`likely_user`: "Marta Figueiredo (Professor)"
    before the votes settle that she is the user), the people in `related` (lower-cased names whose relation to the
    user is known) and a name of the mailbox a window title shows: "Kundansvarig | Jobbpoolen Väst AB" under "Sara
    Holm". A writer's employer alone counts when the brackets after their name give it (`_bracketed_employer`).
    So do the people a form's field labels with a job (`_job_fields`: "Consultant: Dr. S. V. Deshpande") and Korean
    and Chinese names with the job title after them (`_cjk_titled`: "이정호 교수님")."""
    user = activity.likely_user.split()[0] if activity.likely_user else ""
    own = {w for t in activity.titles for m in re.finditer(r"([\w.+-]+)@[\w-]+\.", t)
           for w in re.split(r"[._+-]", fold(m.group(1))) if len(w) > 1}  # "marta@laalacenachamberi.es": Marta

    def someone_else(name: str) -> bool:  # a full name, neither the user's first name nor their mailbox's words
        return " " in name.strip() and name.split()[0] != user and not own & set(fold(name).split())

    writers = {e.text for e in activity.entities if e.kind == "person" and e.cue in ("sender", "signature", "chat")}
    people = dict.fromkeys(p for p in [*writers, *_listed(activity)]
                           if someone_else(p) and p.lower() not in related and _is_person(p))
    found = {(person, title.lower()): Contact(person, title, line) for person in people
             for title, line in [*_titles(activity, person, signed=person in writers),
                                 *(_credentials(activity, person) if person in writers else [])]
             if (_OCCUPATION if person in writers else _ONE_OCCUPATION).search(_job_and_employer(title)[0])
             or _employer_named(title)}
    named = {c.person.lower() for c in found.values()}
    for person, title, line in _job_fields(activity):
        if someone_else(person) and not is_handle_of(person, activity.likely_user) \
                and person.lower() not in named | related and _is_person(person.split()[-1]):
            found[(person, title.lower())] = Contact(person, title, line, "field")
    for person, title, line in _cjk_titled(activity):
        if person.lower() not in related:
            found.setdefault((person, title.lower()), Contact(person, title, line, "title"))
    return list(found.values())
