"""The stored files of each document by name (issue 18, uploads for poor connections): each
original file keeps its display name, its own sanitised PDF (`storage_key`, in the same
content-addressed store as the merged documents) and its page count, so that the applicant
sees the list and removes one file (the rest merged again).

Files uploaded before this revision have no name nor PDF of their own; a document made of
one file only gets its document's PDF and page count, which are that file's.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("document_files", sa.Column("filename", sa.String(200), nullable=True))
    op.add_column("document_files", sa.Column("storage_key", sa.String(64), nullable=True))
    op.add_column("document_files", sa.Column("pages", sa.Integer, nullable=True))
    op.execute(
        """
        UPDATE document_files
        SET storage_key = (
                SELECT documents.storage_key FROM documents
                WHERE documents.id = document_files.document_id
            ),
            pages = (
                SELECT documents.pages FROM documents
                WHERE documents.id = document_files.document_id
            )
        WHERE (
            SELECT count(*) FROM document_files AS siblings
            WHERE siblings.document_id = document_files.document_id
        ) = 1
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("document_files") as table:
        table.drop_column("pages")
        table.drop_column("storage_key")
        table.drop_column("filename")
