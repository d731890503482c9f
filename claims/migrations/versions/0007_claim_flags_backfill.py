"""The flags of the claims that existed before flags were stored (0006 gave each of them `[]`).

From now on the service recomputes a claim's flags whenever one of their facts changes; claims
made before would show none until then, a constant where the officer expects the facts. This
computes them once, with the rule of `workflow.flags` and the facts read here by SQL of its
own (not the repositories', which follow the models of later revisions): a bank account or an
original file shared with a claim of another NIK, the account holder's name, a declared end
date (the creation event), the heir's relationship. On a fresh database there is nothing to do.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from workflow.flags import FlagFacts, claim_flags

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ACCOUNT_SHARED = sa.text(
    """
    SELECT c.id FROM claims c JOIN participants p ON p.kpj = c.kpj
    WHERE c.account_number IS NOT NULL AND EXISTS (
        SELECT 1 FROM claims o JOIN participants op ON op.kpj = o.kpj
        WHERE o.account_number IS NOT NULL AND o.bank_code = c.bank_code
          AND o.account_number = c.account_number AND o.id <> c.id AND op.nik <> p.nik)
    """
)
FILE_SHARED = sa.text(
    """
    SELECT DISTINCT d.claim_id FROM documents d
    JOIN document_files f ON f.document_id = d.id
    JOIN claims c ON c.id = d.claim_id JOIN participants p ON p.kpj = c.kpj
    WHERE EXISTS (
        SELECT 1 FROM document_files o JOIN claims oc ON oc.id = o.claim_id
        JOIN participants op ON op.kpj = oc.kpj
        WHERE o.sha256 = f.sha256 AND oc.id <> c.id AND op.nik <> p.nik)
    """
)
DECLARED_END_DATE = sa.text(
    "SELECT claim_id, data FROM claim_events "
    "WHERE seq = 1 AND CAST(data AS TEXT) LIKE '%declared_end_date%'"
)
# Only claims with an account (a name to compare) or an heir can carry the other flags.
NAMES = sa.text(
    """
    SELECT c.id, c.account_holder, c.heir_full_name, c.heir_relationship, p.full_name
    FROM claims c JOIN participants p ON p.kpj = c.kpj
    WHERE c.account_holder IS NOT NULL OR c.heir_relationship IS NOT NULL
    """
)
CLAIMS = sa.table("claims", sa.column("id", sa.String), sa.column("flags", sa.JSON))
WRITE_FLAGS = (
    sa.update(CLAIMS)
    .where(CLAIMS.c.id == sa.bindparam("claim_id"))
    .values(flags=sa.bindparam("new_flags", type_=sa.JSON))
)


def _event_data(value: Any) -> dict[str, Any]:
    """A JSON column as the driver gives it: text (SQLite) or already parsed (psycopg)."""
    return dict(json.loads(value) if isinstance(value, str) else value or {})


def upgrade() -> None:
    bind = op.get_bind()
    shared_account = set(bind.execute(ACCOUNT_SHARED).scalars())
    shared_file = set(bind.execute(FILE_SHARED).scalars())
    declared = {
        claim_id
        for claim_id, data in bind.execute(DECLARED_END_DATE)
        if _event_data(data).get("declared_end_date")
    }
    names = {row[0]: row[1:] for row in bind.execute(NAMES)}
    updates = []
    for claim_id in sorted(shared_account | shared_file | declared | set(names)):
        holder, heir_name, relationship, participant_name = names.get(
            claim_id, (None, None, None, "")
        )
        flags = claim_flags(
            FlagFacts(
                claimant_name=heir_name or participant_name,
                account_holder=holder,
                account_shared_with_another_person=claim_id in shared_account,
                file_shared_with_another_person=claim_id in shared_file,
                declared_end_date=claim_id in declared,
                heir_relationship=relationship,
            )
        )
        if flags:
            updates.append({"claim_id": claim_id, "new_flags": flags})
    if updates:
        bind.execute(WRITE_FLAGS, updates)


def downgrade() -> None:
    # Flags are derived data: the computed values may stay (0006's downgrade drops the column).
    pass
