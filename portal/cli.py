"""Flask commands: `flask --app portal seed-demo`."""

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--customers", default=200, show_default=True, help="How many demo customers.")
    def seed_demo(customers: int) -> None:
        """Fill the database with demo data (idempotent: a second run adds nothing)."""
        from portal.demo import seed_all
        from portal.services.core.uow import transaction

        with transaction():  # all of the demo or none of it
            counts = seed_all(customers=customers)
        for name, n in counts.items():
            click.echo(f"{name}: +{n}")
