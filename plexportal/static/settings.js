/* Settings page: "Generate" for secrets plexportal issues itself (API key, webhook secret).
   The value is made in the browser and only leaves it when the admin presses Save. */
(function () {
  "use strict";
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest("[data-generate]");
    if (!btn) return;
    var field = document.querySelector(btn.getAttribute("data-generate"));
    if (!field || !window.crypto || !window.crypto.getRandomValues) return;
    var bytes = new Uint8Array(32);
    window.crypto.getRandomValues(bytes);
    var value = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    field.type = "text";                 // shown so it can be copied into Sonarr, Homepage…
    field.value = value;
    field.focus();
    field.select();
    if (window.plexportalToast) window.plexportalToast("New value filled in: copy it, then press Save.", "warn");
  });
})();

/* Setup wizard: propose this browser's time zone, and a webhook secret when none is stored. */
(function () {
  "use strict";
  function prefill() {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    document.querySelectorAll("[data-browser-timezone]").forEach(function (field) {
      if (zone && !field.dataset.filled) { field.value = zone; field.dataset.filled = "1"; }
    });
    document.querySelectorAll("[data-autogenerate]").forEach(function (field) {
      if (field.dataset.filled || field.value || !window.crypto || !window.crypto.getRandomValues) return;
      var bytes = new Uint8Array(32);
      window.crypto.getRandomValues(bytes);
      field.type = "text";
      field.value = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      field.dataset.filled = "1";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", prefill);
  else prefill();
  document.addEventListener("htmx:afterSwap", prefill);
})();
