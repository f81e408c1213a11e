"""The Bot API spec (vendored as JSON), compiled once into per-method and per-type checkers."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from bot.telegram.html import JSON
from faketelegram.records import UploadedFile

SPEC_PATH: Final = Path(__file__).with_name("bot_api_spec.json")


class Invalid(Exception):
    """A type mismatch; ``depth`` lets a union report its most specific alternative."""

    def __init__(self, message: str, depth: int) -> None:
        super().__init__(message)
        self.message = message
        self.depth = depth


Checker = Callable[[Any, str, int], None]

# How a form/multipart string is turned into a typed value before validation.
FORM_RAW, FORM_INT, FORM_FLOAT, FORM_BOOL, FORM_INT_STR, FORM_JSON = range(6)
_PRIMITIVES: Final = frozenset({"Integer", "Float", "String", "Boolean", "True"})
TRUE_STRINGS: Final = {"true": True, "True": True, "1": True}
FALSE_STRINGS: Final = {"false": False, "False": False, "0": False}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check_int(value: Any, path: str, depth: int) -> None:
    if type(value) is not int:
        raise Invalid(f'field "{path}" must be of type Integer', depth)


def _check_float(value: Any, path: str, depth: int) -> None:
    if type(value) not in (int, float):
        raise Invalid(f'field "{path}" must be of type Float', depth)


def _check_str(value: Any, path: str, depth: int) -> None:
    if type(value) is not str:
        raise Invalid(f'field "{path}" must be of type String', depth)


def _check_bool(value: Any, path: str, depth: int) -> None:
    if type(value) is not bool:
        raise Invalid(f'field "{path}" must be of type Boolean', depth)


def _check_true(value: Any, path: str, depth: int) -> None:
    if value is not True:
        raise Invalid(f'field "{path}" must be True', depth)


def _check_input_file(value: Any, path: str, depth: int) -> None:
    if isinstance(value, UploadedFile):
        return
    if isinstance(value, str) and value.startswith("attach://"):
        return
    raise Invalid(f'field "{path}" must be an uploaded file (InputFile)', depth)


def _check_any_object(value: Any, path: str, depth: int) -> None:
    if not isinstance(value, dict):
        raise Invalid(f'field "{path}" must be a JSON object', depth)


@dataclass(slots=True)
class FieldSpec:
    """One parameter or object field with its precompiled checker and form decoder."""

    name: str
    types: tuple[str, ...]
    required: bool
    const: str | None
    form: int
    check: Checker


@dataclass(slots=True)
class MethodSpec:
    """A Bot API method: field table, required names and declared return types."""

    name: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]
    returns: tuple[str, ...]

    def has(self, name: str) -> bool:
        return name in self.fields


class _ObjectChecker:
    """Validates a JSON object against a spec type; fields compile lazily (types recurse)."""

    def __init__(self, spec: ApiSpec, name: str, raw_fields: list[JSON]) -> None:
        self.spec = spec
        self.name = name
        self.raw_fields = raw_fields
        self._fields: dict[str, FieldSpec] | None = None
        self._required: tuple[str, ...] = ()
        self._consts: tuple[tuple[str, str], ...] = ()

    def _compile(self) -> dict[str, FieldSpec]:
        fields = {f["name"]: self.spec.field(f) for f in self.raw_fields}
        self._required = tuple(n for n, f in fields.items() if f.required)
        self._consts = tuple((n, f.const) for n, f in fields.items() if f.const is not None)
        self._fields = fields
        return fields

    def __call__(self, value: Any, path: str, depth: int) -> None:
        fields = self._fields if self._fields is not None else self._compile()
        if not isinstance(value, dict):
            raise Invalid(f'field "{path}" must be of type {self.name}', depth)
        for key, const in self._consts:
            if value.get(key) != const:
                raise Invalid(f'field "{path}" must be of type {self.name}', depth)
        for key, item in value.items():
            spec = fields.get(key)
            if spec is None:
                raise Invalid(f'unknown field "{_join(path, key)}" in {self.name}', depth + 1)
            if item is not None:
                spec.check(item, _join(path, key), depth + 1)
        for key in self._required:
            if key not in value:
                raise Invalid(f'field "{_join(path, key)}" is required in {self.name}', depth + 1)


class _UnionChecker:
    """Accepts a value if any alternative does; reports the alternative that got furthest."""

    def __init__(self, spec: ApiSpec, names: Sequence[str]) -> None:
        self.spec = spec
        self.names = tuple(names)
        self._alts: tuple[Checker, ...] | None = None

    def __call__(self, value: Any, path: str, depth: int) -> None:
        if self._alts is None:
            self._alts = tuple(self.spec.checker(n) for n in self.names)
        best: Invalid | None = None
        for alt in self._alts:
            try:
                alt(value, path, depth)
                return
            except Invalid as exc:
                if best is None or exc.depth > best.depth:
                    best = exc
        if best is None or best.depth <= depth:
            raise Invalid(f'field "{path}" must be of type {" or ".join(self.names)}', depth)
        raise best


def _array_checker(inner: Checker, expr: str) -> Checker:
    def check(value: Any, path: str, depth: int) -> None:
        if not isinstance(value, list):
            raise Invalid(f'field "{path}" must be of type {expr}', depth)
        for i, item in enumerate(value):
            inner(item, f"{path}[{i}]", depth + 1)

    return check


class ApiSpec:
    """The vendored Bot API spec, compiled into lookup tables once per process."""

    def __init__(self, data: JSON) -> None:
        self.version: str = data.get("version", "")
        self.raw_methods: dict[str, JSON] = data["methods"]
        self.raw_types: dict[str, JSON] = data["types"]
        self.method_names: dict[str, str] = {n.lower(): n for n in self.raw_methods}
        self._methods: dict[str, MethodSpec] = {}
        self._checkers: dict[str, Checker] = {
            "Integer": _check_int,
            "Float": _check_float,
            "String": _check_str,
            "Boolean": _check_bool,
            "True": _check_true,
            "InputFile": _check_input_file,
        }

    @staticmethod
    def load(path: Path = SPEC_PATH) -> ApiSpec:
        """Parsed and cached per path, so many FakeTelegram instances share one table."""
        return _load_spec(path)

    def method(self, name: str) -> MethodSpec:
        spec = self._methods.get(name)
        if spec is None:
            raw = self.raw_methods[name]
            fields = {f["name"]: self.field(f) for f in raw.get("fields", [])}
            required = tuple(n for n, f in fields.items() if f.required)
            spec = MethodSpec(name, fields, required, tuple(raw["returns"]))
            self._methods[name] = spec
        return spec

    def field(self, raw: JSON) -> FieldSpec:
        types = tuple(raw["types"])
        check = self.checker(types[0]) if len(types) == 1 else _UnionChecker(self, types)
        return FieldSpec(
            raw["name"],
            types,
            bool(raw["required"]),
            raw.get("const"),
            self._form_kind(types),
            check,
        )

    @staticmethod
    def _form_kind(types: tuple[str, ...]) -> int:
        kinds = set(types)
        if kinds <= {"String", "InputFile"}:
            return FORM_RAW
        if kinds == {"Integer"}:
            return FORM_INT
        if kinds == {"Float"}:
            return FORM_FLOAT
        if kinds <= {"Boolean", "True"}:
            return FORM_BOOL
        if kinds == {"Integer", "String"}:
            return FORM_INT_STR
        return FORM_JSON

    def checker(self, expr: str) -> Checker:
        found = self._checkers.get(expr)
        if found is not None:
            return found
        check: Checker
        if expr.startswith("Array of "):
            check = _array_checker(self.checker(expr[len("Array of ") :]), expr)
        else:
            raw = self.raw_types.get(expr)
            if raw is None:
                raise KeyError(f"type {expr!r} is not in the Bot API spec")
            if "subtypes" in raw:
                check = _UnionChecker(self, raw["subtypes"])
            elif "fields" in raw:
                check = _ObjectChecker(self, expr, raw["fields"])
            else:
                check = _check_any_object
        self._checkers[expr] = check
        return check

    def sample(self, expr: str, depth: int = 0) -> Any:
        """A minimal value of a type (required fields only) for results we don't model."""
        if expr in ("Integer", "Float"):
            return 0
        if expr == "String":
            return ""
        if expr == "Boolean":
            return False
        if expr == "True":
            return True
        if expr.startswith("Array of ") or depth > 6:
            return []
        raw = self.raw_types.get(expr, {})
        if "subtypes" in raw:
            return self.sample(raw["subtypes"][0], depth + 1)
        out: JSON = {}
        for f in raw.get("fields", []):
            if f.get("const") is not None:
                out[f["name"]] = f["const"]
            elif f["required"]:
                out[f["name"]] = self.sample(f["types"][0], depth + 1)
        return out


@cache
def _load_spec(path: Path) -> ApiSpec:
    return ApiSpec(json.loads(path.read_text(encoding="utf-8")))
