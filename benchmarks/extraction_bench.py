"""Extraction on real pages: title right, date right, text precision/recall, through ingest's own reader.

Each page goes through what ``newsbot ingest page.html`` does (``read_inputs`` then ``to_article``) and is
compared with a test set's ground truth. The pages are other people's and stay outside the repository:
point the script at checkouts of public extraction test sets, or at any folder of your own pages with a
``truth.jsonl`` beside them (one ``{"file", "title"?, "date"?, "text"?}`` object per line).

    git -C /work/.mirror/adbar+htmldate/repo archive HEAD | tar -x -C /tmp/htmldate   # and so on
    .venv/bin/python benchmarks/extraction_bench.py --htmldate /tmp/htmldate --goose3 /tmp/goose3 \\
        --scrapinghub /tmp/aeb [--cases DIR]

Layouts read: adbar/htmldate (``tests/eval_mediacloud_2020.json``: dates of 200 news pages of 2020),
goose3 (``tests/data/content/*.json``: titles), scrapinghub/article-extraction-benchmark
(``ground-truth.json``: article bodies), mozilla/readability (``test/test-pages/*``: titles, some dates,
article bodies). Targets (issue 14): date right ≥ 0.97, title right ≥ 0.97.
Prints a table and writes ``benchmarks/results/extraction.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.articles import to_article  # noqa: E402
from ingest.errors import InputError  # noqa: E402
from ingest.models import RawRecord  # noqa: E402
from ingest.readers import read_inputs  # noqa: E402


@dataclass(frozen=True)
class Case:
    """One page and what its test set says about it (None: the set does not say)."""

    corpus: str
    path: Path
    title: str | None = None
    date: str | None = None
    text: str | None = None


def htmldate_cases(root: Path) -> Iterator[Case]:
    truth = json.loads((root / "tests" / "eval_mediacloud_2020.json").read_text(encoding="utf-8"))
    for entry in truth.values():
        if isinstance(entry.get("date"), str):  # NaN: the set has no date for the page
            yield Case("htmldate-mediacloud", root / "tests" / "test_set" / entry["file"], date=entry["date"])


def goose3_cases(root: Path) -> Iterator[Case]:
    for spec in sorted((root / "tests" / "data" / "content").glob("*.json")):
        expected = json.loads(spec.read_text(encoding="utf-8")).get("expected", {})
        page = spec.with_suffix(".html")
        if expected.get("title") and page.exists():
            yield Case("goose3", page, title=expected["title"])


def scrapinghub_cases(root: Path, work: Path) -> Iterator[Case]:
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for key, entry in sorted(truth.items()):
        packed = root / "html" / f"{key}.html.gz"
        if packed.exists() and entry.get("articleBody"):
            page = work / f"{key}.html"
            page.write_bytes(gzip.decompress(packed.read_bytes()))
            yield Case("scrapinghub", page, text=entry["articleBody"])


def readability_cases(root: Path) -> Iterator[Case]:
    from ingest.clean import html_to_text

    for meta_file in sorted((root / "test" / "test-pages").glob("*/expected-metadata.json")):
        meta, folder = json.loads(meta_file.read_text(encoding="utf-8")), meta_file.parent
        expected = folder / "expected.html"
        text = html_to_text(expected.read_text(encoding="utf-8")) if expected.exists() else None
        yield Case("readability", folder / "source.html", meta.get("title") or None,
                   (meta.get("publishedTime") or "")[:10] or None, text)  # fmt: skip


def folder_cases(root: Path) -> Iterator[Case]:
    for line in (root / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            t = json.loads(line)
            yield Case(root.name, root / t["file"], t.get("title"), t.get("date"), t.get("text"))


_SEPARATORS = re.compile(r"\s+[|–—:•·»-]\s+|\s+::\s+|\s*_|\s+(?=\[[^\]]+\]$)")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def title_right(ours: str, truth: str) -> bool:
    """The same headline, up to case and punctuation, and up to a site name ("| Site", "_Site", "[Site]")
    that one side keeps and the other drops."""
    if _norm(ours) == _norm(truth):
        return True
    short, long = sorted(([_norm(p) for p in _SEPARATORS.split(t) if _norm(p)] for t in (ours, truth)), key=len)
    return bool(short) and short in (long[: len(short)], long[-len(short) :])


def _tokens(text: str) -> Counter[str]:
    return Counter(_norm(text).split())


def text_scores(ours: str, truth: str) -> tuple[float, float]:
    """Token precision and recall of our text against the true article body (bags of words)."""
    got, want = _tokens(ours), _tokens(truth)
    overlap = sum((got & want).values())
    return overlap / max(1, sum(got.values())), overlap / max(1, sum(want.values()))


def run_case(case: Case) -> dict[str, Any]:
    """What ingest stores for the page, scored against the case's truth."""
    started = time.perf_counter()
    items = list(read_inputs([str(case.path)]))
    record = next((i for i in items if isinstance(i, RawRecord)), None)
    result: dict[str, Any] = {"corpus": case.corpus, "file": f"{case.path.parent.name}/{case.path.name}"}
    try:
        if record is None:
            raise next(i for i in items if isinstance(i, InputError))
        article = to_article(record, max_bytes=5_000_000, today=date(2100, 1, 1))
    except (InputError, StopIteration) as exc:
        result["error"] = str(exc) or "nothing read"
        article = None
    result["seconds"] = time.perf_counter() - started
    if case.title is not None:
        result["title"] = {"ours": article.title if article else "", "truth": case.title}
        result["title"]["right"] = bool(article) and title_right(article.title, case.title)
    if case.date is not None:
        ours = article.published.isoformat() if article else ""
        truth = case.date[:10]
        result["date"] = {"ours": ours, "truth": truth, "right": ours == truth}
        result["date"]["within_a_day"] = (
            bool(ours) and abs((date.fromisoformat(ours) - date.fromisoformat(truth)).days) <= 1
        )
        result["date"]["inferred"] = bool(article and article.date_inferred)
    if case.text is not None:
        precision, recall = text_scores(article.text if article else "", case.text)
        result["text"] = {"precision": precision, "recall": recall}
    return result


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def summarise(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per corpus and overall: title and date accuracy, mean and median text precision/recall."""
    summary: dict[str, Any] = {}
    for corpus in sorted({r["corpus"] for r in results}) + ["all"]:
        rows = [r for r in results if corpus in ("all", r["corpus"])]
        entry: dict[str, Any] = {"pages": len(rows), "errors": sum("error" in r for r in rows)}
        for key in ("title", "date"):
            scored = [r[key]["right"] for r in rows if key in r]
            stored = [r[key]["right"] for r in rows if key in r and "error" not in r]
            if scored:
                entry[f"{key}_right"] = round(sum(scored) / len(scored), 4)  # a page not stored counts as wrong
                entry[f"{key}_right_stored"] = round(sum(stored) / max(1, len(stored)), 4)
                entry[f"{key}_pages"] = len(scored)
        dated = [r for r in rows if "date" in r]
        if dated:
            entry["date_inferred"] = sum(r["date"]["inferred"] for r in dated)
            entry["date_within_a_day"] = round(sum(r["date"]["within_a_day"] for r in dated) / len(dated), 4)
        texts = [r["text"] for r in rows if "text" in r]
        for part in ("precision", "recall") if texts else ():
            values = [t[part] for t in texts]
            entry[f"text_{part}_mean"] = round(sum(values) / len(values), 4)
            entry[f"text_{part}_median"] = round(_median(values), 4)
        entry["seconds_per_page_median"] = round(_median([r["seconds"] for r in rows]), 4)
        summary[corpus] = entry
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--htmldate", type=Path, help="a checkout of adbar/htmldate")
    parser.add_argument("--goose3", type=Path, help="a checkout of goose3/goose3")
    parser.add_argument("--scrapinghub", type=Path, help="a checkout of scrapinghub/article-extraction-benchmark")
    parser.add_argument("--readability", type=Path, help="a checkout of mozilla/readability")
    parser.add_argument("--cases", type=Path, action="append", default=[], help="a folder with truth.jsonl")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "extraction.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsbot-extraction-") as work:
        cases: list[Case] = []
        cases += htmldate_cases(args.htmldate) if args.htmldate else []
        cases += goose3_cases(args.goose3) if args.goose3 else []
        cases += scrapinghub_cases(args.scrapinghub, Path(work)) if args.scrapinghub else []
        cases += readability_cases(args.readability) if args.readability else []
        for folder in args.cases:
            cases += folder_cases(folder)
        if not cases:
            parser.error("no pages: give --htmldate, --goose3, --scrapinghub or --cases")
        results = [run_case(case) for case in cases]
    summary = summarise(results)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'corpus':<22}{'pages':>6}{'errors':>7}{'title':>8}{'stored':>8}{'date':>8}{'stored':>8}{'±1 day':>8}"
          f"{'inferred':>9}{'text P':>8}{'text R':>8}")  # fmt: skip
    for corpus, row in summary.items():
        keys = ("title_right", "title_right_stored", "date_right", "date_right_stored")
        cells = [f"{row[k]:.3f}" if k in row else "-" for k in keys]
        texts = [f"{row[k]:.3f}" if k in row else "-" for k in ("text_precision_median", "text_recall_median")]
        print(
            f"{corpus:<22}{row['pages']:>6}{row['errors']:>7}{cells[0]:>8}{cells[1]:>8}{cells[2]:>8}{cells[3]:>8}"
            f"{row.get('date_within_a_day', '-'):>8}"
            f"{row.get('date_inferred', '-'):>9}{texts[0]:>8}{texts[1]:>8}"
        )
    print(f"peak memory {peak_mb:.0f} MB (whole run); 'stored': among pages ingest stored; text P/R: medians")
    wrong = []  # names and dates only: other people's headlines and text stay out of the results file
    for r in results:
        title_wrong, date_wrong = not r.get("title", {}).get("right", True), not r.get("date", {}).get("right", True)
        if title_wrong:
            print(f"title {r['corpus']}/{r['file']}: {r['title']['ours']!r} vs {r['title']['truth']!r}")
        if date_wrong:
            print(f"date  {r['corpus']}/{r['file']}: {r['date']['ours'] or r.get('error')} vs {r['date']['truth']}")
        if title_wrong or date_wrong:
            wrong.append({"corpus": r["corpus"], "file": r["file"], "title_wrong": title_wrong}
                         | ({"date": r["date"]} if date_wrong else {}))  # fmt: skip
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "summary": summary,
        "peak_rss_mb": round(peak_mb),
        "targets": {"date_right": 0.97, "title_right": 0.97},
        "wrong": wrong,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
