"""The words a household's page uses for the registry's codes: its members' relations and terms, its events'
values and other columns (labels.py holds the words; the care levels are the 特困 rules' own).
"""

from __future__ import annotations

from aidledger.disbursement.rules.tekun import CARE_NAMES
from aidledger.labels import EVENT_DETAIL_NAMES, REGISTRY_WORDS, STANDING_NAMES
from aidledger.web.pages import label

# Every registry code a page names: labels.py's, and a 特困 person's care level as the rules name it.
WORDS: dict[str, dict[str, str]] = {**REGISTRY_WORDS, "care_level": dict(CARE_NAMES),
                                     "standing": dict(STANDING_NAMES)}
# An event's value, where it is a code: the word of the code (other values, amounts and texts, as they are).
EVENT_VALUE_KINDS = {"program": "program", "area": "area", "income_type": "income_type",
                     "tekun_setting": "tekun_setting", "care_level": "care_level", "single_person": "yes_no"}
# Which of an event's other columns hold a code, and of which kind.
DETAIL_KINDS = {"relation": "relation", "disability_kind": "disability_kind", "care_level": "care_level",
                "income_type": "income_type", "tekun_setting": "tekun_setting", "single_person": "yes_no",
                "shared_account": "yes_no"}


def word(kind: str, code: object) -> str:
    """The word of a registry code (`label` for programmes, areas, events…, WORDS for the rest)."""
    if code is None:
        return ""
    text = str(code)
    if kind in WORDS:
        return WORDS[kind].get(text, text)
    return label(kind, text)


def event_value(kind: str, value: str | None) -> str:
    if value is None:
        return ""
    if kind == "flags":
        return "、".join(word("flag", f) for f in value.split(";") if f)
    return word(EVENT_VALUE_KINDS[kind], value) if kind in EVENT_VALUE_KINDS else value


def event_details(details) -> list[tuple[str, str]]:
    out = []
    for name, text in details:
        if text in ("", None):
            continue
        if name == "flags":
            shown = "、".join(word("flag", f) for f in str(text).split(";") if f)
        else:
            shown = word(DETAIL_KINDS[name], text) if name in DETAIL_KINDS else str(text)
        out.append((EVENT_DETAIL_NAMES.get(name, name), shown))
    return out
