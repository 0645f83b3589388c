"""The test OpenID Connect provider (tests/oidc/provider.mjs, oidc-provider under Node) started
on 127.0.0.1, and a small HTTP client that signs in through its login and consent pages the way
a person's browser would (for the tests that drive the app with Flask's test client).

Kept free of pytest fixtures so tests/test_oidc.py and tests/browser/ share it; the fixtures
skip, with the reason, only when Node or the npm packages are missing (``.ci/run`` installs
them: ``bash tests/browser/install.sh``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "provider.mjs"
PACKAGE = HERE / "node_modules" / "oidc-provider" / "package.json"
#: The people the provider knows, in Ciudadanía Digital's claim shapes (passwords included).
ACCOUNTS: dict[str, dict] = {
    k: v for k, v in json.loads((HERE / "accounts.json").read_text()).items() if k != "_comment"
}
CLIENT_ID = "qhawaq-tests"
CLIENT_SECRET = "qhawaq-tests-client-secret-0123456789"


def missing() -> str | None:
    """What the provider needs that is not here, named (None when all is)."""
    node = shutil.which("node")
    if node is None:
        return "Node.js 20 or later (apt-get install nodejs npm)"
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    found = re.match(r"v(\d+)\.", version)
    if found is None or int(found.group(1)) < 20:
        return f"Node.js 20 or later (this one is {version or 'unknown'})"
    if not PACKAGE.exists():
        return "tests/oidc/node_modules (npm ci in tests/oidc)"
    return None


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Provider:
    """One oidc-provider process. ``mode="foreign-jwks"`` publishes a key that is not the one
    it signs with (see provider.mjs)."""

    redirect_uris: list[str]
    post_logout_uris: list[str] = field(default_factory=list)
    mode: str = "normal"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)
    _reader: threading.Thread | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, str]:
        """The app's configuration for this provider (Config attribute names)."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }

    def env(self) -> dict[str, str]:
        """The same settings as environment variables (for a server process)."""
        return {f"QHAWAQ_{name}": value for name, value in self.settings().items()}

    def start(self, timeout: float = 20) -> Provider:
        env = {
            **os.environ,
            "OIDC_PORT": str(self.port),
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_REDIRECT_URIS": ",".join(self.redirect_uris),
            "OIDC_POST_LOGOUT_URIS": ",".join(self.post_logout_uris),
            "OIDC_MODE": self.mode,
        }
        self.process = subprocess.Popen(
            ["node", str(SCRIPT)],
            cwd=HERE,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        ready = threading.Event()

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line.rstrip())
                if line.startswith("ready "):
                    ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the test OIDC provider did not start:\n" + self.log())
        return self

    def log(self) -> str:
        return "\n".join(self.output[-40:])

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


# A person at the provider, without a browser --------------------------------------------------
class _Forms(HTMLParser):
    """The forms of a page: action, method, hidden inputs and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "id": a.get("id", ""), "fields": {}})
        elif tag == "input" and self.forms and a.get("type") == "hidden":
            self.forms[-1]["fields"][a.get("name", "")] = a.get("value", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Visitor:
    """A cookie-keeping HTTP client that follows the provider's redirects and stops at the first
    one leaving the provider (the way back to the app), which it returns."""

    def __init__(self, issuer: str) -> None:
        import http.cookiejar

        self.issuer = issuer
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.page = ""
        self.url = ""

    def _send(self, url: str, data: dict[str, str] | None = None) -> str | None:
        """Request ``url``; follow redirects inside the provider. Returns the URL of a redirect
        out of the provider, or None with the page in ``self.page``."""
        from urllib.parse import urlencode

        body = urlencode(data).encode() if data is not None else None
        while True:
            request = urllib.request.Request(url, data=body)  # noqa: S310 - 127.0.0.1 only
            try:
                with self.opener.open(request, timeout=10) as response:
                    self.page, self.url = response.read().decode(), url
                    return None
            except urllib.error.HTTPError as error:
                with error:
                    if error.code not in (302, 303):
                        self.page, self.url = error.read().decode(), url
                        return None
                    location = urljoin(url, error.headers["Location"])
            if not location.startswith(self.issuer + "/"):
                return location
            url, body = location, None

    def open(self, url: str) -> str | None:
        return self._send(url)

    def submit(self, action: str, **fields: str) -> str | None:
        return self._send(urljoin(self.url, action), fields)

    def forms(self) -> list[dict]:
        parser = _Forms()
        parser.feed(self.page)
        return parser.forms

    def uid_path(self) -> str:
        return urlsplit(self.url).path


def sign_in(
    authorize_url: str, login: str, *, consent: bool = True, visitor: Visitor | None = None
) -> str:
    """Open the app's authorization URL at the provider, sign in as ``login`` on its login page
    and answer its consent page; return the URL the provider sends the browser back to. Pass
    ``visitor`` to keep its cookies (the provider's session) for later."""
    visitor = visitor or Visitor(_issuer_of(authorize_url))
    back = visitor.open(authorize_url)
    if back is None:
        assert 'name="usuario"' in visitor.page, visitor.page[:500]
        back = visitor.submit(
            visitor.uid_path() + "/login",
            usuario=login,
            contrasena=ACCOUNTS[login]["password"],
            accion="ingresar",
        )
    if back is None:
        assert re.search(r"/interaction/[\w-]+$", visitor.url), visitor.page[:500]
        decision = "autorizar" if consent else "rechazar"
        back = visitor.submit(visitor.uid_path() + "/confirm", decision=decision)
    assert back is not None, visitor.page[:500]
    return back


def cancel_sign_in(authorize_url: str) -> str:
    """Open the login page and press "Cancelar": the provider sends the browser back."""
    visitor = Visitor(_issuer_of(authorize_url))
    assert visitor.open(authorize_url) is None
    back = visitor.submit(visitor.uid_path() + "/login", accion="cancelar")
    assert back is not None, visitor.page[:500]
    return back


def end_session(logout_url: str, visitor: Visitor) -> str:
    """Follow the app's RP-initiated logout URL and confirm at the provider: returns where the
    provider sends the browser afterwards."""
    back = visitor.open(logout_url)
    if back is not None:
        return back
    form = next(f for f in visitor.forms() if f["id"] == "op.logoutForm")
    back = visitor.submit(form["action"], **form["fields"], logout="yes")
    assert back is not None, visitor.page[:500]
    return back


def _issuer_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
