"""A small fake of the national portal (../shared/PORTAL.md) on a local port, in a thread: the
sign-in answers a session, the integration endpoint takes the envelope and answers
``error_code "0"``. It records every call; it applies a message once per (MaHoSo, PhienBan),
as the real portal is taken to (a resend is recognised, and must be the same message). It can
answer 500, stall past the caller's timeout, answer an error code, or expire its sessions.

The inbound side (issue 15): it holds dossiers to hand out (``new_dossiers``, answered to the
pull service), serves the files of their papers at DuongDanTaiTepTin addresses (``serve_file``;
GET /files/<name>), answers the catalogue services (``procedures``, ``details``, ``agencies``,
``fields``), and pushes dossiers to our endpoint (``push``)."""

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Call:
    session: str
    unit: str
    service: str
    is_updating: bool
    record: dict
    raw: bytes

    @property
    def key(self) -> tuple[str, int]:
        return self.record["MaHoSo"], self.record["PhienBan"]


@dataclass
class FakePortal:
    username: str = "tinh.hatinh"
    password: str = "mat-khau"
    calls: list[Call] = field(default_factory=list)  # every envelope received, in order
    applied: dict = field(default_factory=dict)  # (MaHoSo, PhienBan) → the record applied
    conflicts: list = field(default_factory=list)  # a key resent with a different record
    sign_ins: int = 0
    sessions: set = field(default_factory=set)
    # What the next calls answer: a list of "500", "stall", "error" (error_code "99") or
    # "session" (401), used up one a call; afterwards every call succeeds.
    faults: list[str] = field(default_factory=list)
    stall_seconds: float = 3.0
    on_call = None  # called with each recorded Call before the answer (the crash test)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The inbound side: what the services that answer data hand out, and what was asked.
    pull_service: str = "LayDanhSachHoSoMoi"
    new_dossiers: list[dict] = field(default_factory=list)
    procedures: list[dict] = field(default_factory=list)  # LayDanhSachTTHC
    details: dict = field(default_factory=dict)  # MaTTHC → LayThuTuc's record
    agencies: list[dict] = field(default_factory=list)  # LayDanhMucCoQuan
    fields: list[dict] = field(default_factory=list)  # LayDanhMucLinhVuc
    asked: list[tuple[str, str, list]] = field(default_factory=list)  # (service, madonvi, data)
    files: dict = field(default_factory=dict)  # name → bytes, served at /files/<name>
    downloads: list[str] = field(default_factory=list)

    def start(self):
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.removeprefix("/files/")
                with portal.lock:
                    portal.downloads.append(name)
                    data = portal.files.get(name) if self.path.startswith("/files/") else None
                if data is None:
                    return self._answer(404, {"error_code": "404"})
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw)
                if self.path == "/auth":
                    return portal._sign_in(self, body)
                if self.path == "/api":
                    return portal._integrate(self, body, raw)
                self._answer(404, {"error_code": "404"})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except BrokenPipeError:  # the caller died or gave up (the crash test)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def settings(self) -> dict:
        return {
            "PORTAL_AUTH_URL": f"http://127.0.0.1:{self.port}/auth",
            "PORTAL_URL": f"http://127.0.0.1:{self.port}/api",
            "PORTAL_USERNAME": self.username,
            "PORTAL_PASSWORD": self.password,
        }

    def expire_sessions(self):
        with self.lock:
            self.sessions.clear()

    def _sign_in(self, handler, body):
        if (body.get("username"), body.get("password")) != (self.username, self.password):
            return handler._answer(401, {"error_code": "401", "message": "sai tài khoản"})
        with self.lock:
            self.sign_ins += 1
            session = f"phien-{self.sign_ins}"
            self.sessions.add(session)
        handler._answer(200, {"error_code": "0", "session": session})

    def _integrate(self, handler, body, raw):
        with self.lock:
            if body.get("session") not in self.sessions:
                return handler._answer(401, {"error_code": "401", "message": "phiên hết hạn"})
            fault = self.faults.pop(0) if self.faults else None
        if fault == "session":
            self.expire_sessions()
            return handler._answer(401, {"error_code": "401"})
        if fault == "500":
            return handler._answer(500, {"error_code": "500"})
        if fault == "error":
            return handler._answer(200, {"error_code": "99", "message": "Mã thủ tục không đúng"})
        answered = self._data_of(body)
        if answered is not None:
            return handler._answer(200, {"error_code": "0", "data": answered})
        (record,) = body["data"]
        call = Call(
            body["session"], body["madonvi"], body["service"], body["isUpdating"], record, raw
        )
        with self.lock:
            self.calls.append(call)
            earlier = self.applied.get(call.key)
            if earlier is not None and earlier != (call.service, record):
                self.conflicts.append(call.key)
            self.applied.setdefault(call.key, (call.service, record))
        if self.on_call is not None:
            self.on_call(call)
        if fault == "stall":
            time.sleep(self.stall_seconds)  # taken, but the caller gives up before the answer
        handler._answer(200, {"error_code": "0", "message": "Thành công"})

    def _data_of(self, body) -> list | None:
        """The answer of a service that hands out data, or None for a message to apply."""
        service, data = body["service"], body.get("data") or []
        with self.lock:
            self.asked.append((service, body.get("madonvi"), data))
            if service == self.pull_service:
                return list(self.new_dossiers)
            if service == "LayDanhSachTTHC":
                return list(self.procedures)
            if service == "LayThuTuc":
                return [self.details[q["MaTTHC"]] for q in data if q.get("MaTTHC") in self.details]
            if service == "LayDanhMucCoQuan":
                return list(self.agencies)
            if service == "LayDanhMucLinhVuc":
                return list(self.fields)
        return None

    def serve_file(self, name: str, data: bytes) -> str:
        """Serve ``data`` at an address of the portal; the address (DuongDanTaiTepTin)."""
        with self.lock:
            self.files[name] = data
        return f"http://127.0.0.1:{self.port}/files/{name}"

    def push(self, url: str, token: str, records: list[dict], madonvi: str = "") -> tuple:
        """POST dossiers to our endpoint as the portal would: (HTTP status, answer)."""
        envelope = {"madonvi": madonvi, "service": "DongBoHoSoMC", "data": records}
        request = urllib.request.Request(
            url,
            data=json.dumps(envelope, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def statuses(self, code: str) -> list[int]:
        """The status codes the portal applied for a dossier, in the order it applied them."""
        return [
            record["TrangThaiHoSo"]
            for (ma, _), (service, record) in self.applied.items()
            if ma == code and service == "DongBoTrangThaiHoSo"
        ]
