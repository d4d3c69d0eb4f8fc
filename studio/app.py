"""The studio's main window: the live preview, the speech and its transport, the controls, the
timeline along the bottom and export; it opens on the demo portrait and voice.

Threads: analysis and decoding run as Jobs; the motion for the playhead comes from the
MotionThread; exports render on their own thread. The GUI thread only draws and routes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QSurfaceFormat
from PySide6.QtWidgets import (QApplication, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QMainWindow,
                               QMessageBox, QProgressBar, QPushButton, QScrollArea, QVBoxLayout, QWidget)

from inference.face import analyze
from inference.motion.from_speech import Speech, speech_from_file, speech_from_text
from inference.render.rig import build_rig
from studio.controls import ControlPanel
from studio.export import ExportDialog
from studio.motion_thread import PREVIEW_FPS, MotionThread
from studio.playback import AudioPlayer
from studio.preview import PreviewWidget, gl_surface_format
from studio.sources import SpeechSources
from studio.theme import apply_dark_theme
from studio.timeline import Timeline
from studio.workers import Job

ASSETS = Path(__file__).resolve().parents[1] / "assets"
DEMO_PORTRAIT = ASSETS / "demo_portrait.png"
DEMO_VOICE = ASSETS / "demo_voice.wav"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}
TICK_MS = 16  # ~60 Hz: how often the playhead is read and a frame requested
MAX_RECENT = 8
LAST = object()  # "whatever was open when the studio last closed, else the demo"


class MainWindow(QMainWindow):
    def __init__(self, portrait: "Path | None | object" = LAST, voice: "Path | None | object" = LAST):
        super().__init__()
        self.setWindowTitle("Avatar Studio")
        self.setAcceptDrops(True)
        self.player = AudioPlayer()
        self.speech: Speech | None = None
        self.portrait_path: Path | None = None
        self.export_dialog: ExportDialog | None = None
        self._jobs: dict[str, Job] = {}
        self._retired: set[Job] = set()  # superseded jobs still running; kept alive until done
        self._job_seq = 0
        self._asked = 0  # number of the newest frame asked of the motion thread
        self._shown = 0  # number of the newest frame handed to the preview
        self._asked_time = 0.0  # seconds: the playhead of the newest request
        self.motion = MotionThread(self)
        self.motion.frame_ready.connect(self._frame_ready)
        self.motion.track_ready.connect(lambda track: self.timeline.set_track(track))
        self.motion.failed.connect(lambda message: self.statusBar().showMessage(message, 8000))
        self._build_ui()
        self._build_menu()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(TICK_MS)
        settings = QSettings()
        if settings.value("geometry"):
            self.restoreGeometry(settings.value("geometry"))
        else:
            self.resize(1280, 860)
        self.controls.set_values(saved_controls(settings))
        self.controls.reset_history()
        self.motion.set_controls(self.controls.controls())
        self.motion.start()
        portrait = last_file(settings, "portrait", DEMO_PORTRAIT) if portrait is LAST else portrait
        voice = last_file(settings, "audio", DEMO_VOICE) if voice is LAST else voice
        if portrait is not None:
            self.open_portrait(Path(portrait))
        if voice is not None:
            self.open_audio(Path(voice))

    # ------------------------------------------------------------ layout

    def _build_ui(self) -> None:
        self.preview = PreviewWidget()
        # A rate only means something while frames stream; at rest the preview draws on demand.
        self.preview.fps_measured.connect(
            lambda fps: self.fps_label.setText(f"Preview {fps:.0f} fps" if self.player.playing else ""))
        self.preview.failed.connect(lambda message: QMessageBox.warning(self, "Avatar Studio", message))
        self.controls = ControlPanel()
        self.controls.changed.connect(self._controls_changed)
        self.timeline = Timeline()
        self.timeline.seek_requested.connect(self.seek)

        panel = QWidget()
        side = QVBoxLayout(panel)
        side.setContentsMargins(0, 0, 4, 0)
        side.addWidget(self._speech_box())
        controls_box = QGroupBox("Controls")
        QVBoxLayout(controls_box).addWidget(self.controls)
        side.addWidget(controls_box)
        side.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedWidth(400)

        body = QHBoxLayout()
        body.addWidget(self.preview, 1)
        body.addWidget(scroll)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(body, 1)
        layout.addWidget(self.timeline)
        self.setCentralWidget(central)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setMaximumWidth(140)
        self.busy.hide()
        self.fps_label = QLabel("")
        self.fps_label.setMinimumWidth(110)
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.fps_label)

    def _speech_box(self) -> QGroupBox:
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("play")
        self.play_button.setShortcut(Qt.Key.Key_Space)
        self.play_button.clicked.connect(self.toggle_play)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.speech_label = QLabel("No speech loaded")
        self.speech_label.setWordWrap(True)
        self.time_label = QLabel("0:00.0")
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("exportVideo")
        self.export_button.setToolTip("Export the speaking portrait to a video file (Ctrl+E)")
        self.export_button.clicked.connect(self.ask_export)
        transport = QHBoxLayout()
        for w in (self.play_button, self.stop_button, self.time_label):
            transport.addWidget(w)
        transport.addStretch(1)
        transport.addWidget(self.export_button)
        self.sources = SpeechSources(recordings_folder())
        self.sources.open_file_requested.connect(self._ask_audio)
        self.sources.speak_requested.connect(self.speak)
        self.sources.recorded.connect(self.open_audio)
        box = QGroupBox("Speech")
        layout = QVBoxLayout(box)
        layout.addWidget(self.speech_label)
        layout.addLayout(transport)
        layout.addWidget(self.sources)
        return box

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (("Open &Portrait…", QKeySequence.StandardKey.Open, self._ask_portrait),
                                     ("Open &Audio…", "Ctrl+Shift+O", self._ask_audio),
                                     ("&Export Video…", "Ctrl+E", self.ask_export),
                                     ("&Quit", QKeySequence.StandardKey.Quit, self.close)):
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            if slot == self._ask_audio:
                self.recent_menu = menu.addMenu("Open &Recent")
                self.recent_menu.aboutToShow.connect(self._fill_recent)
            if slot == self.ask_export:
                menu.addSeparator()
        edit = self.menuBar().addMenu("&Edit")
        undo = self.controls.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.controls.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        reset = QAction("Reset All &Controls", self)
        reset.triggered.connect(self.controls.reset_all)
        for action in (undo, redo, reset):
            edit.addAction(action)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in recent_files(QSettings()):
            action = self.recent_menu.addAction(path.name)
            action.setToolTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_any(p))
        self.recent_menu.setEnabled(bool(self.recent_menu.actions()))

    def open_any(self, path: Path) -> None:
        """A portrait by its image suffix, else speech."""
        if path.suffix.lower() in IMAGE_SUFFIXES:
            self.open_portrait(path)
        else:
            self.open_audio(path)

    # ------------------------------------------------------------ loading

    def _ask_portrait(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open portrait", "", "Images (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff)")
        if path:
            self.open_portrait(Path(path))

    def _ask_audio(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open speech", "", "Audio or video (*.wav *.flac *.mp3 *.m4a *.aac *.ogg *.opus *.mp4 *.mov *.mkv)")
        if path:
            self.open_audio(Path(path))

    def open_portrait(self, path: Path) -> None:
        self.statusBar().showMessage(f"Analysing {path.name}…")
        # The rig is built on the worker too: on the GUI thread it stalled the window ~0.3 s.
        self._start("portrait", lambda: with_rig(analyze(path)), lambda result: self._portrait_ready(*result, path))

    def open_audio(self, path: Path) -> None:
        self.statusBar().showMessage(f"Loading {path.name}…")
        self._start("speech", lambda: with_features(speech_from_file(path)), lambda result: self._speech_ready(*result, path))

    def speak(self, text: str) -> None:
        self.statusBar().showMessage("Speaking the script…")
        self._start("speech", lambda: with_features(speech_from_text(text)), lambda result: self._speech_ready(*result, None))

    def _start(self, kind: str, fn, on_result) -> None:
        self._job_seq += 1
        job = Job(self._job_seq, fn, self)
        job.succeeded.connect(lambda jid, result: self._finished(kind, jid, result, on_result))
        job.failed.connect(lambda jid, message: self._failed(kind, jid, message))
        old = self._jobs.get(kind)
        self._jobs[kind] = job
        if old is not None:  # superseded: let it finish in the background, its result is ignored
            self._retired.add(old)
            old.finished.connect(lambda o=old: self._retired.discard(o))
        self.busy.show()
        job.start()

    def _current(self, kind: str, job_id: int) -> bool:
        job = self._jobs.get(kind)
        return job is not None and job.job_id == job_id

    def _finished(self, kind: str, job_id: int, result, on_result) -> None:
        if not self._current(kind, job_id):
            return
        self._jobs.pop(kind).wait()
        self.busy.setVisible(bool(self._jobs))
        on_result(result)

    def _failed(self, kind: str, job_id: int, message: str) -> None:
        if not self._current(kind, job_id):
            return
        self._jobs.pop(kind).wait()
        self.busy.setVisible(bool(self._jobs))
        self.statusBar().clearMessage()
        QMessageBox.warning(self, "Avatar Studio", message)

    def _portrait_ready(self, avatar, rig, path: Path) -> None:
        remember_file(QSettings(), "portrait", path)
        self.portrait_path = path
        self.preview.set_avatar(avatar, rig)
        notes = "; ".join(avatar.notes)
        self.statusBar().showMessage(f"Portrait: {Path(avatar.source).name}" + (f" ({notes})" if notes else ""), 8000)
        self._refresh()

    def _speech_ready(self, speech: Speech, features, path: Path | None) -> None:
        if path is not None:
            remember_file(QSettings(), "audio", path)
        self.speech = speech
        self.player.load(speech.playback)
        self.play_button.setText("Play")
        self.timeline.set_speech(speech.playback.samples, speech.playback.sample_rate, speech.phones)
        self.motion.set_speech(features)
        self.speech_label.setText(f"{speech.name} — {speech.duration:.1f} s")
        self.statusBar().showMessage(f"Speech: {speech.name}", 5000)
        self._refresh()

    # ------------------------------------------------------------ transport

    def toggle_play(self) -> None:
        if self.player.clip is None:
            return
        if self.player.playing:
            self.player.pause()
        else:
            self.player.play()
            if self.player.device_error:
                self.statusBar().showMessage(f"No audio output ({self.player.device_error}); playing silently", 8000)
        self.play_button.setText("Pause" if self.player.playing else "Play")

    def stop(self) -> None:
        self.player.stop()
        self.play_button.setText("Play")
        self.fps_label.setText("")
        self._refresh()

    def seek(self, seconds: float) -> None:
        self.player.seek(seconds)
        self._refresh()

    def _tick(self) -> None:
        if self.player.playing:
            if self.player.finished:
                self.player.pause()
                self.play_button.setText("Play")
            self._refresh()

    def _controls_changed(self) -> None:
        self.motion.set_controls(self.controls.controls())
        self._refresh()

    def _refresh(self) -> None:
        """Show the playhead's time and ask the motion thread for its frame."""
        t = self.player.position()
        # Stopped at the very start, the face rests as photographed (with the conditions).
        at_rest = self.speech is None or (not self.player.playing and t == 0)
        self._asked = self.motion.request(None if at_rest else t)
        self._asked_time = t

    def _frame_ready(self, number: int, frame) -> None:
        if number < self._shown:  # an older request overtaken by a newer one: drop it
            return
        self._shown = number
        # Playhead, clock and picture change together: one repaint of the window, not two (on a
        # software rasteriser each repaint composes the whole window).
        t = self._asked_time if number == self._asked else self.player.position()
        self.time_label.setText(f"{int(t // 60)}:{t % 60:04.1f}")
        self.timeline.set_time(t)
        self.preview.set_frame(frame, tag=number)

    def settled(self) -> bool:
        """True once the newest frame asked for has been drawn and no job runs (for tests and
        benchmarks)."""
        return not self._jobs and self.preview.drawn_tag == self._asked

    # ------------------------------------------------------------ export

    def ask_export(self) -> None:
        if self.portrait_path is None or self.speech is None:
            QMessageBox.information(self, "Export video", "Open a portrait and some speech first.")
            return
        if self.export_dialog is not None and self.export_dialog.running:
            self.export_dialog.raise_()
            return
        self.export_dialog = ExportDialog(self.portrait_path, self.speech, self.controls.controls(),
                                          suggested_export_path(self.portrait_path, self.speech), self)
        self.export_dialog.finished_export.connect(
            lambda path: self.statusBar().showMessage(f"Exported {path}", 10000))
        self.export_dialog.show()

    # ------------------------------------------------------------ drag and drop, closing

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            self.open_any(Path(url.toLocalFile()))
        event.acceptProposedAction()

    def closeEvent(self, event) -> None:
        if self.export_dialog is not None and self.export_dialog.running:
            answer = QMessageBox.question(self, "Avatar Studio", "An export is running. Cancel it and quit?")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.export_dialog.close()
        self._timer.stop()
        self.player.stop()
        self.sources.microphone.stop_all()
        self.motion.stop()
        for job in list(self._jobs.values()) + list(self._retired):
            job.wait()
        self._jobs.clear()
        self._retired.clear()
        settings = QSettings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("controls", json.dumps(self.controls.values()))
        super().closeEvent(event)


