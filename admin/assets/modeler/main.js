// The analysts' modeler page (admin/templates/admin/modeler/edit.html): bpmn-js with its
// properties panel and our "Xử lý" group, a toolbar to start a new diagram, open a .bpmn file
// (checked by the server), save a draft, publish and download, and the server's problems shown
// as a list and as red markers on the elements they name. Every text comes from the page
// (#modeler-config), so that it is translated with the rest of the page.
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
} from "bpmn-js-properties-panel";

import handlingModule from "./properties.js";
import spiffworkflow from "./spiffworkflow.json";

const config = JSON.parse(document.getElementById("modeler-config").textContent);
const strings = config.strings;
const $ = (selector) => document.querySelector(selector);

// bpmn-js's translate service: its English texts in the page's language, {name} filled in.
function translateWith(dictionary) {
  return (template, replacements = {}) =>
    typeof template !== "string"
      ? template
      : (dictionary[template] || template).replace(/{([^}]+)}/g, (whole, key) =>
          key in replacements ? replacements[key] : whole,
        );
}

function format(text, values) {
  return text.replace(/{(\w+)}/g, (whole, key) => (key in values ? values[key] : whole));
}

const modeler = new BpmnModeler({
  container: "#modeler-canvas",
  propertiesPanel: {
    parent: "#modeler-properties",
    layout: { groups: { general: { open: true }, "motcua-handling": { open: true }, "motcua-result": { open: true } } },
  },
  additionalModules: [
    BpmnPropertiesPanelModule,
    BpmnPropertiesProviderModule,
    handlingModule,
    { translate: ["value", translateWith(config.translations)] },
  ],
  moddleExtensions: { spiffworkflow },
  motcua: { strings, options: config.options },
});
const canvas = modeler.get("canvas");
const overlays = modeler.get("overlays");
const registry = modeler.get("elementRegistry");
const selection = modeler.get("selection");

const state = { dirty: false, hasDraft: config.hasDraft, problems: [], busy: false };

// --- messages and status ----------------------------------------------------------------------

function showMessage(text, kind = "ok") {
  const box = $("#modeler-message");
  box.textContent = text;
  box.className = "flash" + (kind === "ok" ? "" : " " + kind);
  box.hidden = !text;
}

function setDirty(dirty) {
  state.dirty = dirty;
  $("#modeler-dirty").hidden = !dirty;
  document.body.dataset.modelerDirty = dirty ? "true" : "false";
}

function showDraft(savedAtText) {
  state.hasDraft = Boolean(savedAtText);
  $("#modeler-draft").textContent = savedAtText
    ? format(strings.draftSaved, { time: savedAtText })
    : strings.noDraft;
  $("#modeler-discard").hidden = !state.hasDraft;
}

function showPublished(version, whenText) {
  $("#modeler-published").textContent = format(strings.publishedVersion, {
    n: version,
    time: whenText,
  });
}

// --- problems: a list and red markers on the elements ------------------------------------------

const PROBLEM = "motcua-problem";
let marked = [];

function focusElement(element) {
  selection.select(element);
  canvas.scrollToElement(element);
}

function showProblems(problems) {
  state.problems = problems || [];
  overlays.remove({ type: PROBLEM });
  marked.forEach((id) => canvas.removeMarker(id, "motcua-has-problem"));
  marked = [];
  const list = $("#modeler-problems ol");
  list.replaceChildren();
  const byElement = new Map();
  for (const problem of state.problems) {
    const item = document.createElement("li");
    const element = problem.element ? registry.get(problem.element) : null;
    const drawn = element && element !== canvas.getRootElement() && !element.waypoints;
    if (element) {
      const link = document.createElement("button");
      link.type = "button";
      link.className = "link";
      link.textContent = problem.element;
      link.addEventListener("click", () => focusElement(element));
      item.dataset.element = problem.element;
      item.append(link, " — ");
    }
    item.append(problem.message);
    list.append(item);
    if (element) {
      canvas.addMarker(element, "motcua-has-problem");
      marked.push(element.id);
    }
    if (drawn) {
      byElement.set(element.id, [...(byElement.get(element.id) || []), problem.message]);
    }
  }
  for (const [id, messages] of byElement) {
    const badge = document.createElement("div");
    badge.className = "motcua-problem-badge";
    badge.textContent = String(messages.length);
    badge.title = messages.join("\n");
    badge.dataset.element = id;
    overlays.add(id, PROBLEM, { position: { top: -10, right: 10 }, html: badge });
  }
  $("#modeler-problems").hidden = !state.problems.length;
  $("#modeler-problem-count").textContent = format(strings.problemCount, {
    n: state.problems.length,
  });
  $("#modeler-publish-help").hidden = !state.problems.length;
  $("#modeler-publish").title = state.problems.length ? strings.cannotPublish : "";
}

// --- talking to the server ----------------------------------------------------------------------

class RequestError extends Error {
  constructor(message, details = [], code = "") {
    super(message);
    this.details = details;
    this.code = code;
  }
}

async function post(url, body, contentType) {
  const headers = { "X-CSRFToken": config.csrfToken, Accept: "application/json" };
  if (contentType) {
    headers["Content-Type"] = contentType;
  }
  let response;
  try {
    response = await fetch(url, { method: "POST", credentials: "same-origin", headers, body });
  } catch {
    throw new RequestError(strings.networkError);
  }
  if (!(response.headers.get("Content-Type") || "").includes("application/json")) {
    throw new RequestError(
      response.redirected ? strings.signedOut : format(strings.serverError, { status: response.status }),
    );
  }
  const data = await response.json();
  if (!response.ok) {
    const error = data.error || {};
    throw new RequestError(error.message || strings.serverError, error.details || [], error.code);
  }
  return data;
}

