"""The forecast on a Dask distributed cluster equals the local run (issue #19).

A ``LocalCluster`` of two single-threaded worker processes, started once for the module; the
series are small (four weeks) so the whole module stays within a few seconds of cluster start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecasting import engine
from forecasting.engine import ForecastConfig, run_forecast
from forecasting.errors import ConfigError, InsufficientHistoryError

distributed = pytest.importorskip(
    "distributed", reason="dask[distributed] is not installed (pip install 'contact-wfm[dask]')"
)

TZ = "Asia/Dubai"


def small_history(queues: int = 5, weeks: int = 4, seed: int = 3) -> pd.DataFrame:
    """*queues* queues of *weeks* weeks at 30 minutes with a daily shape and different levels."""
    ds = pd.date_range("2026-09-07", periods=weeks * 336, freq="30min", tz=TZ)
    wall = ds.tz_localize(None)
    hour = np.asarray(wall.hour + wall.minute / 60)
    shape = np.exp(-(((hour - 12) / 3.5) ** 2)) * np.where(
        np.asarray(wall.day_of_week) >= 5, 0.5, 1
    )
    rng = np.random.default_rng(seed)
    frames = []
    for q in range(queues):
        offered = rng.poisson((2 + 15 * q) * shape).astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "channel": "voice" if q % 2 else "chat",
                    "queue": f"e{q}.ar",
                    "interval_start": ds,
                    "offered": offered,
                    "handled": offered,
                    "aht_s": np.where(offered > 0, rng.normal(300, 30, len(ds)), np.nan),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """Address of a two-worker LocalCluster (processes, one thread each)."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


def _same(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.forecast, b.forecast, check_exact=True)
    pd.testing.assert_frame_equal(
        a.accuracy.drop(columns="fit_s"), b.accuracy.drop(columns="fit_s"), check_exact=True
    )
    assert list(a.series) == list(b.series)


def test_dask_run_equals_the_local_run(scheduler: str) -> None:
    history = small_history()
    config = ForecastConfig(days=2, origins=2)
    local = run_forecast(history, config)
    ticks: list[int] = []
    on_dask = run_forecast(
        history, ForecastConfig(days=2, origins=2, dask=scheduler), progress=ticks.append
    )
    _same(on_dask, local)
    assert sum(ticks) == 5
    # the cluster really ran them (not a silent local fallback): the scheduler saw the tasks
    with distributed.Client(scheduler, set_as_default=False) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        prefixes = client.run_on_scheduler(_task_prefixes)
    assert "run_chunk" in prefixes


def _task_prefixes(dask_scheduler: Any) -> list[str]:
    return list(dask_scheduler.task_prefixes)


def test_dask_reports_a_failing_series_like_the_local_run(scheduler: str) -> None:
    history = small_history(queues=2)
    short = history[history["queue"] == "e1.ar"].iloc[:100]
    history = pd.concat([history[history["queue"] == "e0.ar"], short], ignore_index=True)
    with pytest.raises(InsufficientHistoryError, match="e1.ar"):
        run_forecast(history, ForecastConfig(days=1, origins=1, dask=scheduler))


def test_an_unreachable_scheduler_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "DASK_CONNECT_TIMEOUT_S", 1)
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        run_forecast(small_history(queues=1), ForecastConfig(days=1, dask="tcp://127.0.0.1:9"))


def test_an_empty_dask_option_is_refused() -> None:
    with pytest.raises(ConfigError, match="dask must be 'local' or a scheduler address"):
        ForecastConfig(dask=" ")


def test_cli_dask_option_and_environment_variable(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.cli import cli
    from wfmcore.io import write_csv

    csv = tmp_path / "history.csv"
    write_csv(small_history(queues=3), csv)
    runner = CliRunner()
    args = ["forecast", str(csv), "--days", "1", "--origins", "1", "--quiet"]
    local = runner.invoke(cli, [*args, "-o", str(tmp_path / "local.csv")])
    assert local.exit_code == 0, local.output
    by_option = runner.invoke(cli, [*args, "-o", str(tmp_path / "opt.csv"), "--dask", scheduler])
    assert by_option.exit_code == 0, by_option.output
    by_env = runner.invoke(
        cli, [*args, "-o", str(tmp_path / "env.csv")], env={"WFM_DASK_SCHEDULER": scheduler}
    )
    assert by_env.exit_code == 0, by_env.output
    expected = (tmp_path / "local.csv").read_text(encoding="utf-8")
    assert (tmp_path / "opt.csv").read_text(encoding="utf-8") == expected
    assert (tmp_path / "env.csv").read_text(encoding="utf-8") == expected
    monkeypatch.setattr(engine, "DASK_CONNECT_TIMEOUT_S", 1)
    refused = runner.invoke(
        cli,
        [*args, "-o", str(tmp_path / "bad.csv")],
        env={"WFM_DASK_SCHEDULER": "tcp://127.0.0.1:9"},
    )
    assert refused.exit_code == 2
    assert "cannot reach the Dask scheduler" in refused.output
