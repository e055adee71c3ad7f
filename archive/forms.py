from django import forms

from domain import quality


class ReviewForm(forms.Form):
    flag = forms.TypedChoiceField(
        choices=[("", "— choose a quality level —"), *quality.REVIEW_CHOICES], coerce=int,
        label="Quality level (OiDB)",
        error_messages={"required": "Choose a quality level: there is no default."},
        help_text="No level is pre-selected: choose one explicitly.")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=4000,
                              help_text="Written into the FITS header (COMMENT cards) and the audit trail.")
