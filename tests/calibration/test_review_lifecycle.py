"""Validation lifecycle: an explicit flag, and a review superseded by a re-run shown with what changed."""
from __future__ import annotations

import pytest

from django.contrib.auth import get_user_model
from django.urls import reverse

from archive.forms import ReviewForm
from archive.lifecycle import version_changes
from archive.models import Product
from archive.selectors import products_to_review, review_supersession
from archive.validation import version_validate
from pipelines.calibration import services
from surveys.models import Program, ProgramRole


def test_review_form_has_no_default_flag():
    form = ReviewForm()
    assert form["flag"].value() in (None, "")
    assert '<option value="" selected>' in str(form["flag"])
    bound = ReviewForm({"comment": "looks fine"})
    assert not bound.is_valid() and bound.errors["flag"] == ["Choose a quality level: there is no default."]


def test_version_changes_lists_parameters_calibrators_and_processing():
    reviewed = {"parameters": {"scheme": "weighted", "excluded_calibrators": [], "only_target_ids": []},
                "calibrators": ["HD_1", "HD_2"], "software": "issp-cal 1", "processing": "automatic",
                "processed_by": None}
    current = {"parameters": {"scheme": "weighted", "excluded_calibrators": ["HD_2"], "only_target_ids": [5]},
               "calibrators": ["HD_1"], "software": "issp-cal 1", "processing": "manual", "processed_by": "ops"}
    assert version_changes(reviewed, current) == [
        "excluded calibrators: none → HD_2", "calibrators used: HD_1, HD_2 → HD_1",
        "processing: automatic → manual by ops"]
    assert version_changes(reviewed, reviewed) == [
        "new file content with the same parameters and calibrators (new L1 input?)"]


@pytest.mark.django_db
def test_rerun_supersedes_a_review_and_the_product_page_says_what_changed(client, l1_night,
                                                                          django_capture_on_commit_callbacks):
    night, _, _ = l1_night
    program = Program.objects.get()
    users = get_user_model().objects
    pi, ops = users.create_user("pi", password="pw"), users.create_user("ops", password="pw")
    program.pi = pi
    program.save()
    ProgramRole.objects.create(user=ops, program=program, role="operator")
    with django_capture_on_commit_callbacks(execute=True):
        services.calibration_runs_start(night=night)
    product = Product.objects.filter(calib_level=2).order_by("key").first()
    assert products_to_review(user=pi, programs=[program])["awaiting"]
    reviewed = version_validate(version=product.current_version, reviewer=pi, flag=4, comment="TF stable.")
    product.refresh_from_db()
    assert review_supersession(product=product) is None
    assert product not in products_to_review(user=pi, programs=[program])["awaiting"]
    with django_capture_on_commit_callbacks(execute=True):
        services.calibration_runs_start(night=night, parameters={"excluded_calibrators": ["HD_200002"]},
                                        processing="manual", requested_by=ops)
    product.refresh_from_db()
    assert product.current_version.number == reviewed.number + 1 and product.current_version.quality_flag is None
    sup = review_supersession(product=product)
    assert sup["reviewed"] == reviewed and sup["review"].reviewer == pi
    assert "excluded calibrators: none → HD_200002" in sup["changes"]
    assert "processing: automatic → manual by ops" in sup["changes"]
    assert product in products_to_review(user=pi, programs=[program])["superseded"]
    client.force_login(pi)
    page = client.get(reverse("archive:product-detail", args=[product.pk])).content.decode()
    box = page.split('id="review-superseded"')[1].split("</div>")[0]
    assert f"v{reviewed.number}" in box and "4 · Science ready" in box and f"v{product.current_version.number}" in box
    assert "excluded calibrators: none → HD_200002" in box
