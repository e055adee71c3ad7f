// Draw every Plotly figure whose JSON sits in <script type="application/json" id="<div>-data">.
// Keeps pages free of inline scripts (Content-Security-Policy: script-src 'self').
(function () {
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("div.plotly-figure").forEach(function (div) {
      var data = document.getElementById(div.id + "-data");
      if (!data || div.dataset.drawn) { return; }
      var fig = JSON.parse(data.textContent);
      var config = div.dataset.config ? JSON.parse(div.dataset.config) : {};
      Plotly.newPlot(div, fig.data, fig.layout, config);
      div.dataset.drawn = "1";
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
