"""SFTP pull against a real OpenSSH server on a loopback port, with generated keys."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import subprocess
import time
from pathlib import Path

import paramiko
import pytest

from demo.synthetic import raw as synthetic
from pipelines.sftp import SftpError, SftpSource, pull
from tests.conftest import free_port

pytestmark = pytest.mark.sshd


@pytest.fixture
def sshd(tmp_path):
    """sshd -D on 127.0.0.1:<free port>, host key and user key generated for this test."""
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege-separation folder Debian's sshd needs
    host_key, user_key = tmp_path / "host_ed25519", tmp_path / "user_rsa"
    paramiko.RSAKey.generate(2048).write_private_key_file(str(host_key))
    key = paramiko.RSAKey.generate(2048)
    key.write_private_key_file(str(user_key))
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(f"{key.get_name()} {key.get_base64()}\n")
    port = free_port()
    config = tmp_path / "sshd_config"
    config.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
AuthorizedKeysFile {authorized}
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PidFile {tmp_path / 'sshd.pid'}
Subsystem sftp internal-sftp
""")
    os.chmod(host_key, 0o600)
    proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"sshd exited: {proc.stderr.read().decode()}")
            time.sleep(0.1)
    known = tmp_path / "known_hosts"
    hk = paramiko.RSAKey.from_private_key_file(str(host_key))
    known.write_text(f"[127.0.0.1]:{port} {hk.get_name()} {hk.get_base64()}\n")
    remote = tmp_path / "remote"
    remote.mkdir()
    import getpass

    yield SftpSource(host="127.0.0.1", port=port, username=getpass.getuser(), key_file=str(user_key),
                     known_hosts=str(known), remote_dir=str(remote)), remote
    proc.terminate()
    proc.wait(timeout=10)


def _remote_files(remote: Path, n: int = 3) -> dict[str, str]:
    sums = {}
    for i in range(n):
        spec = synthetic.RawSpec(instrument="SPICA", object=f"HD {1000 + i}", ra_deg=10.0 + i, dec_deg=20.0,
                                 start=dt.datetime(2024, 3, 3, 4, i, tzinfo=dt.UTC), seed=i, n_frames=40)
        path = synthetic.write_raw(remote / f"SPICA_{i}.fits", spec)
        sums[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def test_pull_downloads_verifies_skips_and_resumes(sshd, tmp_path):
    source, remote = sshd
    sums = _remote_files(remote)
    dest = tmp_path / "landing"
    report = pull(source, dest)
    assert sorted(report.downloaded) == sorted(sums) and not report.failed
    for name, sha in sums.items():
        assert hashlib.sha256((dest / name).read_bytes()).hexdigest() == sha
    assert list((dest / ".partial").iterdir()) == []

    # never re-downloads: same content already here, or its checksum already registered
    mtimes = {n: (dest / n).stat().st_mtime_ns for n in sums}
    again = pull(source, dest)
    assert sorted(again.skipped) == sorted(sums) and again.downloaded == []
    assert {n: (dest / n).stat().st_mtime_ns for n in sums} == mtimes
    (dest / "SPICA_0.fits").unlink()
    known = pull(source, dest, have=lambda sha: sha == sums["SPICA_0.fits"])
    assert "SPICA_0.fits" in known.skipped and not (dest / "SPICA_0.fits").exists()

    # resumable: an interrupted transfer left the first half in .partial; only the rest is fetched
    data = (remote / "SPICA_1.fits").read_bytes()
    (dest / "SPICA_1.fits").unlink()
    (dest / ".partial" / "SPICA_1.fits.part").write_bytes(data[: len(data) // 2])
    resumed = pull(source, dest)
    assert "SPICA_1.fits" in resumed.resumed
    assert (dest / "SPICA_1.fits").read_bytes() == data

    # checksum-verified: a corrupt partial never becomes visible
    (dest / "SPICA_2.fits").unlink()
    (dest / ".partial" / "SPICA_2.fits.part").write_bytes(b"X" * 2880)
    bad = pull(source, dest)
    assert "checksum mismatch" in bad.failed["SPICA_2.fits"]
    assert not (dest / "SPICA_2.fits").exists() and not (dest / ".partial" / "SPICA_2.fits.part").exists()
    assert "SPICA_2.fits" in pull(source, dest).downloaded


def test_unknown_host_key_and_wrong_key_are_refused(sshd, tmp_path):
    source, remote = sshd
    other = tmp_path / "other_known_hosts"
    other.write_text("")
    source.known_hosts = str(other)
    with pytest.raises(SftpError, match="cannot connect"):
        pull(source, tmp_path / "x")
