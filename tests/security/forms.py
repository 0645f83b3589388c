"""Read the forms of a page (action, method, fields) and fill every text field with one value."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

TEXT_TYPES = {"text", "email", "search", "url", "tel", "password", ""}


@dataclass
class Form:
    action: str
    method: str
    texts: list[str] = field(default_factory=list)
    fixed: dict[str, str] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)
    submit: tuple[str, str] | None = None

    def filled(self, value: str) -> dict[str, str]:
        data = {**self.fixed, **self.choices, **dict.fromkeys(self.texts, value)}
        if self.submit:
            data[self.submit[0]] = self.submit[1]
        return data


class FormParser(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                Form(
                    action=a.get("action") or self.page_path, method=a.get("method", "get").lower()
                )
            )
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "textarea" and name:
            form.texts.append(name)
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            form.choices.setdefault(self._select, a["value"])
        elif tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in TEXT_TYPES:
                form.texts.append(name)
            elif kind == "hidden":
                form.fixed[name] = a.get("value", "")
            elif kind == "radio":
                form.choices.setdefault(name, a.get("value", ""))
            elif kind == "submit" and form.submit is None:
                form.submit = (name, a.get("value", ""))
        elif tag == "button" and name and form.submit is None:
            form.submit = (name, a.get("value", ""))

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "select":
            self._select = None


def forms_of(html: str, page_path: str) -> list[Form]:
    parser = FormParser(page_path)
    parser.feed(html)
    return parser.forms
