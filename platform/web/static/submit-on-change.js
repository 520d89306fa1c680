// A select marked data-submit-on-change sends its form when changed (no inline handler: the
// pages' Content-Security-Policy allows no inline script). Without script the form's own
// button does it.
document.querySelectorAll("[data-submit-on-change]").forEach((field) => {
  field.addEventListener("change", () => field.form.submit());
});
