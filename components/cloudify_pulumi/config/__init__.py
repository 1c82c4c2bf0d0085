"""Reading and judging the configuration: the settings table, the stack file and a program's args, the
rules, and the typed model every other part reads."""
