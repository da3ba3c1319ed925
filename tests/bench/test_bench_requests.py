"""What the bench sends and how it reads the answers, without a server: the batch requests are
signed as the single webhook's, every event is new, a batch's results are counted per event; the
servers' probe answers are compared; the feature switch puts users in tiers and takes them out."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.request import Request

from accounts.authentication import PartnerSignatureAuthentication, sign_payload
from accounts.tests.factories import PartnerFactory
from bench import datagen, features, servers
from bench.config import SMOKE
from bench.load import LoadResult
from bench.measure import Bench
from bench.server import SERVERS
from bench.webhooks import BATCH_PATH, batch_outcomes, batch_requests, ingestion_requests
from campaigns.models import Campaign
from loyalty.models import Tier, UserLoyalty
from purchases.models import Purchase


@pytest.mark.django_db
def test_a_batch_is_signed_as_the_partner_and_holds_new_purchases_only() -> None:
    partner = PartnerFactory(key=datagen.PARTNER_KEY, secret=datagen.PARTNER_SECRET)
    make = batch_requests(run_id="r1", users=50, merchants=3, size=100)

    method, path, body, headers = make(2, 7)

    assert (method, path) == ("POST", BATCH_PATH)
    request = RequestFactory().post(
        path, data=body, content_type=headers["Content-Type"],
        headers={name: value for name, value in headers.items() if name != "Content-Type"},
    )  # fmt: skip
    assert PartnerSignatureAuthentication().authenticate(Request(request))[1] == partner
    events = json.loads(body)["events"]
    assert len(events) == 100
    assert {event["event"] for event in events} == {"purchase.created"}
    ids = [
        event["external_id"] for thread in range(4) for number in range(3) for event in _events(make, thread, number)
    ]
    one_by_one = ingestion_requests(run_id="r1", users=50, merchants=3)
    single = [json.loads(one_by_one(0, number)[2])["external_id"] for number in range(3)]
    assert len(set(ids + single)) == len(ids) + len(single) == 4 * 3 * 100 + 3


def _events(make, thread: int, number: int) -> list[dict]:
    return json.loads(make(thread, number)[2])["events"]


def test_a_batch_answer_counts_created_events_and_reports_every_other_result() -> None:
    answer = {
        "results": [
            {"index": 0, "status": 201, "purchase": {}},
            {"index": 1, "status": 409, "error": {"code": "DUPLICATE_PURCHASE", "message": "", "details": {}}},
            {"index": 2, "status": 201, "purchase": {}},
            {"index": 3, "status": 200, "purchase": {}},
        ]
    }

    created, failed = batch_outcomes(json.dumps(answer).encode())

    assert created == 2
    assert failed == ["event 1: 409 DUPLICATE_PURCHASE", "event 3: 200 "]


def test_rounds_merge_into_one_measurement() -> None:
    first = LoadResult(seconds=2.0, latencies_ms=[1.0, 3.0], errors=1, sent=4, items=200, item_errors=1)
    second = LoadResult(seconds=3.0, latencies_ms=[2.0], sent=2, items=100)

    merged = LoadResult.merged([first, second])

    assert (merged.seconds, merged.requests, merged.errors, merged.sent) == (5.0, 4, 1, 6)
    summary = merged.summary()
    assert (summary["items"], summary["item_errors"], summary["items_per_s"]) == (300, 1, 60.0)
    assert "items" not in LoadResult.merged([LoadResult(seconds=1.0)]).summary()


def test_a_server_answering_otherwise_than_the_reference_or_the_contract_is_reported() -> None:
    reference = {"webhook": {"status": 201, "expected": 201, "code": "", "request_id_echoed": True}}
    same = {"webhook": dict(reference["webhook"])}
    no_echo = {"webhook": {**reference["webhook"], "request_id_echoed": False}}
    refused = {"webhook": {**reference["webhook"], "status": 411, "code": "LENGTH_REQUIRED"}}

    assert servers.differences(reference, same) == []
    assert len(servers.differences(reference, no_echo)) == 1
    assert servers.differences(reference, refused) == ["webhook: 411 LENGTH_REQUIRED (expected 201)"]
    assert servers.chosen("granian, sync") == {"granian": SERVERS["granian"], "sync": SERVERS["sync"]}
    with pytest.raises(SystemExit):
        servers.chosen("uwsgi")


def test_the_server_command_lines() -> None:
    granian = SERVERS["granian"].command(8123, 4, python="/venv/bin/python")
    gunicorn = SERVERS["gthread"].command(8123, 4, python="/venv/bin/python")

    assert granian[:3] == ["/venv/bin/python", "-m", "granian"]
    assert {"--interface", "wsgi", "--workers", "4", "--port", "8123"} <= set(granian)
    assert granian[-1] == "clicknback.wsgi:application"
    assert gunicorn[:3] == ["/venv/bin/python", "-m", "gunicorn"] and "127.0.0.1:8123" in gunicorn


@pytest.mark.django_db
def test_every_feature_on_puts_users_in_the_tier_their_spend_earns_and_off_takes_them_out(
    user, other_user, ingest, admin_user
) -> None:
    purchase = ingest("600.00")  # confirmed by hand: only the spend matters here, not the ledger
    Purchase.objects.filter(pk=purchase.pk).update(
        status="confirmed", cashback_status="available", confirmed_at=timezone.now(), flagged=False
    )
    kept = UserLoyalty.objects.create(user=admin_user, tier_id=_tier("Gold").id, qualifying_spend=Decimal("2500.00"))

    switched = features.on(merchants=1)

    assert UserLoyalty.objects.get(user=user).tier_id == _tier("Silver").id
    assert UserLoyalty.objects.get(user=other_user).tier_id == _tier("Bronze").id
    assert switched.tiers == {"Silver": 1, "Bronze": 1}
    features.off(switched)
    assert list(UserLoyalty.objects.all()) == [kept]
    assert Campaign.objects.get(pk=switched.campaign_id).status == "ended"


def _tier(name: str) -> Tier:
    return Tier.objects.get(name=name)


class _BatchEndpoint(BaseHTTPRequestHandler):
    """A stand-in for the batch endpoint: checks the signature, answers each event 201 but every
    tenth 422; `absent` makes it answer 404 as a server without the endpoint does."""

    protocol_version = "HTTP/1.1"
    absent = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp, _, signature = self.headers["X-Signature"].removeprefix("t=").partition(",v1=")
        signed = signature == sign_payload(datagen.PARTNER_SECRET, int(timestamp), body)
        events = json.loads(body)["events"]
        if self.absent or self.path != BATCH_PATH:
            status, answer = 404, {"error": {"code": "NOT_FOUND"}}
        elif not signed:
            status, answer = 401, {"error": {"code": "INVALID_SIGNATURE"}}
        elif not events:
            status, answer = 400, {"error": {"code": "VALIDATION_ERROR"}}
        else:
            status = 200
            answer = {
                "results": [
                    {"index": i, "status": 422, "error": {"code": "OFFER_NOT_AVAILABLE"}}
                    if i % 10 == 9
                    else {"index": i, "status": 201, "purchase": {}}
                    for i in range(len(events))
                ]
            }
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("absent", [False, True])
def test_the_batch_section_counts_events_against_single_ingestion_or_says_it_is_skipped(absent: bool) -> None:
    handler = type("Endpoint", (_BatchEndpoint,), {"absent": absent})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scale = replace(SMOKE, ingest_seconds=0.3, warmup_seconds=0.0)
    bench = Bench(scale=scale, base_url="", admin_url="", names={}, log=lambda message: None)
    try:
        result = bench.batch(f"http://127.0.0.1:{server.server_port}", scale.big, {"throughput_per_s": 10.0})
    finally:
        server.shutdown()
        server.server_close()

    if absent:
        assert result["status"] == 404 and "not there yet" in result["skipped"]
        return
    for size in ("100", "500"):
        run = result[size]
        assert run["errors"] == 0 and run["requests"] > 0
        # Every event of every answered batch counted: one in ten refused, each an error of its own.
        assert run["item_errors"] == int(size) // 10 * run["requests"]
        assert run["items"] == 9 * run["item_errors"]
        assert run["times_single"] == round(run["items_per_s"] / 10.0, 2)
