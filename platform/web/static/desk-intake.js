// The desk's intake page: the server's completeness rule (motcua.services.intake) checked
// before sending too, so that the officer sees the same field errors without a round trip.
// The server stays the rule; it also holds the files chosen when it refuses the form.
(function () {
  "use strict";
  var form = document.getElementById("intake");
  if (!form) return;

  function showError(cell, name, message) {
    var id = "err-" + name;
    var error = document.getElementById(id);
    if (!error) {
      error = document.createElement("p");
      error.className = "field-error";
      error.id = id;
      cell.appendChild(error);
    }
    error.textContent = message;
    return error;
  }

  function clearError(name) {
    var error = document.getElementById("err-" + name);
    if (error) error.remove();
  }

  function keptFiles(row) {
    return Array.prototype.filter.call(row.querySelectorAll("input[name=drop]"), function (box) {
      return !box.checked;
    }).length;
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.value === "supplement") return;
    var first = null;
    form.querySelectorAll("tr[data-paper]").forEach(function (row) {
      var name = "doc-" + row.dataset.paper;
      var input = row.querySelector("input[type=file]");
      var files = input.files.length + keptFiles(row);
      var ticked = row.querySelector("input[name^='complete-']").checked;
      var why = row.querySelector("input[name^='why-']").value.trim();
      var message = null;
      if (ticked && !files) message = form.dataset.noFile;
      else if (!files && !why) message = form.dataset.missing;
      if (message) {
        showError(input.parentNode, name, message);
        first = first || input;
      } else {
        clearError(name);
      }
    });
    var complete = form.querySelector("input[name=complete]");
    if (!complete.checked) {
      showError(complete.parentNode.parentNode, "complete", form.dataset.unconfirmed);
      first = first || complete;
    } else {
      clearError("complete");
    }
    if (first) {
      event.preventDefault();
      first.focus();
    }
  });
})();
