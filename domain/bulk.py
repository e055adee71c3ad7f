"""Bulk download formats: a zip written as a stream, its README/SHA256SUMS, and a curl script.

Pure functions over already-decided items (the access policy ran before, in archive/bulk.py):
nothing here chooses what a user may read. The zip is produced chunk by chunk, so a large
selection never sits in memory or on disk; zipfile writes data descriptors when the output
cannot seek, which every unzip tool reads.
"""
from __future__ import annotations

import datetime as dt
import re
import shlex
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
COMPRESSLEVEL = 1  # deflate's fastest level: FITS binary tables gain little from more, and time is the limit
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


@dataclass(frozen=True)
class BulkItem:
    """One file of a selection: where it goes in the zip and how to check it."""

    arcname: str
    size: int
    sha256: str
    version_id: int
    path: Path
    created: dt.datetime  # the zip entry's date: the same selection gives the same bytes


def safe_part(text: str) -> str:
    """A path component with no separator, space or shell character ('HD 1234' -> 'HD_1234')."""
    return _UNSAFE.sub("_", text).strip("._") or "_"


def unique_arcnames(names: Iterable[str]) -> list[str]:
    """Keep names unique inside the zip: a repeated one gets -2, -3 before its suffix."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        if count > 1:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}-{count}.{ext}" if dot and "/" not in ext else f"{name}-{count}"
        out.append(name)
    return out


def human_size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"  # unreachable


def sha256sums(items: Iterable[BulkItem]) -> str:
    """The `sha256sum -c` input for the files."""
    return "".join(f"{i.sha256}  {i.arcname}\n" for i in items)


def withheld_lines(*, withheld: int, missing: int) -> list[str]:
    """What was left out and why, without a name: an outsider learns a count, not a target or a file."""
    lines = []
    if withheld:
        lines.append(f"{withheld} file{'s' if withheld > 1 else ''} withheld (embargo): proprietary data of a "
                     "program you are not a member of; they open when the embargo ends.")
    if missing:
        lines.append(f"{missing} file{'s' if missing > 1 else ''} missing from the archive store (the archive check "
                     "reports them to the operators).")
    return lines


def readme(*, title: str, items: list[BulkItem], withheld: int, missing: int, made_for: str,
           source_url: str) -> str:
    total = sum(i.size for i in items)
    lines = [f"ISSP portal bulk download: {title}", f"Made for {made_for} from {source_url}", "",
             f"{len(items)} file{'s' if len(items) != 1 else ''}, {human_size(total)}. "
             "Check them with: sha256sum -c SHA256SUMS", ""]
    lines += withheld_lines(withheld=withheld, missing=missing) or ["Nothing was left out."]
    lines += ["", "Files (size in bytes, sha256):"]
    lines += [f"  {i.arcname}  {i.size}  {i.sha256}" for i in items]
    return "\n".join(lines) + "\n"


class _Sink:
    """A write-only file for zipfile whose bytes are collected and handed out between writes."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.offset = 0

    def write(self, data) -> int:
        self.buffer += data
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


def _entry(name: str, when: dt.datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = COMPRESSLEVEL  # ZipInfo.compress_level from Python 3.13; the slot exists since 3.7
    info.external_attr = 0o644 << 16
    return info


def zip_chunks(items: list[BulkItem], extra: Iterable[tuple[str, str]] = ()) -> Iterator[bytes]:
    """Yield a zip of `extra` (name, text) files then the items' files, one chunk at a time.

    Entries are dated by their version (the extra files by the newest one), never by the clock:
    the same selection read by the same user gives the same bytes.
    """
    sink = _Sink()
    newest = max((i.created for i in items), default=dt.datetime(1980, 1, 1))
    with zipfile.ZipFile(sink, "w") as archive:
        for name, text in extra:
            archive.writestr(_entry(name, newest), text)
            yield sink.take()
        for item in items:
            with open(item.path, "rb") as src, archive.open(_entry(item.arcname, item.created), "w",
                                                              force_zip64=True) as dst:
                for block in iter(lambda src=src: src.read(CHUNK), b""):
                    dst.write(block)
                    if len(sink.buffer) >= CHUNK:
                        yield sink.take()
            yield sink.take()
    yield sink.take()


def curl_script(*, title: str, items: list[tuple[BulkItem, str]], withheld: int, missing: int, when: str,
                token_required: bool, token_page: str) -> str:
    """A bash script: one curl line per file (its own download URL) and the checksums to verify them."""
    total = sum(i.size for i, _ in items)
    title = " ".join(title.split())  # a newline in a filter value (q=...) must not start a command line
    out = ["#!/usr/bin/env bash", f"# ISSP portal bulk download: {title}",
           f"# {len(items)} files, {human_size(total)}; script made {when}.",
           "# Each URL is the file's own download link: the portal asks the access policy again for every file.",
           f"# Authentication: export ISSP_TOKEN=<your API token> (create it at {token_page}).",
           "# Without a token only public files download."]
    out += [f"# {line}" for line in withheld_lines(withheld=withheld, missing=missing)]
    out += ["set -euo pipefail"]
    if token_required:
        out.append(f': "${{ISSP_TOKEN:?export ISSP_TOKEN=<your API token>: some files are proprietary '
                   f'(token page: {token_page})}}"')
    out += ['fetch() { mkdir -p "$(dirname "$2")"; '
            'curl -fsSL --retry 3 ${ISSP_TOKEN:+-H "Authorization: Token $ISSP_TOKEN"} -o "$2" "$1"; }']
    out += [f"fetch {shlex.quote(url)} {shlex.quote(item.arcname)}" for item, url in items]
    if items:
        out += ["sha256sum -c <<'SHA256SUMS'", sha256sums(i for i, _ in items).rstrip("\n"), "SHA256SUMS"]
    return "\n".join(out) + "\n"
