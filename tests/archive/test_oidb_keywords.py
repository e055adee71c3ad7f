"""Every L1/L2 carries the keywords OiDB reads, with the values the portal pushes, also after a re-validation."""
from __future__ import annotations

import pytest

from archive.oifits_write import synthetic_oifits2, to_bytes
from archive.services import product_version_create
from archive.storage import absolute_path
from archive.validation import version_validate
from tests.archive.oitools_reader import granule_from_header, oitools_keywords


def _granule(version) -> dict:
    return granule_from_header(absolute_path(version.path))


@pytest.mark.django_db
def test_an_automatic_l2_says_unknown_quality_and_science(demo, l2_version):
    kw = oitools_keywords(absolute_path(l2_version.path))
    assert kw["HIERARCH.QUALITY.LEVEL"] == "0" and kw["HIERARCH.PRO.SCIENCE"] == "T"
    assert _granule(l2_version) == {"quality_level": "0", "progid": "issp", "proposal_subid": None,
                                    "obs_id": l2_version.product.key, "dataproduct_category": "SCIENCE"}
    assert kw["CONTENT"] == "OIFITS2" and kw["INSTRUME"] == "SPICA"  # the rest of the header is untouched


@pytest.mark.django_db(transaction=True)
def test_validated_science_ready_l2_header_and_pushed_granule_agree(demo, l2_version, oidb):
    target = l2_version.product.target
    target.catalog_row_id = "1042"
    target.save(update_fields=["catalog_row_id"])
    v2 = version_validate(version=l2_version, reviewer=demo["datamanager"], flag=4, comment="science ready")
    read = _granule(v2)
    assert read == {"quality_level": "4", "progid": "issp", "proposal_subid": "1042",
                    "obs_id": l2_version.product.key, "dataproduct_category": "SCIENCE"}
    pushed = next(iter(oidb.store.granules.values()))
    assert {k: pushed[k] for k in read} == read

    v3 = version_validate(version=v2, reviewer=demo["datamanager"], flag=2, comment="TF jumps: reduce again")
    read = _granule(v3)
    assert read["quality_level"] == "2" and read["obs_id"] == l2_version.product.key
    assert oitools_keywords(absolute_path(v3.path))["HIERARCH.ISSP.QC.FLAG"] == "2"  # portal's own, beside
    pushed = next(iter(oidb.store.granules.values()))
    assert oidb.store.count() == 1 and {k: pushed[k] for k in read} == read


@pytest.mark.django_db
def test_l1_calibrator_is_calib_and_a_long_key_still_fits_one_card(demo):
    from surveys.models import Program

    program = Program.objects.get(code="issp")
    target = program.targets.order_by("name").first()
    content = to_bytes(synthetic_oifits2(target="HD_2", extra_header={"HIERARCH PRO CATG": "CALIB_RAW_INT"}))
    key = "L1/SPICA/HD_2/2024-03-02/MR720-S1-S2-E1-E2-W1-W2/oifits/0123456789abcdef"
    version, _ = product_version_create(calib_level=1, kind="oifits", program=program, target=target,
                                        instrument="SPICA", filename="cal_L1.fits", key=key, content=content)
    read = _granule(version)
    assert read["dataproduct_category"] == "CALIB" and read["quality_level"] == "0"
    assert len(read["obs_id"]) <= 63 and read["obs_id"].startswith(key[:40])
    raw = absolute_path(version.path).read_bytes()
    assert b"CONTINUE" not in raw[:raw.index(b"END     ")]
