"""Shops: the active merchants with their offer today, one shop's terms, and "Activate cashback"."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Campaign
from campaigns.selectors import campaign_ids_enrolled, campaigns_running_at_merchants
from campaigns.services import campaign_enroll
from clicknback.errors import CampaignNotAvailable, NotFound, OfferNotAvailable
from clicknback.ratelimit import client_ip
from clicks.services import click_create
from merchants.selectors import merchant_categories, merchant_get, merchant_list
from offers.selectors import offer_list_active
from web.presenters import campaign_headline, offer_headline, offer_terms
from web.views.base import is_member, member_required, or_404, page

SHOPS_PER_PAGE = 24


def _announced(campaigns: list[Campaign], enrolled: frozenset[uuid.UUID] = frozenset()) -> list[dict]:
    return [
        {"campaign": campaign, "headline": campaign_headline(campaign), "enrolled": campaign.id in enrolled}
        for campaign in campaigns
    ]


def _enrolled_in(request: HttpRequest, campaigns: list[Campaign]) -> frozenset[uuid.UUID]:
    if not any(campaign.requires_enrollment for campaign in campaigns) or not is_member(request):
        return frozenset()
    return campaign_ids_enrolled(user_id=request.user.pk, campaign_ids=[campaign.id for campaign in campaigns])


@require_GET
def shop_list(request: HttpRequest) -> HttpResponse:
    """Anyone may browse; `q` searches names, `category` filters (the API's merchant filters)."""
    search = request.GET.get("q", "").strip()
    category = request.GET.get("category", "").strip()
    filters = {key: value for key, value in (("search", search), ("category", category)) if value}
    merchants = Paginator(merchant_list(user=request.user, filters=filters or None), SHOPS_PER_PAGE)
    shops = merchants.get_page(request.GET.get("page"))
    offers = {
        offer.merchant_id: offer
        for offer in offer_list_active().filter(merchant_id__in=[merchant.id for merchant in shops])
    }
    campaigns = campaigns_running_at_merchants(merchant_ids=[merchant.id for merchant in shops])
    rows = [
        {"merchant": merchant, "offer": offers.get(merchant.id), "campaigns": _announced(campaigns[merchant.id])}
        for merchant in shops
    ]
    for row in rows:
        row["headline"] = offer_headline(row["offer"]) if row["offer"] else ""
    context = {
        "rows": rows,
        "shops": shops,
        "q": search,
        "category": category,
        "categories": merchant_categories(user=request.user),
    }
    # htmx asks only for the results while the member types (a history restore wants the whole page).
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    response = page(request, "web/_shop_results.html" if partial else "web/shop_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def shop_detail(request: HttpRequest, merchant_id: uuid.UUID) -> HttpResponse:
    merchant = or_404(merchant_get, user=request.user, merchant_id=merchant_id)
    offer = offer_list_active().filter(merchant_id=merchant.id).first()
    campaigns = campaigns_running_at_merchants(merchant_ids=[merchant.id])[merchant.id]
    context = {
        "merchant": merchant,
        "campaigns": _announced(campaigns, enrolled=_enrolled_in(request, campaigns)),
        "offer": offer,
        "headline": offer_headline(offer) if offer else "",
        "terms": offer_terms(offer, merchant) if offer else [],
        "can_activate": bool(offer and merchant.tracking_url),
    }
    return page(request, "web/shop_detail.html", context)


@require_POST
@member_required
def shop_activate(request: HttpRequest, merchant_id: uuid.UUID) -> HttpResponse:
    """Record the click (the API's service) and send the member on to the shop."""
    try:
        _, redirect_url = click_create(
            user=request.user,
            merchant_id=merchant_id,
            address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except OfferNotAvailable:
        messages.error(request, "This shop has no cashback to activate today.")
        return redirect("web:shop", merchant_id=merchant_id)
    return redirect(redirect_url)


@require_POST
@member_required
def shop_campaign_enroll(request: HttpRequest, merchant_id: uuid.UUID, campaign_id: uuid.UUID) -> HttpResponse:
    """Join a campaign that asks for enrollment (the API's service), back on the shop's page."""
    try:
        campaign_enroll(campaign_id=campaign_id, user=request.user)
    except (CampaignNotAvailable, NotFound):
        messages.error(request, "This campaign is not running any more.")
    else:
        messages.success(request, "You're in: the campaign's bonus applies to your next purchases here.")
    return redirect("web:shop", merchant_id=merchant_id)
