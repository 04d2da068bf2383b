"""Command line: `python -m autodiff demo [options]`; the console script `autodiff-demo [options]` runs the demo too.

Only NumPy is imported here; the demo imports nn, optim, viz, tqdm and matplotlib when it runs.
"""
from __future__ import annotations

import os
import sys

COMMANDS = {"demo": "train an MLP on the bundled digits; write a loss curve and a gradient graph"}
USAGE = ("usage: python -m autodiff COMMAND [options]\n\ncommands:\n"
         + "".join(f"  {name:<8}{text}\n" for name, text in COMMANDS.items())
         + "\n`python -m autodiff demo --help` lists the demo's options.\n")


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a command; returns the exit status (also the console script `autodiff-demo`)."""
    from . import demo

    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    argv = sys.argv[1:] if argv is None else list(argv)
    if script.startswith("autodiff-demo"):  # the console script: every argument is a demo option
        return demo.main(argv, prog="autodiff-demo")
    if not argv or argv[0] in ("-h", "--help"):
        (sys.stdout if argv else sys.stderr).write(USAGE)
        return 0 if argv else 2
    if argv[0] == "demo":
        return demo.main(argv[1:], prog="python -m autodiff demo")
    sys.stderr.write(f"python -m autodiff: error: unknown command {argv[0]!r} (commands: {', '.join(COMMANDS)}; "
                     "see --help)\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
