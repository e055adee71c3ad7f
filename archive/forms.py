from django import forms

from archive import quality


class ReviewForm(forms.Form):
    flag = forms.TypedChoiceField(
        choices=[("", "— choose a flag —"), *quality.REVIEW_CHOICES], coerce=int, label="Quality flag",
        error_messages={"required": "Choose a quality flag: there is no default."},
        help_text="No flag is pre-selected: choose one explicitly.")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=4000,
                              help_text="Written into the FITS header (COMMENT cards) and the audit trail.")
