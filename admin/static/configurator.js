// The step configurator: show the role or the officers' picker by each step's mode, filter
// the officers as the admin types, and recompute the total along the longest path (with the
// problems) on the server as the table changes. The page works without it: saving checks all.
(function () {
  "use strict";
  var form = document.getElementById("configurator");
  if (!form) {
    return;
  }
  function showMode(row) {
    var mode = row.querySelector("select.mode").value;
    row.querySelector(".by-role").hidden = mode !== "role";
    row.querySelector(".by-users").hidden = mode !== "users";
  }
  form.querySelectorAll("tr[data-step]").forEach(function (row) {
    showMode(row);
    row.querySelector("select.mode").addEventListener("change", function () {
      showMode(row);
    });
    var filter = row.querySelector(".officer-filter");
    filter.addEventListener("input", function () {
      var needle = filter.value.trim().toLocaleLowerCase("vi");
      row.querySelectorAll(".by-users option").forEach(function (option) {
        option.hidden = needle !== "" && !option.selected &&
          option.textContent.toLocaleLowerCase("vi").indexOf(needle) === -1;
      });
    });
  });

  var total = document.getElementById("total");
  var days = document.getElementById("total-days");
  var timer = null;
  function check() {
    var body = new FormData(form);
    fetch(form.dataset.check, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": body.get("csrf_token"), Accept: "application/json" },
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (result) {
        if (result.error) {
          total.className = "overdue";
          return;
        }
        days.textContent = (Math.round(result.total_days * 100) / 100).toLocaleString(
          document.documentElement.lang || "vi"
        );
        total.className = result.fits ? "ontime" : "overdue";
      })
      .catch(function () {});
  }
  form.addEventListener("input", function (event) {
    if (event.target.classList.contains("officer-filter")) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
})();
