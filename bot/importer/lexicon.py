"""The words Urgent Actions use, in English, French, Spanish, German, Russian and Portuguese.

Headings of every template family since 2009 (Amnesty USA's e-mails and current format, the
International Secretariat's 2016–2019 form, sections' model-letter sheets), the openings and
closings of letters, the keys of contact lines, and the words of officials' titles. Patterns
match a whole cleaned line (single spaces, no surrounding blanks), case-insensitively.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    """A word list written as prose, so long lists stay readable."""
    return frozenset(text.split())


def _line(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


#: Section headings: kind → pattern. A `value` group holds text on the heading's own line.
HEADINGS: dict[str, re.Pattern[str]] = {
    "title": _line(r"^urgent action title\s*:\s*(?P<value>.*)$"),
    "type": _line(r"^urgent action type and number\s*:\s*(?P<value>.*)$"),
    "summary": _line(r"^urgent action summary\s*:?\s*(?P<value>.*)$"),
    "letter": _line(
        r"^(?:urgent action letter|(?:model|sample|suggested) letter|musterbrief|briefvorschlag"
        r"|lettre[- ]type|modèle de lettre|carta modelo|modelo de carta"
        r"|образец (?:письма|обращения))"
        r"\s*:?\s*(?P<value>.*)$"
    ),
    "officials": _line(
        r"^(?:take action\b.*|(?:please )?send (?:your )?appeals\b.*\bto\s*:?"
        r"|(?:please )?write to\s*:?|target'?s contact details\b.*|appelle an\s*:?"
        r"|(?:adresse|adressen)\s*:?|(?:envoyez|adressez) vos (?:appels|lettres)\b.*"
        r"|(?:escrib|envi|envía|enví)\w*\s+(?:(?:sus|vuestros|tus)\s+)?(?:(?:llamamientos|cartas)\s+)?a\s*:?"
        r"|direcciones\s*:?|кому писать\s*:?|адреса\s*:?|адресаты\s*:?)$"
    ),
    "copies": _line(
        r"^(?:(?:send )?copies (?:of (?:this|your) (?:letter|appeal)s? )?to\s*:?"
        r"|kopien? an\s*:?|copies? à\s*:?|copias? a\s*:?|копии\s*:?)\s*(?P<value>.*)$"
    ),
    # An instruction without recipients: it ends the officials and copies above it.
    "diplomats": _line(
        r"^(?:also send copies to diplomatic representatives\b.*|please check with\b.*"
        r"|please send appeals immediately\b.*|schreiben sie bitte\b.*"
        r"|(?:please )?insert local diplomatic addresses\b.*)$"
    ),
    "recommended": _line(
        r"^(?:recommended action|please write immediately|formulierungsvorschläge"
        r"|actions? recommandées?|acciones recomendadas)\b.*$"
    ),
    "background": _line(
        r"^(?:additional information|background information|background|further background"
        r"|hintergrund(?:informationen)?|zusätzliche informationen|informations? complémentaires?"
        r"|contexte|información (?:adicional|complementaria)|дополнительная информация"
        r"|справочная информация|informações adicionais)\b[^.]*$"
    ),
}


#: 'Key: value' lines the footers of the templates carry.
FOOTERS: dict[str, re.Pattern[str]] = {
    "languages": _line(
        r"^(?:preferred languages? to address (?:the )?targets?|preferred languages?"
        r"|bevorzugte sprachen?|langues? (?:préférées?|à privilégier)|idiomas? preferidos?"
        r"|предпочтительн\w* язык\w*(?: обращения)?)\s*:\s*(?P<value>.*)$"
    ),
    "deadline": _line(
        r"^(?:please take action\b.*\buntil|appeal deadline(?: notice)?|deadline|frist"
        r"|date limite|fecha límite|срок)\s*:\s*(?P<value>.*)$"
    ),
    "person": _line(r"^name and (?:gender )?(?:pre)?pronouns?\s*:\s*(?P<value>.*)$"),
    "previous": _line(r"^links? to previous uas?\s*:\s*(?P<value>.*)$"),
    "published": _line(r"^(?:publication date|issue date|date of issue)\s*:\s*(?P<value>.*)$"),
    "index": _line(r"^(?:index number|ai index|index)\s*:\s*(?P<value>.*)$"),
    "name": _line(r"^name\s*:\s*(?P<value>.*)$"),
    "gender": _line(r"^gender(?: m/f)?\s*:\s*(?P<value>.*)$"),
}


#: A deadline written in a sentence: "PLEASE SEND APPEALS BEFORE 25 JANUARY 2011 TO:".
DEADLINE_CUE = _line(
    r"\b(?:until|before|by|deadline|appelle bis|bis (?:zum|spätestens)|avant le|jusqu'au"
    r"|antes del?|hasta el|до)\b"
)


#: Preferred languages written in a sentence: "in Spanish or your own language".
LANGUAGE_SENTENCE = _line(
    r"\b(?:in|en|auf|на)\s+(?P<value>[^:.;]*?),?\s+(?:or|ou|o|oder|или)\s+(?:in\s+|en\s+|auf\s+)?"
    r"(?:your|votre|su|ihrer|вашем)\s+(?:own\s+|propre\s+|propio\s+|eigenen\s+|родном\s+)?"
    r"(?:language|langue|idioma|sprache|языке)"
)


#: German sheets: "Schreiben Sie in gutem Spanisch, Englisch oder auf Deutsch."
LANGUAGE_SENTENCE_DE = _line(r"\bschreiben sie (?:ihre appelle )?in (?P<value>[^:.;]+)")


#: Letter openings by language, at the start of a line.
SALUTATIONS: dict[str, re.Pattern[str]] = {
    "en": _line(r"^(?:dear\s+\S|your (?:excellency|honou?r)\b|excellency\b|to whom it may)"),
    "fr": _line(r"^(?:monsieur|madame|excellence|cher|chère|son excellence)\b"),
    "es": _line(
        r"^(?:excelent[ií]simo|excelent[ií]sima|excm[oa]\.?|estimad[oa]s?|señora?|sra?\.|"
        r"distinguid[oa]|honorable)\b"
    ),
    "pt": _line(r"^(?:excelent[ií]ssim[oa]|exm[oa]\.?|prezad[oa]|senhora?|vossa excel)"),
    "de": _line(r"^(?:sehr geehrte[rn]?|exzellenz|hochverehrte[rn]?|eure exzellenz)\b"),
    "ru": _line(r"^(?:уважаем|многоуважаем|глубокоуважаем|ваше превосходительство)"),
    "it": _line(r"^(?:egregi[oa]|gentile|illustrissim[oa]|eccellenza)\b"),
}


#: The mailing's own greeting to its readers ("Dear friends,"), never a letter to an official.
MAILING_GREETING = _line(
    r"^(?:(?:dear|liebe|chers|chères|chèr\w*|queridos|queridas|estimados|estimadas|дорогие)\s+"
    r"(?:\w+\s+)?(?:friends|members|activists|supporters|colleagues|all|amnesty|urgent|ua\b|network"
    r"|letter|writers|freundinnen|freunde|mitglieder|aktivist|amis|ami·e·s|militant|amigos|amigas"
    r"|compañer|activistas|друзья|коллеги|активисты)|hello|hi)\b"
)


#: Letter closings by language.
CLOSINGS: dict[str, re.Pattern[str]] = {
    "en": _line(
        r"^(?:yours\s+(?:sincerely|faithfully|truly|respectfully)|(?:sincerely|respectfully)"
        r"(?: yours)?|(?:kind|best|warm)?\s*regards|with (?:respect|my (?:highest )?respects"
        r"|the highest consideration))\s*[,.]?$"
    ),
    "fr": _line(
        r"^(?:veuillez agr[ée]er|je vous prie d'agr[ée]er|recevez,? |respectueusement"
        r"|cordialement|avec mes (?:salutations|respects))"
    ),
    "es": _line(r"^(?:atentamente|le saluda atentamente|cordialmente|respetuosamente)\b"),
    "pt": _line(r"^(?:atenciosamente|respeitosamente|cordialmente)\b"),
    "de": _line(r"^(?:mit freundlichen grüßen|mit freundlichen gruessen|hochachtungsvoll)\b"),
    "ru": _line(r"^(?:с уважением|с глубоким уважением|искренне ваш)"),
    "it": _line(r"^(?:distinti saluti|cordiali saluti|con osservanza)\b"),
}


#: The mailing's own sign-off ("In solidarity,"): it ends what came before, never a letter.
MAILING_CLOSING = _line(
    r"^(?:in solidarity|thank you(?: for| so much| again)?|many thanks|thanks|mit solidarischen"
    r"|solidairement|en solidaridad|с солидарностью)\b.{0,40}$"
)


#: Placeholders of model-letter sheets: where the supporter writes their own details.
PLACEHOLDERS = _line(
    r"^(?:absender|datum|unterschrift|ort,? datum|name(?: und adresse)?|date|signature"
    r"|your name(?: and address)?|expéditeur|signature|firma|remitente|fecha|подпись|дата"
    r"|\[[^\]]*\]|\.{3,}|_{3,})\s*:?$"
)


_CONTACT_WORDS = {
    "fax": ["fax", "telefax", "télécopie", "telecopie", "télécopieur", "факс"],
    "phone": [
        "phone",
        "tel",
        "tel.",
        "tél",
        "tél.",
        "telephone",
        "téléphone",
        "teléfono",
        "telefono",
        "telefon",
        "telefone",
        "телефон",
        "тел",
        "тел.",
    ],
    "email": [
        "email",
        "e-mail",
        "mail",
        "e-mails",
        "emails",
        "courriel",
        "correo",
        "e-post",
        "correo electrónico",
        "adresse e-mail",
        "эл. почта",
        "эл.почта",
        "электронная почта",
    ],
    "twitter": ["twitter", "x", "x/twitter"],
    "facebook": ["facebook"],
    "instagram": ["instagram"],
    "sal": [
        "salutation",
        "salutations",
        "anrede",
        "saludo",
        "tratamiento",
        "обращение",
        "formule d'appel",
        "formule de politesse",
    ],
    "web": [
        "web form",
        "webform",
        "online form",
        "contact form",
        "formulaire",
        "formulario",
        "kontaktformular",
    ],
}


#: Contact keys, in the languages of the templates, and what each is.
CONTACT_KEYS = {word: kind for kind, found in _CONTACT_WORDS.items() for word in found}


#: Capitalised words that belong to an official's title, never to a person's name.
TITLE_WORDS = _words(
    """
    president vice prime minister ambassador prosecutor general attorney governor mayor
    chairman chairwoman chairperson chair head chief director deputy secretary commissioner
    judge justice speaker king queen emir prince princess excellency his her mr mrs ms miss
    dr h.e. hon. honourable honorable ombudsman ombudsperson commander colonel officer warden
    superintendent senator member parliament council office ministry embassy republic
    federation state states united kingdom foreign internal interior affairs home defence
    defense security human rights national federal supreme court police service permanent
    representative mission consul consulate high commission public health education labour
    labor information development social economy finance penitentiary prison prisons
    administration agency committee department bureau investigation investigative
    presidential executive chargé charge d'affaires
    republik república république республика estado staat état nación
    presidente ministro ministra secretario secretaria procurador procuradora fiscal
    gobernador gobernadora embajador embajadora alcalde alcaldesa jefe director directora
    división brigada general comandante coronel defensor defensora
    président présidente ministre procureur procureure ambassadeur ambassadrice gouverneur
    maire préfet garde sceaux directeur directrice
    präsident präsidentin minister ministerin botschafter botschafterin generalstaatsanwalt
    staatsanwalt staatsanwältin bürgermeister gouverneurin justizminister innenminister
    außenminister ministerpräsident
    presidente governador prefeito secretário ministro
    президент министр прокурор генеральный посол губернатор председатель генерал начальник
    директор глава судья уполномоченный
    """
)


#: Title stems that mark a line as an office in any of the languages, also inside compounds
#: ("Generalstaatsanwalt", "Innenminister").
TITLE_STEM = re.compile(
    r"(?:minist|presiden|präsident|président|prosecutor|procura|procureur|staatsanw|ambassad|"
    r"botschaft|embaja|governor|gobernad|gouvern|governad|secretar|sekretär|secrétair|attorney|"
    r"fiscal|mayor|alcald|maire|bürgermeister|prefeit|commission|ombuds|defensor|director|"
    r"directeur|direktor|king|könig|emir|sheikh|premier|judge|juez|juge|richter|chief|head of|"
    r"chair|speaker|warden|superintend|republi|républi|repúbli|республик|федерац|прокурор|президент|министр|посол|губернатор|председател|"
    r"начальник|директор|глава|судья|уполномоченн)",
    re.IGNORECASE,
)


#: The start of an institution's line ("Embassy of …", "Secretaría de …"): an address, not
#: the title of the person addressed.
INSTITUTION = re.compile(
    r"^(?:embassy|ministry|ministerio|ministère|ministerium|office|oficina|secretar[íi]a\b"
    r"|secretariat|procuradur[íi]a|fiscal[íi]a|botschaft|embajada|ambassade|consulate|consulado"
    r"|department|departamento|bureau|palacio|palace|presidencia|présidence|präsidialamt"
    r"|kremlin|cabinet|gabinete|government|gobierno|regierung|администрация|министерство"
    r"|посольство|прокуратура|аппарат)",
    re.IGNORECASE,
)


#: Words before a name that say how to address the person, not what they do.
HONORIFICS = _words(
    """
    mr mr. mrs mrs. ms ms. miss dr dr. madam madame sir your his her excellency h.e. s.e.
    hon. honourable honorable herrn herr frau m. mme mme. monsieur son excellence
    lic. lic licenciado licenciada sr. sr sra. sra don doña ing. mtro. mtra. exmo. excmo.
    excma. exma. sheikh prof. prof general división brigada colonel major admiral senior
    господину господин госпоже г-н г-жа
    """
)


#: Words that connect a title's parts: "President of Kazakhstan".
CONNECTORS = _words("of for to the and on in at de del la des du der die des für y e и по")


#: Particles inside names: "Juan de la Cruz", "Ursula von der Leyen".
PARTICLES = _words("da de del della der di do dos du van von bin ibn al el la le ter y")


#: Words of an address, never of a name: "Palacio Nacional", "Mangilik Yel St".
ADDRESS_WORDS = _words(
    """
    street st st. road rd avenue ave ave. boulevard blvd square place building house palace
    palacio calle avenida av. av colonia col. c.p. cp plaza edificio piso oficina casa
    straße strasse str. platz haus rue boulevard bâtiment palais улица ул. проспект пр.
    площадь дом box p.o. po bp postfach apartado casilla road district city ciudad
    kremlin government gobierno regierung gouvernement правительство
    """
)


#: A line of a website's chrome or a document's furniture: never part of an official.
CHROME = _line(
    r"^(?:share|tweet|print|donate|menu|home|search|sign up|log ?in|subscribe|skip to\b.*"
    r"|cookie.*|back to top|read more|click here\b.*|take action now|act now|©.*|copyright\b.*"
    r"|privacy policy|terms of use|follow us\b.*|amnesty international(?: usa| uk)?"
    r"|sektion der bundesrepublik deutschland.*|- from amnesty international usa"
    r"|to learn about\b.*|for a print-friendly version\b.*|-{3,}|={3,}|\*{3,})$"
)
