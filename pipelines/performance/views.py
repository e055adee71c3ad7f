"""Performance pages and exports (login required: they list observations)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from issp_portal.signed_links import download_auth
from pipelines.performance import exports, plots
from pipelines.performance.selectors import SNR_LIMIT, bin_rows, mode_summaries, parameter_rows


@login_required
def overview(request):
    instrument = request.GET.get("instrument") or None
    summaries = mode_summaries(instrument=instrument)
    modes = [{"summary": m, "plot": plots.snr_vs_magnitude(m, f"snr-{i}"), "m_lim": m.limiting_magnitude()}
             for i, m in enumerate(summaries)]
    context = {
        "modes": modes, "params": parameter_rows(summaries), "snr_limit": SNR_LIMIT, "instrument": instrument,
        "trend_plot": plots.limiting_magnitude_trend(summaries, "limiting-trend"),
        "tf_plot": plots.tf_level_by_semester(summaries, "tf-levels"),
        "synthetic": any(bool(m.samples["synthetic"].any()) for m in summaries),
    }
    return render(request, "performance/overview.html", context)


@download_auth  # a SAMP hub fetches the VOTable with a signed link (no session)
@login_required
def export(request, table: str, fmt: str):
    summaries = mode_summaries(instrument=request.GET.get("instrument") or None)
    if table == "parameters":
        rows, columns = parameter_rows(summaries), exports.PARAM_COLUMNS
        description = "Fitted V2 noise law per instrument mode (ISSP portal, pipelines/performance)"
    elif table == "bins":
        rows, columns = bin_rows(summaries), exports.BIN_COLUMNS
        description = "Median V2 SNR per magnitude bin, with the samples and observations behind each bin"
    else:
        raise Http404("unknown table")
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(rows, columns), content_type="text/csv; charset=utf-8")
    elif fmt == "vot":
        response = HttpResponse(exports.to_votable(rows, columns, name=table, description=description),
                                content_type="application/x-votable+xml")
    else:
        raise Http404("unknown format")
    response["Content-Disposition"] = f'attachment; filename="issp-noise-{table}.{"csv" if fmt == "csv" else "vot"}"'
    return response
