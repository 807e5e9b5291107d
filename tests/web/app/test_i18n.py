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


# --- branch ar: what the libraries and the job runner say is translated by code (issue #17) ---

ROOT = WEB.parent


def _calls(path: Path, name: str) -> list[Any]:
    """Every call of ``name(...)`` (a function or a method) in a source file, as AST nodes."""
    import ast

    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == name) or (
                isinstance(f, ast.Attribute) and f.attr == name
            ):
                out.append(node)
    return out


def _strings(node: Any) -> set[str]:
    """The string constants an expression can take (a constant, or both branches of an ``if``)."""
    import ast

    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _arg(call: Any, index: int, keyword: str) -> Any:
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _checker_codes() -> dict[str, set[str]]:
    """The roster checker's message codes and the parameters each passes, read from its source."""
    import ast

    source = ROOT / "scheduling" / "roster" / "check.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    codes: dict[str, set[str]] = {}
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        assigned: dict[str, set[str]] = {}
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, set()).update(_strings(node.value))
        for node in ast.walk(fn):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_why"):
                continue
            first = node.args[0]
            names = assigned[first.id] if isinstance(first, ast.Name) else _strings(first)
            params = {k.arg for k in node.keywords if k.arg}
            if any(k.arg is None for k in node.keywords):  # **params: the shift type's
                params |= {"hours", "start", "channels", "group"}
            for code in names:
                codes.setdefault(code, set()).update(params)
    return codes


def _rule_codes() -> set[str]:
    source = ROOT / "scheduling" / "roster" / "check.py"
    return set().union(*(_strings(c.args[2]) for c in _calls(source, "_violation")))


def _note_codes() -> set[str]:
    """Solver notes (``Note(code, ...)`` in scheduling/) and the web layer's own notes."""
    codes: set[str] = set()
    for path in (ROOT / "scheduling").rglob("*.py"):
        for call in _calls(path, "Note"):
            codes |= _strings(call.args[0])
    for path in (WEB / "app").rglob("*.py"):
        for call in _calls(path, "_add_note"):
            codes |= _strings(call.args[1])
    return codes


def _version_note_codes() -> set[str]:
    codes: set[str] = {"reoptimised"}  # set in run_roster_job's summary
    for path in (WEB / "app").rglob("*.py"):
        for call in _calls(path, "copy_roster"):
            if (node := _arg(call, 2, "code")) is not None:
                codes |= _strings(node)
    return codes


def _audit_actions() -> set[str]:
    """Every ``audit(action, ...)`` action in the web layer (an f-string's statuses expanded)."""
    import ast

    actions: set[str] = set()
    for path in WEB.rglob("*.py"):
        for call in _calls(path, "audit"):
            if not call.args:
                continue
            action = call.args[0]
            if isinstance(action, ast.JoinedStr):  # f"time_off_{row.status}": a decision
                head = "".join(_strings(action))
                actions |= {head + status for status in ("approved", "declined")}
            else:
                actions |= _strings(action)
    return actions


def _job_statuses_and_messages() -> tuple[set[str], set[str]]:
    """The statuses the runner stores and the fixed messages the runner and handlers write."""
    import ast

    statuses: set[str] = set()
    messages: set[str] = set()
    jobs = WEB / "app" / "jobs.py"
    for node in ast.walk(ast.parse(jobs.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg == "status":
            statuses |= _strings(node.value)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "status" for t in node.targets
        ):
            statuses |= _strings(node.value)
        if isinstance(node, ast.Compare) and getattr(node.left, "attr", "") == "status":
            for c in node.comparators:
                statuses |= _strings(c)
        if (
            isinstance(node, ast.keyword)
            and node.arg == "message"
            and isinstance(node.value, ast.Constant)
        ):
            messages.add(str(node.value.value))
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "message" for t in node.targets
        ):
            if isinstance(node.value, ast.Constant):
                messages.add(str(node.value.value))
    for path in (WEB / "app" / "services").rglob("*.py"):
        for call in _calls(path, "progress"):
            if len(call.args) > 1 and isinstance(call.args[1], ast.Constant):
                messages.add(str(call.args[1].value))
    return statuses, messages


