"""python -m bench engine|inbox|reports|register [--dossiers N] [--database-url URL]"""

import argparse

from bench import engine, inbox, register, reports

BENCHMARKS = {"engine": engine, "inbox": inbox, "reports": reports, "register": register}


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
        command.add_argument(
            "--dossiers", type=int, default=module.DOSSIERS, help=f"default {module.DOSSIERS}"
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
                default=reports.RUNS,
                help=f"timed runs of each report (default {reports.RUNS})",
            )
    args = parser.parse_args(argv)
    args.module.run(args)


if __name__ == "__main__":
    main()
