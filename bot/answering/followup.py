"""Follow-up questions ("and who else backed it?") rewritten into standalone questions."""

from __future__ import annotations

import re
from collections.abc import Sequence

_DEPENDENT = re.compile(
    r"^\s*(?:and|also|so|but|then|what about|how about|who else|what else)\b"
    r"|\b(?:it|its|it's|they|them|their|theirs|that|this|those|these|he|she|his|her|him|else|there)\b",
    re.I,
)

History = Sequence[tuple[str, str]]
_CONTEXT = re.compile(r"\s*\(context:.*\)\s*$", re.S)


def without_context(question: str) -> str:
    """The question itself, without the "(context: earlier question)" a rewrite appended."""
    return _CONTEXT.sub("", question).strip()


def needs_context(question: str, history: History) -> bool:
    """True when ``question`` leans on earlier turns (pronouns, "and …", "what about …")."""
    return any(role == "user" for role, _ in history) and bool(_DEPENDENT.search(question))


def rewrite_followup(question: str, history: History) -> str:
    """A standalone version of ``question``: the earlier question's subject is carried along.

    Without a chat model this keeps the follow-up first (its question word decides what kind of
    answer is wanted) and appends the previous question, which supplies the missing subject."""
    if not needs_context(question, history):
        return question
    previous = [text for role, text in history if role == "user"][-1]
    return f"{question.strip()} (context: {previous.strip()})"
