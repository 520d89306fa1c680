"""python -m bench engine|inbox|reports|register|search [--smoke] [--dossiers N] [--database-url]

``--smoke`` runs a benchmark at a size that takes seconds, to show that it still runs (CI does);
its figures mean little.
"""

import argparse

from bench import engine, inbox, register, reports, search

BENCHMARKS = {
    "engine": engine,
    "inbox": inbox,
    "reports": reports,
    "register": register,
    "search": search,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="which", required=True)
    for name, module in BENCHMARKS.items():
        command = commands.add_parser(
            name,
            help=module.__doc__.split("\n")[0],
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_argument("--smoke", action="store_true", help="a size that runs in seconds")
        command.add_argument(
            "--dossiers",
            type=int,
            help=f"default {module.DOSSIERS}, {module.SMOKE_DOSSIERS} with --smoke",
        )
        command.add_argument(
            "--database-url",
            default=module.DATABASE_URL,
            help=f"emptied first; its name must end in _bench (default {module.DATABASE_URL})",
        )
        command.set_defaults(module=module)
        if module is reports:
            command.add_argument(
                "--runs",
                type=int,
                help=f"timed runs of each report (default {reports.RUNS}, {reports.SMOKE_RUNS} "
                "with --smoke)",
            )
    args = parser.parse_args(argv)
    smoke, full = args.module.SMOKE_DOSSIERS, args.module.DOSSIERS
    args.dossiers = args.dossiers or (smoke if args.smoke else full)
    args.module.run(args)


if __name__ == "__main__":
    main()
