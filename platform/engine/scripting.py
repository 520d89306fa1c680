"""The expression language of conditions and script tasks, replacing SpiffWorkflow's eval/exec.

Conditions and scripts are written by analysts in a browser, so they are untrusted. Instead of
Python they get a small language:

- an expression: literals, names of the workflow data (a name missing from the data is None),
  arithmetic, comparisons, `and/or/not`,
  `x if c else y`, subscripts, a few functions (len, min, max, …) and a few read-only string,
  list and dict methods. No attribute starting with "_", no lambdas, comprehensions, imports;
- a script: lines `name = expression` (blank lines and `# comments` allowed), nothing else.

Every text is checked against that grammar (an AST allow-list) and then evaluated by simpleeval
with the same limits, so an escape needs to defeat both.
"""

import ast
import keyword
import math
import re
from functools import lru_cache
from typing import Any

import simpleeval
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment


class ScriptError(ValueError):
    """A condition or script that does not fit the language or fails; message in Vietnamese."""


MAX_EXPONENT = 100
MAX_POWER_BASE_BITS = 64
MAX_INT_BITS = 4096
MAX_SCRIPT_LINES = 200
MAX_EXPRESSION_LENGTH = 2000
# What one script line may store: items plus characters. Lines could otherwise double a value
# each (`x = [x, x]`, `x = x * x`) and blow up memory or time within a few dozen lines.
MAX_VALUE_SIZE = simpleeval.MAX_STRING_LENGTH


def _sum(items):
    # Only numbers: sum(lists, []) would concatenate in quadratic time.
    total = 0
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise ScriptError("sum() chỉ cộng các số.")
        total += item
    return total


def _str(value):
    text = str(value)
    if len(text) > simpleeval.MAX_STRING_LENGTH:
        raise ScriptError("Chuỗi quá dài.")
    return text


def _multiply(a, b):
    if isinstance(a, int) and isinstance(b, int):
        if abs(a).bit_length() + abs(b).bit_length() > MAX_INT_BITS:
            raise ScriptError("Số quá lớn.")
        return a * b
    return simpleeval.safe_mult(a, b)


FUNCTIONS = {
    "abs": abs,
    "all": all,
    "any": any,
    "bool": bool,
    "float": float,
    "int": int,
    "len": len,
    "list": list,
    "max": max,
    "min": min,
    "round": round,
    "sorted": sorted,
    "str": _str,
    "sum": _sum,
}

# Read-only methods only: a condition must not change the data, and nothing here can build a
# huge string (no join/replace/ljust/center/zfill/format).
_STR_METHODS = {
    "capitalize", "casefold", "count", "endswith", "find", "isalnum", "isalpha",
    "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "isupper", "lower",
    "lstrip", "rstrip", "split", "startswith", "strip", "title", "upper",
}  # fmt: skip
ALLOWED_ATTRS = {
    str: _STR_METHODS,
    dict: {"get", "keys", "values", "items"},
    list: {"count", "index"},
    tuple: {"count", "index"},
}
_METHOD_NAMES = frozenset().union(*ALLOWED_ATTRS.values())


def _power(a, b):
    if not isinstance(b, int | float) or abs(b) > MAX_EXPONENT:
        raise ScriptError(f"Lũy thừa quá lớn (số mũ tối đa {MAX_EXPONENT}).")
    if isinstance(a, int) and abs(a).bit_length() > MAX_POWER_BASE_BITS:
        raise ScriptError("Lũy thừa quá lớn (cơ số quá lớn).")
    return a**b


def _modulo(a, b):
    # "%" on a string is printf formatting: "%999999999d" % 1 would build a huge string.
    if isinstance(a, str | bytes):
        raise ScriptError("Không dùng toán tử % với chuỗi.")
    return a % b


OPERATORS = {
    ast.Add: simpleeval.safe_add,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: _multiply,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: _modulo,
    ast.Pow: _power,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Gt: lambda a, b: a > b,
    ast.Lt: lambda a, b: a < b,
    ast.GtE: lambda a, b: a >= b,
    ast.LtE: lambda a, b: a <= b,
    ast.Not: lambda a: not a,
    ast.USub: lambda a: -a,
    ast.UAdd: lambda a: +a,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
}

_ALLOWED_NODES = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.UnaryOp, ast.BoolOp,
    ast.Compare, ast.IfExp, ast.Call, ast.keyword, ast.Attribute, ast.Subscript, ast.Slice,
    ast.List, ast.Tuple, ast.Dict, ast.Set, ast.JoinedStr, ast.FormattedValue,
    ast.And, ast.Or, *OPERATORS,
)  # fmt: skip


def _reject(text: str, why: str):
    raise ScriptError(f"Biểu thức «{text}» không được phép: {why}.")


def _check_node(text: str, node: ast.AST) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        _reject(text, f"không hỗ trợ cú pháp {type(node).__name__}")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        _reject(text, f"tên «{node.id}» không hợp lệ")
    elif isinstance(node, ast.Attribute) and node.attr not in _METHOD_NAMES:
        _reject(text, f"không được truy cập thuộc tính «.{node.attr}»")
    elif isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id not in FUNCTIONS:
            _reject(text, f"hàm «{func.id}» không có (chỉ có {', '.join(sorted(FUNCTIONS))})")
        if not isinstance(func, ast.Name | ast.Attribute):
            _reject(text, "chỉ gọi được hàm có tên")
        if any(kw.arg is None for kw in node.keywords):
            _reject(text, "không dùng **")
    elif isinstance(node, ast.Dict) and any(key is None for key in node.keys):
        _reject(text, "không dùng **")
    elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        _reject(text, "không dùng định dạng trong f-string")


