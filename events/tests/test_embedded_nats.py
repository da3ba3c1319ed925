"""Without NATS_URL the project starts its own nats-server with JetStream, as it does PostgreSQL."""

from __future__ import annotations

import json

from clicknback import embedded_nats
from events.jetstream import JetStream


def test_an_embedded_server_with_jetstream_starts_is_joined_and_stops_with_its_last_user(tmp_path, settings):
    settings.NATS_STREAM, settings.NATS_SUBJECT_PREFIX = "EMBEDDED_TEST", "embeddedtest"
    url = embedded_nats.start_embedded_server(tmp_path)
    assert embedded_nats.start_embedded_server(tmp_path) == url  # joined, not started twice
    link = JetStream(url).connect()  # creates the stream: JetStream is on
    assert link.run(link.js.stream_info("EMBEDDED_TEST")).config.storage == "file"
    link.close()
    pid = json.loads((tmp_path / "server.json").read_text())["pid"]
    assert (tmp_path / "jetstream").is_dir()
    embedded_nats._release(tmp_path)
    assert not (tmp_path / "server.json").exists()
    assert not embedded_nats._listening(int(url.rsplit(":", 1)[1])) or not embedded_nats._alive(pid)
