"""Latency of the sound cues, from the DSP thread's request to the first sample the device pulls.

A consumer thread pulls 5 ms chunks on a real-time clock, as an audio device's thread does; a
producer thread (the DSP thread) triggers GOAL and COMPENSATOR at random moments and moves the
level tone. The mixer logs when each cue was requested and when the pull that started it ran.

- request -> pulled: the wait for the next pull (at most one chunk) plus the mixer's own cost.
- total estimate: that (p99) plus the device buffer (20 ms, AudioOutput's QAudioSink buffer at
  48 kHz), against the 50 ms onset -> tone target. PulseAudio keeps ~8-15 ms of its own on top
  (its "Buffer Latency" + "Sink Latency" in `pactl list sink-inputs`), not counted here.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from app.session.sound import SAMPLE_RATE, Cue, CueSounds, Mixer, SoundSettings

CHUNK_MS = 5.0
DEVICE_BUFFER_MS = 20.0
TARGET_MS = 50.0


def run(cues: int = 200, seed: int = 5) -> dict:
    settings = SoundSettings(pitch_follows_level=True, speech=False)
    mixer = Mixer(CueSounds(settings), settings)
    chunk = int(SAMPLE_RATE * CHUNK_MS / 1000)
    pull_cost: list[float] = []
    play_cost: list[float] = []
    done = threading.Event()

    def device() -> None:
        deadline = time.monotonic()
        while not done.is_set():
            deadline += chunk / SAMPLE_RATE
            pause = deadline - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            t = time.perf_counter()
            mixer.pull(chunk)
            pull_cost.append(time.perf_counter() - t)

    def dsp() -> None:
        rng = np.random.default_rng(seed)
        for i in range(cues):
            time.sleep(float(rng.uniform(0.005, 0.045)))
            mixer.set_level(float(rng.uniform(0.0, 1.2)))
            t = time.perf_counter()
            mixer.play(Cue.COMPENSATOR if i % 4 == 3 else Cue.GOAL)
            play_cost.append(time.perf_counter() - t)

    consumer = threading.Thread(target=device, name="bench-audio")
    producer = threading.Thread(target=dsp, name="bench-dsp")
    consumer.start()
    producer.start()
    producer.join()
    time.sleep(2 * CHUNK_MS / 1000)
    done.set()
    consumer.join()

    waits = np.array([(s.pulled_at - s.requested_at) * 1000 for s in mixer.started])
    p99 = float(np.percentile(waits, 99))
    return {
        "cues": cues,
        "started": int(waits.size),
        "chunk_ms": CHUNK_MS,
        "request_to_pulled_ms_p50": round(float(np.median(waits)), 2),
        "request_to_pulled_ms_p99": round(p99, 2),
        "request_to_pulled_ms_max": round(float(np.max(waits)), 2),
        "play_call_us_p99": round(float(np.percentile(play_cost, 99)) * 1e6, 1),
        "pull_5ms_us_median": round(float(np.median(pull_cost)) * 1e6, 1),
        "pull_5ms_us_p99": round(float(np.percentile(pull_cost, 99)) * 1e6, 1),
        "device_buffer_ms": DEVICE_BUFFER_MS,
        "total_estimate_ms_p99": round(p99 + DEVICE_BUFFER_MS, 1),
        "target_ms": TARGET_MS,
    }


if __name__ == "__main__":
    print(run())