def with_rig(avatar):
    return avatar, build_rig(avatar)


def with_features(speech: Speech):
    return speech, speech.features(PREVIEW_FPS)


def recordings_folder() -> Path:
    """Where microphone recordings are kept, so none is lost when the studio closes."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".avatar-studio") / "recordings"


def suggested_export_path(portrait: Path, speech: Speech) -> Path:
    """<Videos or home>/<portrait>-<speech>.mp4, numbered if that exists."""
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation) or Path.home())
    if not folder.is_dir():
        folder = Path.home()
    stem = f"{portrait.stem}-{Path(speech.name).stem}".replace(" ", "_")
    path, n = folder / f"{stem}.mp4", 2
    while path.exists():
        path, n = folder / f"{stem}-{n}.mp4", n + 1
    return path


def saved_controls(settings: QSettings) -> dict:
    """Control values saved at the last close (a damaged entry is ignored; the panel skips
    unknown keys)."""
    try:
        values = json.loads(str(settings.value("controls", "{}")))
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}


def last_file(settings: QSettings, kind: str, fallback: Path) -> Path:
    """The portrait or speech open at the last close, if it still exists, else `fallback`."""
    last = settings.value(f"last_{kind}")
    return Path(last) if last and Path(last).is_file() else fallback


def recent_files(settings: QSettings) -> list[Path]:
    return [Path(p) for p in json.loads(str(settings.value("recent", "[]"))) if Path(p).is_file()]


def remember_file(settings: QSettings, kind: str, path: Path) -> None:
    """Make `path` the last `kind` opened and the first of the recent files."""
    path = path.resolve()
    settings.setValue(f"last_{kind}", str(path))
    recent = [str(path)] + [str(p) for p in recent_files(settings) if p != path]
    settings.setValue("recent", json.dumps(recent[:MAX_RECENT]))


def make_app(argv: list[str]) -> QApplication:
    QSurfaceFormat.setDefaultFormat(gl_surface_format())
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setOrganizationName("AvatarStudio")
    app.setApplicationName("Avatar Studio")
    apply_dark_theme(app)
    return app


def has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_studio(argv: list[str]) -> int:
    if not has_display():
        print("avatar-studio: error: no display found; the studio needs a desktop session "
              "(headless, use the command line: avatar-studio render --help)", file=sys.stderr)
        return 2
    app = make_app(argv)
    window = MainWindow()
    window.show()
    return app.exec()
