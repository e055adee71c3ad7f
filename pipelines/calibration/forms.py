"""The operator's parameter form of "Re-run L2 calibration"."""
from __future__ import annotations

import re

from django import forms

from pipelines.calibration.transfer import SCHEMES

BASELINE = re.compile(r"^[A-Z][0-9]-[A-Z][0-9]$")


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;\s]+", text or "") if p.strip()]


class RerunForm(forms.Form):
    scheme = forms.ChoiceField(choices=[(s, s) for s in SCHEMES], initial="local",
                               help_text="TF interpolation in time: local = gaussian-weighted straight line "
                                         "(no lag at the ends of a night); weighted = genoca's weighted mean.")
    time_scale_h = forms.FloatField(initial=2.0, min_value=0.05, max_value=48, label="Time scale (h)",
                                    help_text="Gaussian time scale of the local and weighted schemes "
                                              "(genoca default 2 h).")
    sky_scale_deg = forms.FloatField(required=False, min_value=0.1, max_value=360, label="Sky scale (deg)",
                                     help_text="Optional: also weight calibrators by their distance on the sky.")
    excluded_calibrators = forms.CharField(
        required=False, help_text="Names separated by commas (HD 123456, HD_123456 and HD123456 are one star); "
                                  "a name matching no calibrator observed that night is refused.")
    excluded_baselines = forms.CharField(required=False, help_text="Station pairs, e.g. S1-S2, E1-W2.")
    excluded_channels = forms.CharField(required=False, help_text="Channel indices or ranges, e.g. 0-3, 58, 59.")

    def clean_excluded_baselines(self) -> list[str]:
        out = []
        for item in _split(self.cleaned_data["excluded_baselines"]):
            item = item.upper()
            if not BASELINE.match(item):
                raise forms.ValidationError(f"{item!r} is not a station pair like S1-S2")
            out.append("-".join(sorted(item.split("-"))))
        return sorted(set(out))

    def clean_excluded_channels(self) -> list[int]:
        out: set[int] = set()
        for item in _split(self.cleaned_data["excluded_channels"]):
            m = re.fullmatch(r"(\d+)(?:-(\d+))?", item)
            if not m:
                raise forms.ValidationError(f"{item!r} is not a channel index or a range like 0-3")
            lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
            if hi < lo or hi > 10000:
                raise forms.ValidationError(f"{item!r} is not a valid range")
            out.update(range(lo, hi + 1))
        return sorted(out)

    def clean_excluded_calibrators(self) -> list[str]:
        """Split on commas, semicolons and new lines only: "HD 141577" is one name."""
        text = self.cleaned_data["excluded_calibrators"] or ""
        return sorted({p.strip() for p in re.split(r"[,;\n]+", text) if p.strip()})

    def parameters(self) -> dict:
        d = self.cleaned_data
        return {"scheme": d["scheme"], "time_scale_h": d["time_scale_h"], "sky_scale_deg": d["sky_scale_deg"],
                "excluded_calibrators": d["excluded_calibrators"], "excluded_baselines": d["excluded_baselines"],
                "excluded_channels": d["excluded_channels"]}


class NightRerunForm(RerunForm):
    """The portal's re-run form for one night: exclusions are ticked among the calibrators observed that night."""

    excluded_calibrators = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Excluded calibrators",
        error_messages={"invalid_choice": "%(value)s was not observed this night: tick calibrators of the list."},
        help_text="Calibrators observed this night (from the L1 headers); ticked ones are not used for the TF.")

    def __init__(self, *args, observed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["excluded_calibrators"].choices = [(n, n) for n in observed]

    def clean_excluded_calibrators(self) -> list[str]:
        return sorted(set(self.cleaned_data["excluded_calibrators"]))
