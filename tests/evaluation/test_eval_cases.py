"""Reading case files: our YAML format, JSON lines, and realtimeqa questions as they are."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.evaluation.cases import CaseError, load_case_file, load_case_files, merged_thresholds

REALTIMEQA = Path(__file__).resolve().parents[3] / "shared" / "data" / "realtimeqa" / "questions_dev.jsonl"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_list_with_defaults(tmp_path: Path) -> None:
    f = load_case_file(
        write(
            tmp_path / "c.yaml",
            """
- id: fund-proposer
  question: Who proposed the US-Japan fund?
  as_of: 2025-05-26
  expect: {answer_contains: [Masayoshi Son], cites: [sovereign wealth fund], refused: false}
- id: btc-now
  question: What is Bitcoin trading at right now?
  as_of: "2026-01-10"
  expect: {refusal_kind: after_snapshot, answer_contains: ["May 25, 2025", "108,029.56"]}
""",
        )
    )
    first, second = f.cases
    assert first.as_of == date(2025, 5, 26) and first.expect.answer_contains == ("Masayoshi Son",)
    assert first.expect.refused is False and first.kind == "answerable" and first.answerable
    assert second.expect.refused is True and second.kind == "after_snapshot"  # refusal_kind implies refused
    assert second.as_of == date(2026, 1, 10) and f.thresholds == {} and f.articles == ()


def test_mapping_with_articles_thresholds_and_history_forms(tmp_path: Path) -> None:
    (tmp_path / "arts").mkdir()
    write(tmp_path / "arts" / "a.jsonl", "{}\n")
    f = load_case_file(
        write(
            tmp_path / "c.yaml",
            """
articles: arts
thresholds: {min_accuracy: 0.8}
cases:
  - id: pairs
    question: and what would it invest in?
    history: [[user, "Who proposed it?"], [assistant, "Son [1]."]]
  - id: dicts
    question: and then?
    history: [{user: "Q1", assistant: "A1"}, {role: user, content: "Q2"}]
    articles: [arts/a.jsonl]
""",
        )
    )
    assert f.articles == ((tmp_path / "arts").resolve(),)
    assert f.thresholds == {"min_accuracy": 0.8}
    assert f.cases[0].history == (("user", "Who proposed it?"), ("assistant", "Son [1]."))
    assert f.cases[0].kind == "follow-up" and f.cases[0].as_of is None
    assert f.cases[1].history == (("user", "Q1"), ("assistant", "A1"), ("user", "Q2"))
    assert f.article_set() == ((tmp_path / "arts").resolve(), (tmp_path / "arts" / "a.jsonl").resolve())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("- {id: x, question: q, expect: {refusal_kind: maybe}}", "refusal_kind must be one of"),
        ("- {id: x, question: q, expect: {answer_contain: [a]}}", "unknown expect keys"),
        ("- {id: x, question: q, asof: 2025-01-01}", "unknown keys"),
        ("- {id: x, question: q, as_of: yesterday}", "as_of must be a date"),
        ("- {id: x}", "question is missing"),
        ("- {id: x, question: q}\n- {id: x, question: r}", "used twice"),
        ("- {id: x, question: q, articles: nowhere}", "does not exist"),
        ("- {id: x, question: q, history: [[robot, hi]]}", "roles are user or assistant"),
        ("- {id: x, question: q, expect: {refused: false, refusal_kind: prediction}}", "refused is false"),
        ("[unclosed", "not valid YAML"),
    ],
)
def test_bad_case_files_name_file_case_and_reason(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(CaseError, match=message) as info:
        load_case_file(write(tmp_path / "bad.yaml", body))
    assert "bad.yaml" in str(info.value)


def test_jsonl_mixes_our_format_and_realtimeqa(tmp_path: Path) -> None:
    lines = [
        {"id": "ours", "question": "Who?", "as_of": "2025-05-26", "expect": {"answer_contains": "Son"}},
        {
            "id": "20220617_7",
            "asked_on": "2022-06-16",
            "question": "Which park flooded?",
            "answer": "Yellowstone",
            "evidence": "Flooding shut the park.",
            "gold_articles": ["rtqa-1", "rtqa-2"],
            "kind": "gold",
        },
    ]
    f = load_case_file(write(tmp_path / "q.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n"))
    ours, rtqa = f.cases
    assert ours.expect.answer_contains == ("Son",)
    assert rtqa.as_of == date(2022, 6, 16) and rtqa.kind == "gold"
    assert rtqa.expect.answer_contains == ("Yellowstone",) and rtqa.expect.cites == ("rtqa-1", "rtqa-2")
    assert rtqa.expect.refused is False and rtqa.expect.evidence == "Flooding shut the park."


@pytest.mark.skipif(not REALTIMEQA.exists(), reason="../shared/data is not beside the checkout")
def test_realtimeqa_dev_file_reads_as_is() -> None:
    f = load_case_file(REALTIMEQA)
    assert len(f.cases) == 225
    assert {c.kind for c in f.cases} == {"gold", "answer-in-article"}
    assert all(c.as_of and c.expect.answer_contains and c.expect.cites for c in f.cases)


def test_folder_expands_and_thresholds_merge_strictest(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "{thresholds: {min_accuracy: 0.5, max_wrongly_refused: 2}, cases: []}")
    write(tmp_path / "b.yml", "{thresholds: {min_accuracy: 0.7, max_wrongly_refused: 0}, cases: []}")
    write(tmp_path / "notes.txt", "ignored")
    files = load_case_files([tmp_path])
    assert [f.path.name for f in files] == ["a.yaml", "b.yml"]
    assert merged_thresholds(files) == {"min_accuracy": 0.7, "max_wrongly_refused": 0}


def test_repository_cases_load() -> None:
    files = load_case_files([Path(__file__).resolve().parents[1] / "cases"])
    cases = [c for f in files for c in f.cases]
    assert len(cases) >= 20
    kinds = {c.expect.refusal_kind for c in cases}
    assert {"after_snapshot", "after_coverage", "no_evidence", "prediction"} <= kinds
    assert any(c.history for c in cases) and any(c.expect.answer_not_contains for c in cases)
