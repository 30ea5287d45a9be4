"""Chunking keeps whole sentences, fits the model window, overlaps slightly, and quotes verbatim."""

from __future__ import annotations

from ingest.chunking import MAX_WORDS, chunk_article, chunk_spans
from ingest.sentences import split_sentences


def _article(paragraphs: int = 12) -> str:
    lines = []
    for p in range(paragraphs):
        sentences = [
            f"Paragraph {p} sentence {s} tells the reader about the harbor ferry number {p * 10 + s}." for s in range(4)
        ]
        lines.append(" ".join(sentences))
    return "\n\n".join(lines)


def test_sentences_respect_abbreviations_and_prices() -> None:
    text = "Mr. Son met U.S. officials on Jan. 5. Bitcoin traded at $108,029.56 that day! Was it high? Yes."
    assert split_sentences(text) == [
        "Mr. Son met U.S. officials on Jan. 5.",
        "Bitcoin traded at $108,029.56 that day!",
        "Was it high?",
        "Yes.",
    ]


def test_chunks_are_verbatim_slices_within_the_window() -> None:
    text = _article()
    chunks = chunk_article("a1", text, "f" * 64)
    assert len(chunks) > 2
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert len(c.text.split()) <= MAX_WORDS
        assert c.text[0].isupper() and c.text.endswith(".")  # whole sentences
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert chunks[0].id == "a1#ffffffffff-0"


def test_consecutive_chunks_overlap_by_a_short_sentence_and_cover_everything() -> None:
    text = _article()
    spans = chunk_spans(text)
    for (_a1, b1), (a2, b2) in zip(spans, spans[1:], strict=False):
        assert a2 < b1, "consecutive chunks should share their boundary sentence"
        assert b2 > b1
    covered = set()
    for a, b in spans:
        covered.update(range(a, b))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_an_overlong_sentence_is_cut_at_word_boundaries() -> None:
    text = " ".join(f"word{i}" for i in range(400)) + "."
    spans = chunk_spans(text)
    assert len(spans) == 3
    assert all(len(text[a:b].split()) <= MAX_WORDS for a, b in spans)
    assert text[spans[-1][0] : spans[-1][1]].endswith("word399.")


def test_changed_content_gets_new_chunk_ids() -> None:
    old = chunk_article("a1", "One sentence here. Another one.", "a" * 64)
    new = chunk_article("a1", "One sentence here. Another one.", "b" * 64)
    assert {c.id for c in old}.isdisjoint({c.id for c in new})


def test_hard_wrapped_newswire_lines_are_not_sentence_ends() -> None:
    text = "Rain fell across the valley all week in\nthe northern farms, officials said.\nMarkets\nPrices rose."
    assert split_sentences(text) == [
        "Rain fell across the valley all week in\nthe northern farms, officials said.",
        "Markets",
        "Prices rose.",
    ]