def _progress_keys() -> set[str]:
    """The progress lines the job handlers report by key (``progress_text(key, ...)``)."""
    keys: set[str] = set()
    for path in (WEB / "app" / "services").rglob("*.py"):
        for call in _calls(path, "progress_text"):
            keys |= _strings(call.args[0])
    return keys


def _ar_catalogue() -> Any:
    with (CATALOGUES / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale="ar")


def _msgid(lazy: Any) -> str:
    return str(lazy._args[0])


def test_every_code_the_libraries_emit_has_a_translated_template() -> None:
    from typing import get_args

    from scheduling.roster.records import RosterStatus
    from web.app import messages
    from web.app.jobs import _handlers

    checker = _checker_codes()
    statuses, job_messages = _job_statuses_and_messages()
    # the enumeration itself finds what it should (so that it cannot pass empty)
    assert {"min_rest", "breaks.gap", "shift_type.no_channel.group", "agent"} <= set(checker)
    assert checker["min_rest"] == {"hours", "day", "limit"}
    assert {"stopped", "lns", "sl_weights.fixed", "edited", "reoptimised"} <= _note_codes()
    assert {"roster_published", "time_off_approved", "sign_in"} <= _audit_actions()
    assert {"queued", "running", "succeeded", "failed", "cancelled"} <= statuses
    assert {"done", "checking and saving"} <= job_messages
    tables: list[tuple[str, set[str], dict[str, Any]]] = [
        ("checker rule", _rule_codes(), messages.RULES),
        ("checker message", set(checker), messages.VIOLATIONS),
        ("solver note", _note_codes(), messages.NOTES),
        ("version note", _version_note_codes(), messages.VERSION_NOTES),
        ("solver status", set(get_args(RosterStatus)), messages.SOLVER_STATUS),
        ("job status", statuses, messages.JOB_STATUS),
        ("job kind", set(_handlers()), messages.JOB_KINDS),
        ("job message", job_messages, messages.JOB_MESSAGES),
        ("audit action", _audit_actions(), messages.AUDIT_ACTIONS),
        ("job progress", _progress_keys(), messages.JOB_PROGRESS),
    ]
    catalogue = _ar_catalogue()
    for what, codes, table in tables:
        assert codes, what
        assert not codes - set(table), f"{what}: no template for {sorted(codes - set(table))}"
        for code in codes:
            entry = catalogue.get(_msgid(table[code]))
            assert entry is not None and entry.string, f"{what} {code}: not in Arabic"
    names = re.compile(r"%\((\w+)\)s")
    for code, params in checker.items():  # a template asks only for what the checker passes
        wanted = set(names.findall(_msgid(messages.VIOLATIONS[code])))
        assert wanted <= params, (code, wanted, params)


