"""The deployable pieces: production checks, gunicorn config, Dockerfile and compose file."""

from __future__ import annotations

import json
import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg
import pytest
import yaml
from django.core.management import get_commands
from django.db import connection

from clicknback.testing_server import database_url, running_server
from tests.ops.helpers import request

ROOT = Path(__file__).resolve().parents[2]
SOCKET_DIR = "/var/run/postgresql"  # the machine's PostgreSQL also listens on a Unix socket here


@pytest.mark.django_db
def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clicknback.settings",
        "DEBUG": "false",
        "HTTPS_ONLY": "true",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    env.pop("REDIS_URL", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # The only message is the Info naming the rate-limit store (Django writes it to stderr).
    assert "(clicknback.I001) Rate limits are counted in PostgreSQL" in result.stderr
    assert "System check identified 1 issue" in result.stderr, result.stderr


def test_gunicorn_config_defaults_and_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["workers"] == os.cpu_count() * 2 + 1
    assert config["bind"] == "0.0.0.0:8000"
    assert config["accesslog"] is None  # the application logs each request itself
    assert config["wsgi_app"] == "clicknback.wsgi:application"
    assert callable(config["child_exit"])

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 3


def test_gunicorn_config_clears_stale_metrics_on_start(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "counter_12345.db").write_bytes(b"old")
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))["on_starting"](None)
    assert list(tmp_path.iterdir()) == []


def test_dockerfile_is_slim_non_root_with_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [line for line in dockerfile.splitlines() if line and not line.startswith(("#", " "))]

    assert instructions[0] == "FROM python:3.11-slim"
    [user] = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert user not in {"root", "0"}
    assert "/health/live" in dockerfile.split("HEALTHCHECK", 1)[1]
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    [command] = [json.loads(line[4:]) for line in instructions if line.startswith("CMD ")]
    assert command == ["gunicorn", "--config", "gunicorn.conf.py"]
    for source in re.findall(r"^COPY (\S+) ", dockerfile, re.MULTILINE):
        assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".pgdata"} <= set(ignored)


def test_compose_runs_postgres_redis_web_and_the_confirmation_worker():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    web = " ".join(services["web"]["command"])
    assert "migrate" in web and "gunicorn --config gunicorn.conf.py" in web
    worker = services["worker"]["command"]
    assert worker[:4] == ["python", "manage.py", "confirm_due_purchases", "--loop"]
    assert "confirm_due_purchases" in get_commands()
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"


def test_database_url_round_trips_a_unix_socket_folder():
    settings_dict = {"USER": "postgres", "PASSWORD": "p@ss/word", "HOST": SOCKET_DIR, "PORT": "5432", "NAME": "db"}

    parsed = dj_database_url.parse(database_url(settings_dict))

    assert (parsed["HOST"], str(parsed["PORT"]), parsed["NAME"]) == (SOCKET_DIR, "5432", "db")
    assert (parsed["USER"], parsed["PASSWORD"]) == ("postgres", "p@ss/word")


@pytest.mark.django_db(transaction=True)
def test_the_test_server_reaches_a_database_on_a_unix_socket(monkeypatch):
    # The embedded PostgreSQL is reached through a socket folder already; a server reached over
    # TCP (DATABASE_URL in CI) is reached here through the machine's socket folder instead.
    if not str(connection.settings_dict["HOST"]).startswith("/"):
        monkeypatch.setitem(connection.settings_dict, "HOST", SOCKET_DIR)
        monkeypatch.setitem(connection.settings_dict, "PORT", "5432")
    socket_dir = connection.settings_dict["HOST"]
    parsed = dj_database_url.parse(database_url(connection.settings_dict))
    with psycopg.connect(host=parsed["HOST"], port=parsed["PORT"], user=parsed["USER"], dbname=parsed["NAME"]) as db:
        assert db.info.host == socket_dir

    with running_server(workers=1) as server:
        status, _, body = request(server.url + "/health/ready")

    assert status == 200, body
    assert json.loads(body)["checks"]["database"] == "ok"


def test_compose_runs_the_chain_adapter_behind_its_token_and_the_mint_consumer():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    chain, mint = services["chain"], services["mint"]
    assert chain["command"] == ["python", "manage.py", "run_chain_adapter"]
    assert chain["environment"]["CHAIN_ADAPTER_ADDR"] == "0.0.0.0:50051"
    # off loopback the adapter refuses to start without a token: compose refuses to start without one
    assert chain["environment"]["CHAIN_ADAPTER_TOKEN"].startswith("${CHAIN_ADAPTER_TOKEN:?")
    assert mint["command"] == ["python", "manage.py", "run_consumer", "mint"]
    assert mint["environment"]["CHAIN_ADAPTER_ADDR"] == "chain:50051"
    assert {"run_chain_adapter", "run_consumer"} <= set(get_commands())
