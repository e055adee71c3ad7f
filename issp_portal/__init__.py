"""ISSP portal: the SPICA survey (ISSP) and CHARA SPICA/MIRC-X/MYSTIC programs."""
from issp_portal.celery import app as celery_app

__version__ = "0.1.0"
__all__ = ["celery_app", "__version__"]
