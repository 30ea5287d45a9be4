"""What kind of thing a question asks for, and where a sentence holds one: the short answer.

"Who …" wants a name; "which state …" a place; "how many …" a count; "when …" a date; "which show …" a
title. A sentence's spans of that kind that the question does not already say are candidates for the
short answer; the one nearest to the words it shares with the question is chosen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

from bot.answering.followup import without_context
from bot.answering.overlap import stem, stems
from ingest import sentence_spans

AnswerType = Literal["name", "number", "date", "year", ""]

_WH = re.compile(
    r"\b(who|whom|whose|which|what|when|where|how (?:many|much|long|old|large|big|far|tall|high|fast|often))\b", re.I
)
_NAME_ASKED = re.compile(r"\b(?:called|named|name[ds]?|nicknamed|titled|dubbed)\b", re.I)
# A quoted phrase answers only a question asking for a title or a name ("which show …", "what is it called").
_TITLE_ASKED = re.compile(
    r"\b(?:called|named|titled|dubbed|nicknamed|word|phrase|slogan|quote)\b|\b(?:which|what)\s+(?:\w+\s+)?(?:movie|film|"
    r"show|series|song|album|book|novel|title|nickname|game|app|character|play|musical|documentary|podcast|"
    r"hashtag|term|name)s?\b",
    re.I,
)
# "Which new product …", "which measure": a thing, often a common noun ("a robot"), not a name.
_THING_ASKED = re.compile(
    r"\b(?:which|what)\s+(?:(?:new|major|popular|other|kind of|type of|sort of)\s+)*(?:menu\s+)?(?:product|item|change|"
    r"feature|animal|reptile|creature|species|food|dish|drink|device|gadget|service|technology|ingredient|object|"
    r"substance|drug|medication|treatment|vaccine|disease|virus|weapon|vehicle|toy|gift|policy|benefit|perk|rule|"
    r"ban|mineral|material|plant|tool|option|offering|measure|topic|infrastructure|issue|subject)s?\b",
    re.I,
)
_YEAR_ASKED = re.compile(r"\b(?:what|which) year\b|\bsince when\b", re.I)
_DATE_ASKED = re.compile(r"\b(?:what|which) (?:day|date|month)\b|\bsince\s*:?\s*$", re.I)
_NUMBER_ASKED = re.compile(
    r"\b(?:what|which)(?:'s|’s|\s+is|\s+are|\s+was|\s+were)?\s+(?:the\s+)?(?:\w+\s+)?(?:percentage|percent|share|number|amount|sum|price|rate|age|score|total|size|"
    r"figure|milestone|level|distance|height|weight|temperature|speed)\b",
    re.I,
)
_UNIT_ASKED: list[tuple[str, re.Pattern[str]]] = [
    ("percent", re.compile(r"\b(?:percentage|percent|per cent|share)\b|%", re.I)),
    ("duration", re.compile(r"\bhow long\b|\bhow many (?:minutes|hours|days|weeks|months|years|seconds)\b", re.I)),
    (
        "money",
        re.compile(
            r"\bhow much money\b|\b(?:cost|costs|pay|paid|price|worth|spend|spent|fine[ds]?|salary|budget|loan|"
            r"debt|forgiveness|tag)\b",
            re.I,
        ),
    ),
]
_COUNTED = re.compile(r"\bhow many\s+((?:[\w'’-]+\s*){1,6})", re.I)
# Words ending the noun phrase after "how many" ("how many baby swings and rockers were recalled").
_COUNTED_END = frozenset(
    """are were is was did do does have has had will would could can may might in of on at for to from with by
    that who which been be this these as since during per according the a an his her their its our live lived
    work worked die get got take took make made remain remained lose lost win won say said need needed""".split()
)


def _counted(focus: str) -> frozenset[str]:
    """What "how many …" counts: the head noun of each conjunct ("baby swings and rockers" → swing, rocker)."""
    match = _COUNTED.search(focus)
    if not match:
        return frozenset()
    words: list[str] = []
    for word in re.findall(r"[\w'’-]+", match.group(1).lower()):
        if word in _COUNTED_END or words and word.endswith("ed"):  # "… people died", "… were recalled"
            break
        if word not in {"more", "new", "other"}:
            words.append(word)
    heads: set[str] = set()
    part: list[str] = []
    for word in [*words, "and"]:
        if word in {"and", "or"}:
            if part and len(part[-1]) >= 3:
                heads.add(stem(part[-1]))
            part = []
        else:
            part.append(word)
    return frozenset(heads)


_PLACE_ASKED = re.compile(
    r"\bwhere\b|\b(?:which|what|in which)\s+(?:\w+\s+)?(?:country|countries|state|states|city|cities|nation|province|"
    r"county|region|town|capital|island|continent|territory)\b",
    re.I,
)
# "said on Friday": the day a story was told, not the day of what it tells about.
_REPORTED_ON = re.compile(r"\b(?:said|says|announced|told|reported|confirmed|wrote|stated)\s+(?:on\s+)?$", re.I)
# "according to Realtor.com", "the CPSC said": who tells the story, not what it tells.
_SOURCE_BEFORE = re.compile(
    r"\baccording to (?:the\s+)?(?:[a-z][\w-]*\s+){0,3}$|\b(?:told|reports?|reported by|data from)\s+(?:the\s+)?$",
    re.I,
)
_SOURCE_AFTER = re.compile(
    r"^[’']?s?,?\s+(?:(?:also|has|had|have)\s+)?(?:said|says|told|projects|projected|reported|reports|confirmed|estimated|"
    r"estimates|announced|noted|wrote|tweeted)\b",
    re.I,
)
_REPORT_ASKED = re.compile(r"\b(?:say|said|announce[ds]?|report(?:ed)?|confirm(?:ed)?|reveal(?:ed)?)\b", re.I)
_PERSON_ASKED = re.compile(
    r"\b(?:who|whom|whose)\b|\bwhat (?:is|was) (?:his|her|their) name\b|\b(?:which|what)\s+(?:\w+\s+)?(?:member|person|"
    r"official|leader|politician|player|athlete|actor|actress|singer|rapper|star|executive|ceo|president|"
    r"minister|senator|lawmaker|judge|candidate|billionaire|founder|journalist|author|coach|company|companies|firm|"
    r"team|club|airline|retailer|brand|chain|automaker|carmaker|bank|network|organi[sz]ation|agency|group|"
    r"university|college|party|union|manufacturer|maker|startup|giant)\b",
    re.I,
)
_UNIT_SPAN: dict[str, re.Pattern[str]] = {
    "percent": re.compile(r"%|percent|per cent", re.I),
    "duration": re.compile(r"\b(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b", re.I),
    "money": re.compile(r"[$€£]|\b(?:dollars?|euros?|pounds?|yen|yuan)\b", re.I),
}
_WH_TYPE: dict[str, AnswerType] = {
    "who": "name",
    "whom": "name",
    "whose": "name",
    "which": "name",
    "where": "name",
    "when": "date",
}

_LEADING = frozenset(
    """a an the in on at for but and or as after before when while if it he she they we i this that these those
    his her their its our by from with to of since during under over about into according meanwhile however
    also so yet then there here now today""".split()
)
_NOT_NAMES = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms""".split()
)
_WORD_NAME = r"(?:[A-Z][\w'’\-.]*[\w]|[A-Z])"
_NAME = re.compile(rf"{_WORD_NAME}(?:\s+(?:of|the|de|da|van|von|al|bin|for|&)?\s*{_WORD_NAME})*")
_COMPOUND_TAIL = re.compile(r"-[a-z][\w'’]*$")  # a lower-case word hyphenated to a name's last word
_QUOTED = re.compile(r"[\"“‘']([^\"“”‘’']{2,80})[\"”’']")
_UNITS = (
    r"percent|per cent|million|billion|trillion|thousand|hundred|points?|decades?|years?|months?|weeks?|days?|"
    r"hours?|minutes?|seconds?|people|votes?|seats?|miles?|kilomet(?:er|re)s?|km|feet|met(?:er|re)s?|tons?|"
    r"barrels?|dollars?|euros?|pounds?"
)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozen"
)
_NUMBER = re.compile(
    rf"(?:[$€£]\s?|\b(?:US|C|A)\$\s?)?\d+(?:,\d{{3}})*(?:\.\d+)?(?:\s?%|[\s-]*(?:{_UNITS})\b)*"
    rf"|\b(?:{_NUMBER_WORDS})\b(?:[\s-]+(?:{_NUMBER_WORDS}|{_UNITS})\b)*",
    re.I,
)
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE = re.compile(
    rf"\b{_MONTH}\.?\s+\d{{1,2}}(?!\d)(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\b\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|"
    rf"\b{_MONTH}\s+\d{{4}}|\b(?:19|20)\d\d\b|"
    r"\b(?:(?:last|next|this)\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|\byesterday\b"
)
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")


