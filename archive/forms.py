from django import forms

from domain import quality


class ReviewForm(forms.Form):
    flag = forms.TypedChoiceField(choices=quality.REVIEW_CHOICES, coerce=int, label="Quality level (OiDB)")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=4000,
                              help_text="Written into the FITS header (COMMENT cards) and the audit trail.")
