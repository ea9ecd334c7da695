"""Alerts pushed out: rules in finops.toml evaluated against the store's figures, sent once per episode.

- rules: the typed `[alerts]` configuration (rules, channels, guard settings) and its checks;
- secrets: channel URLs, signing secrets and SMTP passwords from the keyring, else the environment;
- evaluate: each rule against the figures of finops.metrics / finops.services (never recomputed);
- state: episodes (fired once, resolved once, flapping guard) and the outbox, kept atomically;
- messages: what a message says (figure, provenance, reason, command to see more), per channel;
- channels: Slack incoming webhook, signed JSON webhook, SMTP with STARTTLS, within a deadline;
- check: one `finops alert check` run: evaluate, update the state, deliver what is pending.

docs/alerts.md describes the configuration, the webhook schema and its signature.
"""