// The whole diagram in view, clear of the palette on the left.
function fit() {
  const { inner, outer } = canvas.viewbox();
  if (!inner.width || !inner.height) {
    return;
  }
  const left = 120; // screen pixels kept free for the palette
  const pad = 30;
  const scale = Math.min(
    (outer.width - left - pad) / inner.width,
    (outer.height - 2 * pad) / inner.height,
    1,
  );
  canvas.viewbox({
    x: inner.x - left / scale,
    y: inner.y - (outer.height / scale - inner.height) / 2,
    width: outer.width / scale,
    height: outer.height / scale,
  });
}

/** Show the diagram and its problems; false (with a message) if bpmn-js cannot read it. */
async function load(xml, problems, done = "") {
  let warnings = [];
  try {
    ({ warnings } = await modeler.importXML(xml));
  } catch (error) {
    showMessage(format(strings.loadFailed, { error: error.message }), "error");
    return false;
  }
  fit();
  setDirty(false);
  showProblems(problems);
  if (warnings.length) {
    // Parts bpmn-js does not know (an unknown extension element) are dropped when saved.
    const lines = warnings.map((w) => w.message.split("\n")[0]);
    const warning = format(strings.importWarnings, { warnings: lines.join("; ") });
    showMessage((done ? done + " " : "") + warning, "warning");
  } else if (done) {
    showMessage(done);
  }
  return true;
}

async function exportXml() {
  const { xml } = await modeler.saveXML({ format: true });
  return xml;
}

async function saveDraft() {
  const data = await post(config.urls.draft, await exportXml(), "application/xml");
  setDirty(false);
  showDraft(data.saved_at_text);
  showProblems(data.problems);
  return data;
}

// --- the toolbar ---------------------------------------------------------------------------------

/** Run one toolbar action at a time; a refused request becomes a message (and its problems). */
function guarded(run) {
  return async (event) => {
    if (state.busy) {
      return;
    }
    state.busy = true;
    document.querySelectorAll("#modeler-toolbar button").forEach((b) => (b.disabled = true));
    try {
      await run(event);
    } catch (error) {
      if (!(error instanceof RequestError)) {
        throw error;
      }
      // A diagram with problems: the list below says what, the message says why it matters.
      showMessage(error.code === "bad_diagram" ? strings.cannotPublish : error.message, "error");
      if (error.details.some((d) => d.element)) {
        showProblems(error.details);
      }
    } finally {
      state.busy = false;
      document.querySelectorAll("#modeler-toolbar button").forEach((b) => (b.disabled = false));
    }
  };
}

function action(button, run) {
  button.addEventListener("click", guarded(run));
}

action($("#modeler-new"), async () => {
  if (!window.confirm(strings.confirmNew)) {
    return;
  }
  if (await load(config.newXml, [], strings.newStarted)) {
    setDirty(true);
  }
});

$("#modeler-open").addEventListener("click", () => $("#modeler-file").click());
$("#modeler-file").addEventListener(
  "change",
  guarded(async (event) => {
    const input = event.target;
    const file = input.files[0];
    input.value = ""; // the same file may be chosen again after fixing it
    if (!file || ((state.dirty || state.hasDraft) && !window.confirm(strings.confirmImport))) {
      return;
    }
    const form = new FormData();
    form.append("file", file);
    const data = await post(config.urls.import, form);
    showDraft(data.saved_at_text); // stored, even if bpmn-js cannot show it
    await load(data.xml, data.problems, format(strings.imported, { name: file.name }));
  }),
);

action($("#modeler-save"), async () => {
  const data = await saveDraft();
  const clean = !data.problems.length;
  showMessage(clean ? strings.savedClean : strings.savedWithProblems, clean ? "ok" : "warning");
});

action($("#modeler-publish"), async () => {
  if (!window.confirm(strings.confirmPublish)) {
    return;
  }
  if (state.dirty) {
    const saved = await saveDraft();
    if (saved.problems.length) {
      showMessage(strings.cannotPublish, "error");
      return;
    }
  }
  const data = await post(config.urls.publish);
  showProblems([]);
  showDraft("");
  showPublished(data.version, data.published_at_text);
  showMessage(format(strings.published, { n: data.version }));
});

action($("#modeler-download"), async () => {
  const blob = new Blob([await exportXml()], { type: "application/xml" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = config.fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
});

action($("#modeler-discard"), async () => {
  if (!window.confirm(strings.confirmDiscard)) {
    return;
  }
  await post(config.urls.discard);
  setDirty(false);
  window.location.reload();
});

window.addEventListener("beforeunload", (event) => {
  if (state.dirty) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// --- start ---------------------------------------------------------------------------------------

modeler.on("commandStack.changed", () => setDirty(true));

(async () => {
  let xml;
  try {
    const response = await fetch(config.urls.diagram, { credentials: "same-origin" });
    if (!response.ok) {
      throw new Error("HTTP " + response.status);
    }
    xml = await response.text();
  } catch (error) {
    showMessage(format(strings.loadFailed, { error: error.message }), "error");
    return;
  }
  if (await load(xml, config.problems)) {
    document.body.dataset.modelerReady = "true";
  }
})();
