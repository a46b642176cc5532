"""What every request handler needs, built once per app: settings, database, file storage, templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from midstance.web.settings import WebSettings
from midstance.web.storage import Storage

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"


@dataclass
class AppState:
    settings: WebSettings
    engine: Engine
    factory: sessionmaker[Session]
    storage: Storage
    templates: Jinja2Templates


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.midstance
    return state


State = Annotated[AppState, Depends(app_state)]
