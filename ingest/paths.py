"""Folders and globs into the files to read, sorted: hidden names are skipped, symlinked folders are never
entered (``links/loop -> ..`` would otherwise be walked until the OS gives up, exponentially often), and a
symlinked file whose target lies outside the folder is reported instead of read."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterator, Sequence

from ingest.errors import InputError

Wanted = Callable[[str], bool]  # is a file name one we read (by its extension)?
Found = str | InputError
_MAGIC = frozenset("*?[")


def has_magic(pattern: str) -> bool:
    """Whether ``pattern`` is a glob rather than a plain path."""
    return any(c in _MAGIC for c in pattern)


def files_in(folder: str, wanted: Wanted) -> Iterator[Found]:
    """Every wanted file under ``folder``, sorted by folder then name; a link leaving it is an InputError."""
    root = os.path.realpath(folder)
    for dirpath, dirs, files in os.walk(folder):  # followlinks=False: symlinked folders are not entered
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(dirpath, d)))
        for name in sorted(files):
            if not name.startswith(".") and wanted(name):
                yield _checked(os.path.join(dirpath, name), root, folder)


def glob_files(pattern: str, wanted: Wanted) -> tuple[list[Found], bool]:
    """The wanted files a glob matches (``**`` spans folders), sorted, and whether it matched anything
    at all; matched folders contribute the files in them. Links are treated as in :func:`files_in`."""
    parts = pattern.split(os.sep)
    fixed = next(i for i, part in enumerate(parts) if has_magic(part))
    base, rest = os.sep.join(parts[:fixed]) or ("" if fixed == 0 else os.sep), [p for p in parts[fixed:] if p]
    root = os.path.realpath(base or ".")
    if not os.path.isdir(base or "."):
        return [], False
    found: dict[str, Found] = {}
    matched = False
    for rel, is_dir in _tree(base or ".", len(rest) if "**" not in rest else None):
        if not _match(rest, rel):
            continue
        matched = True
        path = os.path.join(base, *rel)
        if is_dir:
            found.update((p if isinstance(p, str) else p.origin, p) for p in files_in(path, wanted))
        elif wanted(rel[-1]):
            found[path] = _checked(path, root, base or ".")
    return [found[k] for k in sorted(found)], matched


def _checked(path: str, root: str, folder: str) -> Found:
    if os.path.islink(path) and not _inside(os.path.realpath(path), root):
        return InputError(path, f"symbolic link leaves the folder {folder} (not followed)")
    return path


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def _tree(base: str, depth: int | None) -> Iterator[tuple[list[str], bool]]:
    """(path parts relative to ``base``, is a folder) for every visible entry, symlinked folders not entered;
    no deeper than ``depth`` parts when given."""
    for dirpath, dirs, files in os.walk(base):
        rel = [] if dirpath == base else os.path.relpath(dirpath, base).split(os.sep)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in dirs:
            yield [*rel, name], not os.path.islink(os.path.join(dirpath, name))
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(dirpath, d))]
        if depth is not None and len(rel) + 1 >= depth:
            dirs[:] = []
        for name in sorted(files):
            if not name.startswith("."):
                yield [*rel, name], False


def _match(pattern: Sequence[str], parts: Sequence[str]) -> bool:
    """Whether path ``parts`` match glob ``pattern`` parts, ``**`` standing for any number of folders."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return _match(pattern[1:], parts) or (bool(parts) and _match(pattern, parts[1:]))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and _match(pattern[1:], parts[1:])
