"""`{% events_health_panel %}`: the outbox backlog and the open dead letters, for the admin index,
shown to staff who may see dead letters."""

from __future__ import annotations

from typing import Any

from django import template

from events.selectors import events_health

register = template.Library()


@register.inclusion_tag("admin/events_health.html", takes_context=True)
def events_health_panel(context: template.Context) -> dict[str, Any]:
    if not context["request"].user.has_perm("events.view_deadletter"):
        return {"health": None}
    return {"health": events_health()}
