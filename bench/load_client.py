"""One simulated person for bench/load.py: a keep-alive HTTP/1.1 connection to 127.0.0.1, its
own session cookie, CSRF tokens read from the forms it is served, and a log of every request
(kind, start, latency, status or error). Citizens view pages, comment, support comments and file
observations; an institution's responders acknowledge and answer the observations routed to it."""

from __future__ import annotations

import http.client
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
#: Any form's CSRF field, prefixed or not (the answer form's is ``answer-csrf_token``).
ANY_CSRF = re.compile(r'name="(?:[a-z_]+-)?csrf_token" type="hidden" value="([^"]+)"')
FILING_TOKEN = re.compile(r'id="token" name="token" type="hidden" value="([^"]+)"')
#: The lifecycle actions a responder is offered on an observation page.
RESPONDER_FORM = re.compile(r'action="/observations/[^/"]+/act/(acknowledge|answer)"')
#: The observation's version, sent back with an action so a stale page is refused (409).
VERSION = re.compile(r'name="version" value="(\d+)"')
SUPPORT_FORM = re.compile(r'action="/comments/(\d+)/(vote|unvote)"')
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class Sample:
    kind: str
    started: float  #: seconds since the run began
    seconds: float
    status: int  #: 0 when the connection failed (no HTTP answer)


@dataclass
class Client:
    host: str
    port: int
    epoch: float
    samples: list[Sample] = field(default_factory=list)
    #: (table, marker) of every write the server acknowledged with a redirect.
    acknowledged: list[tuple[str, str]] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)
    email: str = ""
    #: comment id -> supported or not, after this person's last acknowledged vote or unvote.
    votes: dict[int, bool] = field(default_factory=dict)
    #: Requests sent a second time because their kept-alive connection was found closed.
    resent: int = 0
    conn: http.client.HTTPConnection | None = None

    def request(
        self, kind: str, method: str, path: str, body: dict | None = None
    ) -> tuple[int, str]:
        """One request, timed and logged; a broken connection is logged as status 0 and the
        next request opens a new one."""
        headers = {"Accept-Language": "es"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.monotonic()
        try:
            response = self._send(method, path, data, headers)
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            status = response.status
        except CONNECTION_ERRORS:
            self.close()
            status, text = 0, ""
        self.samples.append(Sample(kind, began - self.epoch, time.monotonic() - began, status))
        return status, text

    def _send(self, method, path, data, headers):  # type: ignore[no-untyped-def]
        """Send on the kept-alive connection. When a reused connection turns out closed by the
        server before any answer (a worker recycled after ``max_requests``, an idle timeout), the
        request is sent again on a new connection, as browsers do; any other failure counts."""
        reused = self.conn is not None
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            self.conn.request(method, path, body=data, headers=headers)
            return self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.close()
            if not reused:
                raise
            self.resent += 1
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.conn.request(method, path, body=data, headers=headers)
            return self.conn.getresponse()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def log_in(self, email: str, password: str) -> bool:
        status, page = self.request("login", "GET", "/login")
        token = CSRF.search(page)
        if status != 200 or not token:
            return False
        status, _ = self.request(
            "login",
            "POST",
            "/login",
            {"email": email, "password": password, "csrf_token": token.group(1)},
        )
        self.email = email
        return status == 302

    # What a person does ----------------------------------------------------------------------
    def view(self, kind: str, path: str) -> None:
        self.request(kind, "GET", path)

    def comment(self, program_id: int) -> None:
        status, page = self.request("program", "GET", f"/programs/{program_id}")
        token = CSRF.search(page)
        if status != 200 or not token:
            return
        marker = f"load-{uuid.uuid4().hex}"
        status, _ = self.request(
            "comment",
            "POST",
            f"/programs/{program_id}/comments",
            {
                "csrf_token": token.group(1),
                "body": f"Comentario de carga {marker}",
                "stance": random.choice(["for", "neutral", "against"]),
            },
        )
        if status == 302:
            self.acknowledged.append(("comments", marker))

    def file_observation(self, program_id: int, category_id: int) -> None:
        status, page = self.request("new_obs", "GET", f"/observations/new?program={program_id}")
        csrf, filing = CSRF.search(page), FILING_TOKEN.search(page)
        if status != 200 or not csrf or not filing:
            return
        marker = f"load-{uuid.uuid4().hex}"
        status, _ = self.request(
            "observation",
            "POST",
            "/observations/new",
            {
                "csrf_token": csrf.group(1),
                "token": filing.group(1),
                "program_id": str(program_id),
                "category_id": str(category_id),
                "title": f"Observación {marker}",
                "description": "La obra está paralizada desde marzo; pedimos información.",
                "department": "BO-H",
                "acting_as": "individual",
                "identity": "public",
                "submit": "1",
            },
        )
        if status == 302:
            self.acknowledged.append(("observations", marker))

    def support(self, program_id: int) -> None:
        """Support a comment on the program page, or take the support back (the page offers
        whichever applies); comments near the top get most of them, as in real use."""
        status, page = self.request("program", "GET", f"/programs/{program_id}")
        token, offered = CSRF.search(page), SUPPORT_FORM.findall(page)
        if status != 200 or not token or not offered:
            return
        comment_id, action = random.choice(offered[:8])
        status, _ = self.request(
            "support", "POST", f"/comments/{comment_id}/{action}", {"csrf_token": token.group(1)}
        )
        if status == 302:
            self.votes[int(comment_id)] = action == "vote"
        else:  # cut by a fault, say: it may or may not have been applied
            self.votes.pop(int(comment_id), None)

    def respond(self, code: str) -> bool:
        """Acknowledge or answer observation ``code`` as its institution's responder, from its
        page. False when the page offers neither any more (someone else finished it)."""
        status, page = self.request("obs_page", "GET", f"/observations/{code}")
        token, offered = ANY_CSRF.search(page), set(RESPONDER_FORM.findall(page))
        if status != 200 or not token:
            return True
        if not offered:
            return False
        version = VERSION.search(page)
        extra = {"version": version.group(1)} if version else {}
        if "acknowledge" in offered and ("answer" not in offered or random.random() < 0.5):
            action, body = "acknowledge", {"csrf_token": token.group(1), **extra}
        else:
            action = "answer"
            body = {
                "answer-csrf_token": token.group(1),
                "answer-note": f"Respuesta de carga {uuid.uuid4().hex}: la obra se reanuda.",
                "answer-outcome": "information_provided",
                "answer-submit": "1",
                **extra,
            }
        status, _ = self.request(action, "POST", f"/observations/{code}/act/{action}", body)
        if status == 302:
            self.acknowledged.append(("events", f"{code} {action}"))
        return True
