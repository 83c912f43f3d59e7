"""`cim validate` of one portfolio imports only what checking it needs (issue 8: start-up).

benchmarks/startup.py measures the cost; this test keeps the modules that
made it too high out of a plain validate: the git machinery (only --rev needs
it), the trust layer's signature code (only a portfolio with approvals/ needs
it), statistics, the site, Rich, and the dataclass machinery (the model's
values are cim_cli.record.Record classes).
"""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

NOT_NEEDED = (
    "dataclasses",
    "cim_cli.revision",
    "cim_cli.gitrepo",
    "cim_cli.stats",
    "cim_cli.site",
    "cim_cli.trust.approvals",
    "cim_cli.trust.verification",
    "cryptography",
    "rich",
)


def test_validate_of_a_portfolio_without_approvals_imports_nothing_it_does_not_need() -> None:
    code = (
        "import sys\nfrom cim_cli.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', sorted(m for m in {NOT_NEEDED!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "validate", "example-portfolios/ready-ada"],
        cwd=REPO, capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )
    assert "ready-for-review" in done.stdout, done.stderr[-500:]
    assert "LOADED []" in done.stderr, done.stderr[-500:]
