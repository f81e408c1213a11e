"""Regenerate ``faketelegram/bot_api_spec.json`` from the full Bot API spec.

The full spec (with prose descriptions) lives outside the package and is not deployed, so the
fake Telegram server validates against this vendored, compact copy instead.  Only what the
validator needs is kept: field names, types and required flags, method return types, abstract
types' subtypes and the constant discriminators (``"always \\"x\\""`` / ``"must be x"``) that
the prose states for fields such as ``type`` or ``status``.

Usage: ``python scripts/compact_bot_api_spec.py PATH/TO/bot-api-spec.json [OUT.json]``
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "faketelegram" / "bot_api_spec.json"

# "Type of the result, must be photo" / "always \"creator\"" -> constant discriminator value.
_CONST_RE = re.compile(r'(?:always "([^"]+)"|must be ([a-z0-9_]+))\.?\s*$')


def _compact_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop descriptions but keep a ``const`` when the prose pins a String field's value."""
    out: list[dict[str, Any]] = []
    for field in fields:
        item: dict[str, Any] = {
            "name": field["name"],
            "types": list(field["types"]),
            "required": bool(field["required"]),
        }
        match = _CONST_RE.search(field.get("description", ""))
        if match and field["types"] == ["String"]:
            item["const"] = match.group(1) or match.group(2)
        out.append(item)
    return out


def compact(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the compact form of a full spec dictionary."""
    methods: dict[str, Any] = {}
    for name, method in sorted(spec["methods"].items()):
        methods[name] = {
            "fields": _compact_fields(method.get("fields", [])),
            "returns": list(method["returns"]),
        }
    types: dict[str, Any] = {}
    for name, typ in sorted(spec["types"].items()):
        entry: dict[str, Any] = {}
        if "subtypes" in typ:
            entry["subtypes"] = list(typ["subtypes"])
        if "fields" in typ:
            entry["fields"] = _compact_fields(typ["fields"])
        types[name] = entry
    return {
        "version": spec.get("version", ""),
        "release_date": spec.get("release_date", ""),
        "methods": methods,
        "types": types,
    }


def dumps(compacted: dict[str, Any]) -> str:
    """One method/type per line: small, yet diffs stay readable when the spec is bumped."""
    lines = ["{"]
    lines.append(f'"version": {json.dumps(compacted["version"])},')
    lines.append(f'"release_date": {json.dumps(compacted["release_date"])},')
    for key in ("methods", "types"):
        lines.append(f'"{key}": {{')
        items = list(compacted[key].items())
        for i, (name, value) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            lines.append(f"{json.dumps(name)}: {body}{comma}")
        lines.append("}," if key == "methods" else "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[1])
    out = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUT
    spec = json.loads(source.read_text(encoding="utf-8"))
    text = dumps(compact(spec))
    json.loads(text)  # the hand-rolled layout must still be valid JSON
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text)} bytes, {spec.get('version', '?')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
