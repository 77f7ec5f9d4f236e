"""The Swedish words a När text is made of: numbers, weekdays, months, units, seasons.

Tables only, plus lookups the parser uses (the weekdays are in scheduler.base.weekdays, which the
settings read too). Keys are lower case; callers lower-case their input first.
"""

from __future__ import annotations

from typing import Final

# The weekday and month tables are shared with templates and plan files; re-exported here so the
# cadence modules keep one vocabulary to import from.
from scheduler.base.swedish import LETTERS
from scheduler.base.swedish import MONTH_NAMES as MONTH_NAMES
from scheduler.base.swedish import MONTH_NUMBERS as MONTH_NUMBERS
from scheduler.base.swedish import WEEKDAY_CODES as WEEKDAY_CODES
from scheduler.base.swedish import WEEKDAY_NAMES as WEEKDAY_NAMES
from scheduler.base.swedish import WEEKDAYS as WEEKDAYS
from scheduler.cadence.model import MonthDay

NUMBER_WORDS: Final[dict[str, int]] = {
    "en": 1,
    "ett": 1,
    "två": 2,
    "tre": 3,
    "fyra": 4,
    "fem": 5,
    "sex": 6,
    "sju": 7,
    "åtta": 8,
    "nio": 9,
    "tio": 10,
    "elva": 11,
    "tolv": 12,
    "tretton": 13,
    "fjorton": 14,
    "femton": 15,
    "sexton": 16,
    "sjutton": 17,
    "arton": 18,
    "nitton": 19,
    "tjugo": 20,
    "tjugofem": 25,
    "trettio": 30,
    "fyrtio": 40,
    "femtio": 50,
    "ett par": 2,
}
# Words that join two counts as alternatives, not a range: "sex alternativt åtta gånger", "10
# eller 5 gånger". The reading plans the one with fewer occurrences and says so; never both.
EITHER_WORDS: Final = ("alternativt", "eller", "el.")

# "var tredje vecka", "den första tisdagen": the ordinal words, and "sista" as -1.
ORDINAL_WORDS: Final[dict[str, int]] = {
    "första": 1,
    "andra": 2,
    "tredje": 3,
    "fjärde": 4,
    "femte": 5,
    "sjätte": 6,
    "sjunde": 7,
    "åttonde": 8,
    "nionde": 9,
    "tionde": 10,
    "tolfte": 12,
    "fjortonde": 14,
    "sista": -1,
    "näst sista": -2,
}

MONTH_ABBREVIATIONS: Final[dict[str, int]] = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "nov": 11,
    "dec": 12,
}

# The word stems that name a unit a count is per ("gånger per termin").
UNIT_WORDS: Final[dict[str, str]] = {
    "dag": "day",
    "dagen": "day",
    "dygn": "day",
    "vardag": "day",
    "vecka": "week",
    "veckan": "week",
    "v": "week",
    "månad": "month",
    "månaden": "month",
    "mån": "month",
    "kvartal": "quarter",
    "kvartalet": "quarter",
    "tertial": "tertial",
    "tertialet": "tertial",
    "termin": "term",
    "terminen": "term",
    "halvår": "half_year",
    "halvåret": "half_year",
    "år": "year",
    "året": "year",
    "läsår": "year",
    "läsåret": "year",
    "verksamhetsår": "year",
    "verksamhetsåret": "year",
}

# Adverbs that are a frequency on their own ("kvartalsvis" = once a quarter).
UNIT_ADVERBS: Final[dict[str, str]] = {
    "dagligen": "day",
    "veckovis": "week",
    "veckovisa": "week",
    "månadsvis": "month",
    "månatligen": "month",
    "månatlig": "month",
    "kvartalsvis": "quarter",
    "tertialvis": "tertial",
    "terminsvis": "term",
    "halvårsvis": "half_year",
    "årligen": "year",
    "årsvis": "year",
    "årlig": "year",
    "årligt": "year",
}

