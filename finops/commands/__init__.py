"""CLI command modules; each defines `register(app)`, and registers the command of its own name; finops.cli.COMMANDS lists them."""
