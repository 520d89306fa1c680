// Reading and writing a flow node's `spiffworkflow:properties` (see platform/engine/conventions.py):
//
//   <bpmn:extensionElements>
//     <spiffworkflow:properties>
//       <spiffworkflow:property name="handler" value="specialist@.TP" />
//     </spiffworkflow:properties>
//   </bpmn:extensionElements>
//
// Every change goes through the command stack as one command, so Ctrl+Z undoes it in one step.
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

const PROPERTIES = "spiffworkflow:Properties";
const PROPERTY = "spiffworkflow:Property";
// bpmn-js-properties-panel's handler that runs several commands as one undoable step.
const MULTI_COMMAND = "properties-panel.multi-command-executor";

function container(businessObject) {
  const extension = businessObject.get("extensionElements");
  return extension ? extension.get("values").find((value) => is(value, PROPERTIES)) : undefined;
}

function find(businessObject, name) {
  const properties = container(businessObject);
  return properties && properties.get("properties").find((p) => p.get("name") === name);
}

/** The value of the named property ("" when the element has none). */
export function getProperty(element, name) {
  const property = find(getBusinessObject(element), name);
  return (property && property.get("value")) || "";
}

function update(element, moddleElement, properties) {
  return { cmd: "element.updateModdleProperties", context: { element, moddleElement, properties } };
}

/**
 * Set the named property to `value`, creating extensionElements and spiffworkflow:properties
 * when missing; an empty value removes the property (and the containers it leaves empty).
 */
export function setProperty(element, name, value, { bpmnFactory, commandStack }) {
  value = (value || "").trim();
  const businessObject = getBusinessObject(element);
  if (value === getProperty(element, name) && (value || !find(businessObject, name))) {
    return;
  }
  const commands = value
    ? setCommands(element, businessObject, name, value, bpmnFactory)
    : removeCommands(element, businessObject, name);
  if (commands.length) {
    commandStack.execute(MULTI_COMMAND, commands);
  }
}

function setCommands(element, businessObject, name, value, bpmnFactory) {
  const existing = find(businessObject, name);
  if (existing) {
    return [update(element, existing, { value })];
  }
  const commands = [];
  let extension = businessObject.get("extensionElements");
  if (!extension) {
    extension = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    extension.$parent = businessObject;
    commands.push(update(element, businessObject, { extensionElements: extension }));
  }
  let properties = container(businessObject);
  if (!properties) {
    properties = bpmnFactory.create(PROPERTIES, { properties: [] });
    properties.$parent = extension;
    commands.push(update(element, extension, { values: [...extension.get("values"), properties] }));
  }
  const property = bpmnFactory.create(PROPERTY, { name, value });
  property.$parent = properties;
  commands.push(
    update(element, properties, { properties: [...properties.get("properties"), property] }),
  );
  return commands;
}

function removeCommands(element, businessObject, name) {
  const properties = container(businessObject);
  const property = find(businessObject, name);
  if (!property) {
    return [];
  }
  const rest = properties.get("properties").filter((p) => p !== property);
  if (rest.length) {
    return [update(element, properties, { properties: rest })];
  }
  // The last property: drop the empty spiffworkflow:properties, and extensionElements if it
  // held nothing else, so that the file stays as an analyst would write it by hand.
  const extension = businessObject.get("extensionElements");
  const values = extension.get("values").filter((v) => v !== properties);
  if (values.length) {
    return [update(element, extension, { values })];
  }
  return [update(element, businessObject, { extensionElements: undefined })];
}

// --- the handler and time limit syntax --------------------------------------------------------

/** "specialist@.TP" → {mode: "role", role: "specialist", unit: ".TP", users: ""}. */
export function parseHandler(text) {
  text = (text || "").trim();
  if (text.startsWith("user:")) {
    return { mode: "users", role: "", unit: "", users: text.slice("user:".length) };
  }
  const at = text.indexOf("@");
  if (at < 0) {
    return { mode: "role", role: text, unit: "", users: "" };
  }
  return { mode: "role", role: text.slice(0, at), unit: text.slice(at + 1), users: "" };
}

/** The inverse of parseHandler: "" when there is nothing to store. */
export function formatHandler({ mode, role, unit, users }) {
  if (mode === "users") {
    return "user:" + splitNames(users).join(",");
  }
  if (!role) {
    return "";
  }
  return unit ? `${role}@${unit.trim()}` : role;
}

/** "a, b" → ["a", "b"]; a trailing comma keeps an empty name while the analyst types. */
export function splitNames(text) {
  return (text || "").split(",").map((name) => name.trim());
}

/**
 * "0.5d" → {amount: "0.5", unit: "d"}; unit "d" when there is no limit yet. Text that is no
 * time limit stays in `amount`, so that the field shows it with its error.
 */
export function parseTimeLimit(text) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([hd])\s*$/.exec(text || "");
  return match ? { amount: match[1], unit: match[2] } : { amount: (text || "").trim(), unit: "d" };
}

export const UNIT_PATTERN = /^\.?[A-Z0-9]+(\.[A-Z0-9]+)*$/;
export const AMOUNT_PATTERN = /^\d+([.,]\d+)?$/;
