// 经营者信息查询: the name link opens the operator in a dialog (htmx loads the fragment).
// Without JavaScript the same link opens the operator's own page.
(function () {
  "use strict";

  var dialog = document.getElementById("operator-dialog");
  if (!dialog || !dialog.showModal) return;
  var opener = null;

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-operator-open]");
    if (link) opener = link;
  });

  // The 429 page fragment is a message worth showing, not an error to swallow.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id === "operator-dialog-body" && event.detail.xhr.status === 429) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "operator-dialog-body") return;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector("[data-dialog-close]").focus();
  });

  // If the fragment cannot be fetched, fall back to the page.
  document.body.addEventListener("htmx:sendError", function (event) {
    var link = event.detail.elt;
    if (link && link.matches("[data-operator-open]")) window.location.href = link.href;
  });

  dialog.addEventListener("close", function () {
    if (opener) opener.focus();
  });
})();
