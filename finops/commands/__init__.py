"""CLI command modules; each defines `register(app)`, and finops.cli.COMMAND_MODULES lists them."""
