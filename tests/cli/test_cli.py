"""The command-line entry points print what they claim (values checked against analytic homology)."""
import json
import re

import pytest

from topodestruct.cli import main

# Analytic homology of the standard spaces, independent of the engine.
EXPECTED_SPACES = {
    "circle S^1": "H0 = Z, H1 = Z",
    "sphere S^2": "H0 = Z, H1 = 0, H2 = Z",
    "torus T^2": "H0 = Z, H1 = Z^2, H2 = Z",
    "Klein bottle": "H0 = Z, H1 = Z ⊕ Z/2, H2 = 0",
    "projective plane RP^2": "H0 = Z, H1 = Z/2, H2 = 0",
    "Moebius band": "H0 = Z, H1 = Z, H2 = 0",
    "T^2 / meridian": "H0 = Z, H1 = Z, H2 = Z",
}


@pytest.mark.parametrize("argv", [[], ["spaces"]])
def test_spaces(argv, capsys):
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    got = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in lines)
    assert got == EXPECTED_SPACES


def test_tables_json(capsys):
    assert main(["tables", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    entries = report["paper"]
    # eq. 14 (n = 0..3), eq. 15 (3 families x 3 + outer loops x 3), three 3x3 tables
    assert len(entries) == 4 + 12 + 27
    assert all(e["status"] in ("agree", "DISAGREE") for e in entries)


def test_unknown_command_exits_with_usage():
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
