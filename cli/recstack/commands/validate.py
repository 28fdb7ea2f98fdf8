"""`recstack validate`: check recordings against the schema and the consistency rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from recstack.commands.options import (
    Color,
    ConfigFile,
    Exclude,
    Isolated,
    Jobs,
    Paths,
    format_option,
)
from recstack.commands.session import session
from recstack.render.validate import FORMATS

EPILOG = """\
[bold]Examples[/bold]

  recstack validate                                   [dim]# the configured recordings, else .[/dim]
  recstack validate tests/integration --format github [dim]# annotations in CI[/dim]
  git diff --name-only '*.json' | recstack validate - [dim]# only changed files[/dim]
  recstack validate rec.json --format json            [dim]# for scripts[/dim]
  recstack validate --ignore duplicate-key recordings/ [dim]# a rule turned off[/dim]
  recstack validate --schema my.schema.json recordings/
  recstack validate --list-rules

JSON files that are not recordings (package.json, dashboards) found in a directory
are skipped and counted; a file named explicitly is always checked.

Exit status: 0 all valid; 1 a file is invalid; 2 a path cannot be used, a file
cannot be read, nothing to validate, or the schema or configuration cannot be loaded.
"""


def validate(
    paths: Paths = None,
    output_format: Annotated[
        str, format_option(FORMATS, "text, json or github (workflow annotations).")
    ] = "text",
    schema: Annotated[
        Path | None,
        typer.Option(
            "--schema",
            metavar="FILE",
            help="Validate against this JSON Schema instead of the recording schema.",
            show_default=False,
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            metavar="RULE",
            help="Do not report this rule (repeatable; see --list-rules); adds to the "
            "configuration's validate.ignore.",
            show_default=False,
        ),
    ] = None,
    list_rules: Annotated[
        bool, typer.Option("--list-rules", help="List the rule ids with a description and exit.")
    ] = False,
    jobs: Jobs = 0,
    exclude: Exclude = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    color: Color = "auto",
) -> None:
    """Check recordings: strict JSON, the schema, and the consistency rules.

    Every finding names the file, the line:column where the offending value
    starts, its JSON Pointer, a message and a rule id.
    """
    # Imported here, not at the top: the other commands (and --help) need not load them.
    from recstack import rules
    from recstack.output import progress
    from recstack.render.validate import RULES_FORMATS
    from recstack.validation import check_rule_ids, validate_paths

    with session("validate", color=color, config=config, isolated=isolated) as run:
        if list_rules:
            run.render(RULES_FORMATS, output_format, rules.descriptions())
            raise typer.Exit()
        check_rule_ids(run.config.validate_ignore, where=run.config.key("validate", "ignore"))
        selection = run.select(paths, exclude)
        with progress(len(selection.files), "validating") as advance:
            report = validate_paths(
                selection,
                schema_path=schema,
                ignore=[*run.config.validate_ignore, *(ignore or [])],
                fallback_dir=run.config.fallback_dir,
                jobs=jobs,
                progress=advance,
            )
        run.problems(report.unusable)
        run.render(FORMATS, output_format, report)
        run.finish(report)
