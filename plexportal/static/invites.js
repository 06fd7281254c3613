/* Sign in with Plex on the join page. The PIN is created here, in the browser (so plex.tv sees the
   person's own address and shows no security warning); the server keeps the PIN id in its session
   and reads the token from plex.tv itself. Desktop: a popup, watched by polling. Phones, or when the
   popup is blocked: the same tab goes to Plex and comes back through forwardUrl. */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var GIVE_UP_MS = 10 * 60 * 1000;

  function say(text) {
    var el = document.getElementById("plex-signin-msg");
    if (el) el.textContent = text;
  }

  // The sign-in page words its failures itself (data-msg-failed, data-msg-unreachable on #plex-signin).
  function message(kind, fallback) {
    var box = document.getElementById("plex-signin");
    return (box && box.getAttribute("data-msg-" + kind)) || fallback;
  }

  function isPhone() {
    return window.matchMedia("(max-width: 700px)").matches || /Mobi|Android|iPhone|iPad/i.test(navigator.userAgent);
  }

  function poll(checkUrl, popup, reset) {
    var started = Date.now();
    var closedChecks = 0;
    function once() {
      if (Date.now() - started > GIVE_UP_MS) {
        say("Plex didn't confirm the sign-in. Press the button to try again.");
        if (reset) reset();
        return;
      }
      // The popup was closed without approving: after one last check, let them start again.
      if (popup && popup.closed && ++closedChecks > 2) {
        say("The Plex window was closed. Press the button to try again.");
        if (reset) reset();
        return;
      }
      fetch(checkUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { status: r.status === 429 ? "waiting" : "error" }; })
        .then(function (data) {
          if (data.status === "waiting") {
            setTimeout(once, POLL_MS);
            return;
          }
          if (popup && !popup.closed) popup.close();
          if (data.redirect) {
            window.location.href = data.redirect;
          } else {
            say(message("failed", "Sign-in didn't work. Press the button to try again, or type your username below."));
          }
        })
        .catch(function () { setTimeout(once, POLL_MS * 2); });
    }
    setTimeout(once, POLL_MS);
  }

  function start(box, button) {
    var phone = isPhone();
    // Open the popup inside the click, before any await, or browsers block it.
    var popup = phone ? null : window.open("", "plexauth", "width=600,height=720");
    if (popup) {
      try { popup.document.title = "Plex"; popup.document.body.textContent = "Opening Plex…"; } catch (e) { /* cross-origin later */ }
    }
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    say("Opening Plex…");
    var headers = {
      "Accept": "application/json",
      "X-Plex-Client-Identifier": box.getAttribute("data-client-id"),
      "X-Plex-Product": box.getAttribute("data-product"),
      "X-Plex-Version": "1.0",
      "X-Plex-Platform": "Web",
      "X-Plex-Device-Name": box.getAttribute("data-product")
    };
    fetch(box.getAttribute("data-plex-tv").replace(/\/$/, "") + "/api/v2/pins?strong=true", { method: "POST", headers: headers })
      .then(function (r) { if (!r.ok) throw new Error("pin " + r.status); return r.json(); })
      .then(function (pin) {
        return fetch(box.getAttribute("data-start-url"), {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": box.getAttribute("data-csrf") },
          body: JSON.stringify({ pin_id: pin.id, pin_code: pin.code })
        });
      })
      .then(function (r) { if (!r.ok) throw new Error("start " + r.status); return r.json(); })
      .then(function (urls) {
        if (popup && !popup.closed) {
          popup.location.href = urls.popup_url;
          say("Finish signing in in the Plex window. This page moves on by itself.");
          poll(box.getAttribute("data-check-url"), popup, function () {
            button.disabled = false;
            button.removeAttribute("aria-busy");
          });
        } else {
          window.location.href = urls.redirect_url;
        }
      })
      .catch(function () {
        if (popup && !popup.closed) popup.close();
        button.disabled = false;
        button.removeAttribute("aria-busy");
        say(message("unreachable", "Couldn't reach Plex just now. Try again in a moment, or type your username below."));
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("plex-signin");
    var button = document.getElementById("plex-signin-btn");
    if (box && button) {
      button.addEventListener("click", function () { start(box, button); });
    }
    var wait = document.getElementById("plex-wait");
    if (wait) poll(wait.getAttribute("data-check-url"), null);
  });
})();
