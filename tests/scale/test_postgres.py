"""The PostgreSQL backend (``NEWSBOT_DATABASE_URL``) on a real PostgreSQL server on 127.0.0.1: the same
answers and keyword results as SQLite, idempotent re-ingest, remove, check, the password never shown,
and two ingest processes at once (two "hosts": own data dirs, one Chroma server) storing each article once."""

from __future__ import annotations

import glob
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.answering.chain import Answerer
from bot.cli import make_app
from bot.settings import Settings
from ingest.errors import ConfigError, IndexUnavailable
from ingest.pipeline import run_ingest
from ingest.store import Index, open_index
from tests.support.services import EXAMPLES, NEWSBOT, free_port

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs"
SEED_DAY = date(2025, 5, 26)
runner = CliRunner()


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    initdb = found[-1] if found else shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (password auth), run as the ``postgres`` user when we
    are root (the server refuses to run as root); one fresh database per test."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.password = secrets.token_urlsafe(12)
        self.dir = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._databases = 0

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], cwd=self.dir, check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password + "\n")
        if self.as_user:
            shutil.chown(pwfile, "postgres")
        data = self.dir / "db"
        self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-U", "newsbot", f"--pwfile={pwfile}",
            "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = ''\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )
        return self.resume()

    def resume(self) -> PostgresServer:
        """Start the server (again, after :meth:`pause`) on the same port and data."""
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.dir / "db"),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def pause(self) -> None:
        """Stop the server, disconnecting every client (an outage)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "db"), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://newsbot:{self.password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        import psycopg

        self._databases += 1
        name = f"newsbot_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "db"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for this module (skips when PostgreSQL or psycopg is not installed)."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; .ci/run does this)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server as")
        if shutil.which("runuser") is None:
            pytest.skip("running as root and runuser is missing")
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    return pg_server.new_database()


# ---- the same answers and keyword results as SQLite ---------------------------------------------------


@dataclass
class Pair:
    sqlite: Index
    postgres: Index
    answerers: dict[str, Answerer]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, pg_server: PostgresServer, embedder) -> Iterator[Pair]:  # type: ignore[no-untyped-def]
    """The same articles (examples and reader fixtures) ingested into SQLite and into PostgreSQL."""
    root = tmp_path_factory.mktemp("pair")
    indexes: dict[str, Index] = {}
    answerers: dict[str, Answerer] = {}
    for name, url in (("sqlite", ""), ("postgres", pg_server.new_database())):
        settings = Settings(data_dir=root / name, database_url=url)
        index = open_index(settings, model=embedder.name, dim=embedder.dim)
        report = run_ingest([str(EXAMPLES), str(FIXTURES)], index, embedder)
        assert report.new == 18 and report.failed == 4, report.as_dict()  # the fixtures hold 4 bad records
        indexes[name] = index
        answerers[name] = Answerer(index, embedder, settings)
    yield Pair(indexes["sqlite"], indexes["postgres"], answerers)
    for index in indexes.values():
        index.close()


def test_answer_is_the_same_as_on_sqlite(pair: Pair) -> None:
    answers = {name: a.ask("Who proposed the US-Japan fund?", as_of=SEED_DAY) for name, a in pair.answerers.items()}
    pg, lite = answers["postgres"], answers["sqlite"]
    assert not pg.refused and "Masayoshi Son" in pg.text
    assert pg.citations and pg.citations[0].title.startswith("SoftBank's Masayoshi Son")
    assert pg.citations[0].published == "2025-05-25"
    assert pg.text == lite.text
    assert [(c.article_id, c.chunk_id, c.quote) for c in pg.citations] == [
        (c.article_id, c.chunk_id, c.quote) for c in lite.citations
    ]
    assert pg.retrieved == lite.retrieved


def test_refusals_are_the_same_as_on_sqlite(pair: Pair) -> None:
    for question, as_of in (
        ("What is Bitcoin trading at?", date(2026, 1, 10)),
        ("Will Bitcoin reach $150k?", SEED_DAY),
    ):
        pg, lite = (pair.answerers[n].ask(question, as_of=as_of) for n in ("postgres", "sqlite"))
        assert pg.refused and pg.refusal == lite.refusal and pg.text == lite.text


@pytest.mark.parametrize(
    ("query", "as_of", "top"),
    [
        ("Who proposed the US-Japan sovereign wealth fund?", SEED_DAY, None),
        ("electric ferry crossing time", None, "ex-harbor-ferry"),
        ("ferry fares", date(2024, 12, 31), "csv-2"),  # the 2025 ferry story is after the as-of date
        ("ice found by the lunar rover", None, "ex-rover-ice"),
        ("record pear harvest", None, "77"),
        ("bright comet observatory", None, "urn:uuid:comet-1"),
        ("semiconductor packaging plant in Ohio", None, "ex-chip-plant"),
    ],
)
def test_keyword_search_ranks_the_same_top_article(pair: Pair, query: str, as_of: date | None, top: str | None) -> None:
    results = {}
    for name, index in (("sqlite", pair.sqlite), ("postgres", pair.postgres)):
        hits = index.catalog.keyword_search(query, 10, as_of)
        assert hits and all(isinstance(cid, str) and isinstance(score, float) for cid, score in hits)
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)  # higher is better
        records = index.catalog.chunks([cid for cid, _ in hits])
        assert all(r.published <= (as_of or date.max) for r in records.values())
        results[name] = [records[cid].article_id for cid, _ in hits]
    assert results["postgres"][0] == results["sqlite"][0]
    if top is not None:
        assert results["postgres"][0] == top
    assert set(results["postgres"]) == set(results["sqlite"])  # the same articles match (any query term)


def test_catalog_queries_agree(pair: Pair) -> None:
    pg, lite = pair.postgres.catalog, pair.sqlite.catalog
    assert pg.stats() == lite.stats()
    assert pg.coverage(date(2024, 6, 1)) == lite.coverage(date(2024, 6, 1))
    assert pg.list_articles(limit=100) == _without_times(lite.list_articles(limit=100), pg.list_articles(limit=100))
    assert pg.list_articles(source="Example Gazette")[0]["id"] == "ex-harbor-ferry"
    strip = lambda rows: sorted((r.asset, r.metric, r.value, r.as_of, r.article_id) for r in rows)  # noqa: E731
    assert strip(pg.newest_snapshots("Bitcoin", SEED_DAY)) == strip(lite.newest_snapshots("Bitcoin", SEED_DAY))
    assert pg.newest_snapshots("Bitcoin", SEED_DAY)
    for term in ("ferry", "harvest", "sovereign", "zzzunknown"):
        assert abs(pg.idf(term) - lite.idf(term)) < 1e-9, term
    article = pg.article("ex-chip-plant")
    assert article is not None and article["text"] == lite.article("ex-chip-plant")["text"]  # type: ignore[index]
    assert isinstance(article["authors"], list) and article["date_inferred"] is False


def _without_times(rows: list[dict], like: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    """``rows`` with each ingest time taken from ``like`` (the two ingests ran seconds apart)."""
    times = {r["id"]: r["ingested_at"] for r in like}
    return [{**r, "ingested_at": times.get(r["id"], r["ingested_at"])} for r in rows]


# ---- the command line on PostgreSQL: ingest, ask, re-ingest, remove, check ---------------------------------


def test_cli_on_postgres(pg_url: str, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", pg_url)
    monkeypatch.setenv("NEWSBOT_EMBEDDING_BACKEND", "torch")  # no ONNX export for this one data dir
    app = make_app()
    first = runner.invoke(app, ["ingest", str(EXAMPLES), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["new"] == 4
    assert not (isolated_env / "newsbot.sqlite").exists()  # the articles live in PostgreSQL

    asked = runner.invoke(app, ["ask", "Who proposed the US-Japan fund?", "--as-of", "2025-05-26", "--json"])
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert "Masayoshi Son" in answer["answer"] and answer["citations"][0]["published"] == "2025-05-25"

    import psycopg

    def generation() -> str:
        with psycopg.connect(pg_url) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            return str(row[0]) if row else ""

    before = generation()
    again = runner.invoke(app, ["ingest", str(EXAMPLES), "--json"])
    assert again.exit_code == 0, again.output
    assert {k: json.loads(again.stdout)[k] for k in ("new", "updated", "unchanged", "chunks")} == {
        "new": 0, "updated": 0, "unchanged": 4, "chunks": 0,
    }  # fmt: skip
    assert generation() == before  # nothing written

    stats = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert stats["articles"] == 4 and stats["chunks"] == 5 and stats["pending"] == 0
    assert stats["snapshots"]["Bitcoin"]["newest"] == "2025-05-25"

    removed = runner.invoke(app, ["remove", "ex-chip-plant", "no-such-id", "--json"])
    assert json.loads(removed.stdout) == {"removed": ["ex-chip-plant"], "not_found": ["no-such-id"]}
    listed = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert [r["id"] for r in listed][1:] == ["ex-rover-ice", "ex-harbor-ferry"]
    assert int(generation()) > int(before)

    checked = runner.invoke(app, ["check", "--json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["consistent"] is True
    asked = runner.invoke(
        app, ["ask", "Which company picked Ohio for a packaging plant?", "--as-of", "2025-05-26", "--json"]
    )
    assert "ex-chip-plant" not in {c["article_id"] for c in json.loads(asked.stdout)["citations"]}


def test_unreachable_database_is_one_line_without_the_password(
    pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong_password = pg_server.url().replace(pg_server.password, "not-the-password-42")
    closed_port = f"postgresql://newsbot:{pg_server.password}@127.0.0.1:{free_port()}/newsbot"
    for url, reason in ((wrong_password, "password authentication failed"), (closed_port, "Connection refused")):
        monkeypatch.setenv("NEWSBOT_DATABASE_URL", url)
        result = runner.invoke(make_app(), ["stats"])
        assert result.exit_code == 2
        assert "cannot reach the index database at postgresql://newsbot:***@127.0.0.1:" in result.stderr
        assert reason in result.stderr and "Traceback" not in result.stderr
        assert pg_server.password not in result.output and "not-the-password-42" not in result.output


def test_outage_then_answers_resume_without_a_restart(
    pg_server: PostgresServer, pg_url: str, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "data", database_url=pg_url)
    index = open_index(settings, model=embedder.name, dim=embedder.dim)
    assert run_ingest([str(EXAMPLES)], index, embedder).new == 4
    answerer = Answerer(index, embedder, settings)
    pg_server.pause()
    try:
        with pytest.raises(IndexUnavailable) as down:  # the Slack front end turns this into "can't reach"
            answerer.ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)
        assert "postgresql://newsbot:***@127.0.0.1" in str(down.value) and pg_server.password not in str(down.value)
    finally:
        pg_server.resume()
    answer = answerer.ask("Who proposed the US-Japan fund?", as_of=SEED_DAY)  # reconnected by itself
    assert "Masayoshi Son" in answer.text and not answer.refused
    index.close()


def test_database_url_setting() -> None:
    url = "postgresql://newsbot:hunter2@db.internal:5432/newsbot"
    settings = Settings.from_env({"NEWSBOT_DATABASE_URL": url})
    assert settings.database_url == url and "hunter2" not in repr(settings)
    assert Settings.from_env({}).database_url == ""
    with pytest.raises(ConfigError, match="postgresql://"):
        Settings.from_env({"NEWSBOT_DATABASE_URL": "mysql://u:p@h/db"})


def test_missing_driver_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.store import open_database

    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ImportError
    monkeypatch.delitem(sys.modules, "ingest.pg_database", raising=False)
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[postgres\]'"):
        open_database(Settings(database_url="postgresql://newsbot:hunter2@db.internal/newsbot"))


# ---- two ingest processes at once: one Chroma server, one PostgreSQL, two data dirs ("hosts") --------------

_WORDS = (
    "council harbor budget orchard rail bridge library museum clinic school river market festival bakery "
    "tram port vineyard glacier turbine archive theatre stadium garden quarry canal lighthouse mill"
).split()


def _synthetic_corpus(folder: Path, count: int) -> list[Path]:
    """``count`` short articles of our own in two files (written here, nothing copied)."""
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for n in range(count):
        a, b, c = (_WORDS[(n * k + k) % len(_WORDS)] for k in (1, 3, 7))
        records.append(
            {
                "id": f"syn-{n:03d}",
                "title": f"Town {n} plans a new {a}",
                "source": "Synthetic Wire",
                "published": f"2024-{n % 12 + 1:02d}-{n % 27 + 1:02d}",
                "text": (
                    f"The council of town number {n} voted to build a {a} next to the old {b}. "
                    f"Residents said the {c} had waited {n + 3} years for the money. "
                    f"Work on the {a} starts in spring and should take {n % 5 + 2} months."
                ),
            }
        )
    half = count // 2
    files = [folder / "part1.jsonl", folder / "part2.jsonl"]
    for path, part in zip(files, (records[:half], records[half:]), strict=True):
        path.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    return files


def test_two_ingest_processes_store_each_article_once(
    tmp_path: Path, pg_url: str, chroma_server: int, embedder
) -> None:  # type: ignore[no-untyped-def]
    part1, part2 = _synthetic_corpus(tmp_path / "corpus", 80)
    # Ten stories of part2 under other ids, read by the second run only: each must be stored once.
    twins = tmp_path / "corpus" / "twins.jsonl"
    twin_records = [
        {**json.loads(line), "id": f"twin-{n:03d}"} for n, line in enumerate(part2.read_text().splitlines()[:10], 40)
    ]
    twins.write_text("".join(json.dumps(r) + "\n" for r in twin_records), encoding="utf-8")
    env = dict(os.environ)  # already stripped of NEWSBOT_/CHROMA_ and proxies by the autouse fixture
    env.update(
        NEWSBOT_DATABASE_URL=pg_url,
        CHROMA_HOST="127.0.0.1",
        CHROMA_PORT=str(chroma_server),
        NEWSBOT_EMBEDDING_BACKEND="torch",
        NEWSBOT_LOG_LEVEL="INFO",
        HF_HUB_OFFLINE="1",
        OMP_NUM_THREADS="1",
        TOKENIZERS_PARALLELISM="false",
    )
    # Write batches of 8 chunks (not 256), both runs at once: the first starts with part2 while the second
    # starts with the same stories under other ids, then they write the same articles in crossing order.
    # (Without the write lock, the twins were stored twice about one run in three.)
    orders = ([part2, part1, EXAMPLES], [twins, part1, part2, EXAMPLES])
    small_batches = "import runpy, sys; import ingest.pipeline as p; p.BATCH_CHUNKS = 8; runpy.run_module('ingest', run_name='__main__')"
    procs = []
    for n, order in enumerate(orders):
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    small_batches,
                    "ingest",
                    *map(str, order),
                    "--json",
                    "--data-dir",
                    str(tmp_path / f"host{n}"),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err.decode(errors="replace")[-3000:]
        assert pg_server_password(pg_url) not in (out + err).decode(errors="replace")
    reports = [json.loads(out) for out, _ in outputs]
    assert all(r["failed"] == 0 for r in reports), reports
    seen = [r["new"] + r["updated"] + r["unchanged"] + r["duplicates"] for r in reports]
    assert seen == [84, 94], reports

    settings = Settings(
        data_dir=tmp_path / "host0", database_url=pg_url, chroma_host="127.0.0.1", chroma_port=chroma_server
    )
    index = open_index(settings, model=embedder.name, dim=embedder.dim)
    try:
        assert index.check() == {"orphan_vectors": [], "missing_vectors": [], "pending_articles": []}
        ids = [r[0] for r in index.db.execute("SELECT id FROM articles ORDER BY id")]
        assert len(ids) == 84 and ids == sorted(set(ids))
        chunk_rows = index.db.execute("SELECT id, article_id FROM chunks").fetchall()
        chunk_ids = [r[0] for r in chunk_rows]
        assert len(chunk_ids) == len(set(chunk_ids)) and {r[1] for r in chunk_rows} == set(ids)
        assert sorted(index.vectors.all_ids()) == sorted(chunk_ids)  # each chunk's vector once, no orphans
        assert index.db.execute("SELECT count(*) FROM articles WHERE status = 'ready'").fetchone()[0] == 84
        assert index.db.execute("SELECT count(DISTINCT text_hash) FROM articles").fetchone()[0] == 84
        for n in range(40, 50):  # one story, two ids: one stored, the other an alias of it
            assert index.catalog.article(f"twin-{n:03d}")["id"] == index.catalog.article(f"syn-{n:03d}")["id"]  # type: ignore[index]
        assert index.db.execute("SELECT count(*) FROM aliases").fetchone()[0] == 10
        hits = index.catalog.keyword_search("town 42", 5)
        stored = index.catalog.article("syn-042")["id"]  # type: ignore[index]  # or twin-042, its alias
        assert index.catalog.chunks([hits[0][0]])[hits[0][0]].article_id == stored  # "42" in its title
    finally:
        index.close()
    for n in range(2):  # both "hosts" see the same, consistent index
        result = subprocess.run(
            [NEWSBOT, "check", "--json", "--data-dir", str(tmp_path / f"host{n}")], env=env, capture_output=True
        )
        assert result.returncode == 0 and json.loads(result.stdout)["consistent"] is True, result.stderr


def pg_server_password(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).password or "\0"


def test_candidate_terms_take_the_rarest_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    pg_database = pytest.importorskip("ingest.pg_database", reason="psycopg is not installed")
    monkeypatch.setattr(pg_database, "MAX_CANDIDATES", 100)
    df = {"common": 90, "rare": 3, "unknown": 0, "middle": 40}.__getitem__
    assert pg_database._candidate_terms(["common", "rare", "unknown", "middle"], df) == ["unknown", "rare", "middle"]
    assert pg_database._candidate_terms(["common"], lambda _t: 5000) == ["common"]  # always at least one term


# ---- moving to shared services: `newsbot copy` ---------------------------------------------------------


def test_copy_from_one_host_to_postgres_and_a_chroma_server(
    pair: Pair,
    pg_url: str,
    chroma_server: int,
    embedder,  # type: ignore[no-untyped-def]
) -> None:
    from ingest.copy import copy_index

    target_settings = Settings(
        data_dir=pair.sqlite.settings.data_dir, database_url=pg_url, chroma_host="127.0.0.1", chroma_port=chroma_server
    )
    target = open_index(target_settings, model=embedder.name, dim=embedder.dim)
    report = copy_index(pair.sqlite, target, batch_size=5)
    stored = pair.sqlite.catalog.stats()
    assert (report.copied, report.skipped) == (stored["articles"], [])
    assert report.chunks == stored["chunks"] == target.vectors.count()
    assert not any(target.check().values())
    assert target.catalog.stats()["snapshots"] == stored["snapshots"]

    moved = Answerer(target, embedder, target_settings)
    for question in ("Who proposed the US-Japan fund?", "What is Bitcoin trading at right now?"):
        here, there = pair.answerers["sqlite"].ask(question, as_of=SEED_DAY), moved.ask(question, as_of=SEED_DAY)
        assert there.text == here.text and there.citations == here.citations
    assert copy_index(pair.sqlite, target).unchanged == stored["articles"]  # a second copy writes nothing
    target.close()
