// Verify a cim certificate code in the browser: nothing is sent anywhere.
// code = "cimv1." + b64url(payload JSON) + "." + b64url(Ed25519 signature over the ASCII
// bytes of "cimv1." + b64url(payload)); the issuer's did:key must be in the trust list
// embedded in this page (role "issuer", in force on the date of issue). Text from the
// code is shown with textContent only, never as HTML.
(function () {
  "use strict";
  var PREFIX = "cimv1.";
  var FIELDS = ["id", "name", "title", "issued", "issuer", "sha256"];
  var B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  var DAY = 86400000;
  var MAX_TOKEN_CHARS = 4096; // more than a QR code can carry
  var trust = JSON.parse(document.getElementById("trust-list").textContent);
  var current = null; // the payload of the last code that verified (for the file check)

  // base58btc (bitcoin alphabet) to bytes; null for a character outside the alphabet.
  function base58decode(text) {
    var bytes = []; // little-endian while we build it
    for (var i = 0; i < text.length; i++) {
      var carry = B58.indexOf(text[i]);
      if (carry < 0) return null;
      for (var j = 0; j < bytes.length; j++) {
        carry += bytes[j] * 58;
        bytes[j] = carry & 0xff;
        carry >>= 8;
      }
      while (carry > 0) { bytes.push(carry & 0xff); carry >>= 8; }
    }
    // Each leading '1' stands for a leading zero byte.
    for (var k = 0; k < text.length && text[k] === "1"; k++) bytes.push(0);
    return new Uint8Array(bytes.reverse());
  }

  function b64url(text) {
    if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    try {
      var binary = atob(b64);
      var out = new Uint8Array(binary.length);
      for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
      return out;
    } catch (e) { return null; }
  }

  function keyFromDid(did) {
    if (typeof did !== "string" || did.indexOf("did:key:z") !== 0) return null;
    var bytes = base58decode(did.slice("did:key:z".length));
    if (!bytes || bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) return null;
    return bytes.slice(2);
  }

  // Milliseconds of an ISO date (start of that day, UTC) or date-time; null when unreadable.
  function when(value, endOfDay) {
    if (typeof value !== "string") return null;
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      var t = Date.parse(value + "T00:00:00Z");
      return isNaN(t) ? null : t + (endOfDay ? DAY : 0);
    }
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
    var u = Date.parse(value);
    return isNaN(u) ? null : u;
  }

  function invalid(reason, payload) { return { verdict: "invalid", reason: reason, payload: payload || null }; }

  function extract(text) {
    var value = text.trim();
    var hash = value.lastIndexOf("#");
    if (hash >= 0) value = value.slice(hash + 1);
    try { value = decodeURIComponent(value); } catch (e) { /* keep it as it is */ }
    return value.replace(/\s+/g, "");
  }

  async function check(token) {
    if (token.length > MAX_TOKEN_CHARS) return invalid("This is too long to be a verification code.");
    if (token.indexOf(PREFIX) !== 0) return invalid("This is not a certificate verification code: it should start with " + PREFIX);
    var parts = token.slice(PREFIX.length).split(".");
    if (parts.length !== 2) return invalid("The code is incomplete or has extra parts. Copy it again in full.");
    var body = b64url(parts[0]);
    var signature = b64url(parts[1]);
    if (!body || !signature) return invalid("The code contains characters a verification code cannot have. Copy it again.");
    if (signature.length !== 64) return invalid("The code's signature has the wrong length: the code is incomplete or was changed.");
    var payload;
    try {
      payload = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
    } catch (e) {
      return invalid("The code's content cannot be read: it was changed or damaged.");
    }
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return invalid("The code's content is not a certificate.");
    for (var i = 0; i < FIELDS.length; i++) {
      if (typeof payload[FIELDS[i]] !== "string") return invalid("The code lacks the certificate's " + FIELDS[i] + ".");
    }
    if (Object.keys(payload).length !== FIELDS.length) return invalid("The code holds fields a certificate code does not have.");
    if (!/^[0-9a-f]{64}$/.test(payload.sha256)) return invalid("The code's file fingerprint (sha256) is not 64 hexadecimal digits.");
    var key = null;
    for (var k = 0; k < trust.keys.length; k++) if (trust.keys[k].id === payload.issuer) key = trust.keys[k];
    if (!key) return invalid("The certificate was signed by a key that is not in this programme's trust list.");
    if (key.roles.indexOf("issuer") < 0) return invalid("The key that signed it belongs to " + key.name + ", who is not allowed to issue certificates.");
    var raw = keyFromDid(key.id);
    if (!raw) return invalid("The trust list holds a key that is not an Ed25519 did:key; tell the programme office.");
    if (!window.crypto || !crypto.subtle) {
      return { verdict: "error", reason: "This browser cannot check signatures on this page: open it over https (or from a file), in a current browser." };
    }
    var ok;
    try {
      var cryptoKey = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
      ok = await crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, signature, new TextEncoder().encode(PREFIX + parts[0]));
    } catch (e) {
      return { verdict: "error", reason: "This browser cannot check Ed25519 signatures. Use a current version of Firefox, Chrome, Edge or Safari." };
    }
    if (!ok) return invalid("The signature does not match: the code was changed, or it was not made by this programme.");
    var issued = when(payload.issued, false);
    if (issued === null) return invalid("The certificate's date of issue cannot be read.", payload);
    var from = when(key.valid_from, false);
    var until = when(key.valid_until, true);
    var keyRevoked = when(key.revoked, false);
    if (from !== null && issued < from) return invalid("The certificate is dated before the issuer's key came into force (" + key.valid_from + ").", payload);
    if (until !== null && issued >= until) return invalid("The certificate is dated after the issuer's key expired (" + key.valid_until + ").", payload);
    if (keyRevoked !== null && issued >= keyRevoked) return invalid("The issuer's key was revoked on " + key.revoked + ", before the date of this certificate.", payload);
    for (var r = 0; r < trust.revoked_credentials.length; r++) {
      var entry = trust.revoked_credentials[r];
      if (entry.id === payload.id) return { verdict: "revoked", payload: payload, key: key, revocation: entry };
    }
    return { verdict: "valid", payload: payload, key: key };
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function facts(rows) {
    var list = element("dl", undefined, "facts");
    rows.forEach(function (row) {
      if (!row[1]) return;
      list.appendChild(element("dt", row[0]));
      list.appendChild(element("dd", row[1]));
    });
    return list;
  }

  var HEADLINE = {
    valid: "Valid",
    invalid: "Invalid",
    revoked: "Revoked",
    error: "Could not be checked"
  };

  function show(result) {
    var box = document.getElementById("verdict");
    box.textContent = "";
    box.className = result.verdict;
    box.setAttribute("data-verdict", result.verdict);
    box.appendChild(element("p", HEADLINE[result.verdict], "verdict-word"));
    var p = result.payload;
    if (result.verdict === "valid") {
      box.appendChild(element("p", "This certificate was issued by the programme and has not been changed or revoked."));
    } else if (result.verdict === "revoked") {
      var rv = result.revocation;
      box.appendChild(element("p", "The programme revoked this certificate" + (rv.date ? " on " + rv.date : "") + ": it no longer counts." + (rv.reason ? " Reason: " + rv.reason : "")));
    } else {
      box.appendChild(element("p", result.reason));
    }
    if (p && (result.verdict === "valid" || result.verdict === "revoked")) {
      box.appendChild(facts([
        ["Name", p.name],
        ["Achievement", p.title],
        ["Issued", p.issued.slice(0, 10)],
        ["Issued by", result.key.name],
        ["Certificate id", p.id]
      ]));
      current = p;
    } else {
      current = null;
    }
    document.getElementById("file-check").hidden = current === null;
    document.getElementById("file-verdict").textContent = "";
  }

  async function run(text) {
    var token = extract(text);
    if (!token) return;
    show(await check(token));
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  document.getElementById("verify-form").addEventListener("submit", function (event) {
    event.preventDefault();
    run(document.getElementById("token").value);
  });
  document.getElementById("credential-file").addEventListener("change", async function (event) {
    var file = event.target.files[0];
    var out = document.getElementById("file-verdict");
    if (!file || !current) return;
    var digest = hex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
    out.textContent = digest === current.sha256.toLowerCase()
      ? "This file is the certificate the code was made for."
      : "This file is not the certificate the code was made for: it differs from the issued file.";
  });
  function fromAddress() {
    if (location.hash.length > 1) {
      document.getElementById("token").value = extract(location.hash);
      run(location.hash);
    }
  }
  window.addEventListener("hashchange", fromAddress);
  fromAddress();
})();
