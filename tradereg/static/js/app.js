// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // What opened each dialog: focus goes back there when it closes (Escape, 关闭, a pick).
  var openers = new WeakMap();
  document.addEventListener("close", function (event) {
    var opener = openers.get(event.target);
    if (opener) opener.focus();
  }, true);

  // 【选择】 opens the authority dialog instead of the picker page.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-picker-open]");
    if (opener) {
      var dialog = document.getElementById(opener.dataset.pickerOpen);
      if (dialog && dialog.showModal) {
        event.preventDefault();
        openers.set(dialog, opener);
        dialog.showModal();
        var search = dialog.querySelector("input[type=search]");
        if (search) search.focus();
      }
      return;
    }
    var pick = event.target.closest("dialog a.pick");
    if (pick) {
      event.preventDefault();
      document.getElementById("id_authority").value = pick.dataset.code;
      document.getElementById("authority-display").value = pick.dataset.name;
      pick.closest("dialog").close();
      document.querySelector("[data-picker-open]").focus();
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) closer.closest("dialog").close();
  });

  // A link that acts as a button (【选择】, the picker's results: links, so that they work
  // without JavaScript) is pressed with Space as well as Enter, as a button is.
  document.addEventListener("keydown", function (event) {
    if (event.key === " " && event.target.matches("a[role=button]")) {
      event.preventDefault();
      event.target.click();
    }
  });

  // Enter in the dialog's search box picks the first result instead of submitting.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("dialog input[type=search]")) {
      event.preventDefault();
      var first = event.target.closest("dialog").querySelector("a.pick");
      if (first) first.focus();
    }
  });

  // A table wider than the screen scrolls in its own box (site.css, phones): keyboard
  // users must be able to reach it, so it takes focus while it scrolls.
  function markScrollable() {
    document.querySelectorAll("table.list, .table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "1";
      } else if (!scrolls && box.dataset.scrollFocus) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    });
  }
  markScrollable();
  window.addEventListener("resize", markScrollable);
  document.addEventListener("htmx:afterSwap", markScrollable);

  // One submission per click: a double click must not post twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-once]")) return;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });

  function setupFilingForm(form) {
    var type = form.querySelector("#id_operator_type");
    var section = document.getElementById("section-fields");
    if (type && section) {
      var sections = {};
      (type.dataset.sections || "").split(",").forEach(function (pair) {
        var parts = pair.split(":");
        sections[parts[0]] = parts[1];
      });
      var relabel = function () {
        var s = sections[type.value] === "B" ? "b" : "a";
        document.getElementById("section-heading").textContent = section.dataset["heading" + s.toUpperCase()];
        var rep = form.querySelector("label[for=id_representative]");
        var cap = form.querySelector("label[for=id_capital]");
        if (rep) rep.textContent = section.dataset["rep" + s.toUpperCase()];
        if (cap) cap.textContent = section.dataset["cap" + s.toUpperCase()];
      };
      type.addEventListener("change", relabel);
    }

    var uscc = form.querySelector("#id_uscc");
    var regNo = form.querySelector("#id_registration_no");
    if (uscc && regNo) {
      var lastCopied = regNo.value === uscc.value ? regNo.value : null;
      uscc.addEventListener("input", function () {
        if (!regNo.value || regNo.value === lastCopied) {
          regNo.value = uscc.value.replace(/\s+/g, "").toUpperCase();
          lastCopied = regNo.value;
        }
      });
    }

    var capital = form.querySelector("#id_capital");
    var currency = form.querySelector("#id_currency");
    var usd = form.querySelector("#id_capital_usd");
    if (capital && currency && usd) {
      var rates = {};
      (currency.dataset.rates || "").split(",").forEach(function (pair) {
        var parts = pair.split(":");
        rates[parts[0]] = parseFloat(parts[1]);
      });
      var computed = null;
      var recompute = function () {
        var amount = parseFloat(capital.value);
        var rate = rates[currency.value];
        if (isNaN(amount) || rate === undefined) return;
        if (usd.value === "" || usd.value === computed) {
          computed = (Math.round(amount * rate * 1e6) / 1e6).toString();
          usd.value = computed;
        }
      };
      capital.addEventListener("input", recompute);
      currency.addEventListener("change", recompute);
    }
  }
  document.querySelectorAll("form[data-filing-form]").forEach(setupFilingForm);

  // Uploads show their progress; the plain form post remains the fallback.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) return;
      event.preventDefault();
      var bar = form.querySelector("progress");
      var error = form.querySelector("[data-upload-error]");
      var button = form.querySelector("button[type=submit]");
      error.hidden = true;
      bar.hidden = false;
      bar.value = 0;
      button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (ignore) { data = {}; }
        if (xhr.status === 200 && data.ok) {
          window.location.reload();
          return;
        }
        button.disabled = false;
        bar.hidden = true;
        error.textContent = (data.errors || [error.dataset.failed]).join(" ");
        error.hidden = false;
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        bar.hidden = true;
        error.textContent = error.dataset.offline;
        error.hidden = false;
      });
      xhr.send(new FormData(form));
    });
  });

  // 打印正面 / 打印背面: print one side.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.body.classList.remove("print-front", "print-back");
      document.body.classList.add("print-" + button.dataset.print);
      window.print();
    });
  });
  window.addEventListener("afterprint", function () {
    document.body.classList.remove("print-front", "print-back");
  });
})();
