/* WebAuthn in both consoles (tenant users' keys, operators' keys): the ceremonies, no inline script (CSP).
 *
 * An element with data-webauthn="create" or "get" carries the server's options
 * (PublicKeyCredentialCreationOptions / RequestOptions as JSON) in data-options.
 * When it is a form, submitting it first runs the ceremony; when it sits inside
 * a form (the login's second-factor step), its button does. The browser's answer
 * is written, as JSON with base64url fields, into the hidden "credential" input,
 * and the form is sent.
 */
(function () {
  "use strict";

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) {
      text += String.fromCharCode(bytes[i]);
    }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) {
      bytes[i] = text.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      var copy = Object.assign({}, item);
      copy.id = fromBase64url(item.id);
      return copy;
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = fromBase64url(json.challenge);
    options.user = Object.assign({}, json.user, {id: fromBase64url(json.user.id)});
    options.excludeCredentials = descriptors(json.excludeCredentials);
    // credProps tells the server whether the key stored a passkey (discoverable credential).
    options.extensions = Object.assign({}, json.extensions, {credProps: true});
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = fromBase64url(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults
        ? credential.getClientExtensionResults() : {},
      response: {clientDataJSON: toBase64url(response.clientDataJSON)}
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      if (response.getTransports) {
        json.response.transports = response.getTransports();
      }
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle && response.userHandle.byteLength) {
        json.response.userHandle = toBase64url(response.userHandle);
      }
    }
    return JSON.stringify(json);
  }

  function explain(error, kind) {
    if (error && error.name === "NotAllowedError") {
      return "The key was not used: it was cancelled, not confirmed or took too long. Try again.";
    }
    if (error && error.name === "InvalidStateError" && kind === "create") {
      return "This security key is already registered to your account.";
    }
    if (error && error.name === "SecurityError") {
      return "This address is not allowed to use security keys. Ask your administrator.";
    }
    return "The security key could not be used" + (error && error.message ? ": " + error.message : ".");
  }

  function setup(holder) {
    var kind = holder.getAttribute("data-webauthn");
    var form = holder.tagName === "FORM" ? holder : holder.closest("form");
    var status = holder.querySelector(".webauthn-status");
    var field = holder.querySelector("input[name=credential]");
    var button = holder.tagName === "FORM"
      ? holder.querySelector("button[type=submit]") : holder.querySelector("button");
    var busy = false;

    function say(text, isError) {
      if (status) {
        status.textContent = text;
        status.classList.toggle("error", Boolean(isError));
      }
    }

    if (!window.PublicKeyCredential || !navigator.credentials) {
      say("This browser cannot use security keys or passkeys.", true);
      if (button) {
        button.disabled = true;
      }
      return;
    }

    function run() {
      if (busy) {
        return;
      }
      if (holder.tagName === "FORM" && !form.reportValidity()) {
        return;
      }
      busy = true;
      if (button) {
        button.disabled = true;
      }
      say(kind === "create" ? "Follow your browser to register the key…"
        : "Follow your browser to use your key…");
      var json = JSON.parse(holder.getAttribute("data-options"));
      var ceremony = kind === "create"
        ? navigator.credentials.create({publicKey: creationOptions(json)})
        : navigator.credentials.get({publicKey: requestOptions(json)});
      ceremony.then(function (credential) {
        field.value = credentialJSON(credential);
        say("Checking…");
        form.submit();
      }).catch(function (error) {
        busy = false;
        if (button) {
          button.disabled = false;
        }
        say(explain(error, kind), true);
      });
    }

    if (holder.tagName === "FORM") {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        run();
      });
    } else if (button) {
      button.addEventListener("click", run);
    }
  }

  function start() {
    var holders = document.querySelectorAll("[data-webauthn]");
    for (var i = 0; i < holders.length; i++) {
      setup(holders[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
