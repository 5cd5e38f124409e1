"""A simulated browser device (local store, outbox, HLC) and the reference model of sync.md."""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

import httpx

from backend.sync.hlc import Hlc, format_hlc, node_from_device_id, parse_hlc, recv, send

Fields = dict[str, dict[str, Any]]
MAX_SKEW_MS = 5 * 60 * 1000
ACKED = ("applied", "superseded", "duplicate")
PROFILE_ID = "00000000-0000-0000-0000-000000000001"
# The server sets `_conflict` itself, so the model leaves it out (sync.md: a hint only).
UNMODELLED = frozenset({"_conflict"})


def _key(value: Any) -> str:
    return repr((type(value).__name__, value))


def _ms(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def wall_ms() -> int:
    return int(time.time() * 1000)


def same_value(a: Any, b: Any) -> bool:
    """JSON equality where true and 1 differ."""
    return type(a) is type(b) and a == b


def lww_apply(local: Fields, incoming: Fields) -> None:
    """The browser's merge: per field the higher HLC wins; an equal HLC keeps the local one."""
    for name, wire in incoming.items():
        mine = local.get(name)
        if mine is None or wire["hlc"] > mine["hlc"]:
            local[name] = {"v": wire["v"], "hlc": wire["hlc"]}


def derived_deleted(fields: Fields) -> bool:
    """sync.md: deleted = `_deleted` is true and newer than every user field."""
    tomb = fields.get("_deleted")
    if tomb is None or tomb["v"] is not True:
        return False
    return all(f["hlc"] < tomb["hlc"] for name, f in fields.items() if not name.startswith("_"))


class IdSource:
    """Deterministic UUIDs (a fixed prefix plus a counter), never a singleton's fixed id."""

    def __init__(self) -> None:
        self._next = count(1)

    def __call__(self) -> str:
        return str(uuid.UUID(int=(0x0190C3E47F1A7000 << 64) | (0x8 << 60) | next(self._next)))


@dataclass
class LocalRecord:
    kind: str
    fields: Fields
    server_seq: int = 0


@dataclass
class Write:
    """A change a device made: a person's edit, or a record re-sent as a snapshot on reset."""

    change_id: str
    device: int
    record_id: str
    kind: str
    fields: Fields
    snapshot: bool


@dataclass
class Processing:
    """How the server recorded a change (GET /records/{id}/history)."""

    hlcs: dict[str, str]
    originals: dict[str, str]
    received_ms: int
    status: str


@dataclass
class Ack:
    status: str
    original_status: str | None
    tick: int


@dataclass
class Model:
    """Every write, every acknowledgement and what the server's history said about them.

    Expected server state: per record and field, the value of the write whose effective HLC
    (the one in history, which differs from the sent one only where the skew clamp replaced
    it) is the highest among all writes. A change the server processed twice (its first
    processing erased by a restore, then re-sent) counts with its latest processing.
    """

    writes: dict[str, Write] = field(default_factory=dict)
    acks: dict[str, Ack] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)
    latest: dict[str, Processing] = field(default_factory=dict)
    in_history: set[str] = field(default_factory=set)
    clamped: set[tuple[str, str, str, str]] = field(default_factory=set)
    seen: dict[tuple[str, str], str] = field(default_factory=dict)
    tick: int = 0
    backup_tick: int | None = None

    def wrote(self, device: int, change: dict[str, Any], *, snapshot: bool) -> None:
        self.writes[change["change_id"]] = Write(
            change["change_id"],
            device,
            change["record_id"],
            change["kind"],
            copy.deepcopy(change["fields"]),
            snapshot,
        )

    def acked(self, result: dict[str, Any]) -> None:
        self.tick += 1
        self.acks[result["change_id"]] = Ack(
            result["status"], result.get("original_status"), self.tick
        )

    def pulled(self, record: dict[str, Any]) -> None:
        for name, wire in record["fields"].items():
            key = (record["id"], name)
            if name not in UNMODELLED and wire["hlc"] > self.seen.get(key, ""):
                self.seen[key] = wire["hlc"]

    def backup_taken(self) -> None:
        self.backup_tick = self.tick

    def restored(self) -> None:
        """Acks given after the restored backup was taken are gone from the server's history."""
        assert self.backup_tick is not None
        self.erased |= {cid for cid, ack in self.acks.items() if ack.tick > self.backup_tick}

    def record_ids(self) -> set[str]:
        return {w.record_id for w in self.writes.values()}

    def absorb_history(self, record_id: str, entries: list[dict[str, Any]], *, final: bool) -> None:
        """Learn effective HLCs; `final` marks the history of the server as it now stands."""
        received = [entry["received_at"] for entry in entries]
        assert [_ms(r) for r in received] == sorted(map(_ms, received), reverse=True), received
        for entry in entries:
            cid = entry["change_id"]
            write = self.writes.get(cid)
            assert write is not None, f"history of {record_id} holds a change no device made: {cid}"
            assert write.record_id == record_id
            processing = Processing(
                {name: wire["hlc"] for name, wire in entry["fields"].items()},
                entry.get("original_hlcs") or {},
                _ms(entry["received_at"]),
                entry["status"],
            )
            self._check_clamp(write, processing, entry)
            self.latest[cid] = processing
            if final:
                self.in_history.add(cid)
            for name in processing.originals:
                value = _key(entry["fields"][name]["v"])
                self.clamped.add((record_id, name, value, processing.hlcs[name]))

    def _check_clamp(self, write: Write, processing: Processing, entry: dict[str, Any]) -> None:
        assert processing.status in ("applied", "superseded"), entry
        assert set(processing.hlcs) == set(write.fields), entry
        for name, wire in write.fields.items():
            ahead = parse_hlc(wire["hlc"]).millis - processing.received_ms
            assert same_value(entry["fields"][name]["v"], wire["v"]), entry
            if name in processing.originals:
                assert processing.originals[name] == wire["hlc"], entry
                assert ahead > MAX_SKEW_MS, f"clamped an HLC only {ahead} ms ahead: {entry}"
                assert processing.hlcs[name] < wire["hlc"], entry
            else:
                assert processing.hlcs[name] == wire["hlc"], entry
                assert ahead <= MAX_SKEW_MS, f"kept an HLC {ahead} ms ahead: {entry}"

    def expected(self) -> dict[str, tuple[str, Fields]]:
        """Per record: kind and, per field, the (value, effective HLC) of the max-HLC write."""
        out: dict[str, tuple[str, Fields]] = {}
        for cid, write in self.writes.items():
            processing = self.latest.get(cid)
            assert processing is not None, f"change {cid} never reached the server: {write}"
            kind, fields = out.setdefault(write.record_id, (write.kind, {}))
            assert kind == write.kind
            for name, wire in write.fields.items():
                if name in UNMODELLED:
                    continue
                hlc = processing.hlcs[name]
                best = fields.get(name)
                if best is not None and best["hlc"] == hlc:
                    assert same_value(best["v"], wire["v"]), (write, best)
                if best is None or hlc > best["hlc"]:
                    fields[name] = {"v": wire["v"], "hlc": hlc}
        return out

    def check_snapshots(self) -> None:
        """A snapshot only re-sends a (value, HLC) that a person's write or a clamp produced."""
        known = set(self.clamped)
        for write in self.writes.values():
            if not write.snapshot:
                known |= {
                    (write.record_id, name, _key(wire["v"]), wire["hlc"])
                    for name, wire in write.fields.items()
                }
        for write in self.writes.values():
            if write.snapshot:
                for name, wire in write.fields.items():
                    pair = (write.record_id, name, _key(wire["v"]), wire["hlc"])
                    assert name in UNMODELLED or pair in known, (name, write)

    def check_server(self, server: dict[str, dict[str, Any]]) -> None:
        """The final oracle against a full pull from cursor 0 (histories absorbed first)."""
        expected = self.expected()
        assert set(server) == set(expected), (sorted(server), sorted(expected))
        for rid, (kind, fields) in expected.items():
            record = server[rid]
            assert record["kind"] == kind, record
            actual = {n: f for n, f in record["fields"].items() if n not in UNMODELLED}
            assert set(actual) == set(fields), (rid, actual, fields)
            for name, want in fields.items():
                got = actual[name]
                assert got["hlc"] == want["hlc"], (rid, name, got, want)
                assert same_value(got["v"], want["v"]), (rid, name, got, want)
            assert record["deleted"] is derived_deleted(record["fields"]), record
            assert record["deleted"] is derived_deleted(fields), (record, fields)
        for (rid, name), hlc in self.seen.items():
            now = server[rid]["fields"][name]["hlc"]
            assert now >= hlc, f"{rid}.{name} went back from {hlc} (seen by a device) to {now}"
        for cid, ack in self.acks.items():
            if cid in self.erased:
                continue
            assert cid in self.in_history, f"acknowledged change {cid} ({ack}) not in history"
            status = ack.original_status if ack.status == "duplicate" else ack.status
            assert self.latest[cid].status == status, (cid, ack, self.latest[cid])
        self.check_snapshots()