@dataclass(frozen=True)
class Asked:
    """The question's focus (its last question sentence), its wh-word and the answer type it wants."""

    focus: str
    wh: str
    type: AnswerType
    unit: str = ""  # for numbers: percent | duration | money | "" (any)
    counted: frozenset[str] = frozenset()  # "how many visitors" → {"visitor"} (stemmed): what the number counts
    place: bool | None = None  # names: True wants a place, False a person or organisation, None either
    title: bool = False  # names: a quoted title or phrase can answer ("which show …")


def asked(question: str) -> Asked:
    """What ``question`` asks for."""
    text = without_context(question)  # a follow-up's "(context: earlier question)" is not what it asks
    sentences = [text[a:b] for a, b in sentence_spans(text)] or [text]
    focus = next((s for s in reversed(sentences) if "?" in s), sentences[-1])
    wh_match = _WH.search(focus) or _WH.search(text)
    wh = wh_match.group(1).lower() if wh_match else ""
    wh = " ".join(wh.split())
    if _YEAR_ASKED.search(focus):
        return Asked(focus, wh, "year")
    if _DATE_ASKED.search(focus):
        return Asked(focus, wh, "date")
    if _NUMBER_ASKED.search(focus) or wh.startswith("how "):
        unit = next((name for name, pattern in _UNIT_ASKED if pattern.search(focus)), "")
        return Asked(focus, wh, "number", unit, _counted(focus))
    place = True if _PLACE_ASKED.search(focus) else False if _PERSON_ASKED.search(focus) else None
    title = bool(_TITLE_ASKED.search(focus))
    if _NAME_ASKED.search(focus):
        return Asked(focus, wh, "name", place=place, title=title)
    if place is None and not title and _THING_ASKED.search(focus):
        return Asked(focus, wh, "")
    kind = _WH_TYPE.get(wh, "")
    return Asked(focus, wh, kind, place=place if kind == "name" else None, title=title and kind == "name")


