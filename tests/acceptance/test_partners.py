"""Partners: the create_partner command, POST /partners, GET /partners."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tests.acceptance.conftest import API, WEBHOOK, code

pytestmark = pytest.mark.django_db


def test_create_partner_prints_one_json_object_id_name_key_secret():
    out = io.StringIO()
    call_command("create_partner", "--name", "Awin", stdout=out)
    body = json.loads(out.getvalue())
    assert set(body) == {"id", "name", "key", "secret"}
    assert body["name"] == "Awin" and body["key"] and body["secret"]


def test_post_partners_answers_201_with_the_secret_once(admin_client):
    response = admin_client.post(f"{API}/partners", {"name": "Awin"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "key", "secret", "active", "created_at"}
    assert body["active"] is True


def test_get_partners_lists_them_without_secrets(admin_client):
    admin_client.post(f"{API}/partners", {"name": "Awin"}, format="json")
    body = admin_client.get(f"{API}/partners").json()
    assert body["count"] == 1
    assert set(body["results"][0]) == {"id", "name", "key", "active", "created_at"}


def test_partners_are_for_admins_only(user_client):
    assert code(user_client.get(f"{API}/partners")) == "PERMISSION_DENIED"
    assert user_client.post(f"{API}/partners", {"name": "X"}, format="json").status_code == 403


def test_a_new_partner_can_sign_webhooks_with_its_secret(admin_client):
    from rest_framework.test import APIClient

    from accounts.authentication import signature_header

    partner = admin_client.post(f"{API}/partners", {"name": "Awin"}, format="json").json()
    body = json.dumps({"event": "purchase.confirmed", "external_id": "nope"}).encode()
    response = APIClient().post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        HTTP_X_PARTNER_KEY=partner["key"],
        HTTP_X_SIGNATURE=signature_header(partner["secret"], body),
    )
    assert response.status_code == 404  # signed in; the purchase is unknown
