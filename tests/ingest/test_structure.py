"""Page structure kept in stored text is recognised, so it can be searched but never quoted."""

from __future__ import annotations

from ingest import sentence_units, without_dateline

PAGE = (
    "By Ana Ruiz and Tom Hale\n"
    "- Bullet one about the port.\n"
    "2. A numbered item.\n"
    "Harbour Plans for the Winter\n"
    "The port authority said on Monday it would dredge the channel before December.\n"
    "Related: Ferry timetable changes\n"
    "Read more: What dredging involves\n"
    "Photo: Cranes at dusk (Credit: Example Photo Desk)\n"
    "Did you know?\n"
    "Subscribe to our newsletter.\n"
    "Dredging will cost $4 million."
)


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(u.kind, text[u.start : u.end]) for u in sentence_units(text)]


def test_each_kind_of_line_is_recognised() -> None:
    kinds = dict((sentence, kind) for kind, sentence in _kinds(PAGE))
    assert kinds["By Ana Ruiz and Tom Hale"] == "byline"
    assert kinds["- Bullet one about the port."] == "list_item"
    assert kinds["A numbered item."] == "list_item"
    assert kinds["Harbour Plans for the Winter"] == "heading"
    assert kinds["Related: Ferry timetable changes"] == "boilerplate"
    assert kinds["Read more: What dredging involves"] == "boilerplate"
    assert kinds["Subscribe to our newsletter."] == "boilerplate"
    assert kinds["Photo: Cranes at dusk (Credit: Example Photo Desk)"] in {"caption", "boilerplate"}
    assert kinds["Did you know?"] == "question"
    assert kinds["The port authority said on Monday it would dredge the channel before December."] == "prose"
    assert kinds["Dredging will cost $4 million."] == "prose"


def test_prose_that_merely_starts_with_by_is_prose() -> None:
    text = "By pooling resources, the two ports aim to cut costs.\nBy Monday, the strike had ended."
    assert [k for k, _ in _kinds(text)] == ["prose", "prose"]


def test_a_short_prose_line_with_a_full_stop_is_not_a_heading() -> None:
    assert _kinds("Prices rose.\nThe index fell")[0][0] == "prose"


def test_datelines_are_trimmed_from_quotes() -> None:
    for line, rest in [
        ("WASHINGTON (Reuters) - The Fed held rates.", "The Fed held rates."),
        ("(CNN) A storm hit the coast.", "A storm hit the coast."),
        ("PORTHAVEN — The council approved the plan.", "The council approved the plan."),
        ("US stocks rose on Friday.", "US stocks rose on Friday."),
    ]:
        assert line[without_dateline(line, 0, len(line)) :] == rest


def test_photo_credits_and_linked_headlines_are_not_prose() -> None:
    text = (
        "Lena Ortiz/Harbour Wire Cranes load the first ship at the new quay on Monday. "
        "What to know about the quay:The port's new berth explained. "
        "'WE ARE READY':Dock workers brace for the first winter season. "
        "The quay opens at 10:30 on Monday, the port said. "
        "AC/DC will play at the opening."
    )
    kinds = [k for k, _ in _kinds(text)]
    assert kinds == ["caption", "boilerplate", "boilerplate", "prose", "prose"]
