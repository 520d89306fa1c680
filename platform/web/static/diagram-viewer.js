// Process diagrams on a page (the dossier's, two versions side by side): bpmn-js's
// NavigatedViewer (a UMD bundle served from node_modules, global BpmnJS) shows each
// `.diagram[data-src]`, with the markers (element id → CSS class) of the JSON script tag whose
// id is its `data-markers`. Plain script, no build step.
(function () {
  "use strict";
  document.querySelectorAll(".diagram[data-src]").forEach(function (box) {
    function fail() {
      box.classList.add("muted");
      box.style.height = "auto";
      box.textContent = box.dataset.error;
    }
    if (typeof window.BpmnJS !== "function") {
      fail();
      return;
    }
    var markersTag = document.getElementById(box.dataset.markers);
    var markers = markersTag ? JSON.parse(markersTag.textContent) : {};
    var viewer = new window.BpmnJS({ container: box });
    fetch(box.dataset.src, { credentials: "same-origin", headers: { Accept: "application/xml" } })
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
            canvas.addMarker(id, markers[id]);
          }
        });
        canvas.zoom("fit-viewport", "auto");
        box.dataset.loaded = "true";
      })
      .catch(function (error) {
        if (window.console) {
          console.error("bpmn-js:", error);
        }
        fail();
      });
  });
})();