# Seasons as windows of the year; a window may wrap the new year. "våren" ends mid-June: the school
# year and most organisations stop before midsommar, so work "done in spring" is due by then.
# "hösten" is August–November, the autumn term before the December rush; "vintern" is its part
# of the named year (January–February).
SEASONS: Final[dict[str, tuple[MonthDay, MonthDay]]] = {
    "vår": (MonthDay(3, 1), MonthDay(6, 15)),
    "sommar": (MonthDay(6, 1), MonthDay(8, 31)),
    "höst": (MonthDay(8, 1), MonthDay(11, 30)),
    "vinter": (MonthDay(1, 1), MonthDay(2, 29)),  # clamped to the 28th in other years
    # As the plan's own follow-up says: "sommarhalvåret, april-oktober"; winter is the rest.
    "sommarhalvår": (MonthDay(4, 1), MonthDay(10, 31)),
    "vinterhalvår": (MonthDay(11, 1), MonthDay(3, 31)),
    # School periods: these are the default CalendarPolicy's; placing resolves them from the
    # configured calendar.spring_term / autumn_term / *_week (cadence/periods.py).
    "vårtermin": (MonthDay(1, 15), MonthDay(6, 14)),
    "hösttermin": (MonthDay(8, 20), MonthDay(12, 20)),
    "terminer": (MonthDay(1, 15), MonthDay(12, 20)),
    "sommarlov": (MonthDay(6, 15), MonthDay(8, 19)),
    "jullov": (MonthDay(12, 21), MonthDay(1, 14)),
    "sportlov": (MonthDay(2, 24), MonthDay(3, 2)),
    "påsklov": (MonthDay(4, 21), MonthDay(4, 27)),
    "höstlov": (MonthDay(10, 27), MonthDay(11, 2)),
    # "före sommaren", "innan jul": from the start of the year to the end of the term before it.
    "före sommar": (MonthDay(1, 1), MonthDay(6, 14)),
    "före jul": (MonthDay(1, 1), MonthDay(12, 20)),
}
SEASON_NAMES: Final[dict[str, str]] = {
    "vår": "våren",
    "sommar": "sommaren",
    "höst": "hösten",
    "vinter": "vintern",
    "sommarhalvår": "sommarhalvåret",
    "vinterhalvår": "vinterhalvåret",
    "vårtermin": "vårterminen",
    "hösttermin": "höstterminen",
    "terminer": "terminerna",
    "sommarlov": "sommarlovet",
    "jullov": "jullovet",
    "sportlov": "sportlovet",
    "påsklov": "påsklovet",
    "höstlov": "höstlovet",
    "före sommar": "före sommaren",
    "före jul": "före jul",
}
# The written forms of each season and school period → its key above. A form without an article
# ("vår", "höst") is also an ordinary word ("vår verksamhet"), so the reader accepts it only with a
# year, a preposition, or in a list of seasons ("vår och höst").
SEASON_FORMS: Final[dict[str, str]] = {
    "vårterminen": "vårtermin",
    "vårtermin": "vårtermin",
    "vt": "vårtermin",
    "höstterminen": "hösttermin",
    "hösttermin": "hösttermin",
    "ht": "hösttermin",
    "terminerna": "terminer",
    "terminstid": "terminer",
    "terminstiden": "terminer",
    "skolterminerna": "terminer",
    "sommarlovet": "sommarlov",
    "sommarlov": "sommarlov",
    "sommarloven": "sommarlov",
    "jullovet": "jullov",
    "jullov": "jullov",
    "sportlovet": "sportlov",
    "sportlov": "sportlov",
    "påsklovet": "påsklov",
    "påsklov": "påsklov",
    "höstlovet": "höstlov",
    "höstlov": "höstlov",
    "sommarhalvåret": "sommarhalvår",
    "vinterhalvåret": "vinterhalvår",
    "våren": "vår",
    "vårens": "vår",
    "vår": "vår",
    "vårar": "vår",
    "somrarna": "sommar",
    "sommaren": "sommar",
    "sommarens": "sommar",
    "sommar": "sommar",
    "hösten": "höst",
    "höstens": "höst",
    "höst": "höst",
    "höstar": "höst",
    "vintern": "vinter",
    "vinterns": "vinter",
    "vinter": "vinter",
}
# Forms that are ordinary words too: they count as a season only with a year, a preposition or in
# a list of seasons.
BARE_SEASON_FORMS: Final = frozenset({"vår", "höst", "sommar", "vinter", "vt", "ht"})
# Periods whose dates come from the calendar policy (school terms and breaks), not from SEASONS.
POLICY_PERIODS: Final = frozenset(
    {"vårtermin", "hösttermin", "terminer", "sommarlov", "jullov", "sportlov", "påsklov", "höstlov",
     "före sommar", "före jul"}
)  # fmt: skip
# The text asks for summer: July, outside the policy's active months by default, is allowed.
SUMMER_PERIODS: Final = frozenset({"sommar", "sommarlov"})

