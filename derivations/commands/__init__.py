"""One module per ``deepderive`` subcommand, plus the argument helpers they share."""
