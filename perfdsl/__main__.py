from perfdsl.cli import entry

entry()
