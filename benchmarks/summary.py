"""The top-level keys of benchmarks/results.json (issue 13), taken from the detailed sections the
benchmarks write; a key whose benchmark did not run (or could not: neurokit2 not installed) is
null rather than a stale or invented number."""

from __future__ import annotations

from typing import Any

KEYS = ("fps", "cpu_percent", "latency_ms_p50", "latency_ms_p99", "cue_latency_ms_p50")


def _app_case(data: dict[str, Any], case: str) -> dict[str, Any]:
    app = data.get("app") or {}
    xvfb = app.get("xvfb")
    if isinstance(xvfb, dict) and case in xvfb:  # a real X server: closer to a desktop than offscreen
        return dict(xvfb[case])
    return dict((app.get("offscreen") or {}).get(case) or {})


def top_level(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    big, small = _app_case(data, "8x2000"), _app_case(data, "2x1000")
    for key in KEYS:
        out[key] = big.get(key)
        out[f"2x1000_{key}"] = small.get(key)
    dsp = (data.get("dsp") or {}).get("with_live_analysis", {}).get("worker_and_live_analysis", {})
    out["dsp_realtime_factor"] = dsp.get("x_real_time")
    out["frame_cost_ratio_vs_naive"] = (data.get("display") or {}).get("ratio_decimated_vs_naive")
    memory = data.get("memory") or {}
    out["rss_mb_60min"] = memory.get("rss_mb_max") if memory.get("session_minutes", 0) >= 60 else None
    out["rss_growth_mb_per_h"] = memory.get("rss_growth_mb_per_hour") if out["rss_mb_60min"] is not None else None
    analysis = data.get("analysis") or {}
    ratio = analysis.get("ratio_neurokit2_over_glutefire")  # how many times faster than NeuroKit2
    out["analysis_speedup_vs_neurokit2"] = ratio if isinstance(ratio, (int, float)) else None
    return out
