"""Whatever a query string holds, no admin list answers 500 (issue 12, finding 5): a NUL byte in a
filter value, or a lookup the admin does not allow (reaching a user's password through a relation)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from clicknback.testing import error_code

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def changelist(model: type[models.Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def disallowed_lookup(model_admin: admin.ModelAdmin, superuser) -> str | None:
    """A `<relation>__<field>__startswith` lookup through one of the model's relations that the
    admin itself refuses (`ModelAdmin.lookup_allowed`), if the model has one."""
    request = RequestFactory().get("/")
    request.user = superuser
    for relation in model_admin.model._meta.get_fields():
        if not (relation.is_relation and relation.concrete):
            continue
        for field in relation.related_model._meta.concrete_fields:
            lookup = f"{relation.name}__{field.name}__startswith"
            if not field.is_relation and not model_admin.lookup_allowed(lookup, "x", request):
                return lookup
    return None


@pytest.fixture
def superuser_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("query", ["status__exact=%00", "q=%00", "%00=1", "o=%00", "p=1%00"])
@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[model._meta.label for model, _ in REGISTERED])
def test_a_nul_byte_in_an_admin_query_string_is_400(superuser_client, model, model_admin, query):
    assert superuser_client.get(changelist(model)).status_code == 200
    response = superuser_client.get(f"{changelist(model)}?{query}")
    assert response.status_code == 400, (query, response.status_code)
    assert error_code(response) == "VALIDATION_ERROR"


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[model._meta.label for model, _ in REGISTERED])
def test_a_lookup_the_admin_does_not_allow_is_400(superuser_client, superuser, model, model_admin):
    lookup = disallowed_lookup(model_admin, superuser)
    if lookup is None:  # only a lookup through a relation can be refused: the model must have none
        assert not [field for field in model._meta.get_fields() if field.is_relation and field.concrete]
        return
    response = superuser_client.get(f"{changelist(model)}?{lookup}=x")
    assert response.status_code == 400, (lookup, response.status_code)
    assert error_code(response) == "VALIDATION_ERROR"


def test_the_reported_probe_through_a_purchase_to_the_users_password_is_400(superuser_client):
    response = superuser_client.get("/admin/purchases/purchase/?user__password__startswith=x")
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"
