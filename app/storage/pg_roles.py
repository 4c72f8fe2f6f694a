"""The grants a clinic's server needs: one owner role that creates and migrates the schema, one
group role holding only what the app does (read and write its own rows), and one login role per
clinician in that group (https://www.postgresql.org/docs/current/ddl-priv.html). docs/clinic.md
shows these statements; the tests run them and check a clinician can work but cannot drop,
alter or create tables."""

from __future__ import annotations

from app.storage.migrations import TABLES

#: the tables a clinician's role writes; schema_version is only read
WRITTEN = tuple(t for t in TABLES if t != "schema_version")


def group_grants(database: str, group: str = "glutefire_clinicians", schema: str = "public") -> list[str]:
    """The statements (run as the owner, after the schema exists) that give ``group`` the app's rights."""
    return [
        f"CREATE ROLE {group} NOLOGIN",
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {database} TO {group}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {schema} TO {group}",
        f"GRANT SELECT ON {schema}.schema_version TO {group}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(f'{schema}.{t}' for t in WRITTEN)} TO {group}",
    ]


def clinician(name: str, group: str = "glutefire_clinicians") -> str:
    """A clinician's own login (its password set with psql's \\password, kept in their ~/.pgpass)."""
    return f"CREATE ROLE {name} LOGIN IN ROLE {group}"
