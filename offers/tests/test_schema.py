"""Every catalogue endpoint is documented with its request, responses and error codes."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def paths() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/merchants", "get", {"200", "400", "401"}),
        ("/api/v1/merchants", "post", {"201", "400", "403", "409"}),
        ("/api/v1/merchants/{merchant_id}", "get", {"200", "404"}),
        ("/api/v1/merchants/{merchant_id}", "patch", {"200", "400", "403", "404", "409"}),
        ("/api/v1/offers", "get", {"200", "400", "401"}),
        ("/api/v1/offers", "post", {"201", "400", "403", "409", "422"}),
        ("/api/v1/offers/active", "get", {"200", "401"}),
        ("/api/v1/offers/{offer_id}", "get", {"200", "404"}),
        ("/api/v1/offers/{offer_id}", "patch", {"200", "400", "403", "404", "409"}),
    ],
)
def test_endpoint_is_documented(paths: dict, path: str, method: str, statuses: set[str]) -> None:
    operation = paths[path][method]
    assert statuses <= set(operation["responses"])
    if method in ("post", "patch"):
        assert "requestBody" in operation
    assert f"{path}/" not in paths  # the trailing-slash twin is served, not documented twice
