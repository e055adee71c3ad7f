from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """The night planner, a top-level app above surveys, obs_server and the noise model it uses.

    It lived in `surveys.planning`; the label stays "planning" so that its tables (planning_nightplan,
    planning_nightplanitem), its migration history and the "planning:" URL names are unchanged.
    """

    name = "planner"
    label = "planning"
    verbose_name = "Night planner"
