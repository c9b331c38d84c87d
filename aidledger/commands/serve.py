"""`aidledger serve`: the web application on the configured database."""

from __future__ import annotations

import click

from . import pass_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (several behind a reverse proxy in production: docs/web.md).")
@click.option("--proxy-headers", is_flag=True, help="Trust X-Forwarded-Proto/For from the proxy in front.")
@pass_app
def command(app, host: str, port: int, workers: int, proxy_headers: bool) -> None:
    """Serve the web application (pages in Chinese, the JSON API under /api/v1/).

    A book made with `db upgrade --no-auth` is refused: it has no users who sign in.

    \b
    Example:
      aidledger --db sqlite:///county.db serve --port 8000
    """
    import os

    import uvicorn

    from aidledger.web.app import create_app

    database = app.database()
    create_app(database.url)  # refuses a book it cannot serve, before a worker starts
    click.echo(f"aidledger: serving {database.shown_url} on http://{host}:{port}/ (Ctrl-C stops)")
    if workers == 1:
        uvicorn.run(create_app(database.url), host=host, port=port, proxy_headers=proxy_headers,
                    log_level="warning")
        return
    os.environ["AIDLEDGER_DB"] = database.url
    uvicorn.run("aidledger.web.app:from_environment", factory=True, host=host, port=port, workers=workers,
                proxy_headers=proxy_headers, log_level="warning")
