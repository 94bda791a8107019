"""Words of screens that name no person, project or plan: programs and generic views in window titles, menu
and toolbar words, capitalised words that start sentences or label UI."""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W\d_]{2,}")  # a word of two letters or more
CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")  # a word of four letters or more: what a statement says, beyond "a", "the"
TITLE_SPLIT = re.compile(r"\s+[-–—|·•:]\s+")  # what separates the parts of a window's title
# Parts of window titles that name the program or a generic view, not what the user works on.
# … with the count of unread items an app puts before or after it ("(4) WhatsApp", "Telegram (4)").
TITLE_NOISE = re.compile(
    r"^(?:\(\d+\)\s+)?(?:mozilla firefox|firefox|google chrome|chromium|brave|microsoft edge|safari|opera|vivaldi|"
    r"visual studio code|code|vscodium|libreoffice(?: \w+)?|writer|calc|impress|thunderbird|mozilla thunderbird|"
    r"outlook|mail|e-?mail|correio|correo|e-post|posta|poczta|courrier|messagerie|gmail|slack|discord|signal|"
    r"telegram|whatsapp|teams|microsoft teams|zoom(?: meeting)?|gimp|"
    r"krita|inkscape|blender|obsidian|notion|evince|okular|document viewer|xterm|terminal|gnome-terminal|konsole|"
    r"files|nautilus|dolphin|spotify|vlc|anki|zotero|github|gitlab|google docs|google sheets|google calendar|"
    r"calendar|(?:inbox|posteingang|bandeja de entrada|caixa de entrada|boîte de réception|courrier entrant|"
    r"posta in arrivo|inkorgen|postvak in|skrzynka odbiorcza|saapuneet|受信トレイ|받은편지함|收件箱|recibidos|"
    r"recebidos|odebrane|kotak masuk|gelen kutusu|εισερχόμενα|вхідні|входящие|doručená pošta|hộp thư đến|"
    r"sent|sent items|sent mail|gesendet|gesendete elemente|enviados|elementos enviados|envoyés|éléments envoyés|"
    r"posta inviata|verzonden items|skickat|skickade objekt|wysłane|lähetetyt|已发送|送信済み|보낸편지함|drafts|"
    r"entwürfe|borradores|brouillons|rascunhos|bozze|concepten|utkast|kopie robocze|luonnokset|草稿箱|下書き|"
    r"임시보관함)|new tab|home|startseite|inicio|início|accueil|dashboard|painel|panel|tablero|tableau de bord|"
    r"übersicht|overzicht|översikt|settings|einstellungen|configuración|configurações|paramètres|impostazioni|"
    r"preferences|map|mapa|karte|carte|kaart|karta|untitled|pull request|issues?|"
    r"(?:draft|compose|write):?.*|\(\d+\)|[\w.+-]+@[\w.-]+|"
    r"(?:message|mensagem|mensaje|nachricht|messaggio|bericht|meddelande|wiadomość) \((?:html|rtf|rich text|plain "
    r"text|nur-text|texto sin formato|texto sem formatação|texte brut|testo normale|tekst zonder opmaak)\))"
    r"(?:\s+\(\d+\))?$",
    re.IGNORECASE,
)
# Programs a window's title names, anywhere in a sentence: what it was read in, never what the user does.
PROGRAMS = re.compile(r"\b(?:mozilla|firefox|google chrome|chromium|microsoft edge|thunderbird|safari|libreoffice|"
                      r"visual studio code|messages for web)\b", re.IGNORECASE)
