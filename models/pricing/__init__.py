"""The price catalog: effective-dated prices per provider, model and token class."""