# Parts of the day a När may name instead of a clock time ("på kvällen", "förmiddagstid"), the
# time a meeting then starts, and the forms that name it. A clock time in the text ("kl 18") wins.
DAYPARTS: Final[dict[str, tuple[tuple[int, int], tuple[str, ...]]]] = {
    "morgon": ((8, 0), ("morgon", "morgonen", "morgnar", "morgnarna", "morgontid")),
    "förmiddag": ((9, 0), ("förmiddag", "förmiddagen", "förmiddagar", "förmiddagarna",
                           "förmiddagstid")),
    "lunch": ((12, 0), ("lunch", "lunchen", "lunchtid")),
    "eftermiddag": ((13, 0), ("eftermiddag", "eftermiddagen", "eftermiddagar", "eftermiddagarna",
                              "eftermiddagstid")),
    "kväll": ((18, 0), ("kväll", "kvällen", "kvällar", "kvällarna", "kvällstid", "kvällstider")),
    "natt": ((21, 0), ("natt", "natten", "nätter", "nätterna", "nattetid")),
}  # fmt: skip
TIMES_OF_DAY: Final[dict[str, tuple[int, int]]] = {
    form: start for start, forms in DAYPARTS.values() for form in forms
}
DAYPART_OF: Final[dict[str, str]] = {
    form: part for part, (_, forms) in DAYPARTS.items() for form in forms
}
# Parts of the day that put a meeting outside office hours: a weekday named with one
# ("fredagskvällar", "fredagar kväll") is a day the text means, not a slot to spread.
OUT_OF_HOURS: Final = frozenset({"kväll", "natt"})

# Words that name a set of days (RRULE codes), and the part of the day some of them name too.
# "Helgkvällar" and "helgnätter" are the evenings and nights of Friday and Saturday, as
# nattvandrare and fältassistenter use the words; "helger" are Saturdays and Sundays.
_WORKDAYS: Final = ("MO", "TU", "WE", "TH", "FR")
_EVERY_DAY: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_SETS: Final[dict[str, tuple[tuple[str, ...], str | None]]] = {
    "vardagar": (_WORKDAYS, None),
    "vardagarna": (_WORKDAYS, None),
    "alla vardagar": (_WORKDAYS, None),
    "varje vardag": (_WORKDAYS, None),
    "vardagskvällar": (_WORKDAYS, "kväll"),
    "vardagskvällarna": (_WORKDAYS, "kväll"),
    "helger": (("SA", "SU"), None),
    "helgerna": (("SA", "SU"), None),
    "helgen": (("SA", "SU"), None),
    "alla helger": (("SA", "SU"), None),
    "varje helg": (("SA", "SU"), None),
    "veckoslut": (("SA", "SU"), None),
    "veckosluten": (("SA", "SU"), None),
    "helgkvällar": (("FR", "SA"), "kväll"),
    "helgkvällarna": (("FR", "SA"), "kväll"),
    "helgnätter": (("FR", "SA"), "natt"),
    "helgnätterna": (("FR", "SA"), "natt"),
    "alla dagar": (_EVERY_DAY, None),
    "alla dagar i veckan": (_EVERY_DAY, None),
    "alla veckans dagar": (_EVERY_DAY, None),
    "veckans alla dagar": (_EVERY_DAY, None),
    "varje dag i veckan": (_EVERY_DAY, None),
    "sju dagar i veckan": (_EVERY_DAY, None),
    "7 dagar i veckan": (_EVERY_DAY, None),
    "årets alla dagar": (_EVERY_DAY, None),
}
EVERY_DAY: Final = _EVERY_DAY

