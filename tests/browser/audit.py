"""What every page of a journey is checked for: axe-core (WCAG 2.1 AA), the HTML as the server
sent it (for the Nu checker, run once over all pages at the end), its weight, and that nothing
went to another host. One record per distinct page: language x path pattern x who looks."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "vendor" / "axe.min.js"
VNU_JAR = HERE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: HTML + CSS + JS of one page, uncompressed, user uploads excluded.
PAGE_BUDGET_BYTES = 100 * 1024
#: Responses that are user uploads, not the page's own weight.
UPLOAD_PATHS = re.compile(r"^/evidence/")
COUNTED_TYPES = {"document", "stylesheet", "script"}


def page_key(url: str) -> str:
    """``/observations/CS-2026-00042`` → ``/observations/<code>``, ids → ``<id>``, tokens out."""
    path = urlsplit(url).path
    path = re.sub(r"/CS-\d{4}-\d+", "/<code>", path)
    path = re.sub(r"/verify/[^/]+", "/verify/<token>", path)
    return re.sub(r"/\d+(?=/|$)", "/<id>", path)


@dataclass
class PageRecord:
    key: str
    language: str
    who: str
    url: str
    html: str
    bytes: int
    requests: int
    violations: list[dict]


@dataclass
class Auditor:
    """Attached to each browser context; ``check(page, who)`` after every navigation."""

    origin: str
    pages: dict[tuple[str, str, str], PageRecord] = field(default_factory=dict)
    foreign_requests: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    _pending: dict[int, list] = field(default_factory=dict)

    def attach(self, context, *, javascript: bool = True) -> None:  # type: ignore[no-untyped-def]
        """Route every request (which also turns the HTTP cache off, so each page is weighed
        whole) and refuse any to another host."""

        def route(route) -> None:  # type: ignore[no-untyped-def]
            url = route.request.url
            if not url.startswith(self.origin + "/") and not url.startswith("data:"):
                self.foreign_requests.append(url)
                route.abort()
                return
            route.continue_()

        context.route("**/*", route)
        context.on("page", lambda page: self.watch(page))

    def watch(self, page) -> None:  # type: ignore[no-untyped-def]
        responses: list = []
        self._pending[id(page)] = responses
        page.on("response", lambda response: responses.append(response))
        page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )

    def check(self, page, who: str, language: str, *, javascript: bool = True) -> PageRecord:  # type: ignore[no-untyped-def]
        """Weigh the navigation that just ended, keep the page's HTML, run axe on first visit."""
        page.wait_for_load_state("load")
        pending = self._pending.setdefault(id(page), [])
        responses = list(pending)
        pending.clear()
        total = 0
        document_html = None
        for response in responses:
            status = response.status
            path = urlsplit(response.url).path
            if status >= 500:
                self.server_errors.append(f"{status} {response.url}")
            if response.request.resource_type not in COUNTED_TYPES or UPLOAD_PATHS.match(path):
                continue
            if 300 <= status < 400:
                continue
            body = response.body()
            total += len(body)
            if response.request.resource_type == "document" and response.frame == page.main_frame:
                document_html = body.decode("utf-8", "replace")
        key = (language, page_key(page.url), who)
        record = self.pages.get(key)
        if record is None:
            violations = self.axe(page) if javascript else []
            record = PageRecord(
                key=key[1],
                language=language,
                who=who,
                url=page.url,
                html=document_html or page.content(),
                bytes=total,
                requests=len(responses),
                violations=violations,
            )
            self.pages[key] = record
        return record

    @staticmethod
    def axe(page) -> list[dict]:  # type: ignore[no-untyped-def]
        """Run axe-core in the page (evaluated through the DevTools protocol, which the page's
        Content-Security-Policy does not govern) and return the violations, summarised."""
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        result = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})).violations.map(v => ({id: v.id, impact: v.impact,"
            " help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: '"
            " + n.failureSummary)}))",
            AXE_TAGS,
        )
        return list(result)

    def weight_table(self) -> str:
        lines = [f"{'page':<48} {'lang':<4} {'who':<10} {'KB':>7} {'requests':>8}"]
        for record in sorted(self.pages.values(), key=lambda r: (r.key, r.language, r.who)):
            lines.append(
                f"{record.key:<48} {record.language:<4} {record.who:<10} "
                f"{record.bytes / 1024:>7.1f} {record.requests:>8}"
            )
        return "\n".join(lines)


def validate_html(pages: list[PageRecord], workdir: Path) -> dict[str, list[str]]:
    """Run the Nu HTML checker once over every saved page; errors by page."""
    workdir.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for n, record in enumerate(pages):
        path = workdir / f"page{n:03d}.html"
        path.write_text(record.html, encoding="utf-8")
        names[str(path.resolve())] = f"{record.language} {record.who} {record.key}"
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "gnu",
            *map(str, sorted(workdir.glob("page*.html"))),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors: dict[str, list[str]] = {}
    for line in result.stderr.splitlines() + result.stdout.splitlines():
        match = re.match(r'^"?(file:[^":]+)"?:(.*)$', line)
        if not match:
            continue
        local = "/" + match.group(1).removeprefix("file:").lstrip("/")
        errors.setdefault(names.get(local, local), []).append(match.group(2))
    if result.returncode not in (0, 1):
        errors.setdefault("vnu", []).append(result.stderr[-2000:])
    return errors
