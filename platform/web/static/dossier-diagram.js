// The dossier page's process diagram: bpmn-js's NavigatedViewer (a UMD bundle served from
// node_modules, global BpmnJS) shows the dossier's process version, with its finished steps
// marked 'done' and the steps now open marked 'current'. Plain script, no build step.
(function () {
  "use strict";
  var box = document.getElementById("diagram");
  var markersTag = document.getElementById("diagram-markers");
  if (!box || !markersTag) {
    return;
  }
  function fail() {
    box.classList.add("muted");
    box.style.height = "auto";
    box.textContent = box.dataset.error;
  }
  if (typeof window.BpmnJS !== "function") {
    fail();
    return;
  }
  var markers = JSON.parse(markersTag.textContent);
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
    })
    .catch(function (error) {
      if (window.console) {
        console.error("bpmn-js:", error);
      }
      fail();
    });
})();
