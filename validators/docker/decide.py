"""`MatchesUsingParentResults` for a whole tree at the speed of a directory walk.

Docker evaluates every pattern against every path. Here a path meets only the patterns that
could match it: exact patterns by dict lookup, prefix and suffix patterns by one tuple check,
and regexp patterns indexed by their first segment and depth (which every child of a
directory shares) and by the literal part of their last segment (which the basename must
hold). The state machine then runs only over the patterns that matched the path or,
inherited, an ancestor, plus any pattern whose evaluation would raise. Patterns that neither
match nor raise cannot change the outcome, so the result is the same as Docker's full loop;
tests check this against the loop itself."""

from __future__ import annotations

import re
from collections.abc import Sequence

from validators.docker.gosyntax import BadPattern, GoRegexp, GoRegexps, go_literal, go_regexp
from validators.docker.patterns import MatchType, Pattern, compile_source

Rec = tuple[int, ...]  # indices of the patterns that "matched" a directory, for its children
Item = tuple[GoRegexp, int]
Place = tuple[str | None, int | None]  # (literal first segment, fixed depth); None: any

_WILDCARDS = set("*?[\\^")


def _place(text: str) -> Place:
    segments = text.split("/")
    first = segments[0] if not (_WILDCARDS & set(segments[0])) else None
    # "**" spans directories, and a class could hold "/": then the depth is not fixed.
    fixed = "**" not in text and "[" not in text
    return first, (len(segments) if fixed else None)


def _final_literal(text: str) -> tuple[str | None, str]:
    """How a pattern's last segment constrains a basename: ("exact", name), ("suffix", s) for
    "*s", ("prefix", p) for "p…", or (None, "") when it does not, or when the last segment is
    not bound to the basename ("**", a class that could hold "/", an anchor, an escape)."""
    final = text.rsplit("/", 1)[-1]
    if "**" in final or "[" in text or "^" in final or "\\" in final:
        return None, ""
    wild = [i for i, ch in enumerate(final) if ch in "*?"]
    if not wild:
        return "exact", final
    if final.startswith("*") and len(wild) == 1 and len(final) > 1:
        return "suffix", final[1:]
    if wild[0] > 0:
        return "prefix", final[: wild[0]]
    return None, ""


def _directory_regexp(directory: str) -> GoRegexp | None:
    """A regexp for a pattern's directory part, or None if it cannot be built on its own."""
    try:
        kind, source = compile_source(directory)
        if kind is not MatchType.REGEXP:
            return go_literal(directory)
        return go_regexp(source)
    except BadPattern:
        return None


class Local:
    """The regexp patterns that can match the children of one directory: the basename literals
    that pick the candidate paths, and one RE2 set that settles each candidate."""

    __slots__ = ("empty", "every", "exact", "generic", "ids", "needles", "prefix_any", "suffix_any")

    def __init__(self, by_final: list[tuple[str, str, Item]], generic: list[Item], generic_texts: list[str]) -> None:
        self.exact = {literal for kind, literal, _ in by_final if kind == "exact"}
        self.suffix_any = tuple(dict.fromkeys(literal for kind, literal, _ in by_final if kind == "suffix"))
        self.prefix_any = tuple(dict.fromkeys(literal for kind, literal, _ in by_final if kind == "prefix"))
        # Patterns with no basename literal: a path is a candidate when it holds a literal each
        # of them must contain; None when one of them has no such literal.
        self.generic = bool(generic)
        self.needles: tuple[str, ...] | None = None
        if generic:
            needles = [_needle(text) for text in generic_texts]
            self.needles = None if None in needles else tuple(n for n in needles if n is not None)
        items = [item for _, _, item in by_final] + generic
        self.ids = [i for _, i in items]
        self.every = GoRegexps([r.source for r, _ in items]) if items else None
        self.empty = self.every is None

    def may_match(self, path: str, base: str) -> bool:
        """False when no pattern here can match `path`, by string checks alone."""
        if base in self.exact:
            return True
        if self.suffix_any and base.endswith(self.suffix_any):
            return True
        if self.prefix_any and base.startswith(self.prefix_any):
            return True
        if not self.generic:
            return False
        return self.needles is None or any(needle in path for needle in self.needles)

    def matches(self, path: str, base: str) -> list[int] | None:
        """Indices of the patterns here that match `path` (None for none: the common case)."""
        if self.every is None or not self.may_match(path, base):
            return None
        hits = self.every.matching(path)
        return [self.ids[k] for k in hits] if hits else None


