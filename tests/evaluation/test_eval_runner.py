"""Running cases through an answerer (a scripted fake here; the real chain in test_scripted_cases.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.evaluation.cases import load_case_file
from bot.evaluation.runner import evaluate, group_by_articles, run_cases
from bot.settings import Settings

CASES = """
- id: proposer
  question: Who proposed the US-Japan fund?
  as_of: 2025-05-26
  expect: {answer_contains: [Masayoshi Son], cites: [sovereign wealth fund], refused: false}
- id: followup
  history: [[user, "Who proposed the US-Japan fund?"], [assistant, "Masayoshi Son [1]."]]
  question: and what would it invest in?
  expect: {answer_contains: [technology and infrastructure], refused: false}
- id: btc-now
  question: What is Bitcoin trading at right now?
  as_of: 2026-01-10
  expect: {refusal_kind: after_snapshot, answer_contains_all: ["May 25, 2025", "108,029.56"]}
- id: norway
  question: How large is Norway's fund?
  expect: {answer_contains: ["$1.64 trillion"], cites: [txt-fund], refused: false}
- id: broken
  question: boom
  expect: {refused: false}
"""


def test_run_cases_passes_question_date_and_history(tmp_path: Path, fake_answerer) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "c.yaml").write_text(CASES)
    cases = load_case_file(tmp_path / "c.yaml").cases
    seen = []
    results = run_cases(cases, fake_answerer, default_as_of=date(2025, 6, 1), on_result=seen.append)
    assert [r.id for r in results] == [r.id for r in seen] == ["proposer", "followup", "btc-now", "norway", "broken"]
    assert [r.passed for r in results] == [True, True, True, False, False]
    q, as_of, history = fake_answerer.calls[1]
    assert q == "and what would it invest in?" and as_of == date(2025, 6, 1)  # no as_of: the default applies
    assert history == (("user", "Who proposed the US-Japan fund?"), ("assistant", "Masayoshi Son [1]."))
    assert fake_answerer.calls[2][1] == date(2026, 1, 10)  # the case's own date wins
    norway, broken = results[3], results[4]
    assert norway.checks == {"answer": False, "cites": True, "refused": True}
    assert broken.error == "RuntimeError: index went away" and broken.answer is None
    assert all(r.latency_ms >= 0 for r in results)


def test_group_by_articles(tmp_path: Path) -> None:
    (tmp_path / "arts").mkdir()
    (tmp_path / "a.yaml").write_text("{articles: arts, cases: [{id: a, question: q}]}")
    (tmp_path / "b.yaml").write_text("{articles: [arts], cases: [{id: b, question: q}]}")
    (tmp_path / "c.yaml").write_text("[{id: c, question: q}]")
    files = [load_case_file(tmp_path / n) for n in ("a.yaml", "b.yaml", "c.yaml")]
    groups = group_by_articles(files)
    assert [(g.articles, [c.id for c in g.cases]) for g in groups] == [
        (((tmp_path / "arts").resolve(),), ["a", "b"]),
        ((), ["c"]),
    ]


def test_evaluate_without_articles_uses_configured_index(tmp_path: Path, fake_answerer) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "c.yaml").write_text(CASES)
    seen_settings: list[Settings] = []

    def factory(settings: Settings):  # type: ignore[no-untyped-def]
        seen_settings.append(settings)
        return fake_answerer

    settings = Settings(data_dir=tmp_path / "data")
    ev = evaluate([load_case_file(tmp_path / "c.yaml")], settings, workdir=tmp_path / "work", answerer_factory=factory)
    assert seen_settings == [settings] and ev.ingests == [] and ev.answerers == ["FakeAnswerer"]
    assert len(ev.results) == 5


def test_case_articles_go_to_a_local_temporary_index_not_the_shared_services(tmp_path: Path, fake_answerer) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "arts").mkdir()
    (tmp_path / "arts" / "note.md").write_text(
        "Harbor ferry opens\n\nThe harbor ferry opened on Monday, May 19, 2025, in Lindmouth.\n"
    )
    (tmp_path / "c.yaml").write_text("articles: arts\ncases:\n  - {id: a, question: 'When did the ferry open?'}\n")
    seen_settings: list[Settings] = []

    def factory(settings: Settings):  # type: ignore[no-untyped-def]
        seen_settings.append(settings)
        return fake_answerer

    # a Chroma server and a database nobody listens on: the case's own index must not touch them
    shared = Settings(
        data_dir=tmp_path / "data",
        chroma_host="127.0.0.1",
        chroma_port=9,
        database_url="postgresql://eval@127.0.0.1:9/shared",
    )
    ev = evaluate([load_case_file(tmp_path / "c.yaml")], shared, workdir=tmp_path / "work", answerer_factory=factory)
    (used,) = seen_settings
    assert (used.chroma_host, used.database_url) == ("", "")
    assert used.data_dir == tmp_path / "work" / "index-0" and used.model_cache == shared.model_cache
    assert ev.ingests[0]["new"] == 1 and (used.data_dir / "newsbot.sqlite").exists()
