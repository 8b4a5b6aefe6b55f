"""flask opendata build: a campaign's open-data files, ready to upload to data.gouv.fr."""

from __future__ import annotations

from pathlib import Path

import click

from app.campaigns.queries import campaign_with_challenges


@click.group("opendata")
def opendata_command() -> None:
    """Données ouvertes : fichiers à publier sur data.gouv.fr."""


@opendata_command.command("build")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def build_command(slug: str, directory: Path) -> None:
    """Écrit dans DIRECTORY les fichiers CSV et JSON de la démarche SLUG, leurs schémas
    (Table Schema) et datapackage.json, prêts à déposer sur data.gouv.fr."""
    from app.opendata import tableschema

    campaign = campaign_with_challenges(slug)
    if campaign is None:
        raise click.ClickException(f"Démarche inconnue : {slug}.")
    written = tableschema.build(campaign, directory,
                                echo=lambda path: click.echo(f"Écrit : {path}"))
    click.echo(f"{len(written)} fichier(s) écrit(s) dans {directory} ; déposez-les sur "
               "data.gouv.fr (voir /donnees, « Publier sur data.gouv.fr »).")
