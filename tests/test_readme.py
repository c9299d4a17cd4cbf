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
