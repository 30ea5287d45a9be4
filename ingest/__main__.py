"""``python -m ingest PATH...``: the same as ``newsbot ingest``."""

import sys

from ingest.cli import make_app

if __name__ == "__main__":
    args = sys.argv[1:]
    known = {"ingest", "list", "stats", "remove", "check", "--help", "-h"}
    if not args or args[0] not in known:
        args = ["ingest", *args]
    make_app()(args, prog_name="python -m ingest")
