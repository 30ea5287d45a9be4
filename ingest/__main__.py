"""``python -m ingest PATH...``: the same as ``newsbot ingest PATH...``; ``python -m ingest COMMAND`` runs any
``newsbot`` command. The command names come from the CLI app itself, so a new command is never mistaken for a
path. (The one place ``ingest`` reaches into ``bot``: this entry point starts the one ``newsbot`` CLI.)"""

import sys


def main(argv: list[str] | None = None) -> None:
    """Run ``newsbot``, with ``ingest`` put first unless the arguments start with a command or an option."""
    from bot.cli import command_names, make_app

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] not in command_names() and args[0] not in {"--help", "-h"}):
        args = ["ingest", *args]
    make_app()(args, prog_name="python -m ingest")


if __name__ == "__main__":
    main()
