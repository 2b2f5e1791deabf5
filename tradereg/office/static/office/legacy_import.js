// 历史数据导入: the progress bar follows the background import until it ends.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box || box.dataset.finished === "1") return;
  var url = box.dataset.progressUrl;

  function show(data) {
    box.querySelectorAll("[data-import]").forEach(function (node) {
      var value = data[node.dataset.import];
      if (value === undefined) return;
      if (node.tagName === "PROGRESS") {
        node.value = value;
        node.textContent = value + "%";
      } else {
        node.textContent = value;
      }
    });
    var error = box.querySelector('[data-import="error"]');
    error.hidden = !data.error;
    box.querySelector("[data-import-report]").hidden = !data.report;
    if (data.finished) {
      box.dataset.finished = "1";
      var wait = box.querySelector("[data-import-wait]");
      if (wait) wait.hidden = true;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) show(data);
        if (!data || !data.finished) window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
