/* plexportal's service worker: the page shell offline, and Web Push messages. */
"use strict";
const SHELL = "plexportal-shell-v1";
const HOME = "plexportal-home";
const HOME_KEY = "/notify/installed-home";
const OFFLINE = {{ offline|tojson }};
const FILES = {{ files|tojson }};
const ICON = {{ icon|tojson }};
const NAME = {{ name|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("plexportal-shell-") && k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    // Pages always come from the server (they are personal and change); offline, say so.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
    return;
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && FILES.includes(url.pathname)) {
    event.respondWith(fetch(request).catch(() => caches.match(url.pathname)));
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (err) {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(self.registration.showNotification(data.title || NAME, {
    body: data.body || "", icon: ICON, badge: ICON, data: { url: data.url || "" },
  }));
});

async function homePage() {
  const hit = await caches.open(HOME).then((cache) => cache.match(HOME_KEY));
  return hit ? await hit.text() : "/";
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil((async () => {
    const url = (event.notification.data && event.notification.data.url) || await homePage();
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (client.url === new URL(url, self.location.origin).href && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(url);
  })());
});
