"""Validation under concurrency and with any text (findings 5 and 6).

Simultaneous reviews of one version: exactly one wins, the others are told the version is no
longer current. A comment with CRLF and non-ASCII characters, and a reviewer with an accented
name, are stored in full in the database and written FITS-safe (reversible ASCII escapes).
"""
from __future__ import annotations

import threading

import pytest
from astropy.io import fits

from django.db import connection
from django.urls import reverse

from archive import validation
from archive.models import ProductVersion, QualityReview
from archive.oifits_write import fits_text, fits_text_decode
from archive.storage import absolute_path
from domain.errors import ConflictError

COMMENT = "Seeing poor after 02:00,\r\nré-observe «next» night — 2 calibrators ok 😀\r\n\ttab \\ backslash"


def _qc_comment(version: ProductVersion) -> str:
    with fits.open(absolute_path(version.path)) as hdul:
        hdul.verify("exception")
        header = hdul[0].header
        lines = [str(c)[len("ISSP QC: "):] for c in header["COMMENT"] if str(c).startswith("ISSP QC: ")]
        return fits_text_decode("".join(lines)), fits_text_decode(header["HIERARCH ISSP QC REVIEWER"])


@pytest.mark.django_db
def test_crlf_and_non_ascii_comment_through_the_page(client, demo, l2_version):
    reviewer = demo["datamanager"]
    reviewer.first_name, reviewer.last_name = "Hélène", "Dupré"
    reviewer.save()
    client.force_login(reviewer)
    response = client.post(reverse("archive:version-validate", args=[l2_version.pk]), {"flag": 2, "comment": COMMENT})
    assert response.status_code == 302, response.content[:500]
    review = QualityReview.objects.get(version__product=l2_version.product)
    assert review.comment == COMMENT.strip()  # in full, line breaks and accents kept
    text, who = _qc_comment(review.version)
    assert text == COMMENT.strip().replace("\r\n", "\n") and who == "Hélène Dupré"


def test_fits_text_is_printable_ascii_and_reversible():
    for text in (COMMENT, "é", "\\xe9 literally", "a\rb", "日本語", ""):
        encoded = fits_text(text)
        assert all(" " <= c <= "~" for c in encoded)
        assert fits_text_decode(encoded) == text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.django_db
def test_a_review_landing_between_the_check_and_the_commit_loses(demo, l2_version, monkeypatch):
    """The race window, made deterministic: another review commits while this one stamps its file."""
    real = validation.stamp_validation
    raced = []

    def stamp_while_someone_else_validates(*args, **kwargs):
        if not raced:
            raced.append("started")
            validation.version_validate(version=l2_version, reviewer=demo["datamanager"], flag=3,
                                        comment="the other reviewer")
        return real(*args, **kwargs)

    monkeypatch.setattr(validation, "stamp_validation", stamp_while_someone_else_validates)
    with pytest.raises(ConflictError, match="no longer the current one"):
        validation.version_validate(version=l2_version, reviewer=demo["pi_issp"], flag=1, comment="mine")
    versions = ProductVersion.objects.filter(product=l2_version.product).order_by("number")
    assert [v.number for v in versions] == [1, 2] and versions[1].quality_flag == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_six_simultaneous_reviews_one_wins(demo, l2_version):
    start, results = threading.Barrier(6), {}

    def review(flag: int) -> None:
        try:
            start.wait()
            results[flag] = validation.version_validate(version=l2_version, reviewer=demo["datamanager"],
                                                        flag=1 + flag % 5, comment=f"reviewer {flag}").number
        except ConflictError as exc:
            results[flag] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=review, args=(f,)) for f in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [v for v in results.values() if isinstance(v, int)]
    assert len(results) == 6 and winners == [2], results
    versions = ProductVersion.objects.filter(product=l2_version.product)
    assert versions.count() == 2 and QualityReview.objects.filter(version__product=l2_version.product).count() == 1
