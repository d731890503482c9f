"""Migration 0013 on a database holding documents from before it: a document of one file
gives that file its PDF and page count (it can be viewed and removed); files that shared a
document keep none (listed without a name, as before)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from claims.migrate import alembic_config


def test_single_file_documents_get_their_pdf_and_pages(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'before.db'}")
    config = alembic_config(str(engine.url))
    command.upgrade(config, "0010")
    documents = [(1, "one" * 21 + "a", 3), (2, "two" * 21 + "b", 5)]
    files = [(10, 1, 0), (20, 2, 0), (21, 2, 1)]  # (id, document, position)
    with engine.begin() as connection:
        for document_id, key, pages in documents:
            connection.execute(
                sa.text(
                    "INSERT INTO documents (id, claim_id, doc_type, status, storage_key, sha256,"
                    " size_bytes, pages, uploaded_at) VALUES (:id, 'c', :type, 'uploaded', :key,"
                    " :key, 1, :pages, '2026-11-02 01:00:00')"
                ),
                {"id": document_id, "type": f"t{document_id}", "key": key, "pages": pages},
            )
        for file_id, document_id, position in files:
            connection.execute(
                sa.text(
                    "INSERT INTO document_files (id, document_id, claim_id, position, sha256,"
                    " size_bytes, content_type) VALUES (:id, :document, 'c', :position,"
                    " 'h', 1, 'application/pdf')"
                ),
                {"id": file_id, "document": document_id, "position": position},
            )
    command.upgrade(config, "0013")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, filename, storage_key, pages FROM document_files ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        (10, None, documents[0][1], 3),
        (20, None, None, None),
        (21, None, None, None),
    ]
    engine.dispose()


def test_the_migration_goes_back(tmp_path: Path) -> None:
    config = alembic_config(f"sqlite:///{tmp_path / 'empty.db'}")
    command.upgrade(config, "0013")
    command.downgrade(config, "0010")
    command.upgrade(config, "0013")
