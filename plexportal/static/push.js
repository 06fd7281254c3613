/* Installing the page and Web Push: registers the service worker, and runs the push cards'
   Turn on / Turn off buttons (a person's page, and the admin's Notifications page). */
(function () {
  "use strict";
  var script = document.currentScript;
  var swUrl = script && script.getAttribute("data-sw");
  var HOME_KEY = "/notify/installed-home";

  // The status lines, in the person's language: the page renders them on this script's tag.
  function text(name, english) {
    return (script && script.getAttribute("data-say-" + name)) || english;
  }
  var registration = null;
  if (swUrl && "serviceWorker" in navigator) {
    registration = navigator.serviceWorker.register(swUrl, { scope: "/" }).catch(function () { return null; });
  }

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (err) { return ""; }
  }

  function keyBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "HX-Request": "true" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status >= 500 || response.status === 429 || response.status === 403) {
        throw new Error(response.status === 429 ? text("too-many", "Too many attempts; wait a little and try again.")
                        : text("server", "The server could not do that ({status}).").replace("{status}", response.status));
      }
      return response.text();
    });
  }

  function swap(card, html) {
    if (window.htmx && htmx.swap) htmx.swap(card, html, { swapStyle: "outerHTML" });
    else card.outerHTML = html;
  }

  function say(card, text) {
    var state = card.querySelector(".push-state");
    if (state) state.textContent = text;
  }

  function show(card, subscribed) {
    var on = card.querySelector(".push-on"), off = card.querySelector(".push-off");
    if (on) on.hidden = subscribed;
    if (off) off.hidden = !subscribed;
    say(card, subscribed ? text("on", "Push is on for this device.") : "");
  }

  function setUp(card) {
    if (card.getAttribute("data-push-ready")) return;
    card.setAttribute("data-push-ready", "1");
    var home = card.getAttribute("data-push-home");
    if (home && window.caches) {
      // The installed app opens this page when a message without its own address is tapped.
      caches.open("plexportal-home").then(function (c) { return c.put(HOME_KEY, new Response(home)); })
        .catch(function () {});
    }
    var subscribeUrl = card.getAttribute("data-push-subscribe");
    if (!subscribeUrl) return;
    if (!registration || !("PushManager" in window) || !("Notification" in window)) {
      say(card, window.isSecureContext ? text("no-push", "This browser cannot receive push messages.")
        : text("https", "Push needs this page on an https address."));
      return;
    }
    registration.then(function (reg) {
      if (!reg) { say(card, text("no-push-here", "This browser cannot receive push messages here.")); return null; }
      return reg.pushManager.getSubscription().then(function (sub) { show(card, !!sub); });
    });
    card.querySelector(".push-on").addEventListener("click", function () {
      say(card, text("asking", "Asking this browser…"));
      Notification.requestPermission().then(function (answer) {
        if (answer !== "granted") throw new Error(text("blocked", "Notifications are blocked for this page in the browser's settings."));
        return registration;
      }).then(function (reg) {
        return navigator.serviceWorker.ready.then(function () {
          return reg.pushManager.subscribe({ userVisibleOnly: true,
            applicationServerKey: keyBytes(card.getAttribute("data-push-key")) });
        });
      }).then(function (sub) {
        return post(subscribeUrl, { subscription: sub.toJSON() });
      }).then(function (html) { swap(card, html); })
        .catch(function (err) { say(card, err && err.message ? err.message : text("on-failed", "Push could not be turned on.")); });
    });
    card.querySelector(".push-off").addEventListener("click", function () {
      registration.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
        if (!sub) return null;
        var endpoint = sub.endpoint;
        return sub.unsubscribe().then(function () {
          return post(card.getAttribute("data-push-unsubscribe"), { endpoint: endpoint });
        });
      }).then(function (html) { if (html) swap(card, html); else show(card, false); })
        .catch(function () { say(card, text("off-failed", "Push could not be turned off.")); });
    });
  }

  function scan(root) {
    var cards = (root || document).querySelectorAll("[data-push-key]");
    for (var i = 0; i < cards.length; i++) setUp(cards[i]);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (evt) { scan(evt.target && evt.target.parentNode || document); });
})();
