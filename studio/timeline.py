"""The timeline under the preview: waveform, phones coloured by viseme, motion curves, playhead.

Three pyqtgraph plots stacked in one GraphicsLayoutWidget share an x axis in seconds. Only
summaries are ever plotted: the audio as a min/max envelope of at most ENVELOPE_COLUMNS columns
(an hour at 48 kHz is 172 M samples), phones as one BarGraphItem per mouth shape. Clicking
anywhere, or dragging the orange playhead, asks the window to seek (`seek_requested`);
`set_time` only moves the playhead, cheaply enough for 60 Hz playback.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from inference.audio.speech import SILENCE, Phone
from inference.motion.visemes import shape_of
from studio.theme import ACCENT, BASE

if TYPE_CHECKING:
    from inference.motion.track import MotionTrack

HEIGHT = 190  # px: the whole widget
WAVE_HEIGHT, PHONE_HEIGHT = 52, 26  # px: the first two rows; the motion row takes the rest
AXIS_WIDTH = 50  # px: every left axis, so that the three plots start at the same x
ENVELOPE_COLUMNS = 4000  # the most min/max columns the waveform is summarised to
MAX_LABELLED_PHONES = 400  # beyond this the strip is colour only: text items cost per item
LABEL_CHAR_PX = 7  # px: a rough width per character, to hide labels wider than their block

BACKGROUND = BASE  # the app's dark theme
TEXT = "#b4b4ba"
AXIS_PEN = "#4a4a50"
WAVE_COLOR = "#5b7fa8"  # a muted blue
PLAYHEAD = ACCENT  # the theme's orange
PLAYHEAD_HOVER = "#f5b673"

# A fixed colour per mouth shape (names from inference.motion.visemes.SHAPES): a phone keeps its
# colour from clip to clip. Shapes added later get a colour derived from their name.
SHAPE_COLORS = {
    "bilabial": "#d9b44a",
    "labiodental": "#b8864a",
    "open": "#c8575a",
    "mid": "#c9766e",
    "spread": "#8fa84a",
    "round": "#4f93c4",
    "close_round": "#3f6db0",
    "glide": "#6e68c2",
    "rhotic": "#9d63b8",
    "postalveolar": "#bd5f92",
    "dental": "#3f9f8a",
    "alveolar": "#5f7f68",
    "velar": "#6f7480",
}

# (channel, legend text, divisor, colour): head angles are in degrees (about +-10), the others in 0..1,
# so the angles are divided by 10 to share the axis and the legend says so.
CURVES = (
    ("jawOpen", "jaw open", 1.0, "#ef7f74"),
    ("headYaw", "head yaw (°/10)", 10.0, "#7cc870"),
    ("headPitch", "head pitch (°/10)", 10.0, "#6fb6e6"),
    ("eyeBlinkLeft", "blink", 1.0, "#c8b4f0"),
)


def shape_color(shape: str) -> QColor:
    if shape in SHAPE_COLORS:
        return QColor(SHAPE_COLORS[shape])
    # crc32, not hash(): Python's string hash changes from run to run.
    return QColor.fromHsv(zlib.crc32(shape.encode()) % 360, 110, 180)


def label_color(block: QColor) -> QColor:
    """Dark text on light blocks, light text on dark ones (perceived luminance, 0..255)."""
    luminance = 0.299 * block.red() + 0.587 * block.green() + 0.114 * block.blue()
    return QColor("#141416") if luminance > 150 else QColor("#f2f2f4")


def envelope(samples: np.ndarray, columns: int = ENVELOPE_COLUMNS) -> tuple[np.ndarray, np.ndarray, int]:
    """(lows, highs, samples per column): the min and max of each run of `per` samples, at most
    `columns` runs. Reshaping a view makes this two vectorised passes, even over 100 M samples."""
    n = len(samples)
    per = max(1, -(-n // columns))  # ceil(n / columns)
    full = n // per * per
    body = samples[:full].reshape(-1, per)
    lows, highs = body.min(axis=1), body.max(axis=1)
    if full < n:  # the short last column
        tail = samples[full:]
        lows, highs = np.append(lows, tail.min()), np.append(highs, tail.max())
    return lows, highs, per


def format_time(seconds: float, spacing: float, minutes: bool) -> str:
    """A tick label: "2.5 s", or "1:05" (m:ss) when `minutes`; as many decimals as the tick
    spacing (s) needs."""
    decimals = next((d for d in range(3) if abs(spacing * 10**d - round(spacing * 10**d)) < 1e-6), 3)
    if not minutes:
        return f"{seconds:.{decimals}f} s"
    whole, rest = divmod(seconds, 60)
    width = 3 + decimals if decimals else 2
    return f"{int(whole)}:{rest:0{width}.{decimals}f}"


class TimeAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):
        # One format for the whole axis: m:ss as soon as any tick is past a minute.
        minutes = bool(len(values)) and max(values) >= 60
        return [format_time(max(v, 0.0), spacing, minutes) for v in values]


def _font(points: float) -> QFont:
    """The application's font at another size (QFont("", size) crashes some PySide6 builds)."""
    font = QFont()
    font.setPointSizeF(points)
    return font


