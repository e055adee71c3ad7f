// "Send to ..." buttons: hand a file to a desktop application (OIFitsExplorer, Aspro2, TOPCAT) through the
// SAMP Web Profile hub on the user's machine (samp.js, vendored). No inline script: buttons carry
//   data-samp-mtype  table.load.fits | table.load.votable
//   data-samp-path   the download path on this site (signed by /links/sign, so the hub can fetch it)
//   data-samp-name   the table name shown by the application
//   data-samp-client the application's samp.name (empty: every subscribed application)
// and the outcome is written into the nearest .samp-status element.
(function () {
  "use strict";
  if (window.portalSampLoaded) { return; }  // the include may appear twice on a page: one listener
  window.portalSampLoaded = true;
  var APP = {"samp.name": "ISSP portal", "samp.description.text": "SPICA survey data portal (CHARA Array)"};

  function say(button, text, tone) {
    var box = button.closest("[data-samp-box]");
    var out = box ? box.querySelector(".samp-status") : null;
    if (out) { out.textContent = text; out.dataset.tone = tone; }
  }

  function signedUrl(path) {
    return fetch("/links/sign?path=" + encodeURIComponent(path), {credentials: "same-origin"})
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error((body.errors && body.errors.path) || body.detail || "cannot sign"); }
          return body.url;
        });
      });
  }

  function pick(conn, ids, wanted, done) {
    // The subscribed client whose samp.name is `wanted` (case-insensitive), or null.
    var pending = ids.length, found = null;
    ids.forEach(function (id) {
      var next = function () { pending -= 1; if (pending === 0) { done(found); } };
      conn.getMetadata([id], function (meta) {
        if (!found && String(meta["samp.name"] || "").toLowerCase() === wanted.toLowerCase()) { found = id; }
        next();
      }, next);
    });
  }

  function send(button) {
    var mtype = button.dataset.sampMtype, wanted = button.dataset.sampClient || "";
    var label = wanted || "SAMP applications";
    say(button, "Connecting to the SAMP hub...", "info");
    signedUrl(button.dataset.sampPath).then(function (url) {
      var message = new samp.Message(mtype, {url: url, name: button.dataset.sampName || ""});
      samp.register(APP["samp.name"], function (conn) {
        var fail = function (err) {
          say(button, "The hub refused the message: " + (err && (err.faultString || err.message) || err), "bad");
          conn.close();
        };
        var ok = function () { say(button, "Sent to " + label + " (" + mtype + ").", "ok"); conn.close(); };
        conn.declareMetadata([APP]);
        conn.getSubscribedClients([mtype], function (subs) {
          var ids = Object.keys(subs || {});
          if (!ids.length) {
            say(button, "No application reading " + mtype + " is connected to the hub.", "bad");
            conn.close();
          } else if (!wanted) {
            conn.notifyAll([message], ok, fail);
          } else {
            pick(conn, ids, wanted, function (id) {
              if (id) { conn.notify([id, message], ok, fail); return; }
              say(button, wanted + " is not connected to the SAMP hub (or does not read " + mtype +
                  "): start it, then send again.", "bad");
              conn.close();
            });
          }
        }, fail);
      }, function () {
        say(button, "No SAMP hub answered: start TOPCAT, Aspro2 or OIFitsExplorer (each runs a hub) and " +
            "accept the web connection it asks about.", "bad");
      });
    }).catch(function (err) { say(button, "Cannot make a download link: " + err.message, "bad"); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-samp-mtype]");
    if (button) { event.preventDefault(); send(button); }
  });
  // The buttons are served disabled (a click before this script ran would be lost): enable them now, and
  // those of a later include once the page is parsed.
  function enable() {
    document.querySelectorAll("button[data-samp-mtype]").forEach(function (b) { b.disabled = false; });
  }
  enable();
  document.addEventListener("DOMContentLoaded", enable);
})();