# Programs everybody has, by window class or title name: using one says nothing about the user's work.
COMMON_PROGRAMS = re.compile(
    r"^(?:(?:mozilla )?firefox(?:-esr)?|(?:google[- ])?chrome|chromium(?:-browser)?|brave(?:-browser)?|msedge|"
    r"microsoft edge|safari|opera|vivaldi|epiphany|(?:mozilla )?thunderbird|outlook|evolution|mail|geary|"
    r"slack|discord|signal(?:-desktop)?|telegram(?:-desktop)?|whatsapp|(?:ms-)?teams|microsoft teams|"
    r"wechat|weixin|微信|企业微信|qq|dingtalk|钉钉|kakaotalk|카카오톡|"
    r"element(?:-desktop)?|"
    r"line|skype|zoom|messages|soffice|libreoffice(?: \w+)?|excel|winword|word|powerpnt|powerpoint|onenote|"
    r"nautilus|files|dolphin|thunar|finder|explorer|file explorer|explorador de (?:ficheiros|archivos|arquivos)|"
    r"explorateur de fichiers|datei-explorer|esplora file|verkenner|utforskaren|eksplorator plików|"
    r"xterm|uxterm|terminal|gnome-terminal(?:-server)?|konsole|"
    r"iterm2?|alacritty|kitty|tilix|evince|okular|document viewer|preview|acrobat|acroread|eog|gwenview|"
    r"spotify|vlc|rhythmbox|totem|music|gnome-control-center|system-config-printer|settings|"
    r"system preferences|gnome-calculator|calculator|calendar|gnome-calendar|gedit|gnome-text-editor|text editor|"
    r"kate|kwrite|mousepad|notepad)(?:\.exe)?$",  # Windows' program files as an imported history names them
    re.IGNORECASE,
)
# Words of menu bars and toolbars, in the languages gumd meets most.
MENU_WORDS = frozenset(
    "file edit view insert format tools help history bookmarks window go selection terminal run table data sheet "
    "image layer select filters filter colors colours message events tasks navigate code refactor build debug "
    "profiles extensions slide styles form options settings share comments review references mailings layout "
    "design home transitions animations datei bearbeiten ansicht einfügen extras hilfe fenster chronik lesezeichen "
    "archivo editar ver insertar formato herramientas ayuda ventana historial marcadores fichier édition edition "
    "affichage insertion outils aide fenêtre historique marque-pages arquivo exibir inserir ferramentas ajuda "
    "janela histórico favoritos back forward reload stop new open save print undo redo cut copy paste find "
    "search reply forward archive junk delete tag compose inbox sent drafts trash spam starred snoozed more "
    "bold italic underline zoom fit page".split()
)
# Capitalised words that start sentences or label UI, so rarely part of a name.
COMMON_WORDS = frozenset(
    "a about after all also an and any are as at be before but by can could did do does done each even every for "
    "from get got had has have he her here hi hello his how i if in is it its just let like love may me more most "
    "my no not now of ok okay on once one only or our out please re see she so some still such than thanks that the "
    "their them then there these they this those to too up us very was we well were what when where which while who "
    "why will with would yes yet you your add all archive book booking cancel change check choose click close "
    "continue create delete details done download edit enter export find free get go help hide home import join "
    "learn list log manage menu more new next open order page pay print read recent remove reply reserve save "
    "search select send share show sign skip sort start submit try type update upload view welcome "
    "trash junk drafts sent spam starred archives family recent other locations documents desktop pictures music "
    "videos downloads today tomorrow yesterday total due paid status default english sans serif mono roman style "
    "regular paragraph heading body".split()
)
UI_LABELS = frozenset(
    "subject date from to cc bcc sent re fw fwd front back total status due note notes title name type size "
    "priority assignee labels project milestone description summary search filter sort new today tomorrow "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december inbox reply edit view help home settings price qty quantity amount "
    "balance order invoice account customer client phone address email website location time duration "
    "betreff onderwerp asunto objet oggetto assunto ämne emne aihe temat".split()  # "subject" elsewhere
)
# Words that end an organisation's name, never a person's ("Hollis Brandt Construction ▾").
ORGANISATION_WORDS = frozenset(
    "construction constructions company corp corporation inc llc llp ltd gmbh group holdings bank school "
    "university college hospital clinic foundation agency council ministry institute association society club "
    "services solutions systems technologies logistics logistik partners consulting studios labs academy church "
    "department restaurant hotel pharmacy realty insurance photography events événements evenements productions "
    "media design catering studio".split()
)
# Of those, the words that end the name of a business a person may run under their own name ("Hoffman Automotive
# LLC", "Misaki Sato Photography", "Annalisa De Luca Hair Studio"); a school, a hospital or a council named after
# someone is nobody's own.
FIRM_ENDS = "|".join(sorted(ORGANISATION_WORDS - frozenset(
    "school university college hospital clinic foundation council ministry institute association society club "
    "department church bank academy agency group".split()), key=len, reverse=True))
