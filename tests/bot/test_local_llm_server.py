"""An open model on a local OpenAI-compatible server (llama.cpp's llama-server, vLLM, LM Studio) through
``NEWSBOT_LLM=openai:…`` and ``OPENAI_BASE_URL``: the real LangChain OpenAI client over HTTP against a
stand-in server on 127.0.0.1 that answers like llama-server and records what it was asked."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

pytest.importorskip("langchain_openai")

from bot.answering.chain import Answerer  # noqa: E402
from bot.answering.llm import load_chat_model  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest import ConfigError  # noqa: E402
from tests.bot.test_llm import SEED_DAY, _fund_passage_number, _with_llm  # noqa: E402


class LocalServer:
    """``POST /v1/chat/completions`` answering with ``reply(request)``; every request body is kept."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply = "NO_ANSWER"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                completion = {
                    "id": "chatcmpl-local",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model", ""),
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": server.reply}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                }
                raw = json.dumps(completion).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_port}/v1"


@pytest.fixture
def local_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    server = LocalServer()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "not-needed-by-a-local-server")
    yield server
    server.http.shutdown()


def test_a_local_model_answers_with_a_capped_reply(answerer: Answerer, local_server: LocalServer) -> None:
    fund, _ = _fund_passage_number(answerer)
    local_server.reply = f"Masayoshi Son proposed the fund [{fund}]. He leads SoftBank [{fund}]."
    llm = load_chat_model("openai:qwen2.5-0.5b-instruct", max_tokens=200, timeout=10)
    answer = _with_llm(answerer, llm).ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
    assert answer.text.startswith("Masayoshi Son proposed the fund [1].")
    assert answer.short_answer == "Masayoshi Son" and answer.answerer == "qwen2.5-0.5b-instruct"
    [request] = local_server.requests
    assert request["model"] == "qwen2.5-0.5b-instruct"
    assert request.get("max_tokens") == 200 or request.get("max_completion_tokens") == 200  # the cap is sent
    system = request["messages"][0]["content"]
    assert "first sentence answers the question directly" in system


def test_a_local_models_nonsense_falls_back_to_the_extractive_answer(
    answerer: Answerer, local_server: LocalServer
) -> None:
    local_server.reply = "The fund was the idea of Elon Musk in 1999 [1]."
    llm = load_chat_model("openai:tiny", max_tokens=50, timeout=10)
    answer = _with_llm(answerer, llm).ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
    assert answer.answerer == "extractive" and "Musk" not in answer.text
    assert "Masayoshi Son" in answer.text and local_server.requests[0].get("max_tokens", 50) == 50


def test_the_settings_reach_the_model() -> None:
    settings = Settings.from_env({"NEWSBOT_LLM": "openai:tiny", "NEWSBOT_LLM_MAX_TOKENS": "120"})
    assert settings.llm_max_tokens == 120
    assert Settings.from_env({}).llm_max_tokens == 200
    with pytest.raises(ConfigError, match="NEWSBOT_LLM_MAX_TOKENS must be at least 1"):
        load_chat_model("openai:tiny", max_tokens=0)