# Parts of a month ("i mitten av maj", "första halvan av juni"): its first and last day (31 is
# the month's end in a shorter month).
MONTH_PARTS: Final[dict[str, tuple[int, int]]] = {
    "början": (1, 10),
    "mitten": (11, 20),
    "slutet": (21, 31),
    "första halvan": (1, 15),
    "andra halvan": (16, 31),
    "senare halvan": (16, 31),
    "sista halvan": (16, 31),
}
# Weeks of a named month ("sista veckan i juni", "de två första veckorna i augusti"): seven-day
# stretches from the start of the month (1 = days 1–7), or from its end (-1 = its last 7 days).
WEEK_OF_MONTH_WORDS: Final[dict[str, int]] = {
    "första": 1, "andra": 2, "tredje": 3, "fjärde": 4, "sista": -1, "näst sista": -2,
}  # fmt: skip

# School events whose dates the calendar policy knows (calendar.spring_term, autumn_term and the
# break weeks): the periods they are the start ("start") or the end ("end") of, or the periods
# themselves ("") for a break. "Inför" one is the EVENT_MARGIN_DAYS before it, "efter" one the
# EVENT_MARGIN_DAYS after it, "vid" one its first (or last) week (cadence/periods.py).
SCHOOL_EVENTS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "terminsstart": (("vårtermin", "hösttermin"), "start"),
    "terminsstarten": (("vårtermin", "hösttermin"), "start"),
    "terminsstarter": (("vårtermin", "hösttermin"), "start"),
    "terminsstarterna": (("vårtermin", "hösttermin"), "start"),
    "terminens start": (("vårtermin", "hösttermin"), "start"),
    "ny termin": (("vårtermin", "hösttermin"), "start"),
    "varje ny termin": (("vårtermin", "hösttermin"), "start"),
    "varje terminsstart": (("vårtermin", "hösttermin"), "start"),
    "skolstart": (("hösttermin",), "start"),
    "skolstarten": (("hösttermin",), "start"),
    "läsårsstart": (("hösttermin",), "start"),
    "läsårsstarten": (("hösttermin",), "start"),
    "läsårets start": (("hösttermin",), "start"),
    "skolavslutning": (("vårtermin", "hösttermin"), "end"),
    "skolavslutningen": (("vårtermin", "hösttermin"), "end"),
    "skolavslutningar": (("vårtermin", "hösttermin"), "end"),
    "skolavslutningarna": (("vårtermin", "hösttermin"), "end"),
    "varje skolavslutning": (("vårtermin", "hösttermin"), "end"),
    "terminsslut": (("vårtermin", "hösttermin"), "end"),
    "terminsslutet": (("vårtermin", "hösttermin"), "end"),
    "terminsavslutning": (("vårtermin", "hösttermin"), "end"),
    "terminsavslutningen": (("vårtermin", "hösttermin"), "end"),
    "varje terminsavslutning": (("vårtermin", "hösttermin"), "end"),
    "läsårets slut": (("vårtermin",), "end"),
    "läsårsslutet": (("vårtermin",), "end"),
    # A term is a period: "inför höstterminen" is before it starts, "efter" after it ends;
    # "under höstterminen" is the term itself (a season, read by windows._seasons).
    "vårterminen": (("vårtermin",), ""),
    "höstterminen": (("hösttermin",), ""),
    "sommarlovet": (("sommarlov",), ""),
    "jullovet": (("jullov",), ""),
    "sportlovet": (("sportlov",), ""),
    "påsklovet": (("påsklov",), ""),
    "höstlovet": (("höstlov",), ""),
    "loven": (("lov",), ""),
    "lov": (("lov",), ""),
    "alla lov": (("lov",), ""),
    "varje lov": (("lov",), ""),
    "skolloven": (("lov",), ""),
    "alla skollov": (("lov",), ""),
    "varje skollov": (("lov",), ""),
    "samtliga lov": (("lov",), ""),
}
# The words that put a school event before, at or after the time meant, and which stretch of
# it they mean.
EVENT_RELATIONS: Final[dict[str, str]] = {
    "inför": "inför",
    "före": "inför",
    "innan": "inför",
    "efter": "efter",
    "vid": "vid",
    "kring": "vid",
    "runt": "vid",
    "i samband med": "vid",
    "under": "under",
    "på": "under",
    "i": "under",
}
EVENT_MARGIN_DAYS: Final = 14  # "inför sommarlovet": the two weeks before it
EVENT_WEEK_DAYS: Final = 7  # "vid terminsstart": the first week of the term
# "Alla lov": the school breaks, each a period of the calendar policy.
SCHOOL_BREAKS: Final = ("sportlov", "påsklov", "sommarlov", "höstlov", "jullov")

