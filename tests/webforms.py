"""Read a rendered form back the way a browser would submit it."""

import re


def form_fields(html: str) -> dict[str, str | list[str]]:
    """Text inputs, checked boxes (lists for repeated names) and selected options."""
    fields: dict[str, str | list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag:
            if "checked" in tag and value:
                fields.setdefault(name.group(1), [])
                fields[name.group(1)].append(value.group(1))  # type: ignore[union-attr]
            continue
        fields[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        options = re.findall(r"<option[^>]*>", body)
        chosen = [o for o in options if re.search(r"\bselected\b", o)] or options[:1]
        value = re.search(r'value="([^"]*)"', chosen[0]) if chosen else None
        fields[name] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[name] = body.strip()
    return fields


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
