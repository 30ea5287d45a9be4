"""Dated market figures ("Bitcoin trades at $108,029.56 as of May 25, 2025") found in article text."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path

from ingest.dates import find_dates
from ingest.errors import ConfigError
from ingest.models import Snapshot
from ingest.sentences import sentence_spans


@dataclass(frozen=True)
class AssetTable:
    """The assets of ``assets.txt`` (and ``NEWSBOT_ASSETS_FILE``): aliases, kinds and currency pairs."""

    aliases: dict[str, tuple[str, ...]]  # canonical name -> aliases
    kinds: dict[str, str]
    pairs: dict[tuple[str, str], str]  # (base asset, quote word) -> pair asset: ("US dollar", "yen") -> "Dollar/yen"


def read_assets(text: str) -> AssetTable:
    """Parse lines of ``Name | kind | alias, alias``; blank lines and ``#`` comments are skipped."""
    aliases: dict[str, tuple[str, ...]] = {}
    kinds: dict[str, str] = {}
    pairs: dict[tuple[str, str], str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, kind, names = (part.strip() for part in (line.split("|") + ["", ""])[:3])
        aliases[name] = tuple(a.strip() for a in names.split(",") if a.strip())
        kinds[name] = kind.split()[0] if kind else ""
        if kind.startswith("pair "):
            _, *base, quote = kind.split()
            pairs[(" ".join(base), quote.lower())] = name
    return AssetTable(aliases, kinds, pairs)


def _load_assets() -> AssetTable:
    text = files("ingest").joinpath("assets.txt").read_text(encoding="utf-8")
    extra = os.environ.get("NEWSBOT_ASSETS_FILE")
    if extra:
        try:
            text += "\n" + Path(extra).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"NEWSBOT_ASSETS_FILE={extra}: cannot read it ({exc.strerror})") from exc
    return read_assets(text)


ASSETS = _load_assets()
_ASSETS = ASSETS.aliases
#: alias -> canonical asset name. All-uppercase aliases match only as written (SOL, ADA, DOT...).
ASSET_ALIASES: dict[str, str] = {a: name for name, aliases in _ASSETS.items() for a in aliases} | {
    name.lower(): name for name in _ASSETS
}
_INDEXES = frozenset(name for name, kind in ASSETS.kinds.items() if kind == "index")
# An alias next to one of these words is something else: a gold medal, an oil spill, S&P Global...
_NOT_AFTER = frozenset(
    "medal medals medalist medalists medallist standard lining rush coast star stars card glove gloves "
    "jubilee anniversary screen spill spills painting paintings paint global ratings inc zurich".split()
)
_NOT_BEFORE = frozenset(
    "olive palm cooking essential motor vegetable coconut fish castor baby peanut heating fuel gas yellow "
    "white rose 10k 14k 18k 22k 24k karat solid".split()
)
_OTHER_QUANTITY = frozenset(
    "income export exports import imports bill production output revenue revenues well wells reserves demand "
    "supply supplies stocks inventories consumption sales earnings profit profits company companies firm "
    "firms index industry sector producer producers exploration taxes shipments capacity spending investment "
    "investments jobs rigs drilling deliveries miners mining stockpiles holdings etf etfs fund funds options "
    "dividend represented represents accounted accounts makes made shares equities bonds".split()
)


def _trie_pattern(words: list[str]) -> str:
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")" if alts else ""
        return f"(?:{body})?" if "" in node and body else body

    return build(trie)


_LOWER_ALIASES = [a for aliases in _ASSETS.values() for a in aliases if not a.isupper()]
_ALIAS_RE = re.compile(r"\b" + _trie_pattern(_LOWER_ALIASES) + r"\b")  # run on lowercased text
_ALIAS_RE_I = re.compile(_ALIAS_RE.pattern, re.IGNORECASE)  # when lower() changes the length
_TICKER_RE = re.compile(r"\b(?:" + "|".join(a for a in ASSET_ALIASES if a.isupper()) + r")\b")
_WORD = re.compile(r"[\w'’-]+")
_HAS_UPPER = re.compile(r"[A-Z]{3}")
_YEAR = re.compile(r"(?:19|20)\d\d")

# fmt: off
_FIGURE = re.compile(
    r"(?<![\w.])(?P<sign>[-−+])?(?P<cur>US\$|\$|€|£)?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>trillion|billion|million|thousand)\b|(?P<abbr>trn|tn|bn|mln|mn|[TtBbMmKk])\b)?"
    r"(?:\s?(?P<pct>%|percent\b|per cent\b|pct\b)|\s(?P<cur2>USD|dollars|dlrs|dlr|EUR|euros|GBP|pounds|yen)\b)?"
)
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6, "billion": 1e9,
          "b": 1e9, "bn": 1e9, "trillion": 1e12, "t": 1e12, "tn": 1e12, "trn": 1e12}
