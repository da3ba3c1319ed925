"""Gunicorn settings for production (the Dockerfile's CMD) and for the tests' real servers.

Every value can be overridden from the environment or the command line. The application logs each
request itself (structured, with the request id), so gunicorn's access log is off.
"""

import multiprocessing
import os
import tempfile
from pathlib import Path

wsgi_app = "clicknback.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
# sync (default): one request at a time per worker, connection closed after each response.
# gthread: keeps connections alive (GUNICORN_THREADS threads per worker), for a client or balancer that reuses them.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak never takes a machine down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# The load balancer in front sets X-Forwarded-Proto; trust it from these addresses only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No gunicornc control socket: one fixed path in $HOME would clash between instances on a host.
control_socket_disable = True
# Heartbeat files in memory, not on a possibly slow container disk.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108 - gunicorn's advice for containers

# Gunicorn's own lines (start, worker boot and exit) in the same JSON shape as the application's.
if os.environ.get("LOG_FORMAT") == "json":
    # Replaces gunicorn's default logging dict key by key, so every handler name it uses is defined.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False},
            # Off, as with accesslog = None: the application logs each request itself.
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
            "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
        "formatters": {"json": {"()": "clicknback.logging.JsonFormatter"}},
    }

# prometheus_client's multiprocess mode: every worker writes its samples to files in this folder
# and a scrape of any worker adds them all up. It must be set before a worker imports the app.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="clicknback-metrics-")


def on_starting(server):
    """Start from empty counters: files left by a previous run belong to dead processes."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    """A dead worker's live gauges must stop counting; its counters stay in the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