# Named occasions whose dates no reader of the text can know: they move every year, or happen only
# some years. A När naming one is warned about, never guessed. Pattern (lower case) → what it is.
OCCASIONS: Final[dict[str, str]] = {
    rf"valrörelse[{LETTERS}]*": "valrörelsen",
    r"valet|valdagen|valår(?:et)?|valsöndagen": "valet",
    rf"kulturnatt[{LETTERS}]*": "Kulturnatten",
    rf"kulturfestival[{LETTERS}]*": "Kulturfestivalen",
    r"pride(?:veckan|festivalen|paraden)?": "Pride",
    rf"almedal[{LETTERS}]*": "Almedalsveckan",
    r"ramadan(?:en)?|eid": "ramadan och eid",
    r"nobel(?:festen|dagen|middagen)": "Nobelfesten",
    r"marat(?:h)?on(?:et)?|stockholm\s+marathon": "maratonloppet",
    r"derby(?:t|match(?:en|er)?)?|hemmamatch(?:en|er)?|matchdag(?:en|ar)?": "matcherna",
    rf"studenten|studentfirande[{LETTERS}]*|studentutspring[{LETTERS}]*": "studenten",
    r"we\s+are\s+sthlm|ung08": "festivalen",
    r"budgetarbetet|budgetprocessen|bokslut(?:et)?|delårsrapport(?:en)?": "budgetåret",
    rf"nämndsammanträde[{LETTERS}]*|nämndmöte[{LETTERS}]*": "nämndens sammanträden",
}
# An occasion counts only after a word that makes it a time ("under valrörelsen", "inför valet"),
# so "rapport om valet" is not one.
OCCASION_INTRO: Final = r"(?:vid|under|inför|efter|före|innan|kring|runt|i\s+samband\s+med|till)"

# Words an honest reading may leave unused without saying so. Everything else a När holds and the
# reading did not use is quoted in a warning ("Delvis tolkat: ..."), and the cadence is partial.
# FILLER_WORDS carry grammar, not time: articles, prepositions, conjunctions, auxiliaries.
FILLER_WORDS: Final = frozenset(
    {"och", "samt", "eller", "men", "i", "på", "av", "för", "med", "till", "från", "om", "under",
     "vid", "efter", "före", "inför", "mellan", "per", "pr", "varje", "var", "en", "ett", "den",
     "det", "de", "dem", "denna", "detta", "dessa", "som", "att", "är", "ska", "skall", "bör",
     "kan", "kommer", "blir", "bli", "vara", "har", "ha", "hålls", "hållas", "genomförs",
     "genomföras", "sker", "ske", "ses", "träffas", "möts", "sammanträder", "även", "också",
     "dock", "minst", "max", "högst", "cirka", "ca", "ungefär", "bl", "a", "t", "ex", "etc",
     "osv", "mm", "m", "exempelvis", "inom", "hos", "utifrån", "enligt", "dvs", "så", "sedan",
     "därefter", "då", "när", "nu", "mer", "mera", "mest", "något", "några", "någon", "alla",
     "allt", "all", "gärna", "helst", "normalt", "vanligtvis", "oftast", "ofta", "beroende",
     "grund", "pga", "eftersom", "tillsammans", "både", "än", "man", "vi", "oss", "vår", "vårt",
     "våra", "deras", "dess", "sin", "sitt", "sina", "behov", "kl", "klockan", "st", "nr", "ggr",
     "gånger", "gång", "tillfällen", "tillfälle", "planeras", "planerat", "planerade",
     "ungefärligen", "runt", "kring", "ytterligare", "extra", "dessutom", "plus",
     "samband", "upp", "via", "ingår", "ingå", "oftare", "sällan", "mån", "lämpligt", "lämplig",
     "lämpliga", "möjligt", "övrigt", "typ", "bland", "annat", "antingen", "perioden",
     "tidsperioden", "period"}
)  # fmt: skip
# DESCRIPTION_WORDS say who takes part or what is done, not when: a När often says both
# ("Socialsekreterare deltar aktivt i det dagliga arbetet hos polisen"). Role names (scheduler/
# roles.py) and meeting/task words (activity.py) are read elsewhere and need no entry here.
DESCRIPTION_WORDS: Final = frozenset(
    {"möte", "möten", "mötet", "mötena", "träff", "träffar", "träffen", "sammanträde",
     "sammanträden", "samverkan", "samverkansmöte", "samverkansmöten", "arbete", "arbetet",
     "arbetar", "arbeta", "barn", "barnen", "unga", "ungdomar", "ungdomarna", "elever",
     "eleverna", "föräldrar", "vårdnadshavare", "aktörer", "aktörerna", "relevanta", "berörda",
     "deltar", "delta", "deltagande", "aktivt", "aktiv", "situationer", "situation",
     "närvarande", "motiverande", "samtal", "samtalen", "stöd", "erbjuds", "erbjudas",
     "våldsutövare", "våldsutsatta", "användas", "används", "genomföra", "genomförande",
     "planering", "gemensamt", "gemensam", "gemensamma", "lokal", "lokala", "regional",
     "regionala", "nivå", "representanter", "parterna", "parter", "grupp", "gruppen",
     "deltagare", "deltagarna", "personal", "personalen", "medarbetare", "boende", "invånare",
     "kommunen", "staden", "stadsdelen", "området", "områden", "platsen", "platser", "plats",
     "digitalt", "digital", "fysiskt", "fysisk", "teams", "online", "övriga",
     "andra", "nya", "ny", "nytt", "fokus", "frågor", "fråga", "ärenden", "information",
     "kontakt", "dialog", "ledning", "ledningen", "chefer", "chef", "fler", "flera", "olika",
     "respektive", "resp", "alternativt", "hela", "inklusive", "inkl", "ordinarie", "ordförande",
     "sammankallande", "styrgruppen", "arbetsgruppen", "nätverket", "rådet", "insats", "insatser",
     "insatsen", "förskola", "förskolan", "förskolor", "förskolorna", "skola", "skolan",
     "skolor", "skolorna", "fritidsgård", "fritidsgården", "fritidsgårdar", "serveringsställen",
     "serveringsställe", "restauranger", "krogar", "butiker", "tobaksförsäljare",
     "försäljningsställen", "vårdnadshavarna", "föräldrarna", "lärare", "pedagoger",
     "allmänheten", "näringsidkare", "fastighetsägare", "verksamheter", "verksamheterna",
     "arrangörer", "objekt"}
)  # fmt: skip

