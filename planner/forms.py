"""Planner forms: the plan request and the edit actions (validation only, no logic)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms

from planner.scoring import LIMITING_MAGNITUDES
from surveys.selectors import all_targets, nights_with_shares

if TYPE_CHECKING:
    from surveys.models import Night

INSTRUMENTS = sorted({inst for inst, _ in LIMITING_MAGNITUDES})
MODE_CHOICES = [(inst, [(m, m) for i, m in LIMITING_MAGNITUDES if i == inst]) for inst in INSTRUMENTS]


class NightChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, night: Night) -> str:
        shares = ", ".join(f"{a.program.code} {a.fraction:.0%}" for a in night.allocations.all())
        return f"{night.date} ({night.get_status_display()}; {shares})"


class PlanForm(forms.Form):
    night = NightChoiceField(queryset=nights_with_shares())
    program = forms.ModelChoiceField(queryset=None)  # the caller's: the programs the user may plan
    instrument = forms.ChoiceField(choices=[(i, i) for i in INSTRUMENTS])
    mode = forms.ChoiceField(choices=MODE_CHOICES)
    fraction = forms.FloatField(required=False, min_value=0.05, max_value=1.0,
                                help_text="Share of the night to plan (default: the program's allocation)")
    max_calibrator_distance_deg = forms.FloatField(required=False, min_value=0.5, max_value=45.0,
                                                   label="Max calibrator distance (°)")
    min_altitude_deg = forms.FloatField(required=False, min_value=10.0, max_value=85.0, label="Min altitude (°)")
    min_calibrator_v2 = forms.FloatField(required=False, min_value=0.05, max_value=0.99,
                                         label="Min calibrator V² (longest baseline)")

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs

    def clean(self):
        data = super().clean()
        instrument, mode = data.get("instrument"), data.get("mode")
        if instrument and mode and (instrument, mode) not in LIMITING_MAGNITUDES:
            self.add_error("mode", f"{mode} is not a mode of {instrument}.")
        night, program = data.get("night"), data.get("program")
        if night and program and not night.allocations.filter(program=program).exists():
            self.add_error("program", f"{program.code} has no share of the night {night.date}.")
        return data


class EditForm(forms.Form):
    action = forms.ChoiceField(choices=[("drop", "drop"), ("up", "up"), ("down", "down"), ("add", "add")])
    position = forms.IntegerField(required=False, min_value=0)
    target = forms.ModelChoiceField(queryset=all_targets(), required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "add" and not data.get("target"):
            self.add_error("target", "Choose a target to add.")
        if data.get("action") in {"drop", "up", "down"} and data.get("position") is None:
            self.add_error("position", "Which block?")
        return data