def name_spans(sentence: str, proper: frozenset[str] | None = None, quoted: bool = True) -> list[tuple[int, int]]:
    """Capitalised names and (with ``quoted``) quoted titles, leading function words and dates dropped. A
    sentence's first word counts as a name only when ``proper`` (words seen capitalised mid-sentence) holds it."""
    found: list[tuple[int, int]] = []
    for m in _NAME.finditer(sentence):
        a, b = m.start(), m.end()
        words = sentence[a:b].split()
        at_start = not sentence[:a].strip("\"“‘'( ")
        while words and _not_a_name_start(words[0], at_start and len(words) == 1, proper):
            a = sentence.index(words[0], a) + len(words[0])
            words = words[1:]
            while a < b and sentence[a].isspace():
                a += 1
        if words and (tail := _COMPOUND_TAIL.search(sentence[a:b])):
            b = a + tail.start()  # "Kyiv-based", "American League-record": the name is before the hyphen
        if words and not all(w.lower().rstrip(".") in _NOT_NAMES for w in words):
            found.append((a, b))
    if quoted:
        found += [(m.start(1), m.end(1)) for m in _QUOTED.finditer(sentence) if m.group(1)[:1].isalnum()]
    return found


def _not_a_name_start(word: str, sentence_start: bool, proper: frozenset[str] | None) -> bool:
    bare = word.lower().rstrip(".,")
    if bare in _LEADING or bare in _NOT_NAMES:
        return True
    return sentence_start and proper is not None and _bare(word) not in proper


