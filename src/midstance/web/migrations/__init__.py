"""Alembic migrations of the web app's database, shipped inside the package and applied on start."""
