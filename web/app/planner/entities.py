"""Entities (``entities.toml``) and the ACD queue map, in the settings of admins and planners.

Every change to an entity makes a new version of the file, validated by the CLI's reader, so a
form's error is the command line's message. The queue map turns an ACD export's own queue
names into entities' queues; the names the latest uploads held back are listed with a quick
form to map each.
"""

from __future__ import annotations

import re

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from web.app.auth import PLANNERS, roles_required
from web.app.extensions import db
from web.app.messages import error_text
from web.app.planner import bp
from web.app.services import (
    ENTITY_FIELDS,
    audit,
    current_entities,
    current_version,
    delete_queue_map_entry,
    entities_export,
    entity_form,
    entity_rows,
    group_choices,
    import_queue_map,
    latest_unmapped,
    queue_map_csv,
    queue_map_rows,
    save_entities,
    save_entity_form,
    save_queue_map_entry,
    set_entity_active,
)
from web.app.services._entities import entity_list
from wfmcore.entities import queue_id
from wfmcore.errors import WfmError

_ENTITY_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def _list_page(error: WfmError | str | None = None, status: int = 200) -> tuple[str, int]:
    search = request.args.get("q", "")
    rows = entity_rows(search)
    return render_template(
        "planner/entities.html",
        rows=rows,
        search=search,
        version=current_version(),
        total=len(entity_list(current_entities())),
        error=error_text(error) if error is not None else None,
    ), status


@bp.route("/settings/entities")
@roles_required(*PLANNERS)
def entities_view() -> tuple[str, int]:
    """The entities: list with a search by Arabic or English name, import and export."""
    return _list_page()


def _form_page(values: dict[str, str], entity_id: str | None, error: str | None = None) -> str:
    return render_template(
        "planner/entity_form.html",
        values=values,
        entity_id=entity_id,
        fields=ENTITY_FIELDS,
        groups=group_choices(),
        error=error,
    )


@bp.route("/settings/entities/new", methods=["GET", "POST"])
@bp.route("/settings/entities/<entity_id>/edit", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def entity_edit(entity_id: str | None = None) -> Response | str | tuple[str, int]:
    """Add an entity, or edit one: the would-be file is checked by the CLI's reader."""
    if entity_id is not None and not _ENTITY_ID.fullmatch(entity_id):
        abort(404)
    if request.method == "GET":
        values = entity_form(entity_id)
        if entity_id is not None and not values["id"]:
            abort(404)
        return _form_page(values, entity_id)
    values = {k: request.form.get(k, "") for k in ENTITY_FIELDS}
    if entity_id is not None:
        values["id"] = entity_id
    try:
        save_entity_form(values, entity_id)
        db.session.commit()
    except WfmError as exc:
        db.session.rollback()
        return _form_page(values, entity_id, str(exc)), 422
    flash(gettext("Entity %(id)s saved.", id=values["id"]), "success")
    return redirect(url_for("planner.entities_view"))


@bp.route("/settings/entities/<entity_id>/active", methods=["POST"])
@roles_required(*PLANNERS)
def entity_active(entity_id: str) -> Response | tuple[str, int]:
    """Deactivate an entity (or activate it again); entities are never deleted."""
    active = request.form.get("active") == "1"
    try:
        set_entity_active(entity_id, active)
        db.session.commit()
    except WfmError as exc:
        db.session.rollback()
        return _list_page(exc, 422)
    return redirect(url_for("planner.entities_view"))


@bp.route("/settings/entities/import", methods=["POST"])
@roles_required(*PLANNERS)
def entities_import() -> Response | tuple[str, int]:
    """Replace the entities with an uploaded ``entities.toml`` (a new version)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Choose an entities.toml to upload."), "error")
        return redirect(url_for("planner.entities_view"))
    try:
        text = upload.read().decode("utf-8")
    except UnicodeDecodeError:
        return _list_page(gettext("The file is not valid UTF-8."), 422)
    try:
        save_entities(text, upload.filename)
        db.session.commit()
    except WfmError as exc:
        db.session.rollback()
        return _list_page(str(exc), 422)
    flash(gettext("Entities stored."), "success")
    return redirect(url_for("planner.entities_view"))


@bp.route("/settings/entities/entities.toml")
@roles_required(*PLANNERS)
def entities_download() -> FlaskResponse:
    """The current ``entities.toml``, as the CLI writes it."""
    text = entities_export()
    if not text:
        abort(404)
    return FlaskResponse(
        text,
        mimetype="application/toml",
        headers={"Content-Disposition": "attachment; filename=entities.toml"},
    )


# --- the queue map ------------------------------------------------------------------------------


def _map_page(error: WfmError | str | None = None, status: int = 200) -> tuple[str, int]:
    entities = entity_list(current_entities())
    targets = [
        (f"{e.id}:{lang}", queue_id(e.id, lang), e.name_en, e.name_ar)
        for e in entities
        if e.active
        for lang in e.languages
    ]
    return render_template(
        "planner/queue_map.html",
        entries=queue_map_rows(),
        unmapped=latest_unmapped(),
        targets=targets,
        has_entities=bool(entities),
        error=error_text(error) if error is not None else None,
    ), status


@bp.route("/settings/queue-map")
@roles_required(*PLANNERS)
def queue_map_view() -> tuple[str, int]:
    """The mapping table and the queue names the latest uploads held back."""
    return _map_page()


@bp.route("/settings/queue-map/save", methods=["POST"])
@roles_required(*PLANNERS)
def queue_map_save() -> Response | tuple[str, int]:
    """Add or change one mapping (``target`` is ``entity:language``)."""
    entity, _, language = request.form.get("target", "").partition(":")
    raw_id = request.form.get("entry_id", "")
    try:
        entry = save_queue_map_entry(
            request.form.get("acd_queue", ""),
            request.form.get("channel", ""),
            entity,
            language,
            entry_id=int(raw_id) if raw_id.isdigit() else None,
        )
        audit(
            "queue_map_saved",
            f"queue_map:{entry.id}",
            f"{entry.acd_queue} ({entry.channel or '*'}) -> {entry.entity}.{entry.language}",
        )
        db.session.commit()
    except WfmError as exc:
        db.session.rollback()
        return _map_page(exc, 422)
    return redirect(url_for("planner.queue_map_view"))


@bp.route("/settings/queue-map/<int:entry_id>/delete", methods=["POST"])
@roles_required(*PLANNERS)
def queue_map_delete(entry_id: int) -> Response:
    """Remove one mapping."""
    delete_queue_map_entry(entry_id)
    db.session.commit()
    return redirect(url_for("planner.queue_map_view"))


@bp.route("/settings/queue-map/import", methods=["POST"])
@roles_required(*PLANNERS)
def queue_map_import() -> Response | tuple[str, int]:
    """Replace the mapping table with a CSV (``acd_queue,channel,entity,language``)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Choose a CSV file to upload."), "error")
        return redirect(url_for("planner.queue_map_view"))
    try:
        count = import_queue_map(upload.read(), upload.filename)
        db.session.commit()
    except WfmError as exc:
        db.session.rollback()
        return _map_page(exc, 422)
    flash(gettext("%(n)s mapping(s) stored.", n=count), "success")
    return redirect(url_for("planner.queue_map_view"))


@bp.route("/settings/queue-map/queue_map.csv")
@roles_required(*PLANNERS)
def queue_map_download() -> FlaskResponse:
    """The mapping table as CSV."""
    return FlaskResponse(
        queue_map_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=queue_map.csv"},
    )