_LITERAL_SPLIT = re.compile(r"[*?/^]+")


def _needle(text: str) -> str | None:
    """The longest run of plain characters in a pattern: every path it matches holds it."""
    if "[" in text or "\\" in text:
        return None
    runs = [run for run in _LITERAL_SPLIT.split(text) if run]
    return max(runs, key=len) if runs else None


class Decider:
    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self.patterns = list(patterns)
        for pattern in self.patterns:
            pattern.compile()
        self.errors: Rec = tuple(i for i, p in enumerate(self.patterns) if p.error is not None)
        self._exact: dict[str, list[int]] = {}
        self._prefixes: list[tuple[str, int]] = []
        self._suffixes: list[tuple[str, int]] = []
        self._regexps: list[tuple[Place, str | None, str, Item]] = []
        for i, p in enumerate(self.patterns):
            if p.match_type is MatchType.EXACT:
                self._exact.setdefault(p.text, []).append(i)
            elif p.match_type is MatchType.PREFIX:
                self._prefixes.append((p.text[:-2], i))
            elif p.match_type is MatchType.SUFFIX:
                suffix = p.text[2:]
                self._suffixes.append((suffix, i))
                if suffix.startswith("/"):
                    self._exact.setdefault(suffix[1:], []).append(i)
            elif p.match_type is MatchType.REGEXP and p.regexp is not None:
                kind, literal = _final_literal(p.text)
                self._regexps.append((_place(p.text), kind, literal, (p.regexp, i)))
        self._prefix_any = tuple(x for x, _ in self._prefixes)
        self._suffix_any = tuple(x for x, _ in self._suffixes)
        # Read by the walker's inline fast path.
        self.exact_paths = self._exact
        self.prefix_any = self._prefix_any
        self.suffix_any = self._suffix_any
        self._locals: dict[str, Local] = {}
        self._shared: dict[tuple[int, ...], Local] = {}
        self._by_head: dict[str, Local] = {}
        # Regexp patterns by the directory their last segment lives in: a literal directory
        # (most patterns), a wildcard one at a fixed depth, or anywhere ("**").
        self._by_dir: dict[str, list[tuple[str | None, str, Item]]] = {}
        self._wild_dirs: list[tuple[tuple[GoRegexp, int], tuple[str | None, str, Item]]] = []
        self._spanning: list[tuple[str | None, tuple[str | None, str, Item]]] = []
        for (first, fixed), kind, literal, item in self._regexps:
            entry = (kind, literal, item)
            text = self.patterns[item[1]].text
            if fixed is None:
                self._spanning.append((first, entry))
                continue
            directory = text.rsplit("/", 1)[0] if "/" in text else ""
            if not (_WILDCARDS & set(directory)):
                self._by_dir.setdefault(directory, []).append(entry)
                continue
            dir_regexp = _directory_regexp(directory)
            if dir_regexp is None:
                self._spanning.append((first, entry))
            else:
                self._wild_dirs.append(((dir_regexp, fixed), entry))
        self._spanning_by_head: dict[str | None, list[tuple[str | None, str, Item]]] = {}
        for first, entry in self._spanning:
            self._spanning_by_head.setdefault(first, []).append(entry)
        self._inherited: dict[Rec, tuple[bool, Rec, int | None]] = {}
        # Few distinct (inherited, own) pairs occur in a tree: each is resolved once.
        self._combined: dict[tuple[Rec, Rec], tuple[bool, Rec, int | None]] = {}

    def local(self, directory: str) -> Local:
        """The regexp index for the children of `directory` ("" for the top): patterns whose
        directory part is literal and equal to it, whose wildcard directory part matches it,
        or that can span directories ("**") and start compatibly."""
        found = self._locals.get(directory)
        if found is not None:
            return found
        depth = directory.count("/") + 2 if directory else 1
        head = directory.split("/", 1)[0] if directory else None
        chosen = list(self._by_dir.get(directory, ()))
        for (dir_regexp, fixed), entry in self._wild_dirs:
            if fixed == depth and dir_regexp.match(directory):
                chosen.append(entry)
        if not chosen and head is not None:
            # Most directories: only the spanning patterns of their first segment apply.
            found = self._by_head.get(head)
            if found is None:
                found = self._by_head[head] = self._index(
                    self._spanning_by_head.get(head, []) + self._spanning_by_head.get(None, [])
                )
            self._locals[directory] = found
            return found
        if head is None:
            chosen += [entry for _, entry in self._spanning]
        else:
            chosen += self._spanning_by_head.get(head, []) + self._spanning_by_head.get(None, [])
        found = self._locals[directory] = self._index(chosen)
        return found

    def _index(self, chosen: list[tuple[str | None, str, Item]]) -> Local:
        # Directories with the same applicable patterns share one index.
        key = tuple(item[1] for _, _, item in chosen)
        found = self._shared.get(key)
        if found is None:
            by_final = [(kind, literal, item) for kind, literal, item in chosen if kind is not None]
            generic = [item for kind, _, item in chosen if kind is None]
            texts = [self.patterns[i].text for _, i in generic]
            found = self._shared[key] = Local(by_final, generic, texts)
        return found

    def own_matches(self, path: str, local: Local | None = None) -> set[int]:
        """Indices of the patterns that match `path` itself (not its ancestors)."""
        found: set[int] = set()
        exact = self._exact.get(path)
        if exact:
            found.update(exact)
        if self._prefix_any and path.startswith(self._prefix_any):
            found.update(i for prefix, i in self._prefixes if path.startswith(prefix))
        if self._suffix_any and path.endswith(self._suffix_any):
            found.update(i for suffix, i in self._suffixes if path.endswith(suffix))
        if self._regexps:
            if local is None:
                local = self.local(path[: path.rfind("/")] if "/" in path else "")
            if not local.empty:
                more = local.matches(path, path[path.rfind("/") + 1 :])
                if more:
                    found.update(more)
        return found

    def batch_owns(self, prefix: str, paths: list[str], local: Local) -> dict[int, set[int]]:
        """For the children of one directory (`prefix` ends in "/", or "" at the top): for
        each path that some pattern matches, by index, the patterns that match it. Cheap
        string checks pick the candidates; a candidate then costs one regexp-set call."""
        owns: dict[int, set[int]] = {}
        exact, prefix_any, suffix_any = self._exact, self._prefix_any, self._suffix_any
        if exact or prefix_any or suffix_any:
            candidates = [
                i
                for i, p in enumerate(paths)
                if p in exact or (prefix_any and p.startswith(prefix_any)) or (suffix_any and p.endswith(suffix_any))
            ]
            for i in candidates:
                p = paths[i]
                found = set(exact.get(p, ()))
                found.update(j for text, j in self._prefixes if p.startswith(text))
                found.update(j for text, j in self._suffixes if p.endswith(text))
                owns[i] = found
        every = local.every
        if not self._regexps or every is None:
            return owns
        start = len(prefix)
        # Local.may_match, inlined: this loop runs once per entry of the tree.
        names, suffixes, prefixes = local.exact, local.suffix_any, local.prefix_any
        generic = local.generic
        needles = local.needles
        matching = every.matching
        ids = local.ids
        candidates = [
            i
            for i, p in enumerate(paths)
            if (names and p[start:] in names)
            or (suffixes and p.endswith(suffixes))
            or (prefixes and p.startswith(prefixes, start))
            or (generic and (needles is None or any(needle in p for needle in needles)))
        ]
        for i in candidates:
            hits = matching(paths[i])
            if hits:
                found = {ids[k] for k in hits}
                if i in owns:
                    owns[i] |= found
                else:
                    owns[i] = found
        return owns

    def decide(self, path: str, parent: Rec, local: Local | None = None) -> tuple[bool, Rec, int | None]:
        """(excluded, what children inherit, index of the deciding pattern). Raises the
        PatternError Docker would hit when a broken pattern gets evaluated here."""
        own = self.own_matches(path, local)
        if not own and not parent and not self.errors:
            return False, (), None
        return self.resolve(parent, own)

    def resolve(self, parent: Rec, own: set[int]) -> tuple[bool, Rec, int | None]:
        """The state machine over the inherited and own matches."""
        if not parent and not self.errors and len(own) == 1:
            # The common case of one matching pattern: an exclude excludes; an exception is
            # skipped, since nothing was excluded before it.
            (i,) = own
            return (True, (i,), i) if not self.patterns[i].exclusion else (False, (), None)
        if not own:
            cached = self._inherited.get(parent)
            if cached is None:
                cached = self._run(parent, own)
                if not self.errors:
                    self._inherited[parent] = cached
            return cached
        if self.errors:
            return self._run(parent, own)
        key = (parent, tuple(sorted(own)))
        found = self._combined.get(key)
        if found is None:
            found = self._combined[key] = self._run(parent, own)
        return found

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
