"""Staffing benchmark: accuracy against simulation, a reality check on real calls, and speed.

Run ``python bench/staffing_bench.py`` (``--quick`` for a smaller grid, ``--data DIR`` for the
shared data folder, default ``../shared/data``). Prints three tables:

1. **Accuracy**: analytic vs simulated service level over a grid of volume (20 to 5,000 contacts
   per hour), AHT (120-600 s), patience (60-300 s) and targets 80/20 and 90/30, at the agent
   count the model requires; Erlang A against a simulation with patience, Erlang C against one
   without (5 replications of at least 24 simulated hours each after a 2-hour warm-up). Then the
   carry-over effect on a real-shaped day (queue carried between intervals).
2. **Reality**: the Anonymous Bank 1999 per-call records (raw files, parsed here): per
   30-minute interval, agents on duty estimated as the distinct agents serving calls in it;
   predicted vs actual share answered within 20 s (of offered) and abandonment, Erlang C vs
   Erlang A (patience estimated per month as abandons / total time waited, the exponential MLE).
3. **Speed**: required agents for a year of 30-minute intervals for 10 channels, vectorised,
   against a straightforward per-interval Python loop in the same run.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from scheduling.staffing.erlang import erlang_c
from scheduling.staffing.erlang_a import erlang_a
from scheduling.staffing.requirements import channel_metrics, required_agents
from scheduling.staffing.simulation import mean_ci, simulate_queue
from scheduling.staffing.targets import ChannelTargets

REPO = Path(__file__).resolve().parent.parent


# --- 1. accuracy --------------------------------------------------------------------------------
def accuracy(quick: bool, seed: int) -> pd.DataFrame:
    """Table 1: analytic against simulated service level over the volume, AHT and target grid."""
    volumes_h = [20, 100, 500, 2000, 5000] if not quick else [20, 500, 5000]
    ahts = [120, 300, 600] if not quick else [180, 600]
    patiences = [60, 300] if not quick else [120]
    slas = [(0.8, 20), (0.9, 30)] if not quick else [(0.8, 20)]
    reps = 5
    rows = []
    for vol_h in volumes_h:
        for aht in ahts:
            for sl, t in slas:
                for model, pat in [("erlang_c", None)] + [("erlang_a", p) for p in patiences]:
                    target = ChannelTargets(
                        name="x",
                        model=model,
                        service_level=sl,
                        answer_within_s=t,
                        patience_s=pat,
                    )
                    vol = vol_h / 2.0  # per 30-minute interval
                    n = int(required_agents(target, [vol], [aht], interval_s=1800.0)[0])
                    m = channel_metrics(target, [vol], [aht], [n], interval_s=1800.0)
                    # at least 24 h per replication: near full load the queue of a large
                    # center drifts for hours, so short runs are noisy
                    calls_per_rep = 40_000 / reps if not quick else 15_000 / reps
                    min_intervals = 48 if not quick else 16
                    intervals = int(max(min_intervals, math.ceil(calls_per_rep / vol))) + 4
                    res = simulate_queue(
                        np.full(intervals, vol),
                        np.full(intervals, float(aht)),
                        np.full(intervals, n),
                        interval_min=30,
                        answer_within_s=t,
                        patience_s=pat,
                        replications=reps,
                        seed=seed,
                    )
                    num = res.answered_within[:, 4:].sum(1)
                    den = res.offered[:, 4:].sum(1)
                    sim, half = mean_ci(num / den)
                    rows.append(
                        {
                            "model": model,
                            "calls_h": vol_h,
                            "aht_s": aht,
                            "patience_s": pat or np.nan,
                            "target": f"{int(sl * 100)}/{t}",
                            "agents": n,
                            "analytic_sl": float(m.service_level[0]),
                            "sim_sl": float(sim),
                            "sim_hw": float(half),
                            "diff_pp": 100 * (float(m.service_level[0]) - float(sim)),
                        }
                    )
    return pd.DataFrame(rows)


def carry_over_day(seed: int) -> dict[str, float]:
    """A day shaped like a real one (steep morning ramp), staffed per interval by Erlang A."""
    hours = np.arange(48) / 2
    shape = np.interp(hours, [0, 6, 8, 10, 13, 16, 19, 22, 24], [5, 5, 60, 100, 80, 90, 60, 20, 5])
    vol = shape * 2.0  # up to 200 calls per 30 min
    target = ChannelTargets(
        name="voice", model="erlang_a", service_level=0.8, answer_within_s=20, patience_s=120.0
    )
    n = required_agents(target, vol, np.full(48, 240.0), interval_s=1800.0)
    m = channel_metrics(target, vol, np.full(48, 240.0), n, interval_s=1800.0)
    analytic = float((m.service_level * vol).sum() / vol.sum())
    res = simulate_queue(
        vol,
        np.full(48, 240.0),
        n,
        interval_min=30,
        answer_within_s=20,
        patience_s=120.0,
        replications=20,
        seed=seed,
    )
    sim, half = mean_ci(res.service_level(axis=1))
    per_int, _ = mean_ci(res.service_level())
    worst = int(np.nanargmax(m.service_level - per_int))
    return {
        "analytic_day_sl": analytic,
        "sim_day_sl": float(sim),
        "sim_hw": float(half),
        "worst_interval": worst / 2,
        "worst_gap_pp": 100 * float(m.service_level[worst] - per_int[worst]),
    }


# --- 2. reality check ---------------------------------------------------------------------------
def _seconds(col: pd.Series) -> np.ndarray:
    parts = col.astype(str).str.strip().str.split(":", expand=True)
    h = pd.to_numeric(parts[0], errors="coerce")
    m = pd.to_numeric(parts[1], errors="coerce")
    s = pd.to_numeric(parts[2], errors="coerce")
    return (h * 3600 + m * 60 + s).to_numpy(dtype=np.float64)


def load_bank(raw_dir: Path) -> pd.DataFrame:
    """The Anonymous Bank per-call records of three months, parsed from the raw text files."""
    frames = []
    for name in ("january", "february", "october"):
        f = pd.read_csv(
            raw_dir / f"{name}.txt", sep="\t", dtype=str, on_bad_lines="skip", engine="python"
        )
        f.columns = [c.strip() for c in f.columns]
        f["month"] = name
        frames.append(f)
    raw = pd.concat(frames, ignore_index=True)
    day = pd.to_datetime(raw["date"].str.strip(), format="%y%m%d", errors="coerce")
    out = pd.DataFrame({"month": raw["month"], "day": day})
    vru_in, vru_out = _seconds(raw["vru_entry"]), _seconds(raw["vru_exit"])
    vru_out = np.where(vru_out < vru_in, vru_out + 86400, vru_out)
    out["arrive_s"] = vru_out
    out["q_start"] = _seconds(raw["q_start"])
    out["q_time"] = pd.to_numeric(raw["q_time"], errors="coerce").to_numpy()
    out["outcome"] = raw["outcome"].str.strip()
    ss, se = _seconds(raw["ser_start"]), _seconds(raw["ser_exit"])
    se = np.where(se < ss, se + 86400, se)
    out["ser_start"], out["ser_exit"] = ss, se
    out["ser_time"] = pd.to_numeric(raw["ser_time"], errors="coerce").to_numpy()
    out["server"] = raw["server"].str.strip()
    return out.dropna(subset=["day", "arrive_s", "q_time"])


def reality(data_dir: Path) -> tuple[pd.DataFrame, dict[str, float]]:
    """Table 2: the models' errors against the real calls, and facts about those calls.

    Returns
    -------
    errors, facts
        Service-level and abandonment errors (percentage points) per way of counting the agents
        on duty and per model; the calls offered, the actual service level and abandonment, and
        the patience per month.
    """
    calls = load_bank(data_dir / "anonymous_bank_1999" / "raw")
    answered = calls["outcome"] == "AGENT"
    abandoned = (calls["outcome"] == "HANG") & (calls["q_start"] > 0)
    offered = calls[answered | abandoned].copy()
    offered["answered"] = (offered["outcome"] == "AGENT").astype(float)
    offered["abandoned"] = 1.0 - offered["answered"]
    offered["within20"] = offered["answered"] * (offered["q_time"] <= 20)
    offered["slot"] = (offered["arrive_s"] // 1800).astype(int)
    # patience per month: exponential MLE = abandons / total time waited by everyone
    pat = {}
    for month, g in offered.groupby("month"):
        pat[month] = float(g["q_time"].sum() / max(g["abandoned"].sum(), 1.0))
    # agents on duty: distinct servers whose service overlaps the interval
    served = calls[answered & (calls["server"] != "NO_SERVER") & (calls["ser_time"] > 0)]
    first = (served["ser_start"] // 1800).astype(int).to_numpy()
    last = ((served["ser_exit"] - 1e-9) // 1800).astype(int).to_numpy()
    span = np.maximum(last - first, 0)
    rep = np.repeat(np.arange(len(served)), span + 1)
    slots = first[rep] + (
        np.arange(rep.size) - np.repeat(np.cumsum(span + 1) - (span + 1), span + 1)
    )
    pieces = pd.DataFrame(
        {
            "day": served["day"].to_numpy()[rep],
            "slot": slots,
            "server": served["server"].to_numpy()[rep],
            "s": np.maximum(served["ser_start"].to_numpy()[rep], slots * 1800.0),
            "e": np.minimum(served["ser_exit"].to_numpy()[rep], (slots + 1) * 1800.0),
        }
    )
    per_server = pieces.groupby(["day", "slot", "server"]).agg(s=("s", "min"), e=("e", "max"))
    # estimate 1: every agent who served in the interval counts as one agent on duty
    distinct = per_server.groupby(["day", "slot"]).size().rename("agents")
    # estimate 2: an agent counts for the span from their first service start to their last
    # service end inside the interval (idle time at the edges is lost: a lower estimate)
    span_frac = ((per_server["e"] - per_server["s"]) / 1800.0).groupby(["day", "slot"]).sum()
    on_duty = pd.concat([distinct, span_frac.rename("agents_span")], axis=1)
    aht_by = (
        served.assign(slot=(served["arrive_s"] // 1800).astype(int))
        .groupby(["day", "slot"])["ser_time"]
        .mean()
        .rename("aht_s")
    )
    g = (
        offered.groupby(["month", "day", "slot"])
        .agg(
            offered=("answered", "size"),
            answered=("answered", "sum"),
            abandoned=("abandoned", "sum"),
            within20=("within20", "sum"),
        )
        .reset_index()
    )
    g = g.join(on_duty, on=["day", "slot"]).join(aht_by, on=["day", "slot"])
    g = g.dropna(subset=["agents", "aht_s"])
    g = g[(g["offered"] >= 10) & (g["agents"] >= 1)].copy()
    g["patience_s"] = g["month"].map(pat)
    g["actual_sl"] = g["within20"] / g["offered"]
    g["actual_ab"] = g["abandoned"] / g["offered"]
    w = g["offered"].to_numpy()

    def err(pred: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
        d = 100 * (pred - actual)
        return float(np.average(np.abs(d), weights=w)), float(np.average(d, weights=w))

    rows = []
    for est, col in [("distinct agents", "agents"), ("service span", "agents_span")]:
        n = np.maximum(np.rint(g[col].to_numpy()), 1.0)
        c = erlang_c(g["offered"], g["aht_s"], n, interval_s=1800, answer_within_s=20)
        a = erlang_a(
            g["offered"],
            g["aht_s"],
            n,
            interval_s=1800,
            answer_within_s=20,
            patience_s=g["patience_s"],
        )
        for name, sl, ab in [
            ("Erlang C", c.service_level, np.zeros(len(g))),
            ("Erlang A", a.service_level, a.abandon_rate),
        ]:
            sl_mae, sl_bias = err(sl, g["actual_sl"].to_numpy())
            ab_mae, ab_bias = err(ab, g["actual_ab"].to_numpy())
            rows.append(
                {
                    "agents_estimate": est,
                    "model": name,
                    "intervals": len(g),
                    "mean_agents": float(n.mean()),
                    "sl_mae_pp": sl_mae,
                    "sl_bias_pp": sl_bias,
                    "aband_mae_pp": ab_mae,
                    "aband_bias_pp": ab_bias,
                }
            )
    facts = {
        "calls_offered": float(len(offered)),
        "actual_sl": float(np.average(g["actual_sl"], weights=w)),
        "actual_aband": float(np.average(g["actual_ab"], weights=w)),
        **{f"patience_{k}_s": v for k, v in pat.items()},
    }
    return pd.DataFrame(rows), facts


# --- 3. speed -----------------------------------------------------------------------------------
def _naive_required(vol: float, aht: float, sl: float, t: float, occ: float) -> int:
    """Textbook per-interval Erlang C search in plain Python (Erlang B recursion per N)."""
    if vol <= 0:
        return 0
    a = vol * aht / 1800.0
    n = max(1, int(math.floor(a)) + 1)
    while True:
        b = 1.0
        for k in range(1, n + 1):
            b = a * b / (k + a * b)
        c = n * b / (n - a * (1 - b))
        if 1 - c * math.exp(-(n - a) * t / aht) >= sl and a / n <= occ:
            return n
        n += 1


def speed(quick: bool) -> pd.DataFrame:
    """Table 3: seconds for a year of required agents, vectorised against a Python loop."""
    rng = np.random.default_rng(0)
    n_int = 365 * 48 * 10
    day = np.sin(np.linspace(0, np.pi, 48)) ** 2
    scale = rng.uniform(20, 400, 10)
    vol = (np.tile(day, 365 * 10) * np.repeat(scale, 365 * 48)) * rng.uniform(0.8, 1.2, n_int)
    aht = rng.uniform(150, 400, n_int)
    rows = []
    for model, pat in [("erlang_c", None), ("erlang_a", 120.0)]:
        target = ChannelTargets(
            name="x",
            model=model,
            service_level=0.8,
            answer_within_s=20,
            max_occupancy=0.9,
            patience_s=pat,
        )
        t0 = time.perf_counter()
        n = required_agents(target, vol, aht, interval_s=1800.0)
        t_vec = time.perf_counter() - t0
        t0 = time.perf_counter()
        channel_metrics(target, vol, aht, n, interval_s=1800.0)
        t_met = time.perf_counter() - t0
        rows.append(
            {
                "what": f"required_agents {model} (vectorised)",
                "intervals": n_int,
                "seconds": t_vec,
                "per_s": n_int / t_vec,
            }
        )
        rows.append(
            {
                "what": f"metrics at the result {model} (SL, ASA, occ, aband)",
                "intervals": n_int,
                "seconds": t_met,
                "per_s": n_int / t_met,
            }
        )
    sub = 3000 if quick else 10_000
    t0 = time.perf_counter()
    naive = [_naive_required(vol[i], aht[i], 0.8, 20.0, 0.9) for i in range(sub)]
    t_naive = time.perf_counter() - t0
    target_c = ChannelTargets(name="x", model="erlang_c", service_level=0.8, max_occupancy=0.9)
    check = required_agents(target_c, vol[:sub], aht[:sub], interval_s=1800.0)
    assert list(check) == naive, "vectorised and naive searches disagree"
    rows.append(
        {
            "what": "required_agents erlang_c (per-interval Python loop)",
            "intervals": sub,
            "seconds": t_naive,
            "per_s": sub / t_naive,
        }
    )
    out = pd.DataFrame(rows)
    out["vs_loop"] = out["per_s"] / (sub / t_naive)
    return out


def main() -> None:
    """Run the tables not skipped on the command line and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller grid, fewer calls")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip", default="", help="comma list of: accuracy,reality,speed")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    pd.set_option("display.width", 160)
    if "accuracy" not in skip:
        t0 = time.perf_counter()
        acc = accuracy(args.quick, args.seed)
        print("\n== 1. Accuracy: analytic vs simulated service level (stationary) ==")
        print(acc.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        for model, g in acc.groupby("model"):
            print(
                f"{model}: max |diff| {g['diff_pp'].abs().max():.2f} pp, mean |diff| "
                f"{g['diff_pp'].abs().mean():.2f} pp, median sim half-width "
                f"{100 * g['sim_hw'].median():.2f} pp, within half-width "
                f"{int((g['diff_pp'].abs() <= 100 * g['sim_hw']).sum())}/{len(g)}"
            )
        day = carry_over_day(args.seed)
        print(
            "carry-over, one real-shaped day staffed by Erlang A 80/20: analytic day SL "
            f"{day['analytic_day_sl']:.3f}, simulated {day['sim_day_sl']:.3f} "
            f"± {day['sim_hw']:.3f}; largest interval gap {day['worst_gap_pp']:.1f} pp at "
            f"{day['worst_interval']:.1f} h"
        )
        print(f"(accuracy took {time.perf_counter() - t0:.0f} s)")
    if "reality" not in skip:
        if (args.data / "anonymous_bank_1999" / "raw").is_dir():
            table, facts = reality(args.data)
            print("\n== 2. Reality: Anonymous Bank 1999, per 30-min interval (>= 10 calls) ==")
            print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
            print(
                ", ".join(f"{k} {v:.3f}" if v < 100 else f"{k} {v:.0f}" for k, v in facts.items())
            )
        else:
            print(f"\n(no data at {args.data}; reality check skipped)")
    if "speed" not in skip:
        sp = speed(args.quick)
        print("\n== 3. Speed: a year of 30-min intervals x 10 channels ==")
        print(sp.to_string(index=False, float_format=lambda x: f"{x:,.2f}"))


if __name__ == "__main__":
    main()
