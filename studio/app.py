"""The studio's main window: preview, speech transport, sliders; opens on the demo portrait and voice."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QAction, QKeySequence, QSurfaceFormat
from PySide6.QtWidgets import (QApplication, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QMainWindow,
                               QMessageBox, QProgressBar, QPushButton, QVBoxLayout, QWidget)

from inference.audio import load_audio
from inference.audio.load import resample
from inference.face import analyze
from inference.motion import MotionFrame
from inference.audio.speech import SPEECH_RATE, check_speech
from inference.motion.from_speech import speech_features
from inference.motion.procedural import generate
from inference.render.rig import build_rig
from studio.controls import ControlPanel, apply_controls
from studio.playback import AudioPlayer
from studio.preview import PreviewWidget, gl_surface_format
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
        self.track = None
        self._jobs: dict[str, Job] = {}
        self._retired: set[Job] = set()  # superseded jobs still running; kept alive until done
        self._job_seq = 0
        self._build_ui()
        self._build_menu()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(TICK_MS)
        settings = QSettings()
        if settings.value("geometry"):
            self.restoreGeometry(settings.value("geometry"))
        else:
            self.resize(1100, 720)
        self.controls.set_values(saved_controls(settings))
        portrait = last_file(settings, "portrait", DEMO_PORTRAIT) if portrait is LAST else portrait
        voice = last_file(settings, "audio", DEMO_VOICE) if voice is LAST else voice
        if portrait is not None:
            self.open_portrait(Path(portrait))
        if voice is not None:
            self.open_audio(Path(voice))

    # ------------------------------------------------------------ layout

    def _build_ui(self) -> None:
        self.preview = PreviewWidget()
        self.preview.fps_measured.connect(lambda fps: self.fps_label.setText(f"{fps:.0f} fps"))
        self.controls = ControlPanel()
        self.controls.changed.connect(self._refresh)

        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("play")
        self.play_button.clicked.connect(self.toggle_play)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.speech_label = QLabel("No speech loaded")
        self.speech_label.setWordWrap(True)
        self.time_label = QLabel("0:00.0")
        transport = QHBoxLayout()
        for w in (self.play_button, self.stop_button, self.time_label):
            transport.addWidget(w)
        speech = QGroupBox("Speech")
        sv = QVBoxLayout(speech)
        sv.addWidget(self.speech_label)
        sv.addLayout(transport)
        sliders = QGroupBox("Gaze, head and expression")
        QVBoxLayout(sliders).addWidget(self.controls)

        side = QVBoxLayout()
        side.addWidget(speech)
        side.addWidget(sliders)
        side.addStretch(1)
        panel = QWidget()
        panel.setLayout(side)
        panel.setFixedWidth(380)
        body = QHBoxLayout()
        body.addWidget(self.preview, 1)
        body.addWidget(panel)
        central = QWidget()
        central.setLayout(body)
        self.setCentralWidget(central)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setMaximumWidth(140)
        self.busy.hide()
        self.fps_label = QLabel("")
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.fps_label)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (("Open &Portrait…", QKeySequence.StandardKey.Open, self._ask_portrait),
                                     ("Open &Audio…", "Ctrl+Shift+O", self._ask_audio),
                                     ("&Quit", QKeySequence.StandardKey.Quit, self.close)):
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            if slot == self._ask_audio:
                self.recent_menu = menu.addMenu("Open &Recent")
                self.recent_menu.aboutToShow.connect(self._fill_recent)

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
        path, _ = QFileDialog.getOpenFileName(self, "Open portrait", "", "Images (*.jpg *.jpeg *.png *.webp)")
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

        def load():
            clip = load_audio(path, sample_rate=48000)
            speech = resample(clip, SPEECH_RATE)  # decode once; analysis wants 16 kHz
            check_speech(speech, path.name)
            return path, clip, generate(speech_features(speech, 25.0))

        self._start("audio", load, self._audio_ready)

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
        self.preview.set_avatar(avatar, rig)
        notes = "; ".join(avatar.notes)
        self.statusBar().showMessage(f"Portrait: {Path(avatar.source).name}" + (f" ({notes})" if notes else ""), 8000)
        self._refresh()

    def _audio_ready(self, result) -> None:
        path, clip, track = result
        remember_file(QSettings(), "audio", path)
        self.player.load(clip)
        self.track = track
        self.speech_label.setText(f"{path.name} — {clip.duration:.1f} s")
        self.statusBar().showMessage(f"Speech: {path.name}", 5000)
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
        self._refresh()

    def _tick(self) -> None:
        if self.player.playing:
            if self.player.finished:
                self.player.pause()
                self.play_button.setText("Play")
            self._refresh()

    def current_frame(self) -> MotionFrame:
        t = self.player.position()
        base = self.track.at_time(t) if self.track is not None and (self.player.playing or t > 0) else MotionFrame.neutral()
        return apply_controls(base, self.controls.values())

    def _refresh(self) -> None:
        t = self.player.position()
        self.time_label.setText(f"{int(t // 60)}:{t % 60:04.1f}")
        self.preview.set_frame(self.current_frame())

    # ------------------------------------------------------------ drag and drop, closing

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in IMAGE_SUFFIXES:
                self.open_portrait(path)
            else:
                self.open_audio(path)
        event.acceptProposedAction()

    def closeEvent(self, event) -> None:
        self._timer.stop()
        self.player.stop()
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


def saved_controls(settings: QSettings) -> dict[str, float]:
    """Slider values saved at the last close (unknown or damaged entries are ignored)."""
    try:
        values = json.loads(str(settings.value("controls", "{}")))
    except ValueError:
        return {}
    return {k: float(v) for k, v in values.items() if isinstance(v, (int, float))} if isinstance(values, dict) else {}


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
