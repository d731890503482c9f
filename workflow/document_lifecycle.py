"""The uploaded document's lifecycle (workflow.md): uploaded, then accepted or sent back by
the verifier; a new upload replaces a sent-back one."""

from __future__ import annotations

from enum import StrEnum


class DocumentStatus(StrEnum):
    uploaded = "uploaded"
    accepted = "accepted"
    rejected = "rejected"
