"""The document checklist per claim reason, the NPWP condition, and the `missing` list."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.checklist import document_checklist, missing_items, npwp_required
from workflow.rules import DocumentType, rules_in_force
from workflow.states import ClaimReason

RULES = rules_in_force(date(2026, 1, 1))
COMMON = {"kartu_peserta", "ktp", "kartu_keluarga", "buku_rekening", "foto_diri"}


@pytest.mark.parametrize(
    ("reason", "own_required", "optional"),
    [
        (ClaimReason.retirement, set(), {"surat_keterangan_pensiun"}),
        (ClaimReason.resignation, {"surat_berhenti_bekerja"}, set()),
        (ClaimReason.termination, {"bukti_phk"}, set()),
        (ClaimReason.contract_end, {"surat_habis_kontrak"}, set()),
        (ClaimReason.leaving_indonesia, {"paspor", "surat_pernyataan_tidak_kembali"}, set()),
        (ClaimReason.disability, {"surat_berhenti_bekerja", "surat_keterangan_dokter"}, set()),
        (ClaimReason.death, {"akta_kematian", "surat_ahli_waris", "ktp_ahli_waris"}, set()),
        (ClaimReason.partial_housing, {"surat_keterangan_kerja", "dokumen_perumahan"}, set()),
        (ClaimReason.partial_other, {"surat_keterangan_kerja"}, set()),
    ],
)
def test_checklist_per_reason(
    reason: ClaimReason, own_required: set[str], optional: set[str]
) -> None:
    checklist = document_checklist(RULES, reason, balance=10_000_000, had_partial_claim=False)
    assert set(checklist.required) == COMMON | own_required
    assert len(checklist.required) == len(set(checklist.required))
    assert set(checklist.optional) == optional
    assert not checklist.npwp_required


@pytest.mark.parametrize(
    ("balance", "had_partial", "needs_npwp"),
    [
        (49_999_999, False, False),
        (50_000_000, False, False),
        (50_000_001, False, True),
        (1_000_000, True, True),
        (0, True, True),
    ],
)
def test_npwp_is_conditional(balance: int, had_partial: bool, needs_npwp: bool) -> None:
    assert npwp_required(RULES, balance, had_partial) is needs_npwp
    for reason in ClaimReason:
        checklist = document_checklist(RULES, reason, balance, had_partial)
        assert checklist.npwp_required is needs_npwp
        assert (DocumentType.npwp in checklist.required) is needs_npwp


@pytest.mark.parametrize(
    ("balance", "uploaded", "bank", "npwp_number", "missing"),
    [
        (10_000_000, COMMON | {"surat_berhenti_bekerja"}, True, False, ()),
        (10_000_000, COMMON, True, False, ("surat_berhenti_bekerja",)),
        (
            10_000_000,
            COMMON - {"ktp"},
            False,
            False,
            ("ktp", "surat_berhenti_bekerja", "bank_account"),
        ),
        (80_000_000, COMMON | {"surat_berhenti_bekerja"}, True, False, ("npwp", "npwp_number")),
        (80_000_000, COMMON | {"surat_berhenti_bekerja", "npwp"}, True, True, ()),
        # an optional or unrelated upload never stands in for a required one
        (
            10_000_000,
            COMMON | {"surat_keterangan_pensiun"},
            True,
            True,
            ("surat_berhenti_bekerja",),
        ),
    ],
)
def test_missing_items(
    balance: int, uploaded: set[str], bank: bool, npwp_number: bool, missing: tuple[str, ...]
) -> None:
    checklist = document_checklist(RULES, ClaimReason.resignation, balance, had_partial_claim=False)
    assert missing_items(checklist, uploaded, bank, npwp_number) == missing


def test_every_document_type_has_labels() -> None:
    for doc in DocumentType:
        assert doc.label_id and doc.label_en
