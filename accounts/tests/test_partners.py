import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from accounts.models import Partner
from accounts.services import partner_create, partner_deactivate, partner_rotate_secret
from accounts.tests.factories import PartnerFactory
from clicknback.actors import Actor
from clicknback.errors import DomainError
from clicknback.testing import error_code

pytestmark = pytest.mark.django_db

PARTNERS = "/api/v1/partners"

JOB = Actor.job("test")


def test_admin_creates_a_partner_and_sees_the_secret_once(admin_client):
    response = admin_client.post(PARTNERS, {"name": "  Awin  "}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "key", "secret", "active", "created_at"}
    partner = Partner.objects.get(pk=body["id"])
    assert (body["name"], body["key"], body["secret"], body["active"]) == ("Awin", partner.key, partner.secret, True)

    listed = admin_client.get(PARTNERS).json()["results"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert set(listed[0]) == {"id", "name", "key", "active", "created_at"}


@pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 201}])
def test_partner_name_is_required_and_bounded(admin_client, payload):
    response = admin_client.post(PARTNERS, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]["fields"]) == ["name"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_partners_are_admin_only(user_client, api_client, method):
    assert error_code(getattr(user_client, method)(PARTNERS, {"name": "X"}, format="json")) == "PERMISSION_DENIED"
    assert error_code(getattr(api_client, method)(PARTNERS, {"name": "X"}, format="json")) == "NOT_AUTHENTICATED"


def test_partner_list_is_newest_first_paginated_with_fixed_queries(admin_client, django_assert_num_queries):
    partners = PartnerFactory.create_batch(25)

    with django_assert_num_queries(3):  # the caller, the count, the page
        first = admin_client.get(PARTNERS).json()
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["previous"] is None and "offset=20" in first["next"]
    newest_first = sorted(partners, key=lambda p: (p.created_at, p.id), reverse=True)
    assert [item["id"] for item in first["results"]] == [str(p.id) for p in newest_first[:20]]

    with django_assert_num_queries(3):
        rest = admin_client.get(PARTNERS, {"limit": 20, "offset": 20}).json()
    assert [item["id"] for item in rest["results"]] == [str(p.id) for p in newest_first[20:]]
    assert rest["next"] is None


def test_partner_list_limit_is_clamped_to_100(admin_client):
    Partner.objects.bulk_create(Partner(name=f"P{n}") for n in range(105))

    body = admin_client.get(PARTNERS, {"limit": 1000}).json()
    assert body["count"] == 105
    assert len(body["results"]) == 100


def test_create_partner_command_prints_one_json_object():
    out = StringIO()
    call_command("create_partner", "--name", "Impact", stdout=out)

    printed = json.loads(out.getvalue())
    partner = Partner.objects.get()
    assert printed == {"id": str(partner.pk), "name": "Impact", "key": partner.key, "secret": partner.secret}


def test_create_partner_command_refuses_a_blank_name():
    with pytest.raises(CommandError):
        call_command("create_partner", "--name", " ", stdout=StringIO())
    assert not Partner.objects.exists()


def test_partner_create_rejects_a_blank_name():
    with pytest.raises(DomainError) as raised:
        partner_create(name="", actor=JOB)
    assert raised.value.details == {"fields": {"name": ["This field may not be blank."]}}


def test_rotating_the_secret_invalidates_the_old_one(partner):
    old = partner.secret
    new = partner_rotate_secret(partner=partner, actor=JOB)

    partner.refresh_from_db()
    assert new == partner.secret != old
    assert new.startswith("whsec_")


def test_deactivate_is_idempotent(partner):
    assert partner_deactivate(partner=partner, actor=JOB) is True
    assert partner_deactivate(partner=partner, actor=JOB) is False
    partner.refresh_from_db()
    assert partner.active is False


def test_signatures_follow_rotation_and_deactivation(partner, signed_post, signed_urls):
    """The services' effects reach the signature check: the old secret and an inactive partner fail."""
    assert signed_post(signed_urls, {}).status_code == 200
    old_secret = partner.secret
    partner_rotate_secret(partner=partner, actor=JOB)

    body = b"{}"
    with_old_secret = APIClient().post(
        signed_urls,
        data=body,
        content_type="application/json",
        HTTP_X_PARTNER_KEY=partner.key,
        HTTP_X_SIGNATURE=signature_header(old_secret, body),
    )
    assert error_code(with_old_secret) == "INVALID_SIGNATURE"
    assert signed_post(signed_urls, {}).status_code == 200  # signed with the new secret

    partner_deactivate(partner=partner, actor=JOB)
    assert error_code(signed_post(signed_urls, {})) == "INVALID_SIGNATURE"


def test_partner_list_is_documented_as_a_paginated_list():
    """Regression (contract fuzzing): the schema said a bare array while the API answers a page."""
    from drf_spectacular.generators import SchemaGenerator

    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/v1/partners"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PaginatedPartnerOutputList"
    )
    assert {"limit", "offset"} <= {parameter["name"] for parameter in operation["parameters"]}
