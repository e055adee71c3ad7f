"""The instrument registry moved to domain.instruments; these names stay importable for the synthetic night
(pipelines.synthetic)."""
from domain.instruments import CALIBRATION, SCIENCE, get_instrument  # noqa: F401
