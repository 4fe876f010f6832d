"""The model catalogue: which models each provider serves, and what each family does differently.

The facts live in `models.yaml` beside this module (shipped as package data); this module only
reads them into `Family` records and answers lookups. A dialect asks the catalogue for the family
of the model a request names; a name the catalogue does not know has no family and is served as
before (accepted, reported as given) unless strict models are on.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from fakellm.errors import ApiError

DATA_FILE = Path(__file__).with_name("models.yaml")
ThoughtSignatures = Literal["none", "sent", "required"]
FinishChunk = Literal["own", "last"]
_UNSET = object()


@dataclass(frozen=True, slots=True)
class Rejection:
    """A request field a family refuses: always, or (with `default`) unless it has the default value."""

    param: str
    code: str
    message: str
    default: Any = _UNSET

    def refuses(self, body: Mapping[str, Any]) -> bool:
        if self.param not in body or body[self.param] is None:
            return False
        return self.default is _UNSET or body[self.param] != self.default

    def error(self, body: Mapping[str, Any]) -> ApiError:
        value = json.dumps(body.get(self.param))
        return ApiError(400, self.message.format(value=value), param=self.param, code=self.code)


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    dialect: str
    snapshots: Mapping[str, str]  # model name -> the name responses report
    rejects: tuple[Rejection, ...] = ()
    reasoning_default: str | None = None
    reasoning_channel: bool = False
    raw_with_tools: bool = True
    thought_signatures: ThoughtSignatures = "none"
    function_call_ids: bool = True
    finish_chunk: FinishChunk = "own"
    signature_on_finish: bool = False
    finish_message: bool = False

    def check(self, body: Mapping[str, Any]) -> None:
        """Raise the provider's 400 for the first field of `body` this family refuses."""
        for rejection in self.rejects:
            if rejection.refuses(body):
                raise rejection.error(body)


@dataclass(frozen=True, slots=True)
class Catalogue:
    families: Mapping[str, tuple[Family, ...]]  # by dialect name
    aliases: Mapping[str, str] = field(default_factory=dict)  # a dialect that serves another's models

    def _dialect(self, dialect: str) -> str:
        return self.aliases.get(dialect, dialect)

    def family(self, dialect: str, model: str | None) -> Family | None:
        """The family of `model` as `dialect` serves it (a Gemini `models/` prefix is ignored)."""
        if not model:
            return None
        name = model.removeprefix("models/")
        for family in self.families.get(self._dialect(dialect), ()):
            if name in family.snapshots:
                return family
        return None

    def knows(self, dialect: str, model: str | None) -> bool:
        return self.family(dialect, model) is not None

    def reported(self, dialect: str, model: str) -> str:
        """The name a response reports for `model`: its dated snapshot, or the name as given."""
        family = self.family(dialect, model)
        return model if family is None else family.snapshots[model.removeprefix("models/")]

    def model_ids(self, dialect: str) -> list[str]:
        """Every model name `dialect` serves, in catalogue order."""
        return [m for family in self.families.get(self._dialect(dialect), ()) for m in family.snapshots]


def _rejection(data: Mapping[str, Any]) -> Rejection:
    return Rejection(str(data["param"]), str(data["code"]), str(data["message"]), data.get("default", _UNSET))


def _family(dialect: str, data: Mapping[str, Any]) -> Family:
    return Family(
        name=str(data["family"]),
        dialect=dialect,
        snapshots={str(k): str(v) for k, v in data["models"].items()},
        rejects=tuple(_rejection(r) for r in data.get("rejects", ())),
        reasoning_default=data.get("reasoning_default"),
        reasoning_channel=bool(data.get("reasoning_channel", False)),
        raw_with_tools=bool(data.get("raw_with_tools", True)),
        thought_signatures=data.get("thought_signatures", "none"),
        function_call_ids=bool(data.get("function_call_ids", True)),
        finish_chunk=data.get("finish_chunk", "own"),
        signature_on_finish=bool(data.get("signature_on_finish", False)),
        finish_message=bool(data.get("finish_message", False)),
    )


def load(path: Path = DATA_FILE) -> Catalogue:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    aliases = {str(k): str(v) for k, v in data.pop("aliases", {}).items()}
    families = {dialect: tuple(_family(dialect, f) for f in entries) for dialect, entries in data.items()}
    return Catalogue(families, aliases)


@functools.cache
def catalogue() -> Catalogue:
    """The shipped catalogue, read once."""
    return load()
