"""Facts of the site and the formats, in one place, with no Django import.

Every app reads CHARA's location, stations, the night boundary, the quality
scale, the visibility models and the OIFITS conventions from here, so a fact
changes in exactly one module.
"""
