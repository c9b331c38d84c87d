"""`aidledger demo`: a sample county's year, end to end."""

from __future__ import annotations

from pathlib import Path

import click

from aidledger.demo import run_demo

from . import pass_app


@click.command("demo")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the outputs.")
@pass_app
def command(app, out_dir: str) -> None:
    """Build a sample county's books for a year in OUT (a fresh SQLite database) and write its outputs.

    \b
    Example:
      aidledger demo --out demo-output
    """
    result = run_demo(Path(out_dir), now=app.now())
    for line in result.log:
        click.echo(line)
    click.echo(f"demo output in {result.out_dir.resolve()}:")
    for path in result.files:
        click.echo(f"  {path}")
    database = result.database.resolve()
    click.echo("open the books in a browser:")
    click.echo(f"  aidledger --db sqlite:///{database} serve --port 8000")
    click.echo("  then http://127.0.0.1:8000/ and sign in as one of (user / password / role):")
    for name, role, display_name, scope, password in result.users:
        where = f", scope {scope}" if scope else ""
        click.echo(f"    {name} / {password}  ({display_name}, {role}{where})")
