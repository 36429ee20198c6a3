// Passkeys (WebAuthn) for the Vigie hub: registration on the account page
// and at two-factor set-up, login as a second factor or alone. The hub
// sends the options as JSON with binary fields in base64url; this script
// turns them into ArrayBuffers for the browser and the answers back.
"use strict";
(function () {
  function dec(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function enc(buf) {
    const b = new Uint8Array(buf);
    let s = "";
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  async function post(url, csrf, body) {
    const res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try { data = await res.json(); } catch (e) { data = { error: "The hub answered " + res.status + "." }; }
    if (!res.ok) throw new Error(data.error || "The hub answered " + res.status + ".");
    return data;
  }
  function say(msg) {
    const el = document.getElementById("passkey-status");
    if (el) el.textContent = msg;
  }
  // msg is a message of the page's language (data-msg-* on the status
  // element), or the English fallback.
  function msg(key, fallback) {
    const el = document.getElementById("passkey-status");
    return (el && el.dataset["msg" + key[0].toUpperCase() + key.slice(1)]) || fallback;
  }
  function problem(e) {
    if (e && e.name === "NotAllowedError") return msg("cancelled", "The passkey request was cancelled or timed out.");
    if (e && e.name === "InvalidStateError") return msg("registered", "This passkey is registered already.");
    return (e && e.message) || String(e);
  }
  function descriptors(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: dec(c.id) }); });
  }
  async function register(btn) {
    const csrf = btn.dataset.csrf;
    const nameInput = document.getElementById("passkey-name");
    const name = nameInput ? nameInput.value.trim() : "";
    say(msg("wait", "Follow your browser's instructions…"));
    const opts = await post("/passkeys/register/begin", csrf);
    const pk = opts.publicKey;
    pk.challenge = dec(pk.challenge);
    pk.user.id = dec(pk.user.id);
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    const cred = await navigator.credentials.create({ publicKey: pk });
    const r = cred.response;
    const body = {
      id: cred.id, rawId: enc(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: {
        attestationObject: enc(r.attestationObject),
        clientDataJSON: enc(r.clientDataJSON),
        transports: r.getTransports ? r.getTransports() : [],
      },
    };
    const done = await post("/passkeys/register/finish?name=" + encodeURIComponent(name), csrf, body);
    say(done.message || "Passkey saved.");
    window.location.assign(done.redirect || btn.dataset.next || "/");
  }
  async function authenticate(btn, begin, finish) {
    const csrf = btn.dataset.csrf;
    say(msg("wait", "Follow your browser's instructions…"));
    const opts = await post(begin, csrf);
    const pk = opts.publicKey;
    pk.challenge = dec(pk.challenge);
    pk.allowCredentials = descriptors(pk.allowCredentials);
    const cred = await navigator.credentials.get({ publicKey: pk });
    const r = cred.response;
    const body = {
      id: cred.id, rawId: enc(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: {
        authenticatorData: enc(r.authenticatorData),
        clientDataJSON: enc(r.clientDataJSON),
        signature: enc(r.signature),
        userHandle: r.userHandle ? enc(r.userHandle) : undefined,
      },
    };
    const done = await post(finish, csrf, body);
    window.location.assign(done.redirect || "/");
  }
  function wire(id, fn) {
    const btn = document.getElementById(id);
    if (!btn) return;
    if (!window.PublicKeyCredential) {
      btn.disabled = true;
      say(msg("unsupported", "This browser does not support passkeys."));
      return;
    }
    btn.addEventListener("click", function () {
      btn.disabled = true;
      fn(btn).catch(function (e) { say(problem(e)); }).finally(function () { btn.disabled = false; });
    });
  }
  wire("passkey-register", register);
  wire("passkey-login", function (btn) { return authenticate(btn, "/login/passkey/begin", "/login/passkey/finish"); });
  wire("passkey-discover", function (btn) { return authenticate(btn, "/login/passkey/discover/begin", "/login/passkey/discover/finish"); });
})();