class Device:
    """One browser: records, outbox and meta as IndexedDB holds them (sync.md: Browser side)."""

    def __init__(
        self,
        index: int,
        device_id: str,
        model: Model,
        ids: IdSource,
        *,
        batch_size: int = 4,
        pull_limit: int = 3,
    ) -> None:
        self.index = index
        self.device_id = device_id
        self.model = model
        self.ids = ids
        self.batch_size = batch_size
        self.pull_limit = pull_limit
        self.offset_ms = 0
        self.hlc = Hlc(wall_ms(), 0, node_from_device_id(device_id))
        self.records: dict[str, LocalRecord] = {}
        self.outbox: list[dict[str, Any]] = []
        self.cursor = 0
        self.epoch: str | None = None
        self.client: httpx.AsyncClient | None = None

    def now_ms(self) -> int:
        return wall_ms() + self.offset_ms

    def write(self, record_id: str, kind: str, values: dict[str, Any]) -> None:
        """One saved edit: local record, outbox entry and HLC together."""
        self.hlc = send(self.hlc, self.now_ms())
        stamp = format_hlc(self.hlc)
        local = self.records.setdefault(record_id, LocalRecord(kind, {}))
        fields = {name: {"v": value, "hlc": stamp} for name, value in values.items()}
        self._enqueue(record_id, local, fields, snapshot=False)
        lww_apply(local.fields, fields)

    def _enqueue(
        self, record_id: str, local: LocalRecord, fields: Fields, *, snapshot: bool
    ) -> None:
        change = {
            "change_id": self.ids(),
            "record_id": record_id,
            "kind": local.kind,
            "schema_version": 1,
            "base_seq": local.server_seq,
            "fields": copy.deepcopy(fields),
        }
        self.outbox.append(change)
        self.model.wrote(self.index, change, snapshot=snapshot)

    def request_body(self) -> dict[str, Any]:
        return {
            "protocol": 1,
            "device_id": self.device_id,
            "schema_version": 1,
            "epoch": self.epoch,
            "cursor": self.cursor,
            "changes": copy.deepcopy(self.outbox[: self.batch_size]),
            "pull_limit": self.pull_limit,
            "client_time": self.now_ms(),
        }

    async def post(self, body: dict[str, Any]) -> dict[str, Any]:
        assert self.client is not None
        response = await self.client.post("/api/v1/sync", json=body)
        assert response.status_code == 200, response.text
        reply: dict[str, Any] = response.json()
        _check_reply(body, reply, self.offset_ms)
        return reply

    def receive(self, body: dict[str, Any], reply: dict[str, Any]) -> bool:
        """Apply a sync response the way the browser does; returns has_more."""
        sent = {c["change_id"] for c in body["changes"]}
        done: set[str] = set()
        for result in reply["results"]:
            assert result["change_id"] in sent, result
            assert result["status"] in ACKED, result
            done.add(result["change_id"])
            self.model.acked(result)
        self.outbox = [c for c in self.outbox if c["change_id"] not in done]
        self._keep_server_hlcs(body, reply["results"])
        if reply["reset"] is not None:
            # Snapshot before the pulled page replaces anything: the server may have
            # forgotten what this device holds.
            for record_id, local in self.records.items():
                self._enqueue(record_id, local, local.fields, snapshot=True)
        for record in reply["records"]:
            self.model.pulled(record)
            self.records[record["id"]] = LocalRecord(
                record["kind"], copy.deepcopy(record["fields"]), record["server_seq"]
            )
        pulled = {record["id"] for record in reply["records"]}
        for change in self.outbox:
            if change["record_id"] in pulled:
                lww_apply(self.records[change["record_id"]].fields, change["fields"])
        self.epoch = reply["epoch"]
        self.cursor = reply["next_cursor"]
        self.hlc = recv(self.hlc, parse_hlc(reply["server_hlc"]), self.now_ms())
        has_more: bool = reply["has_more"]
        return has_more

    def _keep_server_hlcs(self, body: dict[str, Any], results: list[dict[str, Any]]) -> None:
        """As the app does: store the HLCs the server used where it replaced ours."""
        sent = {c["change_id"]: c for c in body["changes"]}
        for result in results:
            change = sent.get(result["change_id"])
            if not result.get("hlcs") or change is None:
                continue
            local = self.records.get(change["record_id"])
            if local is None:
                continue
            for name, hlc in result["hlcs"].items():
                mine = local.fields.get(name)
                if mine is not None and mine["hlc"] == change["fields"].get(name, {}).get("hlc"):
                    mine["hlc"] = hlc

    async def sync(self, max_requests: int = 500) -> None:
        """Sync until the outbox is empty and the last page said has_more: false."""
        for _ in range(max_requests):
            body = self.request_body()
            has_more = self.receive(body, await self.post(body))
            if not has_more and not self.outbox:
                return
        raise AssertionError(f"device {self.index} did not finish syncing")

    async def pull_all(self) -> dict[str, dict[str, Any]]:
        """A fresh pull of everything from cursor 0 (no pushes, local state untouched)."""
        out: dict[str, dict[str, Any]] = {}
        cursor = 0
        while True:
            body = {**self.request_body(), "changes": [], "cursor": cursor, "pull_limit": 50}
            reply = await self.post(body)
            assert reply["reset"] is None, reply
            for record in reply["records"]:
                assert record["id"] not in out, record
                out[record["id"]] = record
            cursor = reply["next_cursor"]
            if not reply["has_more"]:
                return out


