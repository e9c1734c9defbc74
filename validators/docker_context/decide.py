"""`MatchesUsingParentResults` for a whole tree at the speed of a directory walk.

Docker evaluates every pattern against every path. Here a path's own matches are found with
one dict lookup, two `startswith`/`endswith` calls and one combined regexp, and the state
machine then runs only over the patterns that matched (the path or, inherited, an ancestor)
plus any pattern whose evaluation would raise. Patterns that neither match nor raise cannot
change the outcome, so the result is the same as the full loop."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .patterns import MatchType, Pattern

Rec = tuple[int, ...]  # indices of the patterns that "matched" a directory, for its children


class Decider:
    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self.patterns = list(patterns)
        for pattern in self.patterns:
            pattern.compile()
        self.errors: Rec = tuple(i for i, p in enumerate(self.patterns) if p.error is not None)
        self._exact: dict[str, list[int]] = {}
        prefixes: list[tuple[str, int]] = []
        suffixes: list[tuple[str, int]] = []
        regexps: list[tuple[re.Pattern[str], int]] = []
        for i, p in enumerate(self.patterns):
            if p.match_type is MatchType.EXACT:
                self._exact.setdefault(p.text, []).append(i)
            elif p.match_type is MatchType.PREFIX:
                prefixes.append((p.text[:-2], i))
            elif p.match_type is MatchType.SUFFIX:
                suffix = p.text[2:]
                suffixes.append((suffix, i))
                if suffix.startswith("/"):
                    self._exact.setdefault(suffix[1:], []).append(i)
            elif p.match_type is MatchType.REGEXP and p.regexp is not None:
                regexps.append((p.regexp, i))
        self._prefixes = prefixes
        self._prefix_any = tuple(p for p, _ in prefixes)
        self._suffixes = suffixes
        self._suffix_any = tuple(s for s, _ in suffixes)
        self._regexps = regexps
        self._regexp_any = re.compile("|".join(f"(?:{r.pattern})" for r, _ in regexps), re.ASCII) if regexps else None
        self._inherited: dict[Rec, tuple[bool, Rec, int | None]] = {}

    def own_matches(self, path: str) -> set[int]:
        """Indices of the patterns that match `path` itself (not its ancestors)."""
        found: set[int] = set()
        exact = self._exact.get(path)
        if exact:
            found.update(exact)
        if self._prefix_any and path.startswith(self._prefix_any):
            found.update(i for prefix, i in self._prefixes if path.startswith(prefix))
        if self._suffix_any and path.endswith(self._suffix_any):
            found.update(i for suffix, i in self._suffixes if path.endswith(suffix))
        if self._regexp_any is not None and self._regexp_any.match(path):
            found.update(i for r, i in self._regexps if r.match(path))
        return found

    def decide(self, path: str, parent: Rec) -> tuple[bool, Rec, int | None]:
        """(excluded, what children inherit, index of the deciding pattern). Raises the
        PatternError Docker would hit when a broken pattern gets evaluated here."""
        own = self.own_matches(path)
        if not own:
            if not parent and not self.errors:
                return False, (), None
            cached = self._inherited.get(parent)
            if cached is None:
                cached = self._run(parent, own)
                if not self.errors:
                    self._inherited[parent] = cached
            return cached
        return self._run(parent, own)

    def _run(self, parent: Rec, own: set[int]) -> tuple[bool, Rec, int | None]:
        state = False
        rec: list[int] = []
        decider: int | None = None
        inherited = set(parent)
        for i in sorted(inherited | own | set(self.errors)):
            pattern = self.patterns[i]
            if i in inherited:
                matched = True
            elif pattern.exclusion != state:
                continue
            else:
                if pattern.error is not None:
                    raise pattern.error
                matched = i in own
            if matched:
                rec.append(i)
                state = not pattern.exclusion
                decider = i
        return state, tuple(rec), decider
