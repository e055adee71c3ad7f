"""CSV imports refuse what the reader would silently change (finding 7): a NUL inside a name, an
unterminated quote; database refusals are per-row reports, not raw errors. Nothing is stored."""
from __future__ import annotations

import pytest

from domain.errors import ValidationFailed
from surveys import imports
from surveys.models import Target

pytestmark = pytest.mark.django_db
HEADER = "name,ra,dec,vmag\n"


def _refused(tmp_path, body: bytes, expect: str) -> dict:
    path = tmp_path / "targets.csv"
    path.write_bytes(HEADER.encode() + body)
    before = Target.objects.count()
    with pytest.raises(ValidationFailed) as info:
        imports.import_targets_csv(path)
    assert Target.objects.count() == before
    text = str(info.value.errors).lower() + info.value.message.lower()
    assert expect in text, text
    return info.value.errors


def test_a_nul_in_a_name_is_refused_not_cut(tmp_path):
    Target.objects.create(name="HD 1", ra_deg=1.0, dec_deg=1.0)
    errors = _refused(tmp_path, b"HD 1\x00 B,10.0,20.0,5.0\nHD 2,11.0,21.0,6.0\n", "nul")
    assert "line 2" in errors
    assert Target.objects.get(name="HD 1").ra_deg == 1.0  # not overwritten by the cut name


def test_an_unterminated_quote_is_refused_not_dropped(tmp_path):
    _refused(tmp_path, b'HD 3,10.0,20.0,5.0\n"HD 4,11.0,21.0,6.0\nHD 5,12.0,22.0,7.0\n', "quote")


def test_a_well_formed_file_still_imports(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + 'HD 6,10.0,20.0,5.0\n"HD 7, the second",11.0,21.0,6.0\n\n')
    report = imports.import_targets_csv(path)
    assert sorted(report.created) == ["HD 6", "HD 7, the second"]
