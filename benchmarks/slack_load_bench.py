"""Load on the Slack bot in HTTP mode: many signed app_mention events at once over 127.0.0.1.

Starts the production entry point (`newsbot serve --http`) in a subprocess, pointed (SLACK_API_URL) at
the fake Slack Web API of tests/support/fake_slack.py running in this process, which records every call.
Sends ``--events`` signed ``app_mention`` events (distinct event ids, users and messages; questions from
../shared/data/realtimeqa/questions_dev.jsonl) from ``--concurrency`` threads released together, then
waits for the answers. Prints and writes to benchmarks/results/slack-load-<timestamp>.json:

- ack time per request (HTTP response time, connect included; Slack wants < 3 s): p50/p95/max;
- answers posted per event (exactly one each), apologies, rate-limit notes;
- answer latency, request sent → answer recorded by the fake Slack: p50/p95/max;
- peak memory of the bot process (kernel VmHWM, and the sampled RSS of it and any children);
- ERROR / Traceback lines in the bot's log (stderr).

    .venv/bin/python benchmarks/slack_load_bench.py --data-dir DIR [--events 200] [--concurrency 200]

DIR is an index with realtimeqa ingested (used as is: the bot adds slack-dedupe.sqlite and
slack-feedback.sqlite to it; use a copy). Every event comes from its own user, so the per-user rate
limit (NEWSBOT_RATE_LIMIT_PER_MINUTE, default 10) is left at its default.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO.parent / "shared" / "data" / "realtimeqa" / "questions_dev.jsonl"
sys.path.insert(0, str(REPO))

from tests.support.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_body, mention, sign  # noqa: E402

CHANNEL = "CLOAD"
ACK_LIMIT_S = 3.0
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
_APOLOGIES = ("Sorry, something went wrong", "I can't reach my news index")


def pct(values: list[float], q: float) -> float | None:
    """The q-quantile (nearest rank) of ``values``, or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def newsbot_command() -> list[str]:
    """The installed `newsbot` console script next to this interpreter (the production entry point)."""
    script = Path(sys.executable).parent / "newsbot"
    if script.exists():
        return [str(script)]
    found = shutil.which("newsbot")
    if not found:
        sys.exit("newsbot is not installed: run `make run` or `pip install -e .` first")
    return [found]


