"""MK spectral types as catalogues write them, read into (class, subclass, luminosity class) and Teff/log g.

Pure module (no Django). Case matters and is kept: in `kA4hA5mA5Va` the lower-case k/h/m are the
Ca II K, hydrogen and metal-line types of an Am star (the hydrogen type sets the temperature), in
`gK0` the Mount Wilson prefix g means giant, in `sgB[e]` sg means supergiant. Upper-casing first
(what the portal did) read these as K, K and G. An unreadable type (`UNKNOWN`, `C`, `DA`, empty)
gives None: the caller uses its documented default and says so.

Teff and log g per type are rounded typical values (dwarfs: Pecaut & Mamajek 2013, ApJS 208, 9;
giants and supergiants: Gray 2005, *The Observation and Analysis of Stellar Photospheres*, 3rd ed.,
appendix B). They only feed the limb-darkening table, where 250 K or 0.5 dex move the R-band linear
coefficient by up to 0.03 and 0.01 (K giant, Claret & Bloemen 2011 table: see the tests), i.e. ~0.4 % and
~0.1 % on the LD diameter in the visible.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

CLASSES = "OBAFGKM"
# Mount Wilson / older catalogue prefixes -> MK luminosity class
PREFIX_LUMINOSITY = {"sd": "VI", "d": "V", "sg": "I", "g": "III", "c": "I"}
_LUM = r"(?:Ia\+|Iab|Ia|Ib|III|II|IV|VI|V|0|I)(?:ab|a|b)?"
_TYPE = re.compile(
    rf"^(?P<prefix>sd|sg|d|g|c)?(?P<cls>[OBAFGKM])(?P<sub>\d+(?:\.\d+)?)?(?:[/-][OBAFGKM]?\d+(?:\.\d+)?)?"
    rf"\s*(?P<lum>{_LUM})?(?:[-/]{_LUM})?(?P<rest>.*)$")
_AM = re.compile(r"h(?P<cls>[OBAFGKM])(?P<sub>\d+(?:\.\d+)?)")  # hydrogen type of an Am/Ap star

# Teff (K) at subclass 0 and 5 of each class, per luminosity group (linear in subclass in between)
_TEFF = {
    "V": {"O": (45000, 41000), "B": (31000, 15700), "A": (9700, 8100), "F": (7200, 6500), "G": (5900, 5650),
          "K": (5250, 4400), "M": (3850, 3000)},
    "III": {"O": (44000, 39000), "B": (29000, 15000), "A": (9500, 8000), "F": (7100, 6400), "G": (5500, 5050),
            "K": (4700, 3950), "M": (3850, 3350)},
    "I": {"O": (40000, 35000), "B": (26000, 13500), "A": (9700, 8500), "F": (7400, 6400), "G": (5500, 4900),
          "K": (4400, 3850), "M": (3650, 2900)},
}
# log g per luminosity group and class
_LOGG = {
    "V": {"O": 4.0, "B": 4.0, "A": 4.2, "F": 4.3, "G": 4.4, "K": 4.5, "M": 4.8},
    "IV": {"O": 3.8, "B": 3.8, "A": 3.8, "F": 3.8, "G": 3.6, "K": 3.5, "M": 3.5},
    "III": {"O": 3.6, "B": 3.5, "A": 3.5, "F": 3.2, "G": 2.7, "K": 2.2, "M": 1.3},
    "II": {"O": 3.4, "B": 3.0, "A": 2.5, "F": 2.0, "G": 1.8, "K": 1.5, "M": 0.8},
    "I": {"O": 3.3, "B": 2.5, "A": 1.8, "F": 1.5, "G": 1.2, "K": 0.8, "M": 0.3},
}
DEFAULT_SUBCLASS = 5.0  # "sgB[e]" has no subclass: the middle of the class, and the result says so


@dataclass(frozen=True)
class SpectralType:
    raw: str
    cls: str  # O B A F G K M
    subclass: float | None
    luminosity: str  # MK luminosity class as written (V, III, Iab, IIIb...) or "" when absent
    peculiar: tuple[str, ...] = field(default=())  # e, [e], p, n, Am (metallic lines), ...
    notes: tuple[str, ...] = field(default=())

    @property
    def luminosity_group(self) -> str:
        """V, IV, III, II or I (0, Ia+, Ia, Iab, Ib -> I; VI subdwarfs -> V); V when absent."""
        lum = self.luminosity
        for prefix, group in (("VI", "V"), ("IV", "IV"), ("V", "V"), ("III", "III"), ("II", "II"), ("I", "I"),
                              ("0", "I")):
            if lum.startswith(prefix):
                return group
        return "V"

    @property
    def teff(self) -> float:
        """Typical Teff (K): linear in subclass between the tabulated 0 and 5 subclasses of each class."""
        group = {"IV": "V" if self.cls in "OBAF" else "III", "II": "III"}.get(self.luminosity_group,
                                                                            self.luminosity_group)
        sub = DEFAULT_SUBCLASS if self.subclass is None else self.subclass
        hot, mid = _TEFF[group][self.cls]
        index = CLASSES.index(self.cls)
        cool = _TEFF[group][CLASSES[index + 1]][0] if index + 1 < len(CLASSES) else mid - (hot - mid)
        return float(np.interp(sub, [0, 5, 10], [hot, mid, cool]))

    @property
    def logg(self) -> float:
        return _LOGG[self.luminosity_group][self.cls]

    def label(self) -> str:
        sub = "" if self.subclass is None else f"{self.subclass:g}"
        return f"{self.cls}{sub}{self.luminosity or ''}"


def parse(text: str | None) -> SpectralType | None:
    """The spectral type of a catalogue string, or None when it names no O-M class."""
    raw = (text or "").strip()
    if not raw:
        return None
    body = raw.split("+")[0].strip() if not raw.startswith("+") else raw  # "F5V+K0V": the primary
    notes: list[str] = []
    am = _AM.search(body)
    if body.startswith("k") and am:  # kA4hA5mA5Va: hydrogen type and what follows it
        lum_part = re.match(rf"m?[OBAFGKM]?\d*(?:\.\d+)?\s*(?P<lum>{_LUM})?", body[am.end():])
        lum = (lum_part.group("lum") or "") if lum_part else ""
        return SpectralType(raw, am.group("cls"), float(am.group("sub")), lum, ("Am",),
                            ("Am star: hydrogen-line type used",))
    match = _TYPE.match(body)
    if not match:
        return None
    prefix, lum = match.group("prefix"), match.group("lum") or ""
    if prefix and not lum:
        lum = PREFIX_LUMINOSITY[prefix]
        notes.append(f"prefix {prefix!r} read as luminosity class {lum}")
    sub = float(match.group("sub")) if match.group("sub") else None
    if sub is None:
        notes.append(f"no subclass: {match.group('cls')}{DEFAULT_SUBCLASS:g} assumed")
    peculiar = tuple(dict.fromkeys(re.findall(r"\[e\]|[epnm]", match.group("rest"))))
    return SpectralType(raw, match.group("cls"), sub, lum, peculiar, tuple(notes))
