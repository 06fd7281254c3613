/* Backups page: size and duration charts (Chart.js, vendored) with the alert thresholds drawn.
   The data comes from a JSON block in the page; the table under the charts holds the same figures. */
(function () {
  "use strict";

  function threshold(days, value) {
    return days.map(function () { return value; });
  }

  function draw(id, label, values, days, limit, limitLabel, colour) {
    var canvas = document.getElementById(id);
    if (!canvas || !window.Chart) return;
    var datasets = [{ label: label, data: values, borderColor: colour, backgroundColor: colour,
                      pointRadius: 0, borderWidth: 2, spanGaps: true, tension: 0.2 }];
    if (limit !== null && limit !== undefined) {
      datasets.push({ label: limitLabel, data: threshold(days, limit), borderColor: "#d6336c",
                      borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5, fill: false });
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: days, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: false } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
      }
    });
  }

  function init() {
    // The year heatmap reads left (a year ago) to right (today): on a narrow screen it scrolls,
    // so start at today's end rather than at months that may hold no runs at all.
    Array.prototype.forEach.call(document.querySelectorAll(".bk-heatmap"), function (map) {
      map.scrollLeft = map.scrollWidth;
    });
    var block = document.getElementById("bk-chart-data");
    if (!block) return;
    var d;
    try { d = JSON.parse(block.getAttribute("data-chart")); } catch (e) { return; }
    draw("bk-size", "Total size (GB)", d.size_gb, d.days, d.size_floor_gb,
         "Alert below (" + d.drop_pct + "% under the median)", "#e5a00d");
    draw("bk-duration", "Duration (min)", d.duration_min, d.days, d.duration_ceiling_min,
         "Alert above (" + d.factor + "× the median)", "#1c7ed6");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  // Expanding a run's log: a second click on "Log" closes it again.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var btn = evt.detail.elt;
    if (!btn || !btn.matches || !btn.matches(".bk-history button[aria-controls]")) return;
    var target = document.getElementById(btn.getAttribute("aria-controls"));
    if (target && target.innerHTML.trim() !== "") {
      evt.preventDefault();
      target.innerHTML = "";
      btn.setAttribute("aria-expanded", "false");
    } else {
      btn.setAttribute("aria-expanded", "true");
    }
  });
})();
