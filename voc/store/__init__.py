"""Storage: SQLAlchemy tables, engine set-up with Alembic migrations, and queries."""
