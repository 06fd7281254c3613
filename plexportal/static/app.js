/* plexportal: small behaviours that CSP-safe markup cannot express. No inline script anywhere. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.htmx) return;
    // Swap 422 (form errors) like a success; other 4xx/5xx show a toast instead of failing silently.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true }
    ];
  });

  function toast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "toast toast-" + (kind || "ok");
    div.setAttribute("role", "status");
    div.textContent = message;
    box.appendChild(div);
  }
  window.plexportalToast = toast;

  document.addEventListener("htmx:responseError", function (evt) {
    var code = evt.detail.xhr ? evt.detail.xhr.status : 0;
    var text = code === 429 ? "Too many attempts; wait a little and try again."
      : code === 403 ? "That is not allowed."
      : code === 404 ? "That item no longer exists; reload the page."
      : "Something went wrong (" + code + "). Try again.";
    toast(text, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Could not reach plexportal. Check your connection.", "error");
  });

  // Toasts fade out on their own (errors stay a little longer), at most three are shown (the
  // oldest goes first), and they never sit over the field in use: when the focused element is
  // under them, they move to the top of the screen.
  var MAX_TOASTS = 3;

  function dismiss(t) {
    t.classList.add("toast-out");
    setTimeout(function () { if (t.parentNode) t.parentNode.removeChild(t); }, 600);
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function placeToasts() {
    var box = document.getElementById("toasts");
    if (!box) return;
    var live = box.querySelectorAll(".toast:not(.toast-out)");
    for (var i = 0; i < live.length - MAX_TOASTS; i++) dismiss(live[i]);
    var focused = document.activeElement;
    box.classList.remove("toasts-top");
    if (!focused || focused === document.body || !box.children.length) return;
    var field = focused.getBoundingClientRect();
    if (overlaps(box.getBoundingClientRect(), field)) box.classList.add("toasts-top");
  }

  var observer = new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (node) {
        if (node.nodeType !== 1) return;
        var toasts = node.classList && node.classList.contains("toast") ? [node] : node.querySelectorAll ? node.querySelectorAll(".toast") : [];
        Array.prototype.forEach.call(toasts, function (t) {
          var wait = t.classList.contains("toast-error") ? 9000 : 4500;
          setTimeout(function () { dismiss(t); }, wait);
        });
      });
    });
    placeToasts();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("toasts");
    if (box) observer.observe(box, { childList: true });
  });
  var placing = false;
  function placeSoon() {
    if (placing) return;
    placing = true;
    window.requestAnimationFrame(function () { placing = false; placeToasts(); });
  }
  document.addEventListener("focusin", placeToasts);
  window.addEventListener("resize", placeSoon);
  window.addEventListener("scroll", placeSoon, { passive: true });

  // Copy buttons: <button data-copy="text"> or data-copy-from="#id".
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest("[data-copy], [data-copy-from]");
    if (!btn) return;
    var text = btn.getAttribute("data-copy");
    if (text === null) {
      var src = document.querySelector(btn.getAttribute("data-copy-from"));
      text = src ? (src.value || src.textContent) : "";
    }
    var done = function () { toast("Copied to the clipboard."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { toast("Copy failed; select the text instead.", "warn"); });
    } else {
      var ta = document.createElement("textarea");
      ta.value = text; document.body.appendChild(ta); ta.select();
      try { document.execCommand("copy"); done(); } catch (e) { toast("Copy failed; select the text instead.", "warn"); }
      document.body.removeChild(ta);
    }
  });

  // Relative times refresh every minute from their datetime attribute.
  function relative(iso) {
    var d = (Date.now() - Date.parse(iso)) / 1000, future = d < 0; d = Math.abs(d);
    var t = d < 45 ? "a few seconds" : d < 90 ? "a minute" : d < 3600 ? Math.round(d / 60) + " minutes"
      : d < 5400 ? "an hour" : d < 86400 ? Math.round(d / 3600) + " hours" : d < 172800 ? "a day"
      : d < 86400 * 45 ? Math.round(d / 86400) + " days" : d < 86400 * 365 ? Math.round(d / 2592000) + " months"
      : Math.round(d / 31536000) + " years";
    return future ? "in " + t : t + " ago";
  }
  setInterval(function () {
    document.querySelectorAll("time[data-live]").forEach(function (el) {
      el.textContent = relative(el.getAttribute("datetime"));
    });
  }, 60000);

  // Countdowns: <span data-countdown="ISO">.
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var s = Math.round((Date.parse(el.getAttribute("data-countdown")) - Date.now()) / 1000);
      if (isNaN(s)) return;
      if (s <= 0) { el.textContent = "due now"; return; }
      var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
      el.textContent = (d ? d + " d " : "") + (d || h ? h + " h " : "") + m + " min" + (d ? "" : " " + sec + " s");
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);

  // The nav is a <details> so phones get a menu without script; on wide screens keep it open
  // (browsers without ::details-content support would otherwise hide the links).
  var wide = window.matchMedia("(min-width: 900px)");
  function syncMenu() {
    document.querySelectorAll(".navmenu").forEach(function (menu) {
      if (wide.matches) menu.setAttribute("open", "");
      else menu.removeAttribute("open");
    });
  }
  document.addEventListener("DOMContentLoaded", syncMenu);
  if (wide.addEventListener) wide.addEventListener("change", syncMenu);

  // Close the phone menu after choosing a link.
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest(".navmenu a");
    var menu = link && link.closest("details");
    if (menu && !wide.matches) menu.removeAttribute("open");
  });
})();
