"""Open data downloads: published contributions and their figures, with their schemas (JSON
Schema, Table Schemas) and the campaign's Data Package for data.gouv.fr."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    stream_with_context,
)
from flask.typing import ResponseReturnValue

from app.campaigns.models import Campaign
from app.campaigns.queries import all_campaigns, campaign_with_challenges
from app.opendata import follow_ups as follow_up_records
from app.opendata import formats, records, tableschema
from app.opendata.licence import LICENCE, LICENCE_URL
from app.territories.queries import departement_by_code, departements

bp = Blueprint("opendata", __name__)

MIMETYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/donnees")
def index() -> ResponseReturnValue:
    schema = records.contribution_schema()
    return render_template("opendata/index.html", campaigns=all_campaigns(),
                           departements=departements(), schema=schema, licence=LICENCE,
                           licence_url=LICENCE_URL, figure_fields=records.FIGURE_FIELDS,
                           tables=tableschema.TABLES)


def _document(document: dict[str, Any], mimetype: str, max_age: int) -> Response:
    """A schema or package: public (no personal data), cached, readable from any site."""
    response = Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype=mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    response.make_conditional(request)  # in place: a 304 for a matching If-None-Match
    return response


@bp.get("/donnees/contribution.schema.json")
def schema() -> ResponseReturnValue:
    return _document(records.contribution_schema(), "application/schema+json", 24 * 3600)


@bp.get("/donnees/schemas/<any(contributions, chiffres, suites):table>.json")
def table_schema(table: str) -> ResponseReturnValue:
    """The stable Table Schema of a CSV file, whatever the campaign (for data.gouv.fr)."""
    return _document(tableschema.table_schema(table), "application/json", 24 * 3600)


@bp.get("/donnees/<slug>/<any(contributions, chiffres, suites):table>.tableschema.json")
def campaign_table_schema(slug: str, table: str) -> ResponseReturnValue:
    """The campaign's Table Schema: the stable one, with its questions as enums."""
    campaign = campaign_with_challenges(slug) or abort(404)
    return _document(tableschema.table_schema(table, campaign), "application/json", 3600)


@bp.get("/donnees/<slug>/datapackage.json")
def data_package(slug: str) -> ResponseReturnValue:
    """The campaign's Data Package: its CSV files, their schemas, licence and publisher."""
    campaign = campaign_with_challenges(slug) or abort(404)
    return _document(tableschema.data_package(campaign), "application/json", 3600)


def _campaign_and_territory(slug: str) -> tuple[Campaign, int | None, str]:
    campaign = campaign_with_challenges(slug) or abort(404)
    code = request.args.get("departement", "")
    if not code:
        return campaign, None, slug
    territory = departement_by_code(code) or abort(404)
    return campaign, territory.id, f"{slug}-{territory.code}"


def _download(body: Iterator[str] | str | bytes, extension: str, name: str) -> Response:
    response = Response(body, content_type=MIMETYPES[extension])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


def _metadata(campaign: Campaign) -> dict:
    return tableschema.export_metadata(campaign)


@bp.get("/donnees/<slug>/contributions.<any(csv, json, xlsx):extension>")
def contributions(slug: str, extension: str) -> ResponseReturnValue:
    """Every published contribution of the campaign (or of one département), streamed."""
    campaign, territory_id, name = _campaign_and_territory(slug)
    scope = records.Scope(campaign=campaign, territory_id=territory_id)
    rows = records.published(scope)
    body: Iterator[str] | bytes
    if extension == "csv":
        body = stream_with_context(formats.csv_stream(records.fields(), rows))
    elif extension == "json":
        body = stream_with_context(formats.json_stream(rows, _metadata(campaign)))
    else:
        body = formats.xlsx_bytes(records.fields(), rows, "contributions")
    return _download(body, extension, f"contributions-{name}")


@bp.get("/donnees/<slug>/chiffres.<any(csv, json, xlsx):extension>")
def figures(slug: str, extension: str) -> ResponseReturnValue:
    """Published contributions counted by département, question, kind and category."""
    campaign, territory_id, name = _campaign_and_territory(slug)
    rows = records.figures(campaign, territory_id)
    body: str | bytes
    if extension == "csv":
        body = "".join(formats.csv_stream(records.FIGURE_FIELDS, rows))
    elif extension == "json":
        body = "".join(formats.json_stream(rows, _metadata(campaign)))
    else:
        body = formats.xlsx_bytes(records.FIGURE_FIELDS, rows, "chiffres")
    return _download(body, extension, f"chiffres-{name}")


@bp.get("/donnees/<slug>/suites.<any(csv, json):extension>")
def follow_ups(slug: str, extension: str) -> ResponseReturnValue:
    """The follow-ups of the campaign's retained proposals (« Suites données »)."""
    campaign, territory_id, name = _campaign_and_territory(slug)
    rows = follow_up_records.rows(campaign, territory_id)
    if extension == "csv":
        body = "".join(formats.csv_stream(follow_up_records.FIELDS, rows))
    else:
        body = "".join(formats.json_stream(rows, _metadata(campaign)))
    return _download(body, extension, f"suites-{name}")
