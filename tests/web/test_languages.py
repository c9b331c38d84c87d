"""The pages' languages: Chinese is the source and the default; every message of every template has an English
translation in the catalogs (aidledger/web/locale/en/*.po), and `?lang=en` switches to it."""

from __future__ import annotations

import re
from importlib import resources

from support import AUDITOR
from webbook import app, client, clock, signed_in, web_templates, web_url  # noqa: F401

from aidledger.web.i18n import translations

MESSAGE = re.compile(r"""_\(\s*"([^"]+)"\s*[,)]""")


def template_messages() -> set[str]:
    folder = resources.files("aidledger.web") / "templates"
    found = set()
    for entry in folder.iterdir():
        if entry.name.endswith(".html"):
            found |= set(MESSAGE.findall(entry.read_text(encoding="utf-8")))
    return found


def test_every_template_message_has_an_english_translation():
    english = translations("en")
    messages = template_messages()
    assert len(messages) > 20
    missing = sorted(m for m in messages if english.gettext(m) == m)
    assert not missing, f"add English for these to aidledger/web/locale/en/*.po: {missing}"


def test_chinese_is_the_default_and_english_is_chosen(client):
    assert "登录" in client.get("/signin").text
    page = client.get("/signin?lang=en")
    assert "Sign in" in page.text and "登录" not in page.text.split("<main>")[1]
    assert "Sign in" in client.get("/signin").text  # remembered in a cookie


def test_a_signed_in_page_in_english(signed_in):
    c = signed_in(AUDITOR)
    page = c.get("/?lang=en")
    assert page.status_code == 200
    assert "Sign out" in page.text and "Auditor" in page.text


def test_no_message_has_two_translations():
    """The catalogs are merged: a message translated two ways in two files would read one way everywhere."""
    from babel.messages.pofile import read_po

    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    folder = resources.files("aidledger.web") / "locale" / "en"
    for entry in folder.iterdir():
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as handle:
            for message in read_po(handle):
                if not message.id:
                    continue
                if message.id in seen and seen[message.id][0] != message.string:
                    clashes.append((message.id, seen[message.id], (message.string, entry.name)))
                seen.setdefault(message.id, (message.string, entry.name))
    assert not clashes, clashes