_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z0-9,;] )[A-Z][\w'’\-]*[\w]")


@cache
def places() -> frozenset[str]:
    """Known place names, lower-cased (``data/places.txt``, one per line; operators may extend it)."""
    text = files("bot.answering").joinpath("data/places.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


_POSSESSIVE_END = re.compile(r"(?:['’]s?)?[.,;:]*$")


def _bare(word: str) -> str:
    """A word without trailing punctuation or possessive: "Texas’" and "Texas's," → "Texas" (an "s" of its own stays)."""
    return _POSSESSIVE_END.sub("", word)


# A longer name opening with a known place is a place when it ends in a word like these ("Kyiv Oblast",
# "Miami Beach"), else an organisation ("Colorado Avalanche", "Atlanta Braves"); one closing with a known
# place is a place after words like these ("the state of Ohio", "Eastern Ukraine"), else an organisation
# ("Brothers of Italy", "Bank of England").
_PLACE_TAIL = frozenset(
    """city state county province region oblast island islands district territory valley coast beach bay
    peninsula village town parish borough""".split()
)
_PLACE_HEAD = frozenset(
    """state city republic kingdom province county commonwealth island islands isle region district north south
    east west northern southern eastern western central greater upper lower of the""".split()
)


def _is_place(span: str) -> bool:
    known = places()
    name = _bare(span.lower().removeprefix("the "))
    if name in known:
        return True
    words = name.split()
    if len(words) < 2:
        return False
    for n in range(len(words) - 1, 0, -1):  # the longest known place opening or closing the name
        if " ".join(words[:n]) in known:
            return all(w in _PLACE_TAIL for w in words[n:])
        if " ".join(words[-n:]) in known:
            return all(w in _PLACE_HEAD for w in words[:-n])
    return False


def _places_within(sentence: str, a: int, b: int) -> list[tuple[int, int]]:
    """Known places named inside a longer name ("Oregon" in "Outgoing Oregon Gov. Kate Brown")."""
    words = [(m.start() + a, m.end() + a, m.group(0)) for m in re.finditer(r"[\w'’.-]+", sentence[a:b])]
    found, i = [], 0
    while i < len(words):
        for n in range(min(3, len(words) - i), 0, -1):  # the longest known place starting at word i
            name = " ".join(w for _, _, w in words[i : i + n]).lower().rstrip(".").removesuffix("'s").removesuffix("’s")
            if name in places():
                found.append((words[i][0], words[i + n - 1][1]))
                i += n - 1
                break
        i += 1
    return found


def _by_place(sentence: str, spans: list[tuple[int, int]], place: bool | None) -> list[tuple[int, int]]:
    """Places first when a place is asked for; no places when a person or organisation is."""
    if place is None:
        return spans
    if place:
        known = [(a, b) for a, b in spans if _is_place(sentence[a:b])]
        inside = [sub for a, b in spans if (a, b) not in known for sub in _places_within(sentence, a, b)]
        return known + inside  # a sentence naming no known place does not hold the place asked for
    return [(a, b) for a, b in spans if not _is_place(sentence[a:b])]


def _is_source(sentence: str, a: int, b: int) -> bool:
    before = sentence[max(0, a - 60) : a]
    trailing = re.search(r"[,”\"]\s*(?:the\s+)?$", before)  # "…, the CPSC said": a tag after what was said
    return bool(_SOURCE_BEFORE.search(before) or trailing and _SOURCE_AFTER.search(sentence[b : b + 30]))


def proper_words(texts: Iterable[str]) -> frozenset[str]:
    """Words written capitalised in the middle of a sentence somewhere in ``texts``: names, not starters."""
    return frozenset(_bare(m.group(0)) for t in texts for m in _MID_SENTENCE_CAPITAL.finditer(t))


@dataclass(frozen=True)
class Slot:
    """What answers a question: its kind, and spans of that kind the question does not already say."""

    kind: AnswerType
    question_words: frozenset[str]
    focus_words: frozenset[str]
    proper: frozenset[str] | None = None  # names attested in the passages (None: trust every capital)
    unit: str = ""  # numbers: the unit asked for (a percent, a duration, money)
    counted: frozenset[str] = frozenset()  # numbers: stems of what is counted ("how many visitors" → {"visitor"})
    place: bool | None = None  # names: True wants a place, False a person or organisation, None either
    asks_report_date: bool = False  # dates: "when did X announce …" (else "said on Friday" is not the answer)
    title: bool = False  # names: a quoted title or phrase can answer

    def spans(self, sentence: str) -> list[tuple[int, int]]:
        """The new spans of the asked kind in ``sentence`` (the question's own words never answer it)."""
        if self.kind == "name":
            found = _by_place(sentence, name_spans(sentence, self.proper, self.title), self.place)
            if not self.asks_report_date:  # "who said …" asks for the source; else a source is no answer
                found = [(a, b) for a, b in found if not _is_source(sentence, a, b)]
        else:
            pattern = {"number": _NUMBER, "date": _DATE, "year": _YEAR}.get(self.kind)
            found = [(m.start(), m.end()) for m in pattern.finditer(sentence)] if pattern else []
            if self.kind == "date" and not self.asks_report_date:
                found = [(a, b) for a, b in found if not _REPORTED_ON.search(sentence[max(0, a - 40) : a])]
            if self.unit:
                unit = _UNIT_SPAN[self.unit]
                with_unit = [(a, b) for a, b in found if unit.search(sentence[a:b])]
                found = with_unit
        out = []
        for a, b in found:
            words = stems(sentence[a:b]) or {sentence[a:b].strip().lower()}
            if not words <= self.question_words:
                out.append((a, b))
        return out

    def counts(self, sentence: str, spans: list[tuple[int, int]]) -> bool:
        """True when a number span is followed (within three words) by what the question counts."""
        if not self.counted:
            return False
        for _, b in spans:
            following = re.findall(r"[\w'’]+", sentence[b : b + 40])[:3]
            if any(stem(w.lower()) in self.counted for w in following):
                return True
        return False

    def nearest(self, sentence: str, spans: list[tuple[int, int]]) -> tuple[tuple[int, int], int] | None:
        """The span nearest (in words) to one of the question's focus words, and that distance."""
        if not spans:
            return None
        words = self.focus_words or self.question_words
        tokens = [(m.start(), m.end(), bool(stems(m.group(0)) & words)) for m in re.finditer(r"[\w'’]+", sentence)]
        anchors = [i for i, (_, _, hit) in enumerate(tokens) if hit]
        if not anchors:
            return spans[0], len(tokens)

        def distance(span: tuple[int, int]) -> int:
            inside = [i for i, (a, b, _) in enumerate(tokens) if a >= span[0] and b <= span[1]] or [0]
            return min(abs(i - j) for i in (inside[0], inside[-1]) for j in anchors)

        best = min(spans, key=distance)
        return best, distance(best)

    def short_answer(self, sentence: str) -> tuple[int, int] | None:
        """The span of ``sentence`` that answers: of the asked kind, new, nearest the question's words (for
        "who", a name opening the sentence: its subject), without a possessive ("Hawaii’s" → "Hawaii")."""
        span = self._short_answer(sentence)
        if span and self.kind == "name":
            a, b = span
            return a, a + len(_bare(sentence[a:b]))
        return span

    def _short_answer(self, sentence: str) -> tuple[int, int] | None:
        spans = self.spans(sentence)
        if self.place is False and spans and not sentence[: spans[0][0]].strip("\"“‘'( "):
            # "SoftBank chief executive Masayoshi Son proposed": the person after the title, else the subject
            if len(spans) > 1 and re.fullmatch(r"(?:\s+[a-z][\w-]*){1,3}\s+", sentence[spans[0][1] : spans[1][0]]):
                return spans[1]
            return spans[0]
        found = self.nearest(sentence, spans)
        return found[0] if found else None


def slot(question: str, passages: Iterable[str] = ()) -> Slot:
    """The slot ``question`` asks to fill, with the names ``passages`` attest."""
    want = asked(question)
    texts = list(passages)
    proper = proper_words(texts) if texts else None
    names = {stem(w.lower()) for w in re.findall(r"(?<!^)(?<![.?!] )\b[A-Z][\w'’]+", want.focus)}
    anchors = frozenset(stems(want.focus)) - names or frozenset(stems(want.focus))
    reported = bool(_REPORT_ASKED.search(want.focus))
    return Slot(
        want.type,
        frozenset(stems(question)),
        anchors,
        proper,
        want.unit,
        want.counted,
        want.place,
        reported,
        want.title,
    )
