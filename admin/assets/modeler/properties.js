// The properties panel's "Xử lý" group on user tasks (who works the step, how long it may take,
// its form, whether it hands the result to the applicant) and "Kết quả hồ sơ" on end events.
// They edit the step's spiffworkflow:properties (see extension.js); the default groups stay.
// Labels and the choices come from the page (config.motcua: {strings, options}), so that they are
// translated with the rest of the page.
import {
  CheckboxEntry,
  Group,
  SelectEntry,
  TextFieldEntry,
  isCheckboxEntryEdited,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
} from "@bpmn-io/properties-panel";
import { h } from "@bpmn-io/properties-panel/preact";
import { useService } from "bpmn-js-properties-panel";
import { is } from "bpmn-js/lib/util/ModelUtil";

import {
  AMOUNT_PATTERN,
  UNIT_PATTERN,
  formatHandler,
  getProperty,
  parseHandler,
  parseTimeLimit,
  setProperty,
  splitNames,
} from "./extension.js";

const HANDLER = "handler";
const TIME_LIMIT = "timeLimit";
const FORM = "form";
const RETURNS_RESULT = "returnsResult";
const WAITS_FOR_APPLICANT = "waitsForApplicant";
const DOSSIER_STATUS = "dossierStatus";

function useMotcua() {
  return useService("config.motcua");
}

function useWrite(element) {
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  return (name, value) => setProperty(element, name, value, { bpmnFactory, commandStack });
}

/** The choices, with the element's current value kept even if the list does not have it. */
function choices(list, current, empty) {
  const options = empty ? [{ value: "", label: empty }, ...list] : [...list];
  if (current && !options.some((o) => o.value === current)) {
    options.push({ value: current, label: current });
  }
  return options;
}

// --- who works the step -------------------------------------------------------------------------

function HandlerMode({ element, id }) {
  const { strings } = useMotcua();
  const write = useWrite(element);
  const handler = () => parseHandler(getProperty(element, HANDLER));
  return h(SelectEntry, {
    element,
    id,
    label: strings.handlerMode,
    getValue: () => handler().mode,
    setValue: (mode) => write(HANDLER, formatHandler({ ...handler(), mode, users: "" })),
    getOptions: () => [
      { value: "role", label: strings.modeRole },
      { value: "users", label: strings.modeUsers },
    ],
  });
}

function HandlerRole({ element, id }) {
  const { strings, options } = useMotcua();
  const write = useWrite(element);
  const handler = () => parseHandler(getProperty(element, HANDLER));
  return h(SelectEntry, {
    element,
    id,
    label: strings.role,
    getValue: () => handler().role,
    setValue: (role) => write(HANDLER, formatHandler({ ...handler(), role })),
    getOptions: () => choices(options.roles, handler().role, strings.chooseRole),
  });
}

function HandlerUnit({ element, id }) {
  const { strings } = useMotcua();
  const write = useWrite(element);
  const debounce = useService("debounceInput");
  const handler = () => parseHandler(getProperty(element, HANDLER));
  return h(TextFieldEntry, {
    element,
    id,
    label: strings.unit,
    description: strings.unitHelp,
    debounce,
    getValue: () => handler().unit,
    validate: (unit) => {
      if (unit && !handler().role) {
        return strings.roleFirst;
      }
      return unit && !UNIT_PATTERN.test(unit.trim()) ? strings.unitInvalid : null;
    },
    setValue: (unit, error) => {
      // Typing is debounced: by now the analyst may have switched to named officers.
      if (!error && handler().mode === "role") {
        write(HANDLER, formatHandler({ ...handler(), unit }));
      }
    },
  });
}

function HandlerUsers({ element, id }) {
  const { strings } = useMotcua();
  const write = useWrite(element);
  const debounce = useService("debounceInput");
  return h(TextFieldEntry, {
    element,
    id,
    label: strings.users,
    description: strings.usersHelp,
    debounce,
    getValue: () => splitNames(parseHandler(getProperty(element, HANDLER)).users).join(", "),
    // An emptied field arrives as undefined.
    validate: (users = "") =>
      /\S\s+\S/.test(users.replace(/\s*,\s*/g, ",")) ? strings.usersInvalid : null,
    setValue: (users, error) => {
      // Typing is debounced: by now the analyst may have switched to a role.
      if (!error && parseHandler(getProperty(element, HANDLER)).mode === "users") {
        write(HANDLER, formatHandler({ mode: "users", users }));
      }
    },
  });
}

// --- how long it may take -----------------------------------------------------------------------

function TimeAmount({ element, id }) {
  const { strings } = useMotcua();
  const write = useWrite(element);
  const debounce = useService("debounceInput");
  const limit = () => parseTimeLimit(getProperty(element, TIME_LIMIT));
  return h(TextFieldEntry, {
    element,
    id,
    label: strings.timeLimit,
    description: strings.timeLimitHelp,
    debounce,
    getValue: () => limit().amount,
    validate: (amount) =>
      amount && !(AMOUNT_PATTERN.test(amount.trim()) && parseFloat(amount.replace(",", ".")) > 0)
        ? strings.amountInvalid
        : null,
    setValue: (amount, error) => {
      if (!error) {
        const number = (amount || "").trim().replace(",", ".");
        write(TIME_LIMIT, number ? number + limit().unit : "");
      }
    },
  });
}

