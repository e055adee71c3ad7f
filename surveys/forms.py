"""Forms of the survey pages (validation of shape only; the rules live in services)."""
from __future__ import annotations

from django import forms

from surveys.models import CalibratorFlag, Observation


class CalibratorFlagForm(forms.Form):
    kind = forms.ChoiceField(choices=CalibratorFlag.Kind.choices)
    observation = forms.ModelChoiceField(
        queryset=Observation.objects.none(), required=False,
        help_text="The observation that shows the problem (required for a binarity flag).",
    )
    evidence_url = forms.URLField(required=False, assume_scheme="https", label="Evidence link",
                                  help_text="Plot, report or log entry.")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 50}),
                              help_text="What the evidence shows, e.g. closure phases up to 8 deg.")

    def __init__(self, *args, calibrator=None, **kwargs):
        super().__init__(*args, **kwargs)
        if calibrator is not None:
            self.fields["observation"].queryset = (
                Observation.objects.filter(calibrators=calibrator).select_related("target", "night")
                .order_by("-start")
            )
