"""newsbot's hybrid retrieval as a LangChain retriever, for use in other LangChain chains."""

from __future__ import annotations

from datetime import date
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from bot.answering.retrieval import HybridRetriever


class NewsRetriever(BaseRetriever):
    """Passages from news published by ``as_of`` (default: today), dense and keyword results fused."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any  # HybridRetriever (typed loosely for pydantic)
    as_of: date | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hybrid: HybridRetriever = self.retriever
        passages = hybrid.retrieve(query, self.as_of or date.today()).passages
        return [
            Document(
                page_content=p.chunk.text,
                id=p.chunk.id,
                metadata={
                    "article_id": p.chunk.article_id,
                    "title": p.chunk.title,
                    "source": p.chunk.source,
                    "published": p.chunk.published.isoformat(),
                    "url": p.chunk.url,
                    "start": p.chunk.start,
                    "end": p.chunk.end,
                    "score": p.score,
                },
            )
            for p in passages
        ]
