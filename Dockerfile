# ClickNBack production image: gunicorn serving the Django app, static files by whitenoise.
#   docker build -t clicknback .
#   docker run -e DATABASE_URL=... -e SECRET_KEY=... -e REDIS_URL=... -p 8000:8000 clicknback
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=clicknback.settings \
    LOG_FORMAT=json

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files are collected at build time and served by whitenoise. collectstatic needs no
# database, but settings would start the embedded PostgreSQL without DATABASE_URL: give it a
# dummy one (never connected to) and a build-only key, for this step only.
RUN DATABASE_URL=postgres://build@localhost:5432/build \
    SECRET_KEY=build-only-key-not-used-at-runtime-0123456789abcdefghijklmnopqrstuvwxyz \
    python manage.py collectstatic --noinput

# The code stays owned by root: the app user can run it, not change it.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin clicknback
USER clicknback

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4).status != 200)"

CMD ["gunicorn", "--config", "gunicorn.conf.py"]