QUARTERS: Final[dict[int, tuple[MonthDay, MonthDay]]] = {
    1: (MonthDay(1, 1), MonthDay(3, 31)),
    2: (MonthDay(4, 1), MonthDay(6, 30)),
    3: (MonthDay(7, 1), MonthDay(9, 30)),
    4: (MonthDay(10, 1), MonthDay(12, 31)),
}
# Stockholm stad reports by tertial: January–April, May–August, September–December.
TERTIALS: Final[dict[int, tuple[MonthDay, MonthDay]]] = {
    1: (MonthDay(1, 1), MonthDay(4, 30)),
    2: (MonthDay(5, 1), MonthDay(8, 31)),
    3: (MonthDay(9, 1), MonthDay(12, 31)),
}
HALF_YEARS: Final[dict[int, tuple[MonthDay, MonthDay]]] = {
    1: (MonthDay(1, 1), MonthDay(6, 30)),
    2: (MonthDay(7, 1), MonthDay(12, 31)),
}


def number_value(word: str) -> int | None:
    """The value of a count written in digits or words ("4", "fyra"), else None."""
    word = word.strip().lower()
    if word.isdigit() and len(word) <= 4:
        return int(word)
    return NUMBER_WORDS.get(" ".join(word.split()))


def ordinal_value(word: str) -> int | None:
    """The value of an ordinal in words or digits ("tredje", "3:e", "3:dje"), else None."""
    word = " ".join(word.strip().lower().split())
    if word in ORDINAL_WORDS:
        return ORDINAL_WORDS[word]
    digits = word.split(":")[0].rstrip(".ae")
    if digits.isdigit() and len(digits) <= 2:
        return int(digits)
    return None


def month_value(word: str) -> int | None:
    """The month number for a Swedish month name or abbreviation ("mars", "okt."), else None."""
    word = word.strip().lower().rstrip(".")
    return MONTH_NUMBERS.get(word) or MONTH_ABBREVIATIONS.get(word)
