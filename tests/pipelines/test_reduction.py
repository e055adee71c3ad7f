"""Runners: command-line template, captured log, exit status, transient failures, time limit; output checks."""
from __future__ import annotations

import datetime as dt
import sys

import pytest

from demo.standin import StandInRunner
from demo.synthetic import raw as synthetic
from domain.instruments import CALIBRATION, SCIENCE, get_instrument
from pipelines.reduction.base import TransientReductionError
from pipelines.reduction.checks import check_l1
from pipelines.reduction.command import CommandLineRunner


@pytest.fixture
def raw(tmp_path):
    spec = synthetic.RawSpec(instrument="MYSTIC", object="HD 5", ra_deg=1.0, dec_deg=2.0,
                             start=dt.datetime(2024, 3, 3, 5, tzinfo=dt.UTC), role=CALIBRATION, diameter_mas=0.4)
    return synthetic.write_raw(tmp_path / "raw.fits", spec)


def test_standin_reduces_a_synthetic_raw_file_into_valid_oifits(raw, tmp_path):
    result = StandInRunner().run([raw], tmp_path / "out")
    assert result.ok and result.exit_status == 0 and "reduced raw.fits" in result.log
    assert (tmp_path / "out" / "reduction.log").read_text() == result.log
    problems, report = check_l1(result.outputs[0], get_instrument("MYSTIC"), expected_object="HD 5",
                                expected_role=CALIBRATION)
    assert problems == [] and report["ok"] and report["summary"]["nb_vis2"] == 15
    again = StandInRunner().run([raw], tmp_path / "again")  # deterministic: same bytes, so registration is idempotent
    assert again.outputs[0].read_bytes() == result.outputs[0].read_bytes()
    wrong, _ = check_l1(result.outputs[0], get_instrument("MYSTIC"), expected_object="HD 6", expected_role=SCIENCE)
    assert any("OBJTYPE says CALIBRATION" in p for p in wrong) and any("HD 6" in p for p in wrong)


def test_transient_exit_status_then_success(raw, tmp_path, monkeypatch):
    monkeypatch.setenv("ISSP_STANDIN_FAIL_ONCE", str(tmp_path / "marker"))
    with pytest.raises(TransientReductionError, match="exited with 75"):
        StandInRunner().run([raw], tmp_path / "w1")
    assert StandInRunner().run([raw], tmp_path / "w2").ok


def test_permanent_failure_keeps_exit_status_and_log(tmp_path):
    bad = tmp_path / "bad.fits"
    bad.write_bytes(b"SIMPLE  =                    T" + b" " * 2850)
    result = StandInRunner().run([bad], tmp_path / "w")
    assert result.exit_status == 2 and not result.ok and "ERROR" in result.log


def test_time_limit_is_a_transient_failure(tmp_path):
    runner = CommandLineRunner(command=[sys.executable, "-c", "import time; time.sleep(30)"], timeout_s=0.5,
                               name="sleeper", version="1")
    with pytest.raises(TransientReductionError, match="timed out"):
        runner.run([], tmp_path)
    assert runner.software == "sleeper 1"