# ---- memory of the bot process -------------------------------------------------------------------


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc/*/stat)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = [pid], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


class MemorySampler(threading.Thread):
    """Samples the RSS of a process tree every ``interval`` seconds; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_tree_kb = 0
        self.peak_hwm_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            self.done.wait(self.interval)

    def sample(self) -> None:
        self.peak_hwm_kb = max(self.peak_hwm_kb, _status_kb(self.pid, "VmHWM"))
        self.peak_tree_kb = max(self.peak_tree_kb, sum(_status_kb(p, "VmRSS") for p in _tree(self.pid)))


# ---- the bot process -----------------------------------------------------------------------------


class BotProcess:
    """`newsbot serve --http` on 127.0.0.1 with its stderr captured to a file."""

    def __init__(self, data_dir: Path, api_url: str, as_of: str, workdir: Path, extra_env: dict[str, str]) -> None:
        self.port = free_port()
        self.log_path = workdir / "bot.log"
        env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARS and not k.startswith(("SLACK_", "NEWSBOT_"))}
        env.pop("REDIS_URL", None)
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=api_url,
            NEWSBOT_AS_OF=as_of,
            **extra_env,
        )
        self._log = self.log_path.open("wb")
        command = [*newsbot_command(), "serve", "--http", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--data-dir", str(data_dir)]
        # cwd: an empty folder, so no developer's .env is read
        self.proc = subprocess.Popen(command, cwd=workdir, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.started = time.monotonic()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Seconds until GET /healthz answered ok (the model and index are loaded by then)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"newsbot serve exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            try:
                with opener.open(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.read() == b"ok":
                        return time.monotonic() - self.started
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"newsbot serve not ready after {timeout:.0f}s:\n{self.log_text()[-3000:]}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return int(self.proc.returncode)

    def log_text(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")


# ---- sending events ------------------------------------------------------------------------------


@dataclass
class Sent:
    index: int
    event_id: str
    user: str
    ts: str
    question: str
    sent_at: float = 0.0
    status: int = 0
    ack_s: float = 0.0
    error: str = ""


def send_event(url: str, item: Sent, start: threading.Event) -> Sent:
    """POST one signed app_mention (connect included in the timing)."""
    event = mention(item.question, channel=CHANNEL, user=item.user, ts=item.ts)
    body = json.dumps(event_body(event, event_id=item.event_id)).encode()
    host, port = url.split("//")[1].split("/")[0].split(":")
    start.wait()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(body, timestamp),
    }
    item.sent_at = time.monotonic()
    try:
        conn = HTTPConnection(host, int(port), timeout=60)
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        item.status = response.status
        conn.close()
    except OSError as exc:
        item.error = f"{type(exc).__name__}: {exc}"
    item.ack_s = time.monotonic() - item.sent_at
    return item


class SlowClients:
    """``count`` connections that send a partial request and then drip a header byte every few seconds;
    when the server drops one (its request deadline), another takes its place, so ``count`` stay open."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.dropped = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._hold, daemon=True) for _ in range(count)]

    def start(self) -> SlowClients:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _hold(self) -> None:
        while not self._stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
                    sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                    while not self._stop.wait(2.0):
                        sock.sendall(b"a")
            except OSError:
                self.dropped += 1
                self._stop.wait(0.2)


def load_questions(limit: int) -> list[str]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [rows[i % len(rows)]["question"] for i in range(limit)]


def replies_by_thread(fake: FakeSlack) -> dict[str, list[dict[str, Any]]]:
    """Every chat.postMessage in the load channel, by thread, with the time the fake recorded it."""
    found: dict[str, list[dict[str, Any]]] = {}
    with fake._lock:  # noqa: SLF001 - the fake's own lock guards its call list
        calls = list(fake.calls)
    for call in calls:
        if call.method == "chat.postMessage" and call.body.get("channel") == CHANNEL:
            found.setdefault(str(call.body.get("thread_ts") or ""), []).append({"at": call.at, **call.body})
    return found


def wait_for_replies(fake: FakeSlack, threads: set[str], timeout: float, bot: BotProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    shown = time.monotonic()
    while time.monotonic() < deadline:
        answered = threads & set(replies_by_thread(fake))
        if answered == threads:
            return
        if bot is not None and bot.proc.poll() is not None:
            print(f"newsbot serve exited with {bot.proc.returncode}", file=sys.stderr)
            return
        if time.monotonic() - shown > 10:
            shown = time.monotonic()
            print(f"  {len(answered)} of {len(threads)} answered", file=sys.stderr)
        time.sleep(0.2)
    print(f"timed out: {len(threads - set(replies_by_thread(fake)))} threads without a reply", file=sys.stderr)


def is_apology(reply: dict[str, Any]) -> bool:
    return not reply.get("blocks") and str(reply.get("text", "")).startswith(_APOLOGIES)


def log_problems(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.search(r"\bERROR\b|Traceback", line)]


# ---- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="an index with realtimeqa (use a copy)")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=0, help="sender threads (default: all events at once)")
    parser.add_argument("--as-of", default="2022-12-31", help="NEWSBOT_AS_OF for the bot (the corpus is 2022)")
    parser.add_argument("--answer-timeout", type=float, default=900.0, help="seconds to wait for all answers")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to keep watching for duplicates")
    parser.add_argument("--log-level", default="WARNING", help="NEWSBOT_LOG_LEVEL for the bot (its default)")
    parser.add_argument("--label", default="realtimeqa", help="what the index holds, for the results file")
    parser.add_argument("--slow-clients", type=int, default=100, help="connections dripping bytes during the run")
    args = parser.parse_args()
    if not (args.data_dir / "newsbot.sqlite").exists():
        sys.exit(f"no index in {args.data_dir} (newsbot.sqlite missing)")
    for name in _PROXY_VARS:  # slack_sdk and urllib honour proxies; everything here is 127.0.0.1
        os.environ.pop(name, None)
    concurrency = args.concurrency or args.events

    fake = FakeSlack().start()
    workdir = Path(tempfile.mkdtemp(prefix="slack-load-"))
    bot = BotProcess(args.data_dir, fake.api_url, args.as_of, workdir, {"NEWSBOT_LOG_LEVEL": args.log_level})
    sampler = MemorySampler(bot.proc.pid)
    sampler.start()
    try:
        ready_s = bot.wait_ready()
        print(f"bot ready in {ready_s:.1f}s (pid {bot.proc.pid}, port {bot.port})", file=sys.stderr)
        rss_ready_kb = _status_kb(bot.proc.pid, "VmRSS")

        # one warm-up question (its own user and thread), answered before the burst
        # event ids and message ts unique to this run: the bot remembers both across restarts (dedupe store)
        run = int(time.time())
        warm = Sent(-1, f"EvW{run}", "UWARM0001", f"{run - 1}.000100", "Who won the World Cup final?")
        send_event(bot.url, warm, _set_event())
        wait_for_replies(fake, {warm.ts}, 120)
        warm_replies = replies_by_thread(fake).get(warm.ts, [])
        warm_answer_s = (warm_replies[0]["at"] - warm.sent_at) if warm_replies else None

        slow = SlowClients(bot.port, args.slow_clients).start()
        time.sleep(1.0)
        questions = load_questions(args.events)
        items = [Sent(i, f"Ev{run}L{i:06d}", f"ULOAD{i:06d}", f"{run}.{i:06d}", q) for i, q in enumerate(questions)]
        start = threading.Event()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            futures = [pool.submit(send_event, bot.url, item, start) for item in items]
            time.sleep(0.5)  # let every sender thread reach the start line
            burst_started = time.monotonic()
            start.set()
            for future in futures:
                future.result()
        acks_done_s = time.monotonic() - burst_started
        print(f"{len(items)} acked in {acks_done_s:.1f}s; waiting for answers", file=sys.stderr)
        wait_for_replies(fake, {i.ts for i in items}, args.answer_timeout, bot)
        all_answered_s = time.monotonic() - burst_started
        slow.stop()
        time.sleep(args.settle)  # duplicates would arrive late
        sampler.sample()
    finally:
        sampler.done.set()
        exit_code = bot.stop()
        fake.stop()
    log = bot.log_text()

    by_thread = replies_by_thread(fake)
    acks = [i.ack_s for i in items]
    latencies: list[float] = []
    per_event: list[dict[str, Any]] = []
    counts: dict[int, int] = {}
    missing, duplicated, apologies, refusals = [], [], [], 0
    for item in items:
        replies = by_thread.get(item.ts, [])
        per_event.append(
            {
                "event_id": item.event_id,
                "status": item.status or item.error,
                "ack_ms": ms(item.ack_s),
                "replies": len(replies),
                "answer_ms": ms(replies[0]["at"] - item.sent_at) if replies else None,
            }
        )
        counts[len(replies)] = counts.get(len(replies), 0) + 1
        if not replies:
            missing.append(item.event_id)
            continue
        if len(replies) > 1:
            duplicated.append(item.event_id)
        if any(is_apology(r) for r in replies):
            apologies.append(item.event_id)
        elif str(replies[0].get("text", "")).startswith(":warning:"):
            refusals += 1
        latencies.append(replies[0]["at"] - item.sent_at)
    ephemeral = [c for c in fake.calls_to("chat.postEphemeral") if c.get("channel") == CHANNEL]
    problems = log_problems(log)
    slow_acks = [i.event_id for i in items if i.ack_s >= ACK_LIMIT_S]
    bad_status = [f"{i.event_id}: {i.status or i.error}" for i in items if i.status != 200]

    result: dict[str, Any] = {
        "benchmark": "slack-load",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": args.label,
        "machine": {"cpus": os.cpu_count(), "load_avg_1m_after": round(os.getloadavg()[0], 2)},
        "settings": {
            "events": args.events,
            "concurrency": concurrency,
            "as_of": args.as_of,
            "rate_limit_per_minute": "default (10); one event per user",
            "answer_pool": "bot defaults: 8 threads, 2 answers computed at once",
        },
        "bot": {"ready_s": round(ready_s, 1), "exit_code": exit_code, "warmup_answer_ms": ms(warm_answer_s)},
        "ack_ms": {"p50": ms(pct(acks, 0.5)), "p95": ms(pct(acks, 0.95)), "max": ms(max(acks))},
        "ack_ms_of_200_responses": {
            "p50": ms(pct([i.ack_s for i in items if i.status == 200], 0.5)),
            "p95": ms(pct([i.ack_s for i in items if i.status == 200], 0.95)),
        },
        "acks_over_3s": len(slow_acks),
        "non_200": bad_status[:20],
        "non_200_count": len(bad_status),
        "all_acked_after_s": round(acks_done_s, 2),
        "slow_clients": {"held_open": args.slow_clients, "dropped_by_the_server_and_reopened": slow.dropped},
        "answers": {
            "events_with_exactly_one_reply": counts.get(1, 0),
            "replies_per_event_histogram": {str(k): v for k, v in sorted(counts.items())},
            "missing": missing[:20],
            "missing_count": len(missing),
            "duplicated": duplicated[:20],
            "duplicated_count": len(duplicated),
            "apologies": len(apologies),
            "refusals": refusals,
            "rate_limit_notes": len(ephemeral),
        },
        "answer_latency_ms": {
            "p50": ms(pct(latencies, 0.5)),
            "p95": ms(pct(latencies, 0.95)),
            "max": ms(max(latencies)) if latencies else None,
        },
        "all_answered_after_s": round(all_answered_s, 1),
        "throughput_answers_per_s": round(len(latencies) / all_answered_s, 2) if all_answered_s else None,
        "memory_mb": {
            "rss_when_ready": round(rss_ready_kb / 1024),
            "peak_vmhwm": round(sampler.peak_hwm_kb / 1024),
            "peak_rss_sampled_incl_children": round(sampler.peak_tree_kb / 1024),
        },
        "log": {
            "lines": len(log.splitlines()),
            "error_or_traceback_lines": len(problems),
            "warning_lines": sum(1 for line in log.splitlines() if line.startswith("WARNING")),
            "examples": problems[:10],
        },
        "slack_calls": {m: len(fake.calls_to(m)) for m in sorted(set(fake.methods()))},
        "events": per_event,
    }
    result["passed"] = not (slow_acks or bad_status or missing or duplicated or apologies or problems)
    print_table(result)
    out = REPO / "benchmarks" / "results" / f"slack-load-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out} (bot log: {bot.log_path})", file=sys.stderr)
    sys.exit(0 if result["passed"] else 1)


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def print_table(r: dict[str, Any]) -> None:
    a, lat, mem, ans = r["ack_ms"], r["answer_latency_ms"], r["memory_mb"], r["answers"]
    rows = [
        ("events sent (all at once)", f"{r['settings']['events']} from {r['settings']['concurrency']} threads"),
        ("ack p50 / p95 / max", f"{a['p50']} / {a['p95']} / {a['max']} ms"),
        ("acks >= 3 s / non-200", f"{r['acks_over_3s']} / {r['non_200_count']}"),
        ("events with exactly one reply", f"{ans['events_with_exactly_one_reply']} of {r['settings']['events']}"),
        (
            "missing / duplicated / apologies",
            f"{ans['missing_count']} / {ans['duplicated_count']} / {ans['apologies']}",
        ),
        ("refusals (⚠️) / rate-limit notes", f"{ans['refusals']} / {ans['rate_limit_notes']}"),
        ("answer latency p50 / p95 / max", f"{lat['p50']} / {lat['p95']} / {lat['max']} ms"),
        ("all answered after", f"{r['all_answered_after_s']} s ({r['throughput_answers_per_s']} answers/s)"),
        ("bot memory ready / peak (VmHWM)", f"{mem['rss_when_ready']} / {mem['peak_vmhwm']} MB"),
        ("ERROR/Traceback lines in bot log", str(r["log"]["error_or_traceback_lines"])),
        ("passed", str(r["passed"])),
    ]
    print_rows(rows)


def print_rows(rows: list[tuple[str, str]]) -> None:
    """Figures as an aligned two-column table."""
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
