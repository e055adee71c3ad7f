// V² and closure phase against spatial frequency on the review page (data from json_script).
(function () {
  var node = document.getElementById("review-plot-data");
  if (!node || !window.Plotly) { return; }
  var data = JSON.parse(node.textContent);
  // SVG up to a few thousand points (no WebGL needed); beyond, WebGL from the CSP-safe strict bundle.
  var SVG_POINTS = 3000;
  function plot(id, series, title, ytitle) {
    Plotly.newPlot(id, [{
      x: series.x, y: series.y, mode: "markers", type: series.x.length <= SVG_POINTS ? "scatter" : "scattergl",
      marker: {size: 4, color: "#2457a6"},
      error_y: {type: "data", array: series.err, visible: true, thickness: 0.6, color: "#9fb3d9"}
    }], {
      title: {text: title, font: {size: 14}}, margin: {l: 55, r: 15, t: 40, b: 45},
      xaxis: {title: {text: "spatial frequency B/λ (Mλ)"}}, yaxis: {title: {text: ytitle}}
    }, {displaylogo: false, responsive: true});
  }
  plot("plot-vis2", data.vis2, "Squared visibility (" + data.vis2.x.length + " points)", "V²");
  plot("plot-t3", data.t3phi, "Closure phase (" + data.t3phi.x.length + " points)", "closure phase (deg)");
})();
