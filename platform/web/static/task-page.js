// The task page: a field that only some decisions ask for (a supplement request's reason and
// papers, a send-back's reason) shows once one of them is chosen. The rule is the form's
// schema (motcua.services.decisions.shown_when, in data-shown-when); the server still
// validates, and without this script every field shows. A hidden field is disabled too, so
// what was typed there before the decision changed is not sent.
(function () {
  "use strict";
  var form = document.getElementById("complete-form");
  if (!form || !form.dataset.shownWhen) return;
  var rules;
  try {
    rules = JSON.parse(form.dataset.shownWhen);
  } catch (e) {
    return;
  }

  function valueOf(name) {
    var control = form.elements[name];
    if (!control) return undefined;
    if (control.type === "checkbox") return control.checked;
    return control.value;
  }

  function update() {
    Object.keys(rules).forEach(function (field) {
      var box = form.querySelector('.field[data-field="' + field + '"]');
      if (!box) return;
      var shown = Object.keys(rules[field]).every(function (decider) {
        return rules[field][decider].indexOf(valueOf(decider)) !== -1;
      });
      box.hidden = !shown;
      Array.prototype.forEach.call(box.querySelectorAll("input, select, textarea"), function (c) {
        c.disabled = !shown;
      });
    });
  }

  var deciders = {};
  Object.keys(rules).forEach(function (field) {
    Object.keys(rules[field]).forEach(function (decider) {
      deciders[decider] = true;
    });
  });
  Object.keys(deciders).forEach(function (name) {
    var control = form.elements[name];
    if (control && control.addEventListener) control.addEventListener("change", update);
  });
  update();
})();