def _visible_outside_isolates(html: str) -> str:
    """The text a reader sees, less what is isolated (ids, times, numbers; names from the data)."""
    html = re.sub(r"<(script|style|select)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<bdi\b[^>]*>.*?</bdi>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"&\w+;|&#\d+;", " ", html)


#: What may stay Latin outside an isolate: the brand, the language switch, the channels (names
#: from the data), file formats, keys and commands named in the Arabic text.
LATIN_ALLOWED = {
    *("contact", "wfm", "English", "voice", "chat", "email", "planner", "CSV", "Excel", "UTC"),
    *("Tab", "Enter", "roster", "rules", "toml", "ACD", "Anonymous", "Bank", "WAPE", "MASE"),
}


#: The planner's other screens (the small center's first history, forecast and requirements).
OTHER_PLANNER_PAGES = [
    *("/history", "/history/1", "/forecast", "/forecast/1", "/requirements", "/requirements/1"),
    *("/manager", "/approvals"),
]


def _arabic_planner(app: Flask, h: Any) -> Any:
    client = app.test_client()
    assert h.sign_in(client, "planner").status_code == 302
    h.post(client, "/language", {"locale": "ar"})
    return client


def test_planners_pages_in_arabic_show_no_english(published_app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import AuditEntry, Job, RosterVersion

    client = _arabic_planner(published_app, h)
    with published_app.app_context():
        rid = db.session.scalars(db.select(RosterVersion.id)).one()
    # a hand edit that breaks rules: a start no shift type allows, and a day too many
    r = h.post(
        client,
        f"/roster/{rid}/edit",
        {
            "agent_id": "A1",
            "date": h.PLAN_START,
            "start": "14:00",
            "shift_type": "day",
            "channel": "voice",
        },
    )
    draft = int(r.headers["Location"].split("/roster/")[1].split("?")[0])
    flashed = client.get(r.headers["Location"]).get_data(as_text=True)
    with published_app.app_context():
        roster = db.session.get(RosterVersion, draft)
        assert roster is not None
        violations, notes = roster.violations, roster.summary["notes"]
        jobs = list(db.session.scalars(db.select(Job.id)))
        actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert violations and any(v["code"] == "shift_type" for v in violations)
    assert "shift_edited" in actions and "roster_published" in actions
    pages = {
        "roster (flash)": flashed,
        "roster list": client.get("/roster").get_data(as_text=True),
        "published roster": client.get(f"/roster/{rid}").get_data(as_text=True),
        "rules": client.get("/rules").get_data(as_text=True),
        "audit": client.get("/audit").get_data(as_text=True),
        "week": client.get("/planner").get_data(as_text=True),
        **{p: client.get(p).get_data(as_text=True) for p in OTHER_PLANNER_PAGES},
        **{f"job {j}": client.get(f"/jobs/{j}").get_data(as_text=True) for j in jobs},
    }
    # the checker's and the solver's English sentences are nowhere; their Arabic is
    assert "لا يسمح أي نوع مناوبة" in flashed and "نوع المناوبة" in flashed
    for v in violations:
        assert v["message"] not in flashed
    for n in notes:
        assert n not in flashed
    assert "عُدّل يدويًا" in flashed
    assert "نشر جدول" in pages["audit"] and "roster_published" not in _visible_outside_isolates(
        pages["audit"]
    )
    for name, html in pages.items():
        assert '<html lang="ar" dir="rtl">' in html, name
        words = set(re.findall(r"[A-Za-z]{2,}", _visible_outside_isolates(html)))
        assert not words - LATIN_ALLOWED, (name, sorted(words - LATIN_ALLOWED))


def test_the_isolate_filter_escapes_and_keeps_order() -> None:
    from web.app.messages import isolate, say

    assert str(isolate("07:00–20:00")) == '<bdi dir="ltr">07:00–20:00</bdi>'
    assert str(isolate("<b>")) == '<bdi dir="ltr">&lt;b&gt;</bdi>'
    assert str(isolate(None)) == ""
    assert str(say("from %(a)s to %(b)s", {"a": "<x>", "b": 3})) == (
        'from <bdi dir="ltr">&lt;x&gt;</bdi> to <bdi dir="ltr">3</bdi>'
    )


def test_a_stored_violation_without_a_code_is_shown_as_stored(app: Flask) -> None:
    from web.app.messages import violation_text

    with app.test_request_context(headers={"Accept-Language": "ar"}):
        old = {"rule": "min_rest", "message": "9 h rest after the shift of 2025-10-27 < 11 h"}
        assert (
            str(violation_text(old))
            == f'<bdi dir="ltr">{old["message"].replace("<", "&lt;")}</bdi>'
        )
        new = {
            **old,
            "code": "min_rest",
            "params": {"hours": "9", "day": "2025-10-27", "limit": "11"},
        }
        text = str(violation_text(new))
        assert "راحة" in text and '<bdi dir="ltr">2025-10-27</bdi>' in text
        broken = {**old, "code": "min_rest", "params": {}}  # parameters of another version
        assert "9 h rest" in str(violation_text(broken))


def test_a_jobs_progress_line_is_said_in_the_pages_language(app: Flask) -> None:
    from web.app.messages import job_message, progress_text

    line = progress_text("rostering", n=120)
    assert line == "rostering 120 agents"  # what the job row stores
    solving = progress_text("solving", phase="lns", n=7)
    with app.test_request_context(headers={"Accept-Language": "ar"}):
        assert job_message(line) == "جارٍ إعداد جدول \u2066120\u2069 موظف"
        assert job_message(solving) == "\u2066lns\u2069: الحل \u20667\u2069"
        assert job_message("done") == "تم"
        assert job_message("rostering agents") == "rostering agents"  # not a known line: as is
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert job_message(line) == "rostering \u2066120\u2069 agents"
