"""The life of a portfolio after review, in a temporary folder: keys, trust list, approvals, demotion.

Run it with the Python that has cim installed (``make demo`` does):

    python examples/lifecycle/demo.py

It copies example-portfolios/ready-ada into a temporary cohort folder, makes
two staff keys (one encrypted with a passphrase from CIM_KEY_PASSPHRASE, one
unencrypted), writes the cohort's programme file and trust list, then
approves the activities, the report and the presentation, showing
``cim status`` and ``cim verify`` on the way, and finally edits an approved
file to show the stage drop and the finding that names the file. Every step
prints the command it runs (``$ cim ...``) and its output. Exits 0 when every
step did what it should, 1 otherwise. Nothing outside the temporary folder is
touched; it is removed at the end (``--keep`` keeps it).

Later steps (issuing the certificate, verifying it, tampering with it) are
added to STEPS by the credential layer.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLE = REPO / "example-portfolios" / "ready-ada"
PASSPHRASE = "demo passphrase, never use it for a real key"


class Demo:
    """The temporary cohort and a way to run cim in it, printing each command."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cohort = folder / "cohort"
        self.keys = folder / "keys"  # outside the cohort: keys never live in a repository
        self.env = {**os.environ, "CIM_KEY_PASSPHRASE": PASSPHRASE, "NO_COLOR": "1"}
        self.failures: list[str] = []

    def cim(self, *args: str, expect: int = 0) -> str:
        shown = " ".join(shlex.quote(a.replace(str(self.folder), "$DEMO")) for a in args)
        print(f"$ cim {shown}")
        done = subprocess.run([sys.executable, "-m", "cim_cli", *args], cwd=self.cohort, env=self.env, capture_output=True, text=True)
        output = (done.stdout + done.stderr).replace(str(self.folder), "$DEMO")
        print("".join(f"  {line}\n" for line in output.splitlines()), end="")
        if done.returncode != expect:
            self.failures.append(f"cim {shown} exited {done.returncode}, expected {expect}")
            print(f"  !! exit {done.returncode}, expected {expect}")
        return done.stdout

    def expect_stage(self, stage: str) -> None:
        out = self.cim("status", "ada")
        if f"Stage: {stage}\n" not in out:
            self.failures.append(f"expected the stage {stage}")
            print(f"  !! expected the stage {stage}")


def step(title: str) -> None:
    print(f"\n== {title}")


def make_keys(demo: Demo) -> None:
    step("1. Staff make signing keys (outside any repository)")
    demo.keys.mkdir()
    admin = demo.cim("keys", "init", "--out", str(demo.keys / "admin.pem"), "--name", "Certificate Administrator",
                     "--email", "cim-admin@uni.example", "--role", "activities", "--role", "presentation")
    teacher = demo.cim("keys", "init", "--out", str(demo.keys / "teacher.pem"), "--name", "Dr Ada Example",
                       "--email", "ada@uni.example", "--role", "report", "--unencrypted")
    step("2. The programme adds their entries to trust.yaml, next to programme.yaml")
    entries = "".join(out.split("\n", 1)[1] for out in (admin, teacher))
    (demo.cohort / "trust.yaml").write_text("# Staff keys this programme trusts.\nkeys:\n" + entries, encoding="utf-8")
    (demo.cohort / "programme.yaml").write_text("title: Certificate of International Merits\ntrust: trust.yaml\n", encoding="utf-8")
    print((demo.cohort / "programme.yaml").read_text() + "--- trust.yaml\n" + (demo.cohort / "trust.yaml").read_text(), end="")


def approve_activities(demo: Demo) -> None:
    step("3. The administrator approves the activities")
    demo.expect_stage("ready-for-review")
    demo.cim("approve", "ada", "--stage", "activities", "--key", str(demo.keys / "admin.pem"), "--comment", "All three activities count.")
    step("4. A teacher cannot approve what their role does not cover")
    demo.cim("approve", "ada", "--stage", "activities", "--key", str(demo.keys / "teacher.pem"), expect=1)


def approve_report(demo: Demo) -> None:
    step("5. The teacher asks for a change to the report, then approves it")
    demo.cim("approve", "ada", "--stage", "report", "--decision", "revise", "--key", str(demo.keys / "teacher.pem"),
             "--comment", "Say more about what Kyoto taught you.")
    demo.expect_stage("report-submitted")
    demo.cim("approve", "ada", "--stage", "report", "--key", str(demo.keys / "teacher.pem"), "--comment", "A thoughtful report.")


def record_presentation(demo: Demo) -> None:
    step("6. The administrator records the poster presentation")
    demo.cim("approve", "ada", "--stage", "presentation", "--kind", "poster", "--date", "2024-05-20", "--key", str(demo.keys / "admin.pem"))
    demo.expect_stage("presented")
    demo.cim("verify", "ada")


def edit_after_approval(demo: Demo) -> None:
    step("7. The student edits an approved activity: the stage drops and cim names the file")
    record = demo.cohort / "ada" / "activities" / "spanish-language-cafe.yaml"
    original = record.read_bytes()
    record.write_bytes(original.replace(b"engagements: 8", b"engagements: 12"))
    demo.cim("validate", "ada")
    demo.expect_stage("ready-for-review")
    demo.cim("verify", "ada", expect=1)
    step("8. Restoring the file restores the stage")
    record.write_bytes(original)
    demo.expect_stage("presented")


STEPS = [make_keys, approve_activities, approve_report, record_presentation, edit_after_approval]


def main(argv: list[str]) -> int:
    folder = Path(tempfile.mkdtemp(prefix="cim-lifecycle-"))
    demo = Demo(folder)
    try:
        demo.cohort.mkdir()
        shutil.copytree(EXAMPLE, demo.cohort / "ada")
        print(f"A temporary cohort in $DEMO/cohort (DEMO={folder}) with a copy of {EXAMPLE.relative_to(REPO)} as 'ada'.")
        for run in STEPS:
            run(demo)
    finally:
        if "--keep" not in argv:
            shutil.rmtree(folder, ignore_errors=True)
    if demo.failures:
        print("\nThe demo did not go as expected:\n" + "\n".join(f"  {f}" for f in demo.failures))
        return 1
    print("\nDone: every step did what it should.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
