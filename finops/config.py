"""Where things live and the finops.toml file.

Precedence (as in Harlequin): CLI flag > environment variable > file > default.
- data directory: `--data-dir` > `FINOPS_HOME` > platformdirs user data dir.
- config file: `--config` > `FINOPS_CONFIG` > `./finops.toml` > `<data dir>/finops.toml`
  > platformdirs user config dir.

Each feature parses its own section of the file into a typed dataclass (for example
`[cogs]` in models/cogs, `[sources.openai]` in connectors); this module only loads the
TOML and offers `ConfigFile.fail(...)`, which names the key and its line.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finops.errors import ConfigError

APP_NAME = "finops-console"
ENV_HOME = "FINOPS_HOME"
ENV_CONFIG = "FINOPS_CONFIG"
CONFIG_NAME = "finops.toml"


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(flag: str | Path | None = None) -> Path:
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    return default_data_dir()


def resolve_config_path(flag: str | Path | None = None, data_dir: Path | None = None) -> Path | None:
    """The config file to read, or None when there is none (defaults apply)."""
    if flag:
        path = Path(flag).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found")
        return path
    env = os.environ.get(ENV_CONFIG)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found (from ${ENV_CONFIG})")
        return path
    candidates = [Path.cwd() / CONFIG_NAME]
    if data_dir is not None:
        candidates.append(data_dir / CONFIG_NAME)
    import platformdirs

    candidates.append(Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_NAME)
    return next((p for p in candidates if p.is_file()), None)


@dataclass(frozen=True)
class ConfigFile:
    """A parsed finops.toml: the data plus its text, to point errors at lines."""

    path: Path | None
    data: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    @classmethod
    def load(cls, path: Path | None) -> "ConfigFile":
        if path is None:
            return cls(None, {}, "")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:  # TOML is UTF-8 by definition
            line = raw[: exc.start].count(b"\n") + 1
            raise ConfigError(f"{path}:{line}: byte {raw[exc.start]:#04x} is not UTF-8 (TOML files are UTF-8)") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        return cls(path, data, text)

    def section(self, dotted: str) -> dict[str, Any]:
        """The table at a dotted path (`cogs`, `sources.openai`), or {} when absent."""
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict):
                self.fail(dotted, "must be a table")
            node = node.get(part, {})
        if not isinstance(node, dict):
            self.fail(dotted, "must be a table")
        return node

    def line_of(self, dotted_key: str) -> int | None:
        """Best-effort line number of a key: its header or its `name =` line."""
        if not self.text:
            return None
        parts = dotted_key.split(".")
        lines = self.text.splitlines()
        # Find the innermost table header that is a prefix of the key, then the key after it.
        start = 0
        for depth in range(len(parts), 0, -1):
            header = ".".join(parts[:depth])
            pattern = re.compile(r"^\s*\[\[?\s*" + re.escape(header) + r"\s*\]\]?\s*(#.*)?$")
            for i, line in enumerate(lines):
                if pattern.match(line):
                    if depth == len(parts):
                        return i + 1
                    start = i + 1
                    break
            else:
                continue
            break
        leaf = parts[-1]
        key_pattern = re.compile(r"^\s*[\"']?" + re.escape(leaf) + r"[\"']?\s*=")
        for i in range(start, len(lines)):
            if key_pattern.match(lines[i]):
                return i + 1
        return None

    def fail(self, dotted_key: str, problem: str) -> Any:
        """Raise a one-line ConfigError naming the file, line and key."""
        where = str(self.path) if self.path else CONFIG_NAME
        line = self.line_of(dotted_key)
        loc = f"{where}:{line}" if line else where
        raise ConfigError(f"{loc}: {dotted_key}: {problem}")


@dataclass(frozen=True)
class Settings:
    """What every command needs: where the store is and the parsed config file."""

    data_dir: Path
    config: ConfigFile

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None, config: str | Path | None = None) -> "Settings":
        ddir = resolve_data_dir(data_dir)
        return cls(ddir, ConfigFile.load(resolve_config_path(config, ddir)))
