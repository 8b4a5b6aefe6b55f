"""Open data downloads: published contributions and their figures, with their schema."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    send_file,
    stream_with_context,
)

from app.campaigns.models import Campaign
from app.campaigns.queries import all_campaigns, campaign_with_challenges
from app.clock import now
from app.opendata import formats, records
from app.territories.queries import departement_by_code, departements

bp = Blueprint("opendata", __name__)

LICENCE = "Licence Ouverte 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
MIMETYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/donnees")
def index():
    schema = records.contribution_schema()
    return render_template("opendata/index.html", campaigns=all_campaigns(),
                           departements=departements(), schema=schema, licence=LICENCE,
                           licence_url=LICENCE_URL, figure_fields=records.FIGURE_FIELDS)


@bp.get("/donnees/contribution.schema.json")
def schema():
    return send_file(records.SCHEMA_FILE, mimetype="application/schema+json")


def _campaign_and_territory(slug: str) -> tuple[Campaign, int | None, str]:
    campaign = campaign_with_challenges(slug) or abort(404)
    code = request.args.get("departement", "")
    if not code:
        return campaign, None, slug
    territory = departement_by_code(code) or abort(404)
    return campaign, territory.id, f"{slug}-{territory.code}"


def _download(body, extension: str, name: str) -> Response:
    response = Response(body, content_type=MIMETYPES[extension])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


def _metadata(campaign: Campaign) -> dict:
    return {"demarche": campaign.slug, "titre": campaign.title, "licence": LICENCE,
            "licence_url": LICENCE_URL, "genere_le": now().isoformat()}


@bp.get("/donnees/<slug>/contributions.<any(csv, json, xlsx):extension>")
def contributions(slug: str, extension: str):
    """Every published contribution of the campaign (or of one département), streamed."""
    campaign, territory_id, name = _campaign_and_territory(slug)
    scope = records.Scope(campaign=campaign, territory_id=territory_id)
    rows = records.published(scope)
    if extension == "csv":
        body = stream_with_context(formats.csv_stream(records.fields(), rows))
    elif extension == "json":
        body = stream_with_context(formats.json_stream(rows, _metadata(campaign)))
    else:
        body = formats.xlsx_bytes(records.fields(), rows, "contributions")
    return _download(body, extension, f"contributions-{name}")


@bp.get("/donnees/<slug>/chiffres.<any(csv, json, xlsx):extension>")
def figures(slug: str, extension: str):
    """Published contributions counted by département, question, kind and category."""
    campaign, territory_id, name = _campaign_and_territory(slug)
    rows = records.figures(campaign, territory_id)
    if extension == "csv":
        body = "".join(formats.csv_stream(records.FIGURE_FIELDS, rows))
    elif extension == "json":
        body = "".join(formats.json_stream(rows, _metadata(campaign)))
    else:
        body = formats.xlsx_bytes(records.FIGURE_FIELDS, rows, "chiffres")
    return _download(body, extension, f"chiffres-{name}")