def _style_axis(axis: pg.AxisItem) -> None:
    axis.setPen(pg.mkPen(AXIS_PEN))
    axis.setTextPen(pg.mkPen(TEXT))
    axis.setStyle(tickFont=_font(8))


def _playhead() -> pg.InfiniteLine:
    line = pg.InfiniteLine(0.0, angle=90, movable=True, pen=pg.mkPen(PLAYHEAD, width=2),
                           hoverPen=pg.mkPen(PLAYHEAD_HOVER, width=3))
    line.setZValue(100)  # above bars, labels and curves
    return line


class Timeline(QWidget):
    seek_requested = Signal(float)  # seconds

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._duration = 0.0
        self._labels: list[tuple[pg.TextItem, float, int]] = []  # (item, block width in s, chars)
        self._phone_bars: dict[str, pg.BarGraphItem] = {}
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(BACKGROUND)
        self.view.ci.setContentsMargins(2, 4, 8, 2)
        self.view.ci.setSpacing(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.setFixedHeight(HEIGHT)
        self.wave_plot = self._add_plot(0, "audio", WAVE_HEIGHT)
        self.phone_plot = self._add_plot(1, "phones", PHONE_HEIGHT)
        self.motion_plot = self._add_plot(2, "motion", None)
        self._build_wave()
        self._build_phones()
        self._build_motion()
        self.playheads = [_playhead() for _ in self.plots]
        for plot, line in zip(self.plots, self.playheads):
            plot.addItem(line, ignoreBounds=True)
            line.sigDragged.connect(self._on_playhead_dragged)
        self.view.scene().sigMouseClicked.connect(self._on_click)
        self.clear()

    @property
    def plots(self) -> tuple[pg.PlotItem, ...]:
        return (self.wave_plot, self.phone_plot, self.motion_plot)

    @property
    def duration(self) -> float:
        return self._duration

    # ---- layout ----

    def _add_plot(self, row: int, name: str, height: int | None) -> pg.PlotItem:
        axes = {"bottom": TimeAxis("bottom")} if height is None else None
        plot = self.view.addPlot(row=row, col=0, axisItems=axes)
        plot.setMenuEnabled(False)
        plot.hideButtons()  # the "A" autoscale button: the view is always the clip
        plot.vb.setMouseEnabled(x=True, y=False)  # wheel zooms time only
        plot.vb.disableAutoRange()
        plot.setDefaultPadding(0.0)
        if row > 0:
            plot.setXLink(self.wave_plot)
        self._style_axes(plot, name, show_time=height is None)
        if height is not None:
            plot.setFixedHeight(height)
        return plot

    def _style_axes(self, plot: pg.PlotItem, name: str, show_time: bool) -> None:
        """A fixed-width left axis whose only tick is the row's name; time on the bottom row."""
        left = plot.getAxis("left")
        left.setWidth(AXIS_WIDTH)
        left.setStyle(tickLength=0, tickTextOffset=6)
        _style_axis(left)
        left.setTicks([[(0.0, name)]])  # moved to the row's middle once its y range is known
        plot.showAxis("bottom", show_time)
        if show_time:
            bottom = plot.getAxis("bottom")
            _style_axis(bottom)
            bottom.setHeight(20)
            bottom.setStyle(tickLength=-4, tickTextOffset=2)

    def _set_rows_y(self, plot: pg.PlotItem, name: str, low: float, high: float) -> None:
        plot.setYRange(low, high, padding=0.0)
        plot.getAxis("left").setTicks([[((low + high) / 2, name)]])

    def _build_wave(self) -> None:
        pen = pg.mkPen(WAVE_COLOR, width=1)
        self.wave_high = pg.PlotDataItem(pen=pen)
        self.wave_low = pg.PlotDataItem(pen=pen)
        fill = QColor(WAVE_COLOR)
        fill.setAlpha(170)
        self.wave_fill = pg.FillBetweenItem(self.wave_high, self.wave_low, brush=pg.mkBrush(fill))
        for item in (self.wave_fill, self.wave_high, self.wave_low):
            self.wave_plot.addItem(item)
        self._set_rows_y(self.wave_plot, "audio", -1.0, 1.0)

    def _build_phones(self) -> None:
        self._set_rows_y(self.phone_plot, "phones", 0.0, 1.0)
        vb = self.phone_plot.vb
        # Labels are hidden where their block is narrower than the text: recheck on zoom or resize.
        vb.sigXRangeChanged.connect(self._update_label_visibility)
        vb.sigResized.connect(self._update_label_visibility)

    def _build_motion(self) -> None:
        plot = self.motion_plot
        plot.addItem(pg.InfiniteLine(0.0, angle=0, pen=pg.mkPen("#3a3a40")), ignoreBounds=True)  # y = 0
        backdrop = QColor(BACKGROUND)
        backdrop.setAlpha(200)  # curves passing under the legend stay faintly visible
        self.legend = plot.addLegend(offset=(-4, 1), colCount=len(CURVES), labelTextSize="7pt",
                                     labelTextColor=TEXT, brush=pg.mkBrush(backdrop), horSpacing=2)
        self.legend.layout.setContentsMargins(2, 0, 4, 0)  # one 20 px line, not 38 px with margins
        self.curves: dict[str, pg.PlotDataItem] = {}
        for channel, text, _, color in CURVES:
            curve = plot.plot(pen=pg.mkPen(color, width=1.5), name=text)
            # Long tracks (an hour at 25 fps is 90 k frames) are thinned to the pixels on screen.
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self.curves[channel] = curve
        self._set_rows_y(plot, "motion", -0.3, 1.05)

    # ---- data ----

    def set_speech(self, samples: np.ndarray, sample_rate: int, phones: Sequence[Phone]) -> None:
        samples = np.asarray(samples)
        self._duration = len(samples) / sample_rate if sample_rate > 0 else 0.0
        self._set_envelope(samples, sample_rate)
        self._set_phones(phones)
        self._show_whole_clip()
        self.set_time(0.0)

    def _set_envelope(self, samples: np.ndarray, sample_rate: int) -> None:
        if len(samples) == 0 or sample_rate <= 0:
            self.wave_high.setData([], [])
            self.wave_low.setData([], [])
            return
        lows, highs, per = envelope(samples)
        # Column centres in seconds; the short last column is centred no later than the end.
        x = np.minimum((np.arange(len(lows)) + 0.5) * per, len(samples)) / sample_rate
        self.wave_high.setData(x, highs)
        self.wave_low.setData(x, lows)
        # Scale to the loudest peak (at least 0.05) so that a quiet recording is still legible.
        peak = max(float(np.max(highs)), -float(np.min(lows)), 0.05) * 1.05
        self._set_rows_y(self.wave_plot, "audio", -peak, peak)

    def _set_phones(self, phones: Sequence[Phone]) -> None:
        self._clear_phones()
        spoken = [p for p in phones if p.label != SILENCE and p.end > p.start]
        by_shape: dict[str, list[Phone]] = {}
        for p in spoken:
            by_shape.setdefault(shape_of(p.label), []).append(p)
        # Separating lines only while blocks are few; with thousands they would paint it all dark.
        pen = pg.mkPen(BACKGROUND, width=1) if len(spoken) <= MAX_LABELLED_PHONES else pg.mkPen(None)
        for shape, group in by_shape.items():
            starts = np.array([p.start for p in group])
            widths = np.array([p.end - p.start for p in group])
            bars = pg.BarGraphItem(x0=starts, width=widths, y0=0.08, height=0.84,
                                   pen=pen, brush=shape_color(shape))
            self.phone_plot.addItem(bars)
            self._phone_bars[shape] = bars
        if len(spoken) <= MAX_LABELLED_PHONES:
            self._add_labels(spoken)

    def _add_labels(self, spoken: Sequence[Phone]) -> None:
        font = _font(7)
        for p in spoken:
            text = p.label.rstrip("012")  # "AA1" -> "AA": stress is noise at this size
            item = pg.TextItem(text, color=label_color(shape_color(shape_of(p.label))), anchor=(0.5, 0.5))
            item.setFont(font)
            item.setPos((p.start + p.end) / 2, 0.5)
            self.phone_plot.addItem(item, ignoreBounds=True)
            self._labels.append((item, p.end - p.start, len(text)))
        self._update_label_visibility()

    def _update_label_visibility(self, *_) -> None:
        if not self._labels:
            return
        (x0, x1), width_px = self.phone_plot.vb.viewRange()[0], self.phone_plot.vb.width()
        px_per_s = width_px / max(x1 - x0, 1e-9)
        for item, seconds, chars in self._labels:
            item.setVisible(seconds * px_per_s >= chars * LABEL_CHAR_PX + 2)

    def _clear_phones(self) -> None:
        for bars in self._phone_bars.values():
            self.phone_plot.removeItem(bars)
        for item, _, _ in self._labels:
            self.phone_plot.removeItem(item)
        self._phone_bars, self._labels = {}, []

    def set_track(self, track: "MotionTrack | None") -> None:
        self.legend.setVisible(track is not None)
        if track is None:
            for curve in self.curves.values():
                curve.setData([], [])
            return
        x = np.arange(track.n_frames) / track.fps  # seconds
        low, high = -0.15, 1.05  # room for the 0..1 channels and small head turns
        for channel, _, divisor, _ in CURVES:
            y = np.asarray(track.channel(channel), dtype=np.float64) / divisor
            self.curves[channel].setData(x, y)
            if len(y):
                low, high = min(low, float(y.min()) - 0.05), max(high, float(y.max()) + 0.05)
        # Headroom over the curves for the legend row (about a quarter of the row's height).
        self._set_rows_y(self.motion_plot, "motion", low, high + 0.3 * (high - low))

    def clear(self) -> None:
        self._duration = 0.0
        self._set_envelope(np.zeros(0, np.float32), 1)
        self._set_rows_y(self.wave_plot, "audio", -1.0, 1.0)
        self._clear_phones()
        self.set_track(None)
        self._show_whole_clip()
        self.set_time(0.0)

    def _show_whole_clip(self) -> None:
        end = self._duration if self._duration > 0 else 1.0  # an empty timeline shows 0..1 s
        for plot in self.plots:
            # Zooming out stops at the clip; zooming in stops at 50 ms across the plot.
            plot.vb.setLimits(xMin=0.0, xMax=end, minXRange=min(0.05, end))
        self.wave_plot.setXRange(0.0, end, padding=0.0)
        for line in self.playheads:
            line.setBounds((0.0, end))

    # ---- playhead and seeking ----

    def set_time(self, seconds: float) -> None:
        # While the user drags the playhead, playback must not pull it back under the mouse.
        if any(line.moving for line in self.playheads):
            return
        for line in self.playheads:
            line.setValue(seconds)

    def _on_playhead_dragged(self, dragged: pg.InfiniteLine) -> None:
        if self._duration <= 0:
            return
        seconds = float(dragged.value())
        for line in self.playheads:
            if line is not dragged:
                line.setValue(seconds)
        self.seek_requested.emit(seconds)

    def _on_click(self, ev) -> None:
        # Clicks an item used already (a legend entry toggling its curve) are not seeks.
        if self._duration <= 0 or ev.button() != Qt.MouseButton.LeftButton or ev.isAccepted():
            return
        # The rows share x and line up, so any row's view maps the click to seconds.
        x = self.motion_plot.vb.mapSceneToView(ev.scenePos()).x()
        seconds = min(max(float(x), 0.0), self._duration)
        self.set_time(seconds)
        self.seek_requested.emit(seconds)
