// Two versions' diagrams side by side (bpmn-js NavigatedViewer, global BpmnJS), the steps that
// were added, removed or changed marked on each.
(function () {
  "use strict";
  document.querySelectorAll(".side-by-side .diagram").forEach(function (box) {
    if (typeof window.BpmnJS !== "function") {
      box.textContent = box.dataset.error;
      return;
    }
    var markers = JSON.parse(box.dataset.markers);
    var viewer = new window.BpmnJS({ container: box });
    fetch(box.dataset.src, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        Object.keys(markers).forEach(function (id) {
          if (registry.get(id)) {
            canvas.addMarker(id, "diff-" + markers[id]);
          }
        });
        canvas.zoom("fit-viewport", "auto");
        box.dataset.loaded = "true";
      })
      .catch(function () {
        box.textContent = box.dataset.error;
      });
  });
})();
