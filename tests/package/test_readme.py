"""Every Python example in the README runs, and every ``print(...)  # output`` shows that output."""
import contextlib
import io
import re

from conftest import ROOT

BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
PRINT_WITH_OUTPUT = re.compile(r"^(\s*)print\((.*)\)\s+# (.+)$")


def _expect(show, expected):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        show()
    assert buf.getvalue().strip() == expected.strip()


def _checked(code):
    """Turn ``print(x)  # text`` lines into assertions that the printed output is ``text``."""
    lines = []
    for line in code.splitlines():
        match = PRINT_WITH_OUTPUT.match(line)
        if match:
            indent, args, expected = match.groups()
            line = f"{indent}_expect(lambda: print({args}), {expected!r})"
        lines.append(line)
    return "\n".join(lines)


def test_readme_examples_run_and_print_what_they_say(tmp_path, monkeypatch):
    assert len(BLOCKS) >= 3
    monkeypatch.chdir(tmp_path)  # examples may write PNGs
    namespace = {"_expect": _expect}
    checked = 0
    for i, code in enumerate(BLOCKS):
        source = _checked(code)
        checked += source.count("_expect(")
        exec(compile(source, f"README.md block {i}", "exec"), namespace)
    assert checked >= 5  # the README's printed outputs really are checked


def _run_statements(code, namespace, where):
    """Run ``code`` statement by statement; return the reprs of its bare expressions
    (what a reader typing the example at a prompt would see printed)."""
    import ast

    shown = []
    for stmt in ast.parse(code).body:
        call = stmt.value.func if isinstance(stmt, ast.Expr) and \
            isinstance(stmt.value, ast.Call) else None
        if isinstance(stmt, ast.Expr) and getattr(call, "id", None) not in ("print", "_expect"):
            value = eval(compile(ast.Expression(stmt.value), where, "eval"), namespace)
            shown.append((ast.unparse(stmt.value), repr(value)))
        else:
            exec(compile(ast.Module([stmt], []), where, "exec"), namespace)
    return shown


def test_readme_examples_show_short_lines_and_a_mix_of_ranks(tmp_path, monkeypatch):
    """No example shows a huge value (issue 24: ``rd.regions(2)`` printed an array of 973
    indices), every stated output fits on a line, and the rank example shows the idea:
    points of several ranks, none of them almost all."""
    import numpy as np

    monkeypatch.chdir(tmp_path)
    namespace = {"_expect": _expect}
    for i, code in enumerate(BLOCKS):
        for expression, shown in _run_statements(_checked(code), namespace, f"block {i}"):
            assert len(shown) <= 100 and "\n" not in shown, (expression, shown[:200])
        for line in code.splitlines():
            match = PRINT_WITH_OUTPUT.match(line)
            assert match is None or len(match.group(3)) <= 100, line
    counts = np.bincount(namespace["rd"].ranks[:, -1])
    assert (counts >= 0.1 * counts.sum()).sum() >= 3, counts   # ranks 0, 1 and 2 all seen
