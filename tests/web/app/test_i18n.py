"""English and Arabic: every user-facing string is translated, and Arabic reads right to left.

The enforcement tests read every template with Jinja's own lexer: text outside ``{{ }}``/``{% %}``
(with tags, scripts and styles removed) must hold no words, nor may a ``placeholder``, ``title``,
``alt`` or ``aria-label`` attribute; and Babel's extractor, run on ``web/`` here, must find every
message it extracts in the Arabic catalogue with a non-empty, non-fuzzy translation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from jinja2 import Environment

WEB = Path(__file__).resolve().parents[3] / "web"
TEMPLATES = WEB / "templates"
CATALOGUES = WEB / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
WORD = re.compile(r"[A-Za-z\u0600-\u06ff]{2,}")
ATTR = re.compile(r'\b(placeholder|title|alt|aria-label)="([^"]*)"')


def _template_text(source: str) -> tuple[str, list[str]]:
    """The template's literal text (other tokens as NUL) and its literal attribute values."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    parts = []
    for _line, kind, value in env.lex(source):
        parts.append(value if kind == "data" else "\0")
    text = "".join(parts)
    attrs = [v for _k, v in ATTR.findall(text) if WORD.search(v.replace("\0", ""))]
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
    text = re.sub(r"&\w+;", " ", text)
    return text, attrs


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_holds_no_untranslated_text(path: Path) -> None:
    text, attrs = _template_text(path.read_text(encoding="utf-8"))
    words = [w for chunk in text.split("\0") for w in WORD.findall(chunk)]
    assert not words, f"{path.name}: text outside _(): {words[:20]}"
    assert not attrs, f"{path.name}: attributes outside _(): {attrs}"


def test_the_checker_sees_untranslated_text() -> None:
    source = '<p title="Hello">Week {{ _("Roster") }}</p><input placeholder="why">'
    text, attrs = _template_text(source)
    assert WORD.findall(text.replace("\0", " ")) == ["Week"]
    assert attrs == ["Hello", "why"]
    clean, none = _template_text("<p class=\"x\">{{ _('Week') }}</p><script>var a = 1;</script>")
    assert not WORD.findall(clean.replace("\0", " ")) and not none


def _extracted() -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(WEB), METHODS, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            out.setdefault(msgid, (filename, lineno))
    return out


def test_extraction_finds_the_templates_and_the_code() -> None:
    found = _extracted()
    assert "My shifts" in found  # a template
    assert "Wrong username or password." in found  # a flash message
    assert "Not allowed" in found  # an error page


@pytest.mark.parametrize("language", ["ar", "en"])
def test_catalogue_covers_every_string(language: str) -> None:
    po = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalogue = read_po(fh, locale=language)
    missing, empty, fuzzy = [], [], []
    for msgid, where in _extracted().items():
        entry = catalogue.get(msgid)
        if entry is None:
            missing.append((msgid, where))
        elif entry.fuzzy:
            fuzzy.append((msgid, where))
        elif language == "ar" and not (
            all(entry.string) if isinstance(entry.string, tuple) else entry.string
        ):
            empty.append((msgid, where))
    assert not missing, f"{language}: not in the catalogue: {missing[:20]}"
    assert not fuzzy, f"{language}: fuzzy: {fuzzy[:20]}"
    assert not empty, f"{language}: no translation: {empty[:20]}"


def test_arabic_catalogue_keeps_the_placeholders() -> None:
    with (CATALOGUES / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh, locale="ar")
    names = re.compile(r"%\((\w+)\)s")
    for message in catalogue:
        if message.id and isinstance(message.id, str) and message.string:
            assert set(names.findall(message.id)) == set(names.findall(str(message.string))), (
                message.id
            )


def test_accept_language_before_sign_in(client: Any) -> None:
    html = client.get("/login", headers={"Accept-Language": "ar,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "تسجيل الدخول" in html
    html = client.get("/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html and "Sign in" in html
    html = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html


def test_the_users_choice_after_sign_in_is_stored(app: Flask, signed_in: Any, h: Any) -> None:
    planner = signed_in["planner"]
    response = h.post(planner, "/language", {"locale": "ar"})
    assert response.status_code == 302
    html = planner.get("/planner", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html and "الأسبوع" in html
    from web.app.extensions import db
    from web.app.models import AuditEntry, User

    with app.app_context():
        user = db.session.scalars(db.select(User).filter_by(username="planner")).one()
        assert user.locale == "ar"
        assert db.session.scalars(db.select(AuditEntry).filter_by(action="language_set")).first()
    assert h.post(planner, "/language", {"locale": "xx"}).status_code == 400
    h.post(planner, "/language", {"locale": "en"})
    html = planner.get("/planner", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html


def test_flash_messages_and_error_pages_are_translated(client: Any, h: Any) -> None:
    headers = {"Accept-Language": "ar"}
    token = h.csrf_token(client)
    response = client.post(
        "/login",
        data={"username": "planner", "password": "wrong", "csrf_token": token},
        headers=headers,
    )
    assert "اسم المستخدم أو كلمة المرور غير صحيحة" in response.get_data(as_text=True)
    assert "غير موجودة" in client.get("/no-such-page", headers=headers).get_data(as_text=True)


def test_hijri_label() -> None:
    import datetime as dt

    from web.app.i18n import hijri_label

    assert hijri_label(dt.date(2025, 10, 27), "en") == "5 Jumada al-Ula 1447 AH"
    assert hijri_label(dt.date(2025, 10, 27), "ar") == "5 جمادى الأولى 1447 هـ"
    # 1 Ramadan 1446 AH
    assert hijri_label(dt.date(2025, 3, 1), "en").startswith("1 Ramadan 1446")


def test_catalogues_compile_when_stale(tmp_path: Path) -> None:
    import shutil

    from web.app.i18n import compile_catalogues

    folder = tmp_path / "translations"
    shutil.copytree(CATALOGUES / "ar", folder / "ar", ignore=shutil.ignore_patterns("*.mo"))
    written = compile_catalogues(folder)
    assert written == [folder / "ar" / "LC_MESSAGES" / "messages.mo"]
    assert compile_catalogues(folder) == []  # up to date now
