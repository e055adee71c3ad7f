"""The person's desk: home after login (thin view over surveys.desk)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from surveys.desk import desk_for


@login_required
def desk(request):
    return render(request, "surveys/desk.html", {"desk": desk_for(user=request.user)})
