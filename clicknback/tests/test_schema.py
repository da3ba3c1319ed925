import re
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings_or_errors(tmp_path):
    """`spectacular --validate --fail-on-warn` raises on any warning or schema error."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO())
    schema = target.read_text()
    assert "/api/v1/auth/login:" in schema
    assert "/api/v1/auth/login/:" not in schema  # the trailing-slash twin is not documented twice


def test_schema_endpoint_serves_the_document(api_client):
    response = api_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/auth/register", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/me"):
        assert path in paths
    login = paths["/api/v1/auth/login"]["post"]
    assert {"200", "400", "401", "429"} <= set(login["responses"])
    assert "INVALID_CREDENTIALS" in login["responses"]["401"]["description"]
    assert "EMAIL_ALREADY_REGISTERED" in paths["/api/v1/auth/register"]["post"]["responses"]["409"]["description"]


def test_swagger_ui_is_served_from_the_sidecar_without_a_cdn(api_client):
    response = api_client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "drf_spectacular_sidecar/swagger-ui-dist/" in html
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert external == []
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
