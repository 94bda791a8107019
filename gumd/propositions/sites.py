"""Web apps: which parts of a browser window's title name the page and which the site, and how many pages of
each site the user has worked on (clicked or typed in), so that a site worked in on two pages or more counts as
one of the user's tools (tools.py) and one visited once, an errand, does not. Pages are remembered by a hash,
never their text: what the user deletes cannot come back in a later statement."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict

from gumd.propositions.vocabulary import TITLE_NOISE, TITLE_SPLIT, WORD

SITES_REMEMBERED = 500
HEADLINE_WORDS = 7  # a page title this long before its site's name is a headline
BROWSER = re.compile(r"^(?:mozilla firefox|firefox|google chrome|chrome|chromium|microsoft edge|brave|safari|opera|"
                     r"vivaldi)$", re.IGNORECASE)
# Edge puts its profile's name before its own ("… - Work - Microsoft Edge") and counts the other tabs.
PROFILE = re.compile(r"^(?:work|personal|persönlich|privat|arbeit|travail|personnel|trabajo|trabalho|pessoal|"
                     r"lavoro|personale|werk|persoonlijk|praca|osobisty|osobiste|arbete|personlig|jobb|työ|"
                     r"henkilökohtainen|school|default|profile \d+|geschäftlich|beruflich|zakelijk|służbowy|"
                     r"prywatny|empresa|professionnel)$", re.IGNORECASE)
MORE_PAGES = re.compile(r"\s+(?:and|und|et|y|e|en|i|og|och|ja)\s+(?:mais\s+|más\s+|de\s+|jeszcze\s+|nog\s+)?\d+\s+\S+"
                        r"(?:\s+\S+)?$", re.IGNORECASE)  # "and 2 more pages", "e mais 3 páginas", "och 2 sidor
# till", "i jeszcze 2 karty", "en nog 2 pagina's"
# Sites everybody uses, beyond the programs and views of TITLE_NOISE: an office suite, social networks, shops, web
# mail; working in one says nothing of a job.
COMMON_SITES = re.compile(
    r"^(?:google(?: \w+)?|[\w .&'’-]+ (?:mail|メール)|yahoo!?(?: \w+)?|proton ?mail|icloud|linkedin|facebook|instagram|x|"
    r"twitter|youtube|reddit|wikipedia|amazon(?:\.\w+)?|ebay|booking\.com|airbnb|whatsapp(?: web)?|"
    r"messages(?: for web)?|messenger|telegram web|dropbox|onedrive|sharepoint|office|microsoft 365|"
    r"(?:microsoft )?(?:word|excel|powerpoint)|"
    r"(?:fogli|documenti|presentazioni|hojas de cálculo de|documentos de|planilhas|documentos) google|"
    r"netflix|spotify|chatgpt|bing|duckduckgo)$",
    re.IGNORECASE,
)

# A news page: a title part that ends on the word for news ("BBC News", "Yahoo!ニュース", "Lyon : actualités"), or a
# browser's site that a newspaper's name ends ("The Denver Post", "Irish Examiner", "Glasgow Times"), holds the word
# for a newspaper ("EL PAÍS: el periódico global") or is a masthead known without one ("Le Monde").
_NEWS = re.compile(r"(?:^|[\s!])(?:news|nachrichten|actualités|actualites|noticias|notícias|notizie|nieuws|nyheter|"
                   r"wiadomości|uutiset|nyheder)$|(?:ニュース|뉴스|新闻|新聞)$", re.IGNORECASE)
_NEWSPAPER = re.compile(r"^(?:the\s+)?(?:[\w.'’-]+\s+){0,3}(?:post|times|herald|examiner|tribune|gazette|journal|"
                        r"zeitung|chronicle|telegraph|observer|guardian|courier|standard|independent)$|"
                        r"\b(?:periódico|diario|diário|jornal|quotidien|giornale|krant|dagblad|tidning|gazeta|"
                        r"dziennik)\b|^(?:el país|el mundo|la vanguardia|le monde|le figaro|libération|ouest-france|"
                        r"la repubblica|corriere della sera|der spiegel|spiegel online|süddeutsche|faz\.net|nrc|"
                        r"de volkskrant|aftonbladet|expressen|dagens nyheter|svenska dagbladet|folha de s\.paulo|"
                        r"o globo|público|asahi|yomiuri|reuters|bbc|cnn|ap news)$", re.IGNORECASE)
# A shop's basket or order page: the user bought something there, an errand, not work done in a tool.
_SHOPPING = re.compile(r"^(?:order (?:confirmed|confirmation|summary|complete)|your order|(?:shopping )?(?:cart|"
                       r"basket)|checkout|thank you for your order|warenkorb|bestellbestätigung|kasse|carrito|panier|"
                       r"carrello|carrinho|varukorg|koszyk|winkelwagen)$", re.IGNORECASE)
# What names a record, not a site: a word of letters and digits ("PR27-0418832", "PRUITT_GARY_PR27", "#10485").
_RECORD = re.compile(r"(?:^|\s)(?=[\w#-]*\d)(?=[\w#-]*[A-Za-z_#-])[\w#-]{4,}(?:\s|$)")


def is_news(title: str) -> bool:
    """Whether a window's title is a news page's: others' business, never the user's own plans."""
    parts = [MORE_PAGES.sub("", p.strip()) for p in TITLE_SPLIT.split(title) if p.strip()]
    if any(_NEWS.search(p) for p in parts):
        return True
    sites = [p for p in parts if not (BROWSER.match(p) or PROFILE.match(p))]
    return len(sites) < len(parts) and bool(sites) and bool(_NEWSPAPER.match(sites[-1]) or _headline(sites))


def _headline(parts: list[str]) -> bool:
    """Whether a browser page's title parts are a headline, maybe a section, and the publication's name: a sentence
    of seven words or more ("Singelloop Utrecht 2027: inschrijving open, nieuwe route langs de Catharijnesingel -
    DUIC"), naming no record or file ("[PAR-2291] App crashes when …", "… · Pull Request #1423 · owner/repo"), no
    reply or forward of a mail ("SV: …") and no account, on a site that is no web mail, office suite or calendar."""
    head, site = parts[0], parts[-1]
    return len(parts) in (2, 3) and len(WORD.findall(head)) >= HEADLINE_WORDS and "/" not in site \
        and not any(_RECORD.search(re.sub(r"[][()]", " ", p)) for p in parts[:-1]) \
        and not re.search(r"\.[a-z]\w{1,3}\b|@|^\s*(?:re|fwd?|aw|sv|vs|tr|rv|wg)\s*:", head, re.IGNORECASE) \
        and not (TITLE_NOISE.match(site) or COMMON_SITES.match(site))


def site_of(title: str) -> tuple[str, list[str]] | None:
    """(site, pages) when `title` is a browser window's ("Claim C-20481 - Insurance - Dentrix Ascend and 2 more
    pages - Work - Microsoft Edge": Dentrix Ascend, [Claim C-20481, Insurance]; a site some name first, before a
    record's name: "Xactimate - PRUITT_GARY_PR27-0418832 - Google Chrome"); None for another program's window, a
    title without a page, a shop's basket or order page ("Order confirmed - Hastings Bee Supply": an errand), a
    news page and a site everybody uses."""
    parts = [p.strip() for p in TITLE_SPLIT.split(title) if p.strip()]
    if len(parts) < 3 or not BROWSER.match(parts[-1]):
        return None
    parts = parts[:-1]
    if PROFILE.match(parts[-1]) or len(parts) > 2 and MORE_PAGES.search(parts[-2]):  # a profile by its name, or
        parts = parts[:-1]  # as the part after "and 2 more pages": "… und 2 weitere Seiten - Geschäftlich"
    if len(parts) < 2:
        return None
    site, pages = MORE_PAGES.sub("", parts[-1]).strip(), parts[:-1]
    if _RECORD.search(site) and not re.search(r"\d", parts[0]) and len(parts[0].split()) <= 3:
        site, pages = parts[0], [*parts[1:-1], site]  # "Xactimate - PRUITT_GARY_PR27-0418832": the site first
    if any(_SHOPPING.match(p) for p in [*pages, site]) or is_news(title):
        return None
    if not WORD.search(site) or "@" in site or TITLE_NOISE.match(site) or COMMON_SITES.match(site) \
            or len(parts) == 2 and COMMON_SITES.match(parts[0]) \
            or len(site.split()) > 5:  # a slogan ("The world's best way to learn a language"), not a name; a site
        # everybody uses may name itself first ("Messenger | Camille Fortin")
        return None
    return site, pages


def _key(text: str) -> str:
    return hashlib.blake2b(text.lower().encode(), digest_size=8).hexdigest()


class Sites:
    """How many pages of each site the user has worked on, for the last SITES_REMEMBERED sites, and which titles'
    first parts have stood before other last parts (by hash)."""

    def __init__(self, remembered: int = SITES_REMEMBERED):
        self.remembered = remembered
        self._pages: OrderedDict[str, set[str]] = OrderedDict()  # site -> hashes of its pages
        self._heads: OrderedDict[str, set[str]] = OrderedDict()  # a title's first part -> hashes of its last parts

    def ordered(self, site: str, pages: list[str]) -> tuple[str, list[str]]:
        """`site_of`'s (site, pages), with the title's first part as the site once it has stood before two other
        last parts that are no site worked in: "Aladdin - Attendance", then "Aladdin - Enrolments" (the site
        names itself first)."""
        tails = self._heads.setdefault(_key(pages[0]), set())
        tails.add(_key(site))
        self._heads.move_to_end(_key(pages[0]))
        while len(self._heads) > self.remembered:
            self._heads.popitem(last=False)
        if len(tails) >= 2 and site.lower() not in self._pages and not TITLE_NOISE.match(pages[0]):
            return pages[0], [*pages[1:], site]
        return site, pages

    def worked_on(self, site: str, pages: list[str]) -> int:
        """Record that the user worked on a page of the site (its title's parts); how many of its pages they have
        worked on so far."""
        seen = self._pages.setdefault(site.lower(), set())
        seen.add(_key(" - ".join(pages)))
        self._pages.move_to_end(site.lower())
        while len(self._pages) > self.remembered:
            self._pages.popitem(last=False)
        return len(seen)


__all__ = ["BROWSER", "COMMON_SITES", "MORE_PAGES", "PROFILE", "Sites", "is_news", "site_of"]
