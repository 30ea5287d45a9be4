"""An optional chat model (any LangChain provider) whose answers are verified before anyone sees them.

Each sentence must cite a passage that supports it: the names and numbers it states appear in that
passage, and its meaning is close to it. Wrong citation numbers are corrected when another passage
supports the sentence, unsupported sentences are dropped, and when nothing survives (or the model
fails or times out) the caller falls back to the extractive answer.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import numpy as np

from bot.answering.answer import Citation, Drafts
from bot.answering.citations import NumberedPassages, citation_from_passage, markers, strip_markers
from bot.answering.followup import History
from bot.answering.overlap import coverage, stem
from bot.answering.prompts import prompt
from bot.answering.retrieval import Passage
from ingest import ConfigError, Embedder, keywords, sentence_spans

log = logging.getLogger(__name__)
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")
MIN_SIMILARITY = 0.45
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z'’\-]+")


def load_chat_model(spec: str, *, max_tokens: int = 200, timeout: float = 30.0) -> Any:
    """``provider:model`` through LangChain's ``init_chat_model``, its reply capped at ``max_tokens``;
    a clear error when it can't load. ``openai:`` also reaches any OpenAI-compatible server (llama.cpp,
    vLLM, LM Studio) at ``OPENAI_BASE_URL``."""
    from langchain.chat_models import init_chat_model

    if ":" not in spec:
        raise ConfigError(f"NEWSBOT_LLM must look like provider:model (e.g. openai:gpt-4o-mini), got {spec!r}")
    if max_tokens < 1:
        raise ConfigError(f"NEWSBOT_LLM_MAX_TOKENS must be at least 1, got {max_tokens}")
    provider = spec.split(":", 1)[0].strip().lower()
    options: dict[str, Any] = {"num_predict": max_tokens} if provider == "ollama" else {"max_tokens": max_tokens}
    if provider in ("openai", "anthropic"):
        options["timeout"] = timeout
    try:
        return init_chat_model(spec, **options)
    except Exception as exc:  # missing provider package, missing key, unknown provider  # noqa: BLE001
        raise ConfigError(f"cannot load chat model {spec!r}: {exc}") from None


def _text(message: Any) -> str:
    """A chat model message's (or chunk's) text."""
    content = getattr(message, "content", message)
    if isinstance(content, list):
        content = "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


def _invoke(llm: Any, messages: list[tuple[str, str]], timeout: float, on_draft: Drafts | None = None) -> str | None:
    """The model's reply text, or None on any error or timeout (logged, never shown to users).

    With ``on_draft`` the reply is streamed and ``on_draft`` gets the text so far after each chunk
    (unverified: for showing progress only); it is not called again once the timeout has passed."""
    abandoned = threading.Event()

    def streamed() -> str:
        text = ""
        for chunk in llm.stream(messages):
            if abandoned.is_set():
                break
            text += _text(chunk)
            try:
                on_draft(text)  # type: ignore[misc]
            except Exception as exc:  # showing progress must never cost the answer  # noqa: BLE001
                log.warning("showing a draft failed (%s)", type(exc).__name__)
        return text

    future = _POOL.submit(streamed) if on_draft is not None else _POOL.submit(lambda: _text(llm.invoke(messages)))
    try:
        reply = future.result(timeout=timeout)
    except FutureTimeout:
        abandoned.set()
        log.warning("chat model timed out after %.0fs; using the extractive answer", timeout)
        return None
    except Exception as exc:  # any provider failure falls back to the extractive answer  # noqa: BLE001
        log.warning("chat model failed (%s); using the extractive answer", type(exc).__name__)
        return None
    return reply.strip()


def condense_question(llm: Any, question: str, history: History, timeout: float) -> str | None:
    """A standalone rewrite of a follow-up question, or None."""
    turns = "\n".join(f"{role}: {text}" for role, text in list(history)[-6:])
    reply = _invoke(llm, prompt("condense").messages(history=turns, question=question), timeout)
    if not reply or len(reply) > 500:
        return None
    return reply.splitlines()[0].strip()


def _facts(sentence: str) -> tuple[set[str], set[str]]:
    """The numbers and the capitalised names a sentence states."""
    numbers = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(sentence)}
    names = {w.lower() for w in _CAPITALISED.findall(sentence)}
    return numbers, names


def supports(sentence: str, passage_text: str, similarity: float) -> bool:
    """True when every name and number of ``sentence`` occurs in the passage and their meanings are close."""
    numbers, names = _facts(sentence)
    flat = passage_text.replace(",", "")
    lowered = passage_text.lower()
    if any(n not in flat for n in numbers) or any(n not in lowered for n in names):
        return False
    return similarity >= MIN_SIMILARITY


def _best_quote(claim: str, passage_text: str) -> tuple[str, int, int]:
    """The passage sentence closest in words to the claim, with its offsets in the passage."""
    weights = {stem(k): 1.0 for k in keywords(claim)}
    spans = sentence_spans(passage_text) or [(0, len(passage_text))]
    a, b = max(spans, key=lambda s: coverage(passage_text[s[0] : s[1]], weights))
    return passage_text[a:b], a, b


def _attach(claim: str, n: int) -> str:
    """``"It rose."`` → ``"It rose [n]."``: the marker goes before the closing punctuation."""
    claim = claim.rstrip()
    body, end = (claim[:-1], claim[-1]) if claim[-1:] in ".!?" else (claim, "")
    return f"{body.rstrip()} [{n}]{end}"


def verify(draft: str, passages: Sequence[Passage], embedder: Embedder) -> tuple[str, list[Citation]] | None:
    """Keep only supported sentences, with corrected citation numbers; None when nothing survives."""
    sentences = [draft[a:b] for a, b in sentence_spans(draft)]
    claims = [(strip_markers(s), markers(s)) for s in sentences]
    claims = [(c, m) for c, m in claims if c and c != "NO_ANSWER"]
    if not claims or not passages:
        return None
    claim_vectors = embedder.embed([c for c, _ in claims])
    passage_vectors = embedder.embed([p.chunk.text for p in passages])
    similarity = claim_vectors @ passage_vectors.T
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    kept: list[str] = []
    for i, (claim, cited) in enumerate(claims):
        order = [n - 1 for n in cited if 1 <= n <= len(passages)]
        order += [int(j) for j in np.argsort(-similarity[i]) if int(j) not in order]  # corrections
        support = next((j for j in order if supports(claim, passages[j].chunk.text, float(similarity[i, j]))), None)
        if support is None:
            log.info("dropped an unsupported sentence from the model's answer")
            continue
        if support not in numbers:
            numbers[support] = len(numbers) + 1
            quote, a, b = _best_quote(claim, passages[support].chunk.text)
            start = passages[support].chunk.start
            citations.append(citation_from_passage(numbers[support], passages[support], quote, start + a, start + b))
        kept.append(_attach(claim, numbers[support]))
    if not kept:
        return None
    return " ".join(kept), citations


def llm_answer(
    llm: Any,
    question: str,
    passages: Sequence[Passage],
    embedder: Embedder,
    timeout: float,
    on_draft: Drafts | None = None,
) -> tuple[str, list[Citation]] | None:
    """The chat model's answer over numbered passages, verified; None means: use the extractive answer.
    ``on_draft`` sees the unverified reply while it streams."""
    messages = prompt("answer").messages(passages=NumberedPassages(passages).render(), question=question)
    reply = _invoke(llm, messages, timeout, on_draft)
    if not reply or reply.strip() == "NO_ANSWER":
        return None
    return verify(reply, passages, embedder)
