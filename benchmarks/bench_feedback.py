"""Onset → goal tone, end to end, through the real chain: the simulated patch's manual squeeze
(the true onset is the press, applied to the next generated samples), the DSP thread's band-pass,
envelope and crossing, the controller's GOAL event, the sound feedback's mixer, and a consumer
pulling 5 ms chunks as the audio device's thread does. The device's own buffer (20 ms asked; what
Qt grants is reported by ``app.ui.audio.AudioOutput.latency_s``) is added to give the total heard.
Target: median ≤ 50 ms (issue: guided practice; Hadjiosif et al. 2025 on feedback delay).
"""

from __future__ import annotations

import threading
import time

import numpy as np

DEVICE_BUFFER_S = 0.020
PULL_S = 0.005


def run(presses: int = 20) -> dict[str, object]:
    from app.session.controller import MemoryTargets, SessionController, SimulatedChoice
    from app.session.sound import SAMPLE_RATE, Cue, CueSounds, Mixer, SoundSettings
    from app.ui.sound_feedback import SoundFeedback

    settings = SoundSettings(speech=False)
    feedback = SoundFeedback(settings)
    feedback.mixer = Mixer(CueSounds(settings), settings)  # no device: a puller thread stands in for it
    mixer = feedback.mixer
    stop = threading.Event()

    def device() -> None:
        n = int(SAMPLE_RATE * PULL_S)
        next_t = time.monotonic()
        while not stop.is_set():
            mixer.pull(n)
            next_t += PULL_S
            time.sleep(max(0.0, next_t - time.monotonic()))

    puller = threading.Thread(target=device, daemon=True)
    puller.start()
    ctl = SessionController(targets=MemoryTargets(threshold_uv=50.0))
    ctl.sound_cues = True
    ctl.listeners.append(feedback.on_event)
    ctl.connect(SimulatedChoice(("gluteus_maximus_L",), scenario="manual", seed=3))
    lat = []
    try:
        time.sleep(2.5)  # the onset detector's rest baseline
        for _ in range(presses):
            before = len([s for s in mixer.started if s.cue is Cue.GOAL])
            t_press = time.monotonic()
            ctl.press(True)
            deadline = t_press + 2.0
            while time.monotonic() < deadline:
                goals = [s for s in mixer.started if s.cue is Cue.GOAL]
                if len(goals) > before:
                    lat.append((goals[-1].pulled_at - t_press + DEVICE_BUFFER_S) * 1000.0)
                    break
                time.sleep(0.001)
            time.sleep(0.6)
            ctl.press(False)
            time.sleep(0.8)
    finally:
        ctl.close()
        stop.set()
        puller.join(1.0)
    arr = np.array(lat)
    return {
        "presses": presses,
        "heard": int(arr.size),
        "onset_to_tone_ms_median": round(float(np.median(arr)), 1) if arr.size else None,
        "onset_to_tone_ms_p90": round(float(np.percentile(arr, 90)), 1) if arr.size else None,
        "onset_to_tone_ms_max": round(float(arr.max()), 1) if arr.size else None,
        "includes_device_buffer_ms": DEVICE_BUFFER_S * 1000.0,
        "target_median_ms": 50,
    }


if __name__ == "__main__":
    print(run())
