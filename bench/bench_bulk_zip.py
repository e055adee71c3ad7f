"""Bulk zip: peak memory and throughput of the streamed zip vs the same zip built in memory.

Both write the same generated files (random bytes half, zeros half: FITS tables compress
partly) with the same compression, in the same process. Project = domain.bulk.zip_chunks
(chunks consumed as an HTTP response would); baseline = zipfile into a BytesIO. Peak memory by
tracemalloc. Target: project peak <= 1/10 of the selection size and throughput >= 0.8 x baseline.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

from domain.bulk import COMPRESSLEVEL, BulkItem, zip_chunks


def make_items(folder: Path, n: int, size: int) -> list[BulkItem]:
    items = []
    for i in range(n):
        path = folder / f"f{i}.fits"
        path.write_bytes(os.urandom(size // 2) + bytes(size - size // 2))
        items.append(BulkItem(arcname=f"T/L2/{i}.fits", size=size, sha256="0" * 64, version_id=i, path=path,
                              created=dt.datetime(2026, 1, 1)))
    return items


def streamed(items: list[BulkItem]) -> int:
    return sum(len(chunk) for chunk in zip_chunks(items, extra=[("README.txt", "x")]))


def in_memory(items: list[BulkItem]) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL) as archive:
        archive.writestr("README.txt", "x")
        for item in items:
            archive.write(item.path, item.arcname)
    return len(buffer.getvalue())


def measure(fn, items) -> tuple[float, int, int]:
    tracemalloc.start()
    t0 = time.perf_counter()
    n_bytes = fn(items)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, n_bytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--size-mb", type=float, default=2.0)
    args = parser.parse_args(argv)
    size = int(args.size_mb * 1e6)
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as tmp:
        items = make_items(Path(tmp), args.files, size)
        for item in items:
            item.path.read_bytes()  # warm the page cache for both
        base_t, base_peak, base_len = measure(in_memory, items)
        proj_t, proj_peak, proj_len = measure(streamed, items)
    total = args.files * size
    print(f"selection={total / 1e6:.0f} MB in {args.files} files; zip {proj_len / 1e6:.0f} MB (in-memory "
          f"{base_len / 1e6:.0f} MB)")
    print(f"streamed: {total / proj_t / 1e6:.0f} MB/s, peak {proj_peak / 1e6:.1f} MB; "
          f"in memory: {total / base_t / 1e6:.0f} MB/s, peak {base_peak / 1e6:.1f} MB")
    print(f"RESULT figure=bulk_zip_peak_mb project={proj_peak / 1e6:.1f} baseline={base_peak / 1e6:.1f} "
          f"ratio={proj_peak / base_peak:.3f} target=<={total / 10e6:.0f}MB")
    print(f"RESULT figure=bulk_zip_mb_per_s project={total / proj_t / 1e6:.0f} baseline={total / base_t / 1e6:.0f} "
          f"ratio={base_t / proj_t:.2f} target=>=0.8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
