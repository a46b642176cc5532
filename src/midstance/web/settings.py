"""The web app's settings, declared once with their help text.

``midstance serve`` / ``midstance worker`` build their options from these fields, each can also come
from an environment variable, and the table in docs/web.md is generated from them (a test checks
that the page and the code agree)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

ENV_PREFIX = "MIDSTANCE_"
DOCS_BEGIN = "<!-- generated: web settings (python -m midstance.web docs) -->"
DOCS_END = "<!-- end generated -->"


def _opt(default: Any, help: str, flag: str, *, commands: tuple[str, ...] = ("serve", "worker")) -> Any:
    return field(default=default, metadata={"help": help, "flag": flag, "commands": commands})


def default_data_dir() -> Path:
    """Where the embedded database and the uploaded files live unless told otherwise (XDG)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "midstance"


@dataclass(frozen=True)
class WebSettings:
    """How the web app and its analysis worker run."""

    data_dir: str | None = _opt(
        None,
        "Folder for the embedded SQLite database and every uploaded video, keypoint file and report; "
        "created on first run (default ~/.local/share/midstance).",
        "--data-dir",
    )
    database_url: str | None = _opt(
        None,
        "SQLAlchemy URL of the database, e.g. postgresql+psycopg://user:password@127.0.0.1/midstance; "
        "default: a SQLite file in the data folder. Migrations are applied on start.",
        "--database-url",
    )
    host: str = _opt(
        "127.0.0.1",
        "Address to listen on; the default keeps the app on this machine. Use a reverse proxy with "
        "https before exposing it to a network.",
        "--host",
        commands=("serve",),
    )
    port: int = _opt(8321, "Port to listen on.", "--port", commands=("serve",))
    workers: int = _opt(
        1,
        "Analysis worker processes that `serve` starts beside the web server (0: start none and run "
        "`midstance worker` separately).",
        "--workers",
        commands=("serve",),
    )
    max_upload_mb: float = _opt(
        1024.0,
        "Largest upload accepted, in MB; a bigger file is rejected while it streams in and nothing of it is kept.",
        "--max-upload-mb",
        commands=("serve",),
    )
    lease_s: float = _opt(
        60.0,
        "A running analysis whose worker has not reported for this long (s) is taken over by another "
        "worker (a crashed or killed worker loses no job).",
        "--lease-s",
    )
    heartbeat_s: float = _opt(
        10.0, "How often (s) a worker renews the lease of the analysis it runs.", "--heartbeat-s"
    )
    poll_s: float = _opt(1.0, "How often (s) an idle worker looks for queued analyses.", "--poll-s")
    max_attempts: int = _opt(
        3,
        "Analyses that crash their worker this many times are marked failed instead of retried.",
        "--max-attempts",
    )
    login_attempts: int = _opt(
        5,
        "Failed sign-ins allowed per account and per address within the login window before further "
        "attempts are refused.",
        "--login-attempts",
        commands=("serve",),
    )
    login_window_s: float = _opt(
        900.0, "Length (s) of the login rate-limit window.", "--login-window-s", commands=("serve",)
    )
    session_days: float = _opt(
        14.0,
        "Days a sign-in stays valid; then the user signs in again.",
        "--session-days",
        commands=("serve",),
    )

    # ------------------------------------------------------------------ derived
    def resolved_data_dir(self) -> Path:
        return (Path(self.data_dir) if self.data_dir else default_data_dir()).expanduser().resolve()

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir() / 'midstance.db'}"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def with_(self, **changes: Any) -> WebSettings:
        return replace(self, **changes)


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def _convert(name: str, raw: str) -> Any:
    hint = str(get_type_hints(WebSettings)[name])
    if "Path" in hint:
        return Path(raw)
    if "int" in hint and "float" not in hint:
        return int(raw)
    if "float" in hint:
        return float(raw)
    return raw


def from_env(environ: dict[str, str] | None = None, base: WebSettings | None = None) -> WebSettings:
    """Settings from ``MIDSTANCE_<NAME>`` variables (e.g. MIDSTANCE_DATABASE_URL) over ``base``."""
    env = os.environ if environ is None else environ
    changes = {
        f.name: _convert(f.name, env[env_name(f.name)])
        for f in fields(WebSettings)
        if env.get(env_name(f.name))
    }
    return replace(base or WebSettings(), **changes)


def web_settings_table() -> list[dict[str, Any]]:
    """Rows (name, flag, env, default, help, commands) for the CLI and docs/web.md."""
    return [
        {
            "name": f.name,
            "flag": f.metadata["flag"],
            "env": env_name(f.name),
            "default": f.default,
            "help": f.metadata["help"],
            "commands": f.metadata["commands"],
            "type": str(get_type_hints(WebSettings)[f.name]),
        }
        for f in fields(WebSettings)
    ]


def web_settings_markdown() -> str:
    """The generated settings table of docs/web.md."""
    lines = [
        "| setting | option | environment | default | used by | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for row in web_settings_table():
        default = "see meaning" if row["default"] is None else f"`{row['default']}`"
        used = ", ".join(f"`{c}`" for c in row["commands"])
        lines.append(
            f"| `{row['name']}` | `{row['flag']}` | `{row['env']}` | {default} | {used} | {row['help']} |"
        )
    return "\n".join(lines)


def with_generated_table(text: str) -> str:
    """``text`` (docs/web.md) with its generated settings table brought up to date."""
    block = DOCS_BEGIN + "\n" + web_settings_markdown() + "\n" + DOCS_END
    if DOCS_BEGIN not in text or DOCS_END not in text:
        return text.rstrip("\n") + "\n\n" + block + "\n"
    head, rest = text.split(DOCS_BEGIN, 1)
    _, tail = rest.split(DOCS_END, 1)
    return head + block + tail


def write_docs(path: Path) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Web app\n"
    path.write_text(with_generated_table(text), encoding="utf-8")
