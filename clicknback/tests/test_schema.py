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


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_webhook_requires_the_partner_key_beside_the_signature():
    schema = _schema()
    schemes = schema["components"]["securitySchemes"]
    headers = {scheme.get("name") for scheme in schemes.values() if scheme.get("in") == "header"}
    assert {"X-Partner-Key", "X-Signature"} <= headers
    by_header = {scheme["name"]: name for name, scheme in schemes.items() if scheme.get("in") == "header"}
    # One requirement naming both: a partner sends the two headers together.
    requirement = {by_header["X-Partner-Key"]: [], by_header["X-Signature"]: []}
    assert schema["paths"]["/api/v1/webhooks/purchases"]["post"]["security"] == [requirement]


def test_the_signature_recipe_has_a_worked_example_that_verifies():
    import hashlib
    import hmac

    signature_scheme = next(
        scheme for scheme in _schema()["components"]["securitySchemes"].values() if scheme.get("name") == "X-Signature"
    )
    text = signature_scheme["description"]
    assert 't=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>' in text
    secret = re.search(r"secret `([^`]+)`", text).group(1)
    body = re.search(r"raw body `([^`]+)`", text).group(1)
    header = re.search(r"X-Signature: (t=[0-9]+,v1=[0-9a-f]{64})", text).group(1)
    timestamp, signature = re.fullmatch(r"t=([0-9]+),v1=([0-9a-f]{64})", header).groups()
    expected = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    assert signature == expected