function TimeUnit({ element, id }) {
  const { strings } = useMotcua();
  const write = useWrite(element);
  const limit = () => parseTimeLimit(getProperty(element, TIME_LIMIT));
  return h(SelectEntry, {
    element,
    id,
    label: strings.timeUnit,
    getValue: () => limit().unit,
    setValue: (unit) => {
      const { amount } = limit();
      if (amount && AMOUNT_PATTERN.test(amount)) {
        write(TIME_LIMIT, amount + unit);
      }
    },
    getOptions: () => [
      { value: "h", label: strings.hours },
      { value: "d", label: strings.days },
    ],
  });
}

// --- the form and the result ------------------------------------------------------------------

function Form({ element, id }) {
  const { strings, options } = useMotcua();
  const write = useWrite(element);
  return h(SelectEntry, {
    element,
    id,
    label: strings.form,
    getValue: () => getProperty(element, FORM),
    setValue: (form) => write(FORM, form),
    getOptions: () =>
      choices(
        options.forms.map((name) => ({ value: name, label: name })),
        getProperty(element, FORM),
        strings.noForm,
      ),
  });
}

function ReturnsResult({ element, id }) {
  const { strings } = useMotcua();
  const write = useWrite(element);
  return h(CheckboxEntry, {
    element,
    id,
    label: strings.returnsResult,
    description: strings.returnsResultHelp,
    getValue: () => getProperty(element, RETURNS_RESULT) === "true",
    setValue: (checked) => write(RETURNS_RESULT, checked ? "true" : ""),
  });
}

function WaitsForApplicant({ element, id }) {
  const { strings } = useMotcua();
  const write = useWrite(element);
  return h(CheckboxEntry, {
    element,
    id,
    label: strings.waitsForApplicant,
    description: strings.waitsForApplicantHelp,
    getValue: () => getProperty(element, WAITS_FOR_APPLICANT) === "true",
    setValue: (checked) => write(WAITS_FOR_APPLICANT, checked ? "true" : ""),
  });
}

function DossierStatus({ element, id }) {
  const { strings } = useMotcua();
  const write = useWrite(element);
  return h(SelectEntry, {
    element,
    id,
    label: strings.dossierStatus,
    getValue: () => getProperty(element, DOSSIER_STATUS),
    setValue: (status) => write(DOSSIER_STATUS, status),
    getOptions: () =>
      choices(
        [
          { value: "returned", label: strings.statusReturned },
          { value: "refused", label: strings.statusRefused },
        ],
        getProperty(element, DOSSIER_STATUS),
        strings.statusDefault,
      ),
  });
}

// --- the groups -----------------------------------------------------------------------------

function entry(element, id, component, isEdited) {
  return { id, element, component, isEdited };
}

function handlingGroup(element, strings) {
  const mode = parseHandler(getProperty(element, HANDLER)).mode;
  const who =
    mode === "users"
      ? [entry(element, "motcua-handler-users", HandlerUsers, isTextFieldEntryEdited)]
      : [
          entry(element, "motcua-handler-role", HandlerRole, isSelectEntryEdited),
          entry(element, "motcua-handler-unit", HandlerUnit, isTextFieldEntryEdited),
        ];
  return {
    id: "motcua-handling",
    label: strings.handlingGroup,
    component: Group,
    entries: [
      entry(element, "motcua-handler-mode", HandlerMode, isSelectEntryEdited),
      ...who,
      entry(element, "motcua-time-amount", TimeAmount, isTextFieldEntryEdited),
      entry(element, "motcua-time-unit", TimeUnit, isSelectEntryEdited),
      entry(element, "motcua-form", Form, isSelectEntryEdited),
      entry(element, "motcua-returns-result", ReturnsResult, isCheckboxEntryEdited),
      entry(element, "motcua-waits-for-applicant", WaitsForApplicant, isCheckboxEntryEdited),
    ],
  };
}

function resultGroup(element, strings) {
  return {
    id: "motcua-result",
    label: strings.resultGroup,
    component: Group,
    entries: [entry(element, "motcua-dossier-status", DossierStatus, isSelectEntryEdited)],
  };
}

class HandlingPropertiesProvider {
  constructor(propertiesPanel, config) {
    this._strings = config.strings;
    propertiesPanel.registerProvider(500, this);
  }

  getGroups(element) {
    return (groups) => {
      let group = null;
      if (is(element, "bpmn:UserTask")) {
        group = handlingGroup(element, this._strings);
      } else if (is(element, "bpmn:EndEvent")) {
        group = resultGroup(element, this._strings);
      }
      if (group) {
        const general = groups.findIndex((g) => g.id === "general");
        groups.splice(general + 1, 0, group);
      }
      return groups;
    };
  }
}

HandlingPropertiesProvider.$inject = ["propertiesPanel", "config.motcua"];

export default {
  __init__: ["motcuaHandlingProvider"],
  motcuaHandlingProvider: ["type", HandlingPropertiesProvider],
};
