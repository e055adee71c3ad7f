from django.db.models import Count
from django.shortcuts import render

from surveys.models import Night, Program, Target


def home(request):
    """Landing page: public metadata of the programs (no proprietary data)."""
    programs = Program.objects.annotate(n_targets=Count("targets", distinct=True)).order_by("priority", "code")
    context = {
        "programs": programs,
        "n_targets": Target.objects.count(),
        "n_nights": Night.objects.count(),
    }
    return render(request, "surveys/home.html", context)
