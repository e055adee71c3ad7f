import sys
import textwrap

from bench import run_all


def test_parse_result_line():
    assert run_all.parse_result("RESULT figure=poll project=1200 baseline=1500 ratio=0.80 target='>= 0.6'") == {
        "figure": "poll", "project": "1200", "baseline": "1500", "ratio": "0.80", "target": ">= 0.6"}
    assert run_all.parse_result("something else") is None


def test_table_collects_every_script(tmp_path, monkeypatch, capsys):
    (tmp_path / "bench_a.py").write_text(textwrap.dedent("""
        print("RESULT figure=alpha project=2 baseline=1 ratio=2.0 target=x")
    """))
    (tmp_path / "bench_b.py").write_text("import sys; sys.exit(3)\n")
    monkeypatch.setattr(run_all, "HERE", tmp_path)
    code = run_all.main([])
    out = capsys.readouterr().out
    assert "alpha" in out and "bench_b.py failed (exit 3)" in out
    assert code == 1
    assert sys.executable
