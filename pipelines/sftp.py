"""Pull raw files from a remote data centre (CHARA Atlanta, Nice) by SFTP with paramiko.

- Checksum-verified: the remote SHA-256 comes from a `SHA256SUMS` file in the
  remote folder when there is one, else from `sha256sum` run over the same SSH
  connection; the local copy must match before it becomes visible.
- Resumable: bytes go to `<dest>/.partial/<name>.part`; a later pull appends
  from where the last one stopped.
- Never re-downloads: a file whose checksum is already known (`have(sha)`,
  e.g. registered in the database, or the local file with the same checksum) is skipped.
- Never leaves a partial file visible: the final name appears by an atomic
  rename, and the ingest scanner ignores hidden folders.
"""
from __future__ import annotations

import os
import shlex
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from issp_portal.files import sha256_of

CHUNK = 256 * 1024


class SftpError(Exception):
    """The remote data centre cannot be reached or a transfer cannot be verified."""


@dataclass
class PullReport:
    downloaded: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


@dataclass
class SftpSource:
    host: str
    username: str
    key_file: str
    remote_dir: str = "."
    port: int = 22
    known_hosts: str = ""  # empty = refuse unknown host keys unless the system known_hosts has them
    suffixes: tuple[str, ...] = (".fits", ".fit", ".fts")
    timeout: float = 15.0

    def connect(self) -> paramiko.SSHClient:
        client = paramiko.SSHClient()
        if self.known_hosts:
            client.load_host_keys(self.known_hosts)
        else:
            client.load_system_host_keys()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(self.host, port=self.port, username=self.username, key_filename=self.key_file,
                           timeout=self.timeout, allow_agent=False, look_for_keys=False)
        except (paramiko.SSHException, OSError) as exc:
            raise SftpError(f"cannot connect to {self.username}@{self.host}:{self.port}: {exc}")
        return client


def _remote_checksums(client: paramiko.SSHClient, sftp: paramiko.SFTPClient, remote_dir: str,
                      names: list[str]) -> dict[str, str]:
    sums: dict[str, str] = {}
    try:
        with sftp.open(f"{remote_dir}/SHA256SUMS", "r") as fh:
            for line in fh.read().decode().splitlines():
                parts = line.split()
                if len(parts) == 2:
                    sums[parts[1].lstrip("*")] = parts[0].lower()
    except OSError:
        pass
    missing = [n for n in names if n not in sums]
    if missing:
        cmd = "cd " + shlex.quote(remote_dir) + " && sha256sum -- " + " ".join(shlex.quote(n) for n in missing)
        _, stdout, stderr = client.exec_command(cmd, timeout=300)
        for line in stdout.read().decode().splitlines():
            parts = line.split(maxsplit=1)
            if len(parts) == 2:
                sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def pull(source: SftpSource, dest: Path, *, have: Callable[[str], bool] = lambda sha: False) -> PullReport:
    """Download every new remote file of `source` into `dest` (see the module docstring for the guarantees)."""
    dest = Path(dest)
    partial_dir = dest / ".partial"
    partial_dir.mkdir(parents=True, exist_ok=True)
    report = PullReport()
    client = source.connect()
    try:
        sftp = client.open_sftp()
        entries = [e for e in sftp.listdir_attr(source.remote_dir)
                   if stat.S_ISREG(e.st_mode or 0) and not e.filename.startswith(".")
                   and Path(e.filename).suffix.lower() in source.suffixes]
        sums = _remote_checksums(client, sftp, source.remote_dir, [e.filename for e in entries])
        for entry in sorted(entries, key=lambda e: e.filename):
            name = entry.filename
            expected = sums.get(name)
            if not expected:
                report.failed[name] = "no remote checksum"
                continue
            final = dest / name
            if have(expected) or (final.exists() and sha256_of(final) == expected):
                report.skipped.append(name)
                continue
            part = partial_dir / f"{name}.part"
            offset = part.stat().st_size if part.exists() else 0
            if offset > (entry.st_size or 0):
                part.unlink()
                offset = 0
            try:
                with sftp.open(f"{source.remote_dir}/{name}", "rb") as remote, open(part, "ab") as local:
                    remote.seek(offset)
                    remote.prefetch()
                    for block in iter(lambda: remote.read(CHUNK), b""):
                        local.write(block)
                    local.flush()
                    os.fsync(local.fileno())
            except OSError as exc:
                report.failed[name] = f"transfer interrupted at {part.stat().st_size} bytes: {exc}"
                continue
            got = sha256_of(part)
            if got != expected:
                part.unlink()
                report.failed[name] = f"checksum mismatch (remote {expected[:12]}, local {got[:12]}): discarded"
                continue
            os.replace(part, final)
            (report.resumed if offset else report.downloaded).append(name)
    finally:
        client.close()
    return report


def pull_configured() -> PullReport:
    """Pull from the data centre named in settings into RAW_ROOT/sftp-<host>, skipping registered checksums."""
    from django.conf import settings

    from pipelines.models import RawFile

    source = SftpSource(host=settings.PIPELINES_SFTP_HOST, port=settings.PIPELINES_SFTP_PORT,
                        username=settings.PIPELINES_SFTP_USER, key_file=settings.PIPELINES_SFTP_KEY_FILE,
                        known_hosts=settings.PIPELINES_SFTP_KNOWN_HOSTS,
                        remote_dir=settings.PIPELINES_SFTP_REMOTE_DIR)
    dest = Path(settings.RAW_ROOT) / f"sftp-{source.host}"
    return pull(source, dest, have=lambda sha: RawFile.objects.filter(sha256=sha).exists())
