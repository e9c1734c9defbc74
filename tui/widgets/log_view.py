"""A streaming log view over a bounded window of lines: follow mode, search, wrap, timestamps,
ANSI colours. Line API (render_line) so that only visible lines are ever rendered."""

from __future__ import annotations

from collections import deque

from rich.cells import get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollTo, ScrollUp
from textual.strip import Strip

from validators.process.terminal_text import strip_ansi

from ..state import LogLineView

MATCH = Style(bgcolor="yellow", color="black")
CURRENT = Style(bgcolor="dark_orange", color="black", bold=True)
STDERR = Style(color="red")
NOTE = Style(dim=True, italic=True)
STAMP = Style(dim=True)


FOLLOW_CHECK_S = 0.2
STAMP_CELLS = 13  # "HH:MM:SS.mmm "


def rows_of(text: str, width: int) -> int:
    """Rows a line takes when wrapped at `width` cells; the common plain ASCII line is
    counted without building anything (a window is ten thousand lines)."""
    plain = strip_ansi(text) if "\x1b" in text else text
    if plain.isascii():
        return max(1, -(-len(plain) // width))
    return len(fold_points(plain, width)) + 1


def fold_points(plain: str, width: int) -> list[int]:
    """Character offsets where a line is cut to fit `width` cells: by cells, not characters,
    so wide characters (CJK, emoji) fill a row exactly and none is split."""
    if plain.isascii():
        return list(range(width, len(plain), width))
    cuts: list[int] = []
    used = 0
    for offset, char in enumerate(plain):
        cells = get_character_cell_size(char)
        if used + cells > width and used:
            cuts.append(offset)
            used = 0
        used += cells
    return cuts


class LogView(ScrollView, can_focus=True):
    """Shows the lines of a LogWindow. Data flows in through `set_source` and `lines_added`."""

    BINDINGS = [
        Binding("end", "follow", "Follow", show=False),
        Binding("home", "scroll_home", "Top", show=False),
    ]

    # Not a layout of the whole screen each time lines arrive (Widget's is layout=True): the
    # view's own size does not change with its content. `_set_virtual_size` updates the
    # scrollbars itself.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    follow: reactive[bool] = reactive(True)
    wrap: reactive[bool] = reactive(False)
    timestamps: reactive[bool] = reactive(False)

    class FollowChanged(Message):
        def __init__(self, following: bool) -> None:
            super().__init__()
            self.following = following

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: deque[LogLineView] = deque()
        self._width = 0
        # When wrapping: rows per line of the window, kept in step with it line by line (a
        # flood must not re-measure the whole window on every turn), for this text width.
        self._row_counts: deque[int] | None = None
        self._rows_total = 0
        self._rows_width = 0
        self._cache: LRUCache[tuple[int, int, bool, int], Strip] = LRUCache(2048)
        self._texts: LRUCache[int, Text] = LRUCache(4096)
        self.query_text = ""
        self.matches: list[int] = []  # absolute line numbers (base-adjusted) of matches
        self.current_match = -1
        self._frame_style: Style | None = None
        self._frame_width = 0

    # Data in

    def set_source(self, lines: deque[LogLineView], widest: int) -> None:
        """Show these lines; `widest` is the widest one's cells, which the window keeps, so
        moving to another validator never measures a whole window."""
        self._lines = lines
        self._width = widest
        self._reset()
        self._find()
        if self.follow:
            self._to_end()

    def _to_end(self) -> None:
        # Scroll now, against the new virtual size, and again once the layout has caught up
        # with it (a horizontal scrollbar that appears changes the height left for lines).
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        self.call_after_refresh(self._end_if_following)

    def _end_if_following(self) -> None:
        if self.follow and self.scroll_y != self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def on_mount(self) -> None:
        # Following means staying at the end. Each change of lines or geometry scrolls there,
        # but under load a layout pass can land after the last of those scrolls and leave the
        # view a few rows short, frozen there until the next line. A light check that does
        # nothing once at the end keeps the promise whatever event order the layout took.
        self.set_interval(FOLLOW_CHECK_S, self._end_if_following)

    def lines_added(self, dropped_from_window: int, longest: int) -> None:
        """Lines were appended to the source, which let `dropped_from_window` older ones go;
        the widest new line is `longest` cells."""
        if dropped_from_window:
            self._cache.clear()
            self._texts.clear()
        self._width = max(self._width, longest)
        if self.query_text:
            self._find()
        counts = self._row_counts
        if self.wrap and counts is not None and self._rows_width == self._text_width():
            for _ in range(min(dropped_from_window, len(counts))):
                self._rows_total -= counts.popleft()
            width = self._rows_width
            for index in range(len(counts), len(self._lines)):
                rows = rows_of(self._lines[index].text, width)
                counts.append(rows)
                self._rows_total += rows
        else:
            self._row_counts = None
        self._update_size()
        self.refresh()
        if self.follow:
            self._to_end()

    def _reset(self, keep_cache: bool = False) -> None:
        if not keep_cache:
            self._cache.clear()
            self._texts.clear()
        self._row_counts = None
        self._update_size()
        self.refresh()

    def _text_width(self) -> int:
        return max(10, self.scrollable_content_region.width - (STAMP_CELLS if self.timestamps else 0))

    def _update_size(self) -> None:
        if self.wrap:
            width = self._text_width()
            if self._row_counts is None or self._rows_width != width:
                counts = deque(rows_of(line.text, width) for line in self._lines)
                self._row_counts, self._rows_total, self._rows_width = counts, sum(counts), width
            self._set_virtual_size(Size(max(1, self.scrollable_content_region.width), self._rows_total))
        else:
            self._row_counts = None
            self._set_virtual_size(Size(self._width + (STAMP_CELLS if self.timestamps else 0) + 1, len(self._lines)))

    def _set_virtual_size(self, size: Size) -> None:
        if size == self.virtual_size:
            return
        self.virtual_size = size
        # Textual's private scrollbar update (8.2): what a layout pass would have done for
        # this widget alone. A scrollbar that appears still relays the screen out by itself.
        self._scroll_update(size)
        self.refresh()

    def _locate(self, row: int) -> tuple[int, int] | None:
        """(line, piece) shown on this row when wrapping; walks from the nearer end."""
        counts = self._row_counts
        if counts is None or row >= self._rows_total:
            return None
        if row < self._rows_total // 2:
            for index, rows in enumerate(counts):
                if row < rows:
                    return index, row
                row -= rows
        else:
            left = self._rows_total - row  # rows from this one to the end, this one included
            for back, rows in enumerate(reversed(counts)):
                if left <= rows:
                    return len(counts) - 1 - back, rows - left
                left -= rows
        return None

    def _row_of(self, line: int) -> int:
        counts = self._row_counts
        if not self.wrap or counts is None:
            return line
        return sum(counts[i] for i in range(min(line, len(counts))))

    def on_resize(self) -> None:
        if self.wrap:
            self._reset()
        if self.follow:
            self.call_after_refresh(self._end_if_following)

    def watch_show_horizontal_scrollbar(self, showing: bool) -> None:
        # A scrollbar that comes or goes changes how many rows show lines, after the scroll to
        # the end was made: every change of geometry keeps a following view at the end.
        if self.follow:
            self.call_after_refresh(self._end_if_following)

    def watch_wrap(self) -> None:
        self._reset()

    def watch_timestamps(self) -> None:
        self._reset()

    def watch_follow(self, following: bool) -> None:
        self.post_message(self.FollowChanged(following))
        if following:
            self._to_end()

    # Follow is the user's choice, never inferred from where the view happens to be: an
    # animated scroll still under way when End is pressed would otherwise turn it off again.

    def _pause(self) -> None:
        self.follow = False

    def action_scroll_up(self) -> None:
        self._pause()
        self.scroll_up(animate=False)

    def action_page_up(self) -> None:
        self._pause()
        self.scroll_page_up(animate=False)

    def action_scroll_home(self) -> None:
        self._pause()
        self.scroll_home(animate=False, x_axis=False)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._pause()

    def on_scroll_up(self, message: ScrollUp) -> None:
        self._pause()

    def on_scroll_to(self, message: ScrollTo) -> None:
        if message.y is not None and message.y < self.max_scroll_y:
            self._pause()

    def action_follow(self) -> None:
        self.app.animator.force_stop_animation(self, "scroll_y")
        if self.follow:
            self._to_end()
        self.follow = True

    # Search

    def search(self, text: str) -> int:
        self.query_text = text
        self._find()
        self.current_match = len(self.matches) - 1 if self.matches else -1
        self._cache.clear()
        self._texts.clear()
        self._show_current()
        return len(self.matches)

    def _find(self) -> None:
        needle = self.query_text.lower()
        self.matches = (
            [i for i, line in enumerate(self._lines) if needle in strip_ansi(line.text).lower()] if needle else []
        )
        if self.current_match >= len(self.matches):
            self.current_match = len(self.matches) - 1

    def next_match(self, step: int) -> None:
        if not self.matches:
            return
        self.current_match = (self.current_match + step) % len(self.matches)
        self._cache.clear()
        self._texts.clear()
        self._show_current()

    def _show_current(self) -> None:
        self.refresh()
        if self.current_match < 0:
            return
        self.follow = False
        line = self.matches[self.current_match]
        row = self._row_of(line)
        self.scroll_to(y=max(0, row - self.scrollable_content_region.height // 2), animate=False, immediate=True)

    # Rendering

    def _text(self, index: int) -> Text:
        text = self._texts.get(index)
        if text is None:
            line = self._lines[index]
            text = Text.from_ansi(line.text, no_wrap=True, end="")
            if line.stream == "stderr":
                text.stylize(STDERR, 0, 0)  # keep the program's own colours; mark only the gutter
            elif line.stream == "checkdeck":
                text.stylize(NOTE)
            if self.query_text:
                current = self.matches[self.current_match] if self.current_match >= 0 else -1
                style = CURRENT if index == current else MATCH
                text.highlight_words([self.query_text], style=style, case_sensitive=False)
            if self.timestamps:
                stamp = Text(line.at.astimezone().strftime("%H:%M:%S.%f")[:12] + " ", style=STAMP)
                text = stamp + text
            self._texts[index] = text
        return text

    def render_lines(self, crop: Region) -> list[Strip]:
        # Computing the widget's style walks the CSS of every ancestor: once per frame, not
        # once per line (that was a third of a frame's time).
        self._frame_style = self.rich_style
        self._frame_width = self.scrollable_content_region.width
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        style = self._frame_style
        if style is None:
            style = self.rich_style
            width = self.scrollable_content_region.width
        else:
            width = self._frame_width
        if self.wrap and self._row_counts is not None:
            located = self._locate(row)
            if located is None:
                return Strip.blank(width, style)
            index, piece = located
            key = (index, piece, True, width)
            strip = self._cache.get(key)
            if strip is None:
                text = self._text(index)
                prefix = STAMP_CELLS if self.timestamps else 0
                body = text[prefix:] if prefix else text
                cuts = fold_points(body.plain, self._rows_width)
                parts = body.divide(cuts) if cuts else [body]
                part = parts[piece] if piece < len(parts) else Text("")
                if prefix:
                    part = (text[:prefix] if piece == 0 else Text(" " * prefix)) + part
                strip = Strip(list(part.render(self.app.console)), part.cell_len).crop_extend(0, width, style)
                self._cache[key] = strip
            return strip.apply_offsets(0, row)
        if row >= len(self._lines):
            return Strip.blank(width, style)
        key = (row, 0, False, 0)
        strip = self._cache.get(key)
        if strip is None:
            text = self._text(row)
            segments = [s for s in text.render(self.app.console) if s.text != "\n"]
            strip = Strip(segments or [Segment("")], text.cell_len)
            self._cache[key] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, style).apply_offsets(scroll_x, row)
