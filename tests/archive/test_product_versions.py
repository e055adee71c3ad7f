import pytest

from django.conf import settings

from archive.models import ProductVersion
from archive.services import product_version_create
from archive.storage import absolute_path
from tests.factories import NightFactory, ProgramFactory, TargetFactory


@pytest.fixture
def target_program(db):
    program = ProgramFactory(code="issp")
    return program, TargetFactory(programs=[program]), NightFactory()


def _create(target_program, content: bytes, **kw):
    program, target, night = target_program
    return product_version_create(calib_level=2, kind="oifits", program=program, target=target, night=night,
                                  instrument="SPICA", setup="MR720", filename="x.fits", content=content, **kw)


@pytest.mark.django_db
def test_same_content_is_not_stored_twice(target_program):
    v1, created1 = _create(target_program, b"SIMPLE = T" * 100)
    v2, created2 = _create(target_program, b"SIMPLE = T" * 100)
    assert created1 and not created2 and v1.pk == v2.pk
    assert ProductVersion.objects.count() == 1
    assert absolute_path(v1.path).read_bytes() == b"SIMPLE = T" * 100


@pytest.mark.django_db
def test_new_content_makes_a_new_current_version_and_keeps_the_old(target_program):
    v1, _ = _create(target_program, b"one", t_max=60000.5)
    v2, created = _create(target_program, b"two", t_max=60001.5)
    assert created and v2.number == 2
    v1.product.refresh_from_db()
    assert v1.product.current_version_id == v2.pk
    assert v1.product.t_max == 60001.5
    assert absolute_path(v1.path).read_bytes() == b"one"  # older version stays readable
    assert not list(settings.ARCHIVE_ROOT.rglob(".incoming-*"))


def test_absolute_path_refuses_traversal(settings, tmp_path):
    settings.ARCHIVE_ROOT = tmp_path
    for bad in ["../etc/passwd", "/etc/passwd", "ab/../../x"]:
        with pytest.raises(ValueError):
            absolute_path(bad)
