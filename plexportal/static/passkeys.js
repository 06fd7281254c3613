/* Passkeys (WebAuthn). The server makes the options and checks the answers; this file only moves
   bytes between it and navigator.credentials. Three places use it:
   - .passkey-signin   sign in with a passkey alone (sign-in page) or as the second step
   - .passkey-register add a passkey (account page, or the set-up step of a sign-in) */
(function () {
  "use strict";

  function b64urlToBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function bufferToB64url(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      if (r.status === 429) return { error: "Too many attempts. Wait a few minutes and try again." };
      return r.json().catch(function () { return { error: "The server did not answer. Try again." }; });
    });
  }

  function say(box, text, bad) {
    var el = box.querySelector(".passkey-msg");
    if (el) { el.textContent = text; el.classList.toggle("field-error", !!bad); }
  }

  function supported(box) {
    if (window.PublicKeyCredential && navigator.credentials) return true;
    say(box, "This browser cannot use passkeys here (passkeys need HTTPS, or localhost).", true);
    return false;
  }

  function browserError(err) {
    if (err && err.name === "NotAllowedError") return "Cancelled, or no passkey for this site was chosen.";
    if (err && err.name === "InvalidStateError") return "This authenticator already holds a passkey for your account.";
    if (err && err.name === "SecurityError") return "Passkeys need this site's own address over HTTPS (or localhost).";
    return "The passkey did not answer: " + ((err && err.message) || "unknown error");
  }

  function busy(button, on) {
    button.disabled = on;
    if (on) button.setAttribute("aria-busy", "true"); else button.removeAttribute("aria-busy");
  }

  function descriptors(list) {
    return (list || []).map(function (c) { return { type: c.type, id: b64urlToBuffer(c.id), transports: c.transports }; });
  }

  // The credential as py_webauthn reads it: binary fields in base64url, plus the response's own.
  function credentialJSON(cred, response) {
    return JSON.stringify({
      id: cred.id, rawId: bufferToB64url(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || null,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: response
    });
  }

  function signIn(box, button) {
    if (!supported(box)) return;
    var purpose = box.getAttribute("data-purpose") || "signin";
    busy(button, true);
    say(box, "Waiting for your passkey…");
    post(box.getAttribute("data-options-url"), { purpose: purpose })
      .then(function (options) {
        if (options.error) throw { mine: options.error };
        return navigator.credentials.get({ publicKey: {
          challenge: b64urlToBuffer(options.challenge), timeout: options.timeout, rpId: options.rpId,
          userVerification: options.userVerification, allowCredentials: descriptors(options.allowCredentials)
        } });
      })
      .then(function (cred) {
        var r = cred.response;
        return post(box.getAttribute("data-verify-url"), {
          credential: credentialJSON(cred, {
            clientDataJSON: bufferToB64url(r.clientDataJSON), authenticatorData: bufferToB64url(r.authenticatorData),
            signature: bufferToB64url(r.signature), userHandle: r.userHandle ? bufferToB64url(r.userHandle) : null
          }),
          purpose: purpose, next: box.getAttribute("data-next") || ""
        });
      })
      .then(function (result) {
        if (result.redirect) { window.location.href = result.redirect; return; }
        throw { mine: result.error || "The passkey was not accepted." };
      })
      .catch(function (err) {
        busy(button, false);
        say(box, err && err.mine ? err.mine : browserError(err), true);
      });
  }

  function register(box, button) {
    if (!supported(box)) return;
    var nameInput = box.querySelector("input[name=name]") || document.getElementById("passkey-name");
    busy(button, true);
    say(box, "Follow your browser's prompt to create the passkey…");
    post(box.getAttribute("data-options-url"), {})
      .then(function (options) {
        if (options.error) throw { mine: options.error };
        return navigator.credentials.create({ publicKey: {
          challenge: b64urlToBuffer(options.challenge), rp: options.rp,
          user: { id: b64urlToBuffer(options.user.id), name: options.user.name, displayName: options.user.displayName },
          pubKeyCredParams: options.pubKeyCredParams, timeout: options.timeout, attestation: options.attestation,
          authenticatorSelection: options.authenticatorSelection, excludeCredentials: descriptors(options.excludeCredentials)
        } });
      })
      .then(function (cred) {
        var r = cred.response;
        return post(box.getAttribute("data-register-url"), {
          credential: credentialJSON(cred, {
            clientDataJSON: bufferToB64url(r.clientDataJSON), attestationObject: bufferToB64url(r.attestationObject),
            transports: r.getTransports ? r.getTransports() : []
          }),
          name: nameInput ? nameInput.value : ""
        });
      })
      .then(function (result) {
        if (result.redirect) { window.location.href = result.redirect; return; }
        if (!result.ok) throw { mine: result.error || "The passkey was not added." };
        busy(button, false);
        var text = result.message || "Passkey added.";
        say(box, text);
        var refresh = box.getAttribute("data-refresh-url");
        var section = document.getElementById("signin-methods");
        if (refresh && section && window.htmx) {
          // Show the new list, then say it again in the section that replaced this one.
          window.htmx.ajax("GET", refresh, { target: section, swap: "outerHTML" }).then(function () {
            var fresh = document.querySelector(".passkey-register");
            if (fresh) say(fresh, text);
          });
        }
      })
      .catch(function (err) {
        busy(button, false);
        say(box, err && err.mine ? err.mine : browserError(err), true);
      });
  }

  // Delegated: the account page swaps its sections with htmx, so buttons come and go.
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var signinBtn = target.closest("#passkey-signin-btn");
    if (signinBtn) { signIn(signinBtn.closest(".passkey-signin"), signinBtn); return; }
    var registerBtn = target.closest("#passkey-register-btn");
    if (registerBtn) { register(registerBtn.closest(".passkey-register"), registerBtn); }
  });
})();
