"""Parts of a page that are the same for every viewer, built once and shared by everyone who
reads it, signed in or not, until a write changes anything (the page cache's store and
generation: app/core/page_cache.py). The signed-in pages with the most work behind them use it:
the programs list's content, the program page's facts and figures, and its comment threads (with
a marker where each viewer's buttons go; app/comments/thread_html.py).

A fragment is keyed by its name, the interface language and the caller's parts (the address's
query, the page's order, the viewer's kind when it shows): whatever the build reads must be in
the key. What it returns is kept as JSON, so it may be HTML or the data that goes with it. With
the cache off (the tests, several workers without Redis) every call builds."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from app.core import page_cache
from app.core.i18n import choose_language

T = TypeVar("T")


def shared(name: str, build: Callable[[], T], *parts: object) -> T:
    """``build()``'s value for ``name`` and ``parts`` in this language, kept under the generation
    read before building (so a write committed meanwhile makes it stale at once)."""
    store = page_cache.active_store()
    if store is None:
        return build()
    name_key = page_cache.key("fragment", name, choose_language(), *(str(p) for p in parts))
    found = page_cache.read(store, name_key)
    if found is None:
        return build()
    generation, value = found
    if value is not None:
        kept, _, body = value.partition(b"\n")
        if kept == str(generation).encode():
            shared_value: T = json.loads(body)
            return shared_value
    built = build()
    page_cache.write(
        store,
        name_key,
        f"{generation}\n".encode() + json.dumps(built, separators=(",", ":")).encode(),
    )
    return built