_UNIT = {"$": "USD", "us$": "USD", "usd": "USD", "dollars": "USD", "dlrs": "USD", "dlr": "USD", "yen": "JPY", "€": "EUR", "eur": "EUR",
         "euros": "EUR", "£": "GBP", "gbp": "GBP", "pounds": "GBP"}
_MOVE = (r"rose|rises|rising|risen|fell|falls|falling|fallen|climbed|climbs|jumped|jumps|dropped|drops|"
         r"slid|slipped|surged|soared|plunged|plummeted|tumbled|rallied|sank|declined|gained|advanced|"
         r"retreated|recovered|rebounded|dipped|slumped|edged (?:up|down|higher|lower)|moved|climbing|"
         r"sliding|dropping|jumping|surging|soaring|plunging|tumbling|rallying|sinking|declining")
_APPROX = r"(?:\s+(?:about|around|nearly|almost|roughly|approximately|over|under|above|below|some|just))?"
_PRICE = re.compile(
    r"(?:\b(?:trades?|trading|traded|priced|chang(?:ed|ing) hands|closed|closing|settled|settling|ended|"
    r"finished|opened|stood|stands|standing|hover(?:s|ed|ing)?|sits|sat|sitting|quoted)"
    rf"(?:\s+(?:at|near|around|above|below|under|over))?|\b(?:{_MOVE})\s+(?:§+\s+)?(?:to|above|below|past|near)"
    r"|\b(?:hit|hits|hitting|reached|reaches|reaching|touched|topped|crossed|surpassed|breached"
    r"|broke(?:\s+(?:above|below|through|past))?)|\bprices?\s+(?:(?:of|for)\s+(?:[\w&]+\s+){1,3})?"
    rf"(?:is|was|stood at|stands at|at|reached|hit|of)|\bprices?\s*:){_APPROX}\s*$",
    re.IGNORECASE,
)
_CHANGE = re.compile(
    r"\b(?P<w>(?<!makes )(?<!make )(?<!made )(?<!making )up|down|higher|lower|lost|loses|losing|shed|"
    rf"added|gaining|increased|decreased|shifted|changed|swung|{_MOVE}|(?:an?\s+)?(?:increase|decrease|"
    r"gain|loss|drop|decline|rise|fall|jump|surge|plunge|slump|change|shift|move|dip|swing|rally)s?\s+of)"
    rf"(?:\s+by)?{_APPROX}\s*$",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(r"down|lower|fell|fall|lost|los|shed|drop|declin|decreas|slid|slip|sank|sink|plung|"
                       r"plummet|tumbl|retreat|loss|slump|dip")
_NOUNS = re.compile(r"(?P<dominance>\bdominance\b)|(?P<market_cap>\bmarket\s+(?:cap(?:itali[sz]ation)?"
                    r"|value|valuation)\b)|(?P<volume>\bvolume\b)|(?P<price>\bprices?\b)", re.IGNORECASE)
_COREF = re.compile(r"\b(?:the\s+(?:coin|token|cryptocurrency|currency|stock|shares|index|metal|"
                    r"commodity|benchmark|asset)|its|shares)\b", re.IGNORECASE)
_FILLER = frozenset(
    "a an the and or but with while as its it it's has have had is was were are been be also now still "
    "currently then to by of at on in over for after reflecting representing marking indicating showing "
    "bringing pushing taking leaving total trading market overall current spot global daily weekly "
    "24-hour 24h 7-day 30-day one-day 1-day price prices value futures contract delivery january february "
    "march april may june july august september october november december barrel barrels ounce ounces "
    "troy ton tons tonne tonnes gallon per mmbtu giving making putting valuing crypto cryptocurrency known "
    "called ’s 's s".split()
)
_PERIODS = (
    ("24h", re.compile(r"24[- ]?hours?|24h|past day|on the day|daily|in a day|overnight")),
    ("7d", re.compile(r"(?:past|last|previous) (?:week|seven days|7 days)|7[- ]days?|weekly|(?:this|on|over|in|for) the week|this week")),
    ("30d", re.compile(r"(?:past|last|previous) (?:month|30 days)|30[- ]days?|monthly|this month")),
    ("ytd", re.compile(r"year[- ]to[- ]date|\bytd\b|so far this year")),
    ("1y", re.compile(r"(?:past|last|previous) (?:year|12 months)|year[- ]over[- ]year|12[- ]months?")),
)
# fmt: on
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(?:on|as of|by|late|early|last)\s+(" + "|".join(_WEEKDAYS) + r")\b", re.IGNORECASE)
_DATE_LEAD = re.compile(r"(?:as of|as at|on)\s*$", re.IGNORECASE)
_APPOSITIVE = re.compile(r"\([^()]*\)|,[^,]*,")
# A past year the sentence is about ("in 1973"): its figures are history, not a snapshot.
_PAST_YEAR = re.compile(
    r"\b(?:in|of|during|from|by|jan|feb|march|april|may|june|july|aug|sept?|oct|nov|dec)[a-z]*\.?\s+"
    r"(?:(?:early|late|mid)[- ])?((?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# An asset after one of these words is an object ("fuels such as coal and oil"), not the subject.
_OBJECT_BEFORE = frozenset("as like and or from than including in into on for with about against to versus vs".split())


def canonical_asset(name: str) -> str | None:
    """The canonical asset for an alias ("btc", "ether", "S&P 500", "$SOL"), or None when unknown."""
    key = " ".join(name.strip().lstrip("$").split())
    return ASSET_ALIASES.get(key) or ASSET_ALIASES.get(key.lower())


def _mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical asset) for each asset alias in ``text``, skipping "gold medal" and the like."""
    lowered = text.lower()
    if len(lowered) == len(text):
        found = [(m.start(), m.end(), ASSET_ALIASES[m[0]]) for m in _ALIAS_RE.finditer(lowered)]
    else:  # lower() changed some lengths: offsets would drift
        found = [(m.start(), m.end(), ASSET_ALIASES[m[0].lower()]) for m in _ALIAS_RE_I.finditer(text)]
    if _HAS_UPPER.search(text):
        found += [(m.start(), m.end(), ASSET_ALIASES[m[0]]) for m in _TICKER_RE.finditer(text)]
    keep = []
    for s, e, asset in sorted(found):
        after = _WORD.match(text, e + 1) if text[e : e + 1] == " " else None
        before = _WORD.findall(text[max(0, s - 20) : s])
        if text[e : e + 1] in (":", "-", "/") or (after and after[0].lower() in _NOT_AFTER):
            continue
        if before and before[-1].lower() in _NOT_BEFORE:
            continue
        keep.append((s, e, asset))
    return keep


def find_assets(text: str) -> list[str]:
    """Canonical assets mentioned in ``text`` (a question or an article), in order, without repeats."""
    return list(dict.fromkeys(asset for _, _, asset in _mentions(text)))


def _sentence_date(text: str, a: int, b: int, published: date) -> date | None:
    """An explicit as-of date stated by the sentence ("As of May 25, 2025, ..."), if any."""
    sentence = text[a:b]
    for d, s, _ in find_dates(sentence):
        if d <= published + timedelta(days=1) and (s < 25 or _DATE_LEAD.search(sentence, 0, s)):
            return d
    lowered = sentence.lower()
    if "yesterday" in lowered:
        return published - timedelta(days=1)
    weekday = _WEEKDAY.search(sentence)
    if weekday:  # "on Monday" in an article of Tuesday 19 December: Monday 18 December
        back = (published.weekday() - _WEEKDAYS.index(weekday.group(1).lower())) % 7
        return published - timedelta(days=back)
    return None


def _too_far(between: str, anchor_kind: str) -> bool:
    """True when more words separate subject and figure than a simple clause allows."""
    if anchor_kind != "figure":  # skip appositives: "Bitcoin, the largest cryptocurrency, trades at"
        between = _APPOSITIVE.sub(" ", between)
    words = [w for w in _WORD.findall(between.lower()) if w not in _FILLER]
    if any(w in _OTHER_QUANTITY for w in words):  # "oil exports fell 5%" is not oil's price
        return True
    return len(words) > {"asset": 2, "coref": 2}.get(anchor_kind, 0)


def _last(rx: re.Pattern[str], s: str) -> re.Match[str] | None:
    return next(reversed(list(rx.finditer(s))), None)


def _classify(fig: re.Match[str], pre: str, subject: str) -> tuple[str, int, float] | None:
    """(metric, trigger offset in ``pre``, sign) from the words just before the figure."""
    noun = _last(_NOUNS, pre)
    near = noun.lastgroup if noun and len(pre) - noun.end() < 40 else None
    if fig["pct"]:
        if near == "dominance":
            return "dominance", noun.start(), 1.0  # type: ignore[union-attr]
        change = _CHANGE.search(pre)
        if not change:
            return None
        negative = _NEGATIVE.search(change["w"].lower()) or fig["sign"] in ("-", "−")
        what = _last(_NOUNS, subject[: max(0, len(subject) - (len(pre) - change.start()))])
        metric = {"volume": "volume_change", "market_cap": ""}.get((what and what.lastgroup) or "", "change")
        return (metric, change.start(), -1.0 if negative else 1.0) if metric else None
    if near in ("market_cap", "volume") and (fig["cur"] or fig["cur2"] or fig["scale"] or fig["abbr"]):
        return near, noun.start(), 1.0  # type: ignore[union-attr,return-value]
    price = _PRICE.search(pre)
    return ("price", price.start(), 1.0) if price else None


def _is_subject(text: str, a: int, start: int) -> bool:
    """False for a mention that follows "such as", "and", "than"...: an object, not the subject."""
    words = _WORD.findall(text[max(a, start - 30) : start].lower())
    return not words or words[-1] not in _OBJECT_BEFORE


def _sentence(
    text: str, a: int, b: int, own: list[tuple[int, int, str]], corefs: list[tuple[int, int]],
    carried: str | None, as_of: date, article_id: str,
) -> list[Snapshot]:  # fmt: skip
    """The snapshots one sentence states; ``own`` are its asset mentions, ``corefs`` its "the coin"s."""
    sentence = text[a:b]
    # "its highest since May 2022" compares with the past; "in 1973" is about it
    past = [int(m.group(1)) for m in _PAST_YEAR.finditer(sentence) if not sentence[: m.start()].endswith("since ")]
    if "respectively" in sentence or any(y != as_of.year for y in past):
        return []
    dates = [(a + s, a + e) for _, s, e in find_dates(sentence)]
    anchors = sorted(
        [(e, "asset", asset) for s, e, asset in own if _is_subject(text, a, s)]
        + [(e, "coref", carried or "") for _, e in corefs]
    )
    masked, found, seen, last_fig = sentence, [], set(), -1
    for fig in _FIGURE.finditer(text, a, b):
        fs, fe = fig.span()
        if any(s < fe and fs < e for s, e in dates) or (fig["abbr"] and not fig["cur"]):
            continue
        money = bool(fig["cur"] or fig["cur2"])
        plain = not (money or fig["pct"] or fig["scale"])
        pre, prev_fig = masked[max(0, fs - a - 90) : fs - a], last_fig
        if not plain:
            masked, last_fig = masked[: fs - a] + "§" * (fe - fs) + masked[fe - a :], fe
        subject = next((x for x in reversed(anchors) if x[0] <= fs), None)
        result = _classify(fig, pre, masked[subject[0] - a : fs - a]) if subject else None
        if subject is None or result is None:
            continue
        metric, trig, sign = result
        asset = subject[2]
        if ASSETS.kinds.get(asset) == "currency":  # "the dollar closed at 153.20 yen": the dollar/yen pair
            pair = ASSETS.pairs.get((asset, (fig["cur2"] or "").lower()))
            if pair is None or metric != "price":
                continue
            asset = pair
        if plain and not (metric == "price" and asset in _INDEXES and not _YEAR.fullmatch(fig["num"])):
            continue
        if metric == "price" and not (money or plain):
            continue
        kind, anchor_end = (subject[1], subject[0]) if subject[0] > prev_fig else ("figure", prev_fig)
        if _too_far(text[anchor_end : fs - len(pre) + trig], kind):
            continue
        scale = _SCALE.get((fig["scale"] or fig["abbr"] or "").lower(), 1)
        unit = "%" if fig["pct"] else _UNIT.get((fig["cur"] or fig["cur2"] or "").lower(), "")
        if unit == "JPY" and ASSETS.kinds.get(asset) != "pair":
            continue  # a figure in yen for anything but the pair is not read
        unit = unit or ("points" if asset in _INDEXES and plain else "USD")
        period = ""
        if metric in ("change", "volume", "volume_change"):
            post = re.split(r"[,;§]", text[fe : min(b, fe + 40)], maxsplit=1)[0]
            window = (text[anchor_end:fs] + " " + post).lower()
            period = next((name for name, rx in _PERIODS if rx.search(window)), "")
        if (asset, metric, period) not in seen:
            seen.add((asset, metric, period))
            value = sign * float(fig["num"].replace(",", "")) * scale
            found.append(Snapshot(asset, metric, value, unit, as_of, article_id, sentence, a, b, period))
    return found


def extract_snapshots(text: str, article_id: str, published: date) -> list[Snapshot]:
    """Market figures stated in ``text``, each dated by the sentence, the paragraph or ``published``."""
    mentions = _mentions(text)
    out: list[Snapshot] = []
    done: set[int] = set()
    for start, _, _ in mentions:
        p_start = text.rfind("\n", 0, start) + 1
        if p_start in done:
            continue
        done.add(p_start)
        p_end = text.find("\n", start)
        p_end = len(text) if p_end == -1 else p_end
        carried: str | None = None
        carried_date: date | None = None
        for a, b in sentence_spans(text, p_start, p_end):
            own = [m for m in mentions if a <= m[0] < b]
            corefs = [m.span() for m in _COREF.finditer(text, a, b)] if carried else []
            if not own and not corefs:
                carried = carried_date = None
                continue
            as_of = _sentence_date(text, a, b, published) or carried_date
            out += _sentence(text, a, b, own, corefs, carried, as_of or published, article_id)
            carried, carried_date = (own[-1][2] if own else carried), as_of
    return out
