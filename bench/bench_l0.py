"""L0 extraction throughput on 2,000 generated raw files vs a plain astropy.io.fits.getheader loop.

Both loops run in the same process on the same files (written once into a temp
folder, read once before timing so both see a warm page cache). Project =
pipelines.l0.read_primary_header + pipelines.l0.extract (the full L0 record);
baseline = fits.getheader alone. Target: project >= 0.8 x baseline (files/s).
"""
from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from astropy.io import fits

from demo.synthetic import raw as synthetic
from pipelines import l0


def make_files(folder: Path, n: int) -> list[Path]:
    start = dt.datetime(2024, 3, 3, 4, 0, tzinfo=dt.UTC)
    instruments = ["SPICA", "MIRC-X", "MYSTIC"]
    paths = []
    for i in range(n):
        spec = synthetic.RawSpec(instrument=instruments[i % 3], object=f"HD {1000 + i}", ra_deg=i % 360,
                                 dec_deg=20.0, start=start + dt.timedelta(seconds=30 * i), seed=i, n_frames=4)
        paths.append(synthetic.write_raw(folder / synthetic.raw_filename(spec, i), spec))
    return paths


def time_loop(fn, paths: list[Path], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for p in paths:
            fn(p)
        best = min(best, time.perf_counter() - t0)
    return len(paths) / best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-l0-") as tmp:
        paths = make_files(Path(tmp), args.files)
        for p in paths:  # warm the page cache for both loops
            p.read_bytes()
        baseline = time_loop(fits.getheader, paths, args.repeats)
        project = time_loop(lambda p: l0.extract(l0.read_primary_header(p)), paths, args.repeats)
    ratio = project / baseline
    print(f"files={args.files} getheader={baseline:.0f} files/s  l0 extract={project:.0f} files/s")
    print(f"RESULT figure=l0_extraction_files_per_s project={project:.0f} baseline={baseline:.0f} "
          f"ratio={ratio:.2f} target=>=0.8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
