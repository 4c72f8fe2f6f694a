"""Sound for the session: the controller's events become cues on the computer's sound output.

The goal tone and the helper's warning come from the DSP thread (``GOAL`` / ``TAKING_OVER`` are
emitted where the crossing is found) straight into the mixer — no hop through the UI thread — so a
cue starts one audio buffer (~20 ms) after the crossing; the step cues (hold, relax), rep done, set
done and done for today follow the protocol runner. With "pitch follows level" the window feeds
the target's level each frame. Settings (volume, mute, pitch, spoken cues) persist in the
preferences; without a sound output the app says so once and shows the cues only.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.session.controller import EventType, Frame, SessionEvent
from app.session.sound import Cue, CueSounds, Mixer, SoundSettings

if TYPE_CHECKING:
    from app.ui.audio import AudioOutput

log = logging.getLogger(__name__)

#: which event says which cue
CUES = {
    EventType.GOAL: Cue.GOAL,
    EventType.TAKING_OVER: Cue.COMPENSATOR,
    EventType.REP_SCORED: Cue.REP_DONE,
    EventType.SET_DONE: Cue.SET_DONE,
    EventType.DONE_FOR_TODAY: Cue.DONE_FOR_TODAY,
}
STEP_CUES = {"hold": Cue.HOLD, "rest": Cue.RELAX, "set rest": Cue.RELAX}


class SoundFeedback:
    """Owns the mixer and the output; ``on_event`` is a controller listener (any thread)."""

    def __init__(self, settings: SoundSettings) -> None:
        self.settings = settings
        self._sounds: CueSounds | None = None
        self.mixer: Mixer | None = None
        self.output: AudioOutput | None = None  # once started
        self.reason = ""

    def start(self) -> str:
        """Open the sound output (the spoken words are made once, here); returns a sentence when
        there is no sound, "" otherwise."""
        if self.mixer is None:
            from app.ui.audio import AudioOutput

            self._sounds = CueSounds(self.settings)
            self.mixer = Mixer(self._sounds, self.settings)
            self.output = AudioOutput(self.mixer)
        out = self.output
        if out is not None and not out.start():
            self.reason = out.reason
        return self.reason

    def stop(self) -> None:
        if self.output is not None:
            self.output.stop()

    def set_settings(self, settings: SoundSettings) -> None:
        self.settings = settings
        if self.mixer is not None:
            self.mixer.set_settings(settings)

    def on_event(self, ev: SessionEvent) -> None:
        """Any thread: play the cue this event stands for."""
        mixer = self.mixer
        if mixer is None:
            return
        cue = CUES.get(ev.type)
        if ev.type is EventType.STEP:
            cue = STEP_CUES.get(getattr(ev.data, "phase", ""))
        if cue is not None:
            mixer.play(cue)

    def show_frame(self, frame: Frame) -> None:
        """UI thread, each frame: the pitch-follows-level tone tracks the first target's level
        against its goal while an exercise shows feedback; silent otherwise."""
        mixer = self.mixer
        if mixer is None or not self.settings.pitch_follows_level:
            return
        st = frame.practice
        target = next((c for c in frame.channels if c.role == "target"), None)
        if st is None or st.finished or not st.feedback or st.step.phase != "hold" or target is None:
            mixer.set_level(None)
            return
        mixer.set_level(target.level / target.target_uv if target.target_uv > 0 else None)
