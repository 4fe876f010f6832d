"""A small, safe template language for scenario replies: `{{ user }}`, `{{ capture.1 | upper }}`.

Only variable look-ups, quoted literals and a fixed set of filters exist; there
is no evaluation of any kind. Templates are checked when a file loads, so an
unknown variable or filter is a validation error, never a surprise at request time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fakellm.scenarios.variables import VARIABLES

FILTERS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "lower": str.lower,
    "title": str.title,
    "capitalize": str.capitalize,
    "strip": str.strip,
    "json": lambda s: json.dumps(s, ensure_ascii=False),
    "length": lambda s: str(len(s)),
    "words": lambda s: str(len(s.split())),
}

_EXPRESSION = re.compile(
    r"""^\s*(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>[^']*)'|(?P<ref>[A-Za-z_][\w-]*(?:\.[\w-]+)?))\s*"""
    r"""(?P<filters>(?:\|\s*[A-Za-z_]\w*\s*)*)$"""
)

Values = Mapping[str, "str | Mapping[str, str]"]


class TemplateError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class _Expression:
    literal: str | None
    root: str
    key: str | None
    filters: tuple[str, ...]

    def render(self, values: Values) -> str:
        if self.literal is not None:
            text = self.literal
        else:
            found = values.get(self.root, "")
            text = found if isinstance(found, str) else found.get(self.key or "", "")
        for name in self.filters:
            text = FILTERS[name](text)
        return text


def _parse_expression(source: str, column: int) -> _Expression:
    found = _EXPRESSION.match(source)
    if found is None:
        raise TemplateError(
            f"template: cannot read '{{{{{source}}}}}' at column {column}; "
            'write {{ name }}, {{ name | filter }} or {{ "literal" }}'
        )
    filters = tuple(f.strip() for f in found["filters"].split("|")[1:])
    for name in filters:
        if name not in FILTERS:
            raise TemplateError(f"template: unknown filter '{name}'; filters are {', '.join(sorted(FILTERS))}")
    if found["dq"] is not None:
        try:
            literal = json.loads(f'"{found["dq"]}"')
        except ValueError:
            raise TemplateError(f'template: bad escape in the literal "{found["dq"]}"') from None
        return _Expression(literal, "", None, filters)
    if found["sq"] is not None:
        return _Expression(found["sq"], "", None, filters)
    root, _, key = found["ref"].partition(".")
    variable = VARIABLES.get(root)
    if variable is None:
        known = ", ".join(sorted(f"{name}.KEY" if v.keyed else name for name, v in VARIABLES.items()))
        raise TemplateError(f"template: unknown variable '{root}'; variables are {known}")
    if variable.keyed:
        if not key:
            raise TemplateError(f"template: '{root}' needs a key, e.g. {{{{ {root}.1 }}}} or {{{{ {root}.name }}}}")
        return _Expression(None, root, key.lower() if variable.lower_key else key, filters)
    if key:
        raise TemplateError(f"template: '{root}' takes no key (got '{root}.{key}')")
    return _Expression(None, root, None, filters)


class Template:
    """A parsed template. Literal `{{` is written `{{ "{{" }}`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._parts: list[str | _Expression] = []
        # Each `{{` up to the first `}}` after it, found with `str.find`: linear in the source, where a
        # lazy regex retried from every one of many unclosed `{{` would be quadratic.
        position = 0
        while (start := source.find("{{", position)) >= 0:
            end = source.find("}}", start + 2)
            if end < 0:
                raise TemplateError(f"template: '{{{{' at column {start + 1} is never closed by '}}}}'")
            self._parts.append(source[position:start])
            self._parts.append(_parse_expression(source[start + 2 : end], start + 1))
            position = end + 2
        self._parts.append(source[position:])
        # Most reply templates are one placeholder ("{{ capture.1 }}"): rendered without the join.
        self._only: _Expression | None = None
        if len(self._parts) == 3 and self._parts[0] == self._parts[2] == "":
            only = self._parts[1]
            self._only = only if isinstance(only, _Expression) else None

    @property
    def variables(self) -> set[str]:
        return {p.root if p.key is None else f"{p.root}.{p.key}" for p in self._parts if isinstance(p, _Expression)}

    def render(self, values: Values) -> str:
        if self._only is not None:
            return self._only.render(values)
        return "".join(p if isinstance(p, str) else p.render(values) for p in self._parts)