@lru_cache(maxsize=4096)
def compile_expression(text: str) -> ast.expr:
    """Parse and check an expression; returns its AST. Raises ScriptError."""
    source = (text or "").strip()
    if not source:
        raise ScriptError("Biểu thức trống.")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ScriptError(f"Biểu thức quá dài (tối đa {MAX_EXPRESSION_LENGTH} ký tự).")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ScriptError(f"Biểu thức «{source}» sai cú pháp: {exc.msg}.") from None
    except (ValueError, RecursionError, MemoryError):
        raise ScriptError(f"Biểu thức «{source}» không đọc được.") from None
    for node in ast.walk(tree):
        _check_node(source, node)
    return tree.body


# One assignment per line: a name that is a plain identifier (not "_…", not a keyword).
_ASSIGNMENT = re.compile(r"([^\W\d]\w*)\s*=(?!=)\s*(.*)")


@lru_cache(maxsize=1024)
def compile_script(text: str) -> tuple[tuple[str, str, ast.expr], ...]:
    """Parse and check a script: ((name, expression text, AST), …). Raises ScriptError."""
    lines = (text or "").splitlines()
    if len(lines) > MAX_SCRIPT_LINES:
        raise ScriptError(f"Kịch bản quá dài (tối đa {MAX_SCRIPT_LINES} dòng).")
    program = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ASSIGNMENT.fullmatch(stripped)
        name = match.group(1) if match else ""
        if not match or name.startswith("_") or keyword.iskeyword(name):
            raise ScriptError(
                f"Dòng {number} «{stripped}»: mỗi dòng của kịch bản phải có dạng "
                "«tên = biểu thức» (tên là chữ, số, «_», không bắt đầu bằng «_»)."
            )
        try:
            program.append((name, match.group(2), compile_expression(match.group(2))))
        except ScriptError as exc:
            raise ScriptError(f"Dòng {number}: {exc}") from None
    return tuple(program)


class _Evaluator(simpleeval.EvalWithCompoundTypes):
    def __init__(self, names):
        super().__init__(
            operators=OPERATORS, functions=dict(FUNCTIONS), names=names,
            allowed_attrs=ALLOWED_ATTRS,
        )  # fmt: skip
        # Comprehensions can multiply work without bound: not part of the language.
        for node in (ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.SetComp):
            self.nodes.pop(node, None)

    def _eval_name(self, node):
        # A name missing from the data is None: optional form fields are simply absent, and
        # `decision == "send_back"` must then be false rather than an error.
        try:
            return super()._eval_name(node)
        except simpleeval.NameNotDefined:
            return None

    def _check_disallowed_items(self, item):
        # simpleeval walks containers on every result, exponential on shared structures
        # ([x, x] nested). Their items were checked as they were evaluated, and names hold
        # plain data, so checking the item itself is enough.
        if not isinstance(item, list | tuple | set | frozenset | dict):
            super()._check_disallowed_items(item)


def _run(text: str, tree: ast.expr, names: dict) -> Any:
    try:
        return _Evaluator(names).eval(text, previously_parsed=tree)
    except ScriptError as exc:
        raise ScriptError(f"Biểu thức «{text}»: {exc}") from None
    except Exception as exc:  # any failure of untrusted code is the analyst's error, not ours
        raise ScriptError(f"Biểu thức «{text}» lỗi: {type(exc).__name__}: {exc}") from None


def evaluate(text: str, names: dict) -> Any:
    """Evaluate an expression over `names` (the workflow data). Raises ScriptError."""
    return _run(text.strip(), compile_expression(text), names)


def execute(text: str, data: dict, external: dict | None = None) -> None:
    """Run a script, assigning into `data`; all or nothing. Raises ScriptError."""
    scope = {**(external or {}), **data}
    updates = {}
    for name, source, tree in compile_script(text):
        value = plain_value(_run(source, tree, scope), name, MAX_VALUE_SIZE)
        scope[name] = updates[name] = value
    data.update(updates)


def plain_value(value, name: str, max_size: int | None = None):
    """A copy of `value` made only of JSON-like values (the workflow data is stored as JSON),
    of at most `max_size` items plus characters. Raises ScriptError."""
    budget = [max_size if max_size is not None else math.inf]
    try:
        return _plain(value, name, budget)
    except RecursionError:
        raise ScriptError(f"Giá trị của «{name}» lồng nhau quá sâu.") from None


def _plain(value, name, budget):
    budget[0] -= len(value) + 1 if isinstance(value, str | list | tuple | dict | set) else 1
    if budget[0] < 0:
        raise ScriptError(f"Giá trị gán cho «{name}» quá lớn.")
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ScriptError(f"Giá trị gán cho «{name}» không phải số hữu hạn.")
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item, name, budget) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _plain(item, name, budget) for key, item in value.items()}
    raise ScriptError(
        f"Giá trị gán cho «{name}» phải là số, chuỗi, đúng/sai, danh sách hoặc từ điển "
        f"có khóa là chuỗi (không phải {type(value).__name__})."
    )


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow's script environment, backed by our language instead of eval/exec."""

    def evaluate(self, expression, context, external_context=None):
        names = {**external_context, **context} if external_context else context
        return evaluate(expression, names)

    def execute(self, script, context, external_context=None):
        if script and script.strip():
            execute(script, context, external_context)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptError("Không hỗ trợ service task.")


class SafeScriptEngine(PythonScriptEngine):
    """The script engine every workflow runs with (set per workflow, no global is changed)."""

    def __init__(self):
        super().__init__(environment=SafeEnvironment())

    def validate(self, expression):
        compile_expression(expression)

    def call_service(self, task, **kwargs):
        # The base class refers to an undefined name here; fail with a clear error instead.
        raise WorkflowTaskException("Không hỗ trợ service task.", task=task)
