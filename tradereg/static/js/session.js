// Session limits in the browser: warn before the idle limit, and keep what was typed.
// Progressive enhancement: without this file the server still ends the session; only
// the warning and the restoring of typed values need it.
(function () {
  "use strict";

  var body = document.body;
  var user = body.dataset.user;
  var PREFIX = "tradereg:keep:";
  var PENDING = "tradereg:keep-pending";
  var SKIPPED_TYPES = ["hidden", "password", "file", "submit", "button", "reset", "image"];

  function store() {
    try {
      return window.sessionStorage;
    } catch (ignore) {
      return null;
    }
  }

  // --- nothing typed is lost ------------------------------------------------------------
  // Every POST form of a logged-in page keeps its values in this tab's sessionStorage as
  // they are typed (never a password or a file); a form that reaches the server clears
  // them. A session that ended meanwhile sends the user to the login page and back to
  // this page, where the values come back. Forms with data-no-keep, a password field or
  // an upload are left alone.

  function keepable(field) {
    return field.name && field.name !== "csrfmiddlewaretoken" &&
      SKIPPED_TYPES.indexOf(field.type) === -1 && !field.disabled;
  }

  function keptForms() {
    var forms = [];
    document.querySelectorAll("form").forEach(function (form) {
      if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;
      if (form.matches("[data-no-keep], [data-upload], [data-logout]")) return;
      if (form.querySelector("input[type=password], input[type=file]")) return;
      if (!Array.prototype.some.call(form.elements, keepable)) return;
      forms.push(form);
    });
    return forms;
  }

  function keyOf(form, index) {
    return PREFIX + user + ":" + window.location.pathname + window.location.search + ":" + index;
  }

  function valuesOf(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keepable(field)) return;
      var value;
      if (field.type === "checkbox" || field.type === "radio") {
        value = field.checked;
      } else if (field.type === "select-multiple") {
        value = Array.prototype.filter.call(field.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        value = field.value;
      }
      (values[field.name] = values[field.name] || []).push(value);
    });
    return values;
  }

  function apply(form, values) {
    var seen = {};
    var changed = false;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keepable(field) || !values[field.name]) return;
      var i = seen[field.name] = (seen[field.name] === undefined ? 0 : seen[field.name] + 1);
      var value = values[field.name][i];
      if (value === undefined) return;
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked === value) return;
        field.checked = value;
      } else if (field.type === "select-multiple") {
        Array.prototype.forEach.call(field.options, function (o) {
          o.selected = value.indexOf(o.value) !== -1;
        });
      } else {
        if (field.value === value) return;
        field.value = value;
      }
      changed = true;
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
    return changed;
  }

  function showRestored(form) {
    var note = document.querySelector("[data-keep-restored]");
    if (!note) return;
    form.insertBefore(note, form.firstChild);
    note.hidden = false;
  }

  function setupKeeping(storage) {
    var pending = storage.getItem(PENDING);
    storage.removeItem(PENDING);
    if (!user) return; // the login page: the values wait for the same user to come back
    if (pending && pending.indexOf(PREFIX + user + ":") === 0) {
      storage.removeItem(pending); // the form reached the server while logged in
    }
    keptForms().forEach(function (form, index) {
      var key = keyOf(form, index);
      var saved = storage.getItem(key);
      if (saved) {
        try {
          if (apply(form, JSON.parse(saved))) showRestored(form);
        } catch (ignore) {
          storage.removeItem(key);
        }
      }
      var save = function () {
        try {
          storage.setItem(key, JSON.stringify(valuesOf(form)));
        } catch (ignore) { /* storage full or refused: nothing to do */ }
      };
      form.addEventListener("input", save);
      form.addEventListener("change", save);
      form.addEventListener("submit", function () {
        save();
        storage.setItem(PENDING, key);
      });
    });
    document.querySelectorAll("form[data-logout]").forEach(function (form) {
      form.addEventListener("submit", function () {
        for (var i = storage.length - 1; i >= 0; i--) {
          var k = storage.key(i);
          if (k && k.indexOf(PREFIX + user + ":") === 0) storage.removeItem(k);
        }
      });
    });
  }

  // --- the idle warning -----------------------------------------------------------------
  // The server tells how many seconds this session has left; WARN seconds before the end
  // a dialog offers 【继续使用】, which pings the keep-alive URL. Typing counts as being
  // there: it pings at most once a minute. At zero the page is loaded again, and the
  // server sends it to the login page.

  function setupWarning() {
    var left = parseInt(body.dataset.sessionLeft, 10);
    var warn = parseInt(body.dataset.sessionWarn, 10) || 120;
    var url = body.dataset.sessionKeepalive;
    var dialog = document.getElementById("session-warning");
    if (isNaN(left) || !url || !dialog) return;
    var countdown = dialog.querySelector("[data-session-countdown]");
    var deadline = Date.now() + left * 1000;
    var lastPing = Date.now();
    var typed = false;

    var csrf = function () {
      var input = document.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    };
    var leave = function () { window.location.assign(window.location.href); };
    var ping = function () {
      lastPing = Date.now();
      typed = false;
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      }).then(function (response) {
        if (response.status === 401) { leave(); return; }
        return response.json().then(function (data) {
          deadline = Date.now() + data.remaining * 1000;
        });
      }).catch(function () { /* offline: the timer runs on */ });
    };

    dialog.querySelector("[data-session-continue]").addEventListener("click", function () {
      ping().then(function () { if (dialog.open) dialog.close(); });
    });
    document.addEventListener("input", function (event) {
      if (dialog.contains(event.target)) return;
      typed = true;
    });

    window.setInterval(function () {
      var remaining = Math.round((deadline - Date.now()) / 1000);
      if (remaining <= 0) { leave(); return; }
      if (remaining <= warn) {
        countdown.textContent = String(remaining);
        if (!dialog.open && dialog.showModal) dialog.showModal();
      } else if (typed && Date.now() - lastPing > 60000) {
        ping();
      }
    }, 1000);
  }

  var storage = store();
  if (storage) setupKeeping(storage);
  if (user) setupWarning();
})();