def _check_reply(body: dict[str, Any], reply: dict[str, Any], offset_ms: int) -> None:
    """What every sync response promises, whatever state the server is in."""
    if reply["reset"] is None:
        assert body["epoch"] in (None, reply["epoch"]), (body["epoch"], reply["epoch"])
    else:
        assert reply["reset"]["epoch"] == reply["epoch"], reply["reset"]
        if reply["reset"]["reason"] == "epoch_mismatch":
            assert body["epoch"] not in (None, reply["epoch"]), (body["epoch"], reply["reset"])
    cursor = 0 if reply["reset"] is not None else body["cursor"]
    seqs = [record["server_seq"] for record in reply["records"]]
    assert seqs == sorted(set(seqs)), seqs
    assert all(seq > cursor for seq in seqs), (cursor, seqs)
    # has_more only when a full page came back.
    limit = body["pull_limit"]
    assert len(seqs) <= limit and (len(seqs) == limit or not reply["has_more"]), reply
    assert reply["next_cursor"] == (seqs[-1] if seqs else cursor), reply
    for record in reply["records"]:
        assert record["deleted"] is derived_deleted(record["fields"]), record
    assert abs(reply["clock_skew_ms"] - offset_ms) < 60_000, (reply["clock_skew_ms"], offset_ms)
