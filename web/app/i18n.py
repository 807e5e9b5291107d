"""English and Arabic: Flask-Babel, the locale selector, catalogues and Hijri dates.

The locale is the signed-in user's stored choice (``users.locale``), else the browser's
``Accept-Language`` among :data:`LANGUAGES`, else English. The catalogues are the ``.po`` files
under ``web/translations/``; :func:`compile_catalogues` compiles each into its ``.mo`` when the
``.mo`` is missing or older, so a fresh checkout works without ``pybabel compile``.
Arabic pages are laid out right to left (:func:`text_direction`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel, format_date, get_locale, gettext
from flask_login import current_user
from hijridate import Gregorian

#: The interface languages, the default first.
LANGUAGES: tuple[str, ...] = ("en", "ar")
#: Right-to-left languages among them.
RTL: frozenset[str] = frozenset({"ar"})
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

babel = Babel()


def select_locale() -> str:
    """The user's stored language, else the sign-in page's choice, else ``Accept-Language``.

    English when none matches; the sign-in page's choice is kept in the session.
    """
    try:
        if current_user and current_user.is_authenticated:
            chosen = getattr(current_user, "locale", "") or ""
            if chosen in LANGUAGES:
                return chosen
        if session.get("locale") in LANGUAGES:
            return str(session["locale"])
    except RuntimeError:  # outside a request
        return LANGUAGES[0]
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def current_language() -> str:
    """The language of the current request (``en`` outside one)."""
    try:
        locale = get_locale()
    except RuntimeError:
        return LANGUAGES[0]
    return locale.language if locale is not None else LANGUAGES[0]


def text_direction(language: str | None = None) -> str:
    """``rtl`` for Arabic, ``ltr`` otherwise (the current request's language by default)."""
    return "rtl" if (language or current_language()) in RTL else "ltr"


def compile_catalogues(folder: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every ``.po`` under ``folder`` whose ``.mo`` is missing or older.

    Returns
    -------
    list of Path
        The ``.mo`` files written (none when all are up to date or the folder is read-only).
    """
    written: list[Path] = []
    for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        try:
            with mo.open("wb") as fh:
                write_mo(fh, catalog)
        except OSError:  # an installed, read-only package: its .mo ships with it
            continue
        written.append(mo)
    return written


def _as_date(day: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(day) if isinstance(day, str) else day


def hijri_label(day: dt.date | str, language: str | None = None) -> str:
    """The Hijri date of ``day`` in the language (e.g. ``5 Jumada al-Ula 1447 AH``)."""
    day = _as_date(day)
    lang: Literal["ar", "en"] = "ar" if (language or current_language()) == "ar" else "en"
    h = Gregorian(day.year, day.month, day.day).to_hijri()
    return f"{h.day} {h.month_name(lang)} {h.year} {h.notation(lang)}"


def day_label(day: dt.date | str, fmt: str = "EEE d MMM") -> str:
    """A day in the current locale (Babel's format), e.g. ``Mon 27 Oct`` in English."""
    return str(format_date(_as_date(day), fmt))


def weekday_name(index: int, width: str = "wide") -> str:
    """Weekday ``index`` (0 = Monday) in the current locale (``wide`` or ``abbreviated``)."""
    from flask_babel import get_locale as _locale

    locale = _locale()
    names = locale.days["format"][width] if locale is not None else {}
    return str(names.get(index, str(index)))


def language_name(code: str) -> str:
    """A language's own name (``English``, ``العربية``), for the language switch."""
    return {"en": "English", "ar": "العربية"}.get(code, code)


def role_label(role: str) -> str:
    """A role's name in the current language."""
    labels = {
        "admin": gettext("admin"),
        "planner": gettext("planner"),
        "manager": gettext("manager"),
        "agent": gettext("agent"),
    }
    return str(labels.get(role, role))


def status_label(status: str) -> str:
    """A request's or trade's status in the current language."""
    labels = {
        "pending": gettext("pending"),
        "offered": gettext("on offer"),
        "approved": gettext("approved"),
        "declined": gettext("declined"),
        "cancelled": gettext("cancelled"),
        "accepted": gettext("accepted"),
        "refused": gettext("refused"),
        "draft": gettext("draft"),
        "published": gettext("published"),
        "awaiting_approval": gettext("awaiting approval"),
        "pending_approval": gettext("awaiting approval"),
    }
    return str(labels.get(status, status))


def field_label(key: str) -> str:
    """A targets key's label in the current language (the key itself names it in errors)."""
    from web.app.services._targets import target_field_labels

    label = target_field_labels().get(key)
    return f"{label} · {key}" if label and key != "model" else str(label or key)


def ltr(text: object) -> str:
    """``text`` isolated left to right (Unicode LRI ... PDI): times and ranges inside RTL text."""
    return f"\u2066{text}\u2069"


def js_strings() -> dict[str, str]:
    """The chart labels app.js draws, in the current language."""
    return {
        "required on the phones": gettext("required on the phones"),
        "on the phones": gettext("on the phones"),
        "expected service level": gettext("expected service level"),
        "agents": gettext("agents"),
        "SL %": gettext("SL %"),
        "forecast": gettext("forecast"),
        "week before": gettext("week before"),
        "same week last year": gettext("same week last year"),
        "95 % high": gettext("95 % high"),
        "95 % low": gettext("95 % low"),
        "80 % high": gettext("80 % high"),
        "80 % low": gettext("80 % low"),
        "staff": gettext("staff"),
        # the targets what-if's errors (branch pages, issue #17)
        "The server did not answer. Check the connection and try again.": gettext(
            "The server did not answer. Check the connection and try again."
        ),
        "Your session has expired: sign in again to use the what-if.": gettext(
            "Your session has expired: sign in again to use the what-if."
        ),
        "The what-if failed": gettext("The what-if failed"),
        "Sign in": gettext("Sign in"),
        "(cancelling)": gettext("(cancelling)"),
    }


def init_i18n(app: Flask) -> None:
    """Bind Flask-Babel to ``app``, compile stale catalogues and add the template helpers."""
    compile_catalogues()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def i18n_context() -> dict[str, Any]:
        lang = current_language()
        return {
            "html_lang": lang,
            "html_dir": text_direction(lang),
            "languages": LANGUAGES,
            "hijri": hijri_label,
            "day_label": day_label,
            "language_name": language_name,
            "role_label": role_label,
            "weekday_name": weekday_name,
            "status_label": status_label,
            "field_label": field_label,
            "ltr": ltr,
            "js_strings": js_strings,
        }


__all__ = [
    "LANGUAGES",
    "RTL",
    "TRANSLATIONS_DIR",
    "babel",
    "compile_catalogues",
    "current_language",
    "day_label",
    "field_label",
    "hijri_label",
    "init_i18n",
    "js_strings",
    "language_name",
    "ltr",
    "role_label",
    "select_locale",
    "status_label",
    "text_direction",
    "weekday_name",
]
