"""Fetching a URL for ingest: http(s) only, redirects included; a deadline for the whole response (a server
that drips a byte every few seconds never trips a socket timeout) and one for all the URLs of a run; the
body read up to a size limit, never further."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from ingest.errors import InputError

CONNECT_TIMEOUT_S = 20.0  # the most one connect or read may wait, within the deadlines
_CHUNK = 1 << 16


def is_url(item: str) -> bool:
    """Whether an input names an http(s) URL (in any case: ``HTTP://EXAMPLE.COM/x`` too)."""
    return item[:8].lower().startswith(("http://", "https://"))


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) URLs only (urllib's own handler follows ftp:// too)."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
        target = urljoin(req.full_url, headers.get("location") or headers.get("uri") or "")
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            fp.close()
            raise InputError(self.origin, f"refused a redirect to a {scheme or 'schemeless'} URL: only http(s)")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302  # type: ignore[assignment]


class Fetcher:
    """Fetches URLs as ``(body, content type)`` within a deadline each and one for the whole run; the body is
    cut at ``max_bytes + 1`` bytes (the caller reports it as too large). One per ingest run."""

    def __init__(
        self,
        *,
        deadline_s: float = 30.0,
        run_deadline_s: float = 600.0,
        max_bytes: int = 50_000_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.deadline_s = deadline_s
        self.run_deadline_s = run_deadline_s
        self.max_bytes = max_bytes
        self.clock = clock
        self.started: float | None = None

    def __call__(self, url: str) -> tuple[bytes, str]:
        now = self.clock()
        self.started = now if self.started is None else self.started
        run_left = self.run_deadline_s - (now - self.started)
        if run_left <= 0:
            raise InputError(url, f"not fetched: the run's {self.run_deadline_s:g} s for URLs are used up "
                                  "(NEWSBOT_FETCH_RUN_TIMEOUT)")  # fmt: skip
        budget = min(self.deadline_s, run_left)
        why = (
            f"timed out: no complete response within {budget:g} s (NEWSBOT_FETCH_TIMEOUT)"
            if budget == self.deadline_s
            else f"timed out: the run's {self.run_deadline_s:g} s for URLs ran out (NEWSBOT_FETCH_RUN_TIMEOUT)"
        )
        deadline = now + budget
        opener = urllib.request.build_opener(_HttpOnlyRedirects(url))
        request = urllib.request.Request(url, headers={"User-Agent": "newsbot"})
        try:
            with opener.open(request, timeout=min(CONNECT_TIMEOUT_S, budget)) as response:
                body = self._body(response, deadline, url, why)
                return body, response.headers.get("Content-Type", "")
        except TimeoutError:
            raise InputError(url, why) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise InputError(url, why) from None
            raise

    def _body(self, response: Any, deadline: float, url: str, why: str) -> bytes:
        """Read the body a chunk at a time until it ends, the deadline passes, or it is over the limit."""
        sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
        parts: list[bytes] = []
        size = 0
        while size <= self.max_bytes:
            left = deadline - self.clock()
            if left <= 0:
                raise InputError(url, why)
            if sock is not None:
                sock.settimeout(min(CONNECT_TIMEOUT_S, left))
            chunk = response.read1(min(_CHUNK, self.max_bytes + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
        return b"".join(parts)
