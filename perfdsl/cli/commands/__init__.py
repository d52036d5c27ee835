"""One module per ``perfdsl`` command, each a :class:`~perfdsl.cli.commands.base.Command`."""
