"""The rules of JHT claims as data with an effective date. A claim is judged by the rule set in
force on the day it was submitted; every rule function takes its RuleSet explicitly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from workflow.states import ClaimReason


class DocumentType(StrEnum):
    kartu_peserta = "kartu_peserta"
    ktp = "ktp"
    kartu_keluarga = "kartu_keluarga"
    buku_rekening = "buku_rekening"
    foto_diri = "foto_diri"
    npwp = "npwp"
    surat_berhenti_bekerja = "surat_berhenti_bekerja"
    bukti_phk = "bukti_phk"
    surat_habis_kontrak = "surat_habis_kontrak"
    surat_keterangan_pensiun = "surat_keterangan_pensiun"
    paspor = "paspor"
    surat_pernyataan_tidak_kembali = "surat_pernyataan_tidak_kembali"
    surat_keterangan_dokter = "surat_keterangan_dokter"
    akta_kematian = "akta_kematian"
    surat_ahli_waris = "surat_ahli_waris"
    ktp_ahli_waris = "ktp_ahli_waris"
    surat_keterangan_kerja = "surat_keterangan_kerja"
    dokumen_perumahan = "dokumen_perumahan"

    @property
    def label_id(self) -> str:
        return _DOCUMENT_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _DOCUMENT_LABELS[self][1]


_DOCUMENT_LABELS: dict[DocumentType, tuple[str, str]] = {
    DocumentType.kartu_peserta: (
        "Kartu peserta BPJS Ketenagakerjaan",
        "BPJS Ketenagakerjaan participant card",
    ),
    DocumentType.ktp: ("e-KTP", "Identity card (e-KTP)"),
    DocumentType.kartu_keluarga: ("Kartu Keluarga (KK)", "Family card (KK)"),
    DocumentType.buku_rekening: (
        "Buku tabungan (halaman nomor rekening dan nama pemilik)",
        "Bank book page showing the account number and holder",
    ),
    DocumentType.foto_diri: ("Foto diri terbaru tampak depan", "Recent front-facing photo"),
    DocumentType.npwp: ("Kartu NPWP", "NPWP card"),
    DocumentType.surat_berhenti_bekerja: (
        "Surat keterangan berhenti bekerja / paklaring",
        "Employer's letter of resignation or work certificate (paklaring)",
    ),
    DocumentType.bukti_phk: (
        "Bukti PHK (tanda terima Disnaker, laporan PHK, perjanjian bersama, atau putusan PHI)",
        "Proof of termination (Disnaker receipt, PHK report, joint agreement or court ruling)",
    ),
    DocumentType.surat_habis_kontrak: (
        "Perjanjian kerja atau surat habis kontrak",
        "Employment contract or end-of-contract letter",
    ),
    DocumentType.surat_keterangan_pensiun: ("Surat keterangan pensiun", "Retirement letter"),
    DocumentType.paspor: ("Paspor", "Passport"),
    DocumentType.surat_pernyataan_tidak_kembali: (
        "Surat pernyataan tidak kembali ke Indonesia",
        "Signed statement of leaving Indonesia for good",
    ),
    DocumentType.surat_keterangan_dokter: (
        "Surat keterangan dokter cacat total tetap",
        "Doctor's certificate of permanent total disability",
    ),
    DocumentType.akta_kematian: ("Akta kematian", "Death certificate"),
    DocumentType.surat_ahli_waris: (
        "Surat keterangan ahli waris atau penetapan pengadilan",
        "Heir certificate or court order",
    ),
    DocumentType.ktp_ahli_waris: ("e-KTP ahli waris", "Heir's identity card (e-KTP)"),
    DocumentType.surat_keterangan_kerja: (
        "Surat keterangan masih bekerja / berhenti bekerja dari pemberi kerja",
        "Employer's letter that the participant is still employed or has stopped",
    ),
    DocumentType.dokumen_perumahan: (
        "Dokumen perumahan (PPJB/AJB atau perjanjian KPR)",
        "Housing papers (sale agreement PPJB/AJB or mortgage agreement)",
    ),
}


@dataclass(frozen=True)
class DocumentRule:
    """What one claim reason asks for on top of the common documents."""

    required: tuple[DocumentType, ...] = ()
    optional: tuple[DocumentType, ...] = ()


@dataclass(frozen=True)
class TaxBracket:
    """Progressive band: `rate_bp` applies to the part of the amount up to `up_to` (None: no top)."""

    up_to: int | None
    rate_bp: int


_D = DocumentType
_COMMON_DOCUMENTS = (_D.kartu_peserta, _D.ktp, _D.kartu_keluarga, _D.buku_rekening, _D.foto_diri)
_DOCUMENTS_BY_REASON: Mapping[ClaimReason, DocumentRule] = MappingProxyType(
    {
        ClaimReason.retirement: DocumentRule(optional=(_D.surat_keterangan_pensiun,)),
        ClaimReason.resignation: DocumentRule(required=(_D.surat_berhenti_bekerja,)),
        ClaimReason.termination: DocumentRule(required=(_D.bukti_phk,)),
        ClaimReason.contract_end: DocumentRule(required=(_D.surat_habis_kontrak,)),
        ClaimReason.leaving_indonesia: DocumentRule(
            required=(_D.paspor, _D.surat_pernyataan_tidak_kembali)
        ),
        ClaimReason.disability: DocumentRule(
            required=(_D.surat_berhenti_bekerja, _D.surat_keterangan_dokter)
        ),
        ClaimReason.death: DocumentRule(
            required=(_D.akta_kematian, _D.surat_ahli_waris, _D.ktp_ahli_waris)
        ),
        ClaimReason.partial_housing: DocumentRule(
            required=(_D.surat_keterangan_kerja, _D.dokumen_perumahan)
        ),
        ClaimReason.partial_other: DocumentRule(required=(_D.surat_keterangan_kerja,)),
    }
)

# Share of the balance paid, in basis points (PP 60/2015: full claim, or 30% / 10% partial).
_BENEFIT_BP: Mapping[ClaimReason, int] = MappingProxyType(
    {
        ClaimReason.retirement: 10_000,
        ClaimReason.resignation: 10_000,
        ClaimReason.termination: 10_000,
        ClaimReason.contract_end: 10_000,
        ClaimReason.leaving_indonesia: 10_000,
        ClaimReason.disability: 10_000,
        ClaimReason.death: 10_000,
        ClaimReason.partial_housing: 3_000,
        ClaimReason.partial_other: 1_000,
    }
)

# The income-tax rates of PPh art. 17(1)a, which a JHT payment in the third calendar year
# after the person's first one pays (PP 68/2009; PMK 16/2010).
# UU 36/2008 (PPh), art. 17(1)a, tax years 2009-2021:
_PROGRESSIVE_BRACKETS_UU_36_2008 = (
    TaxBracket(up_to=50_000_000, rate_bp=500),  # 5% up to Rp 50 juta
    TaxBracket(up_to=250_000_000, rate_bp=1_500),  # 15% above Rp 50 juta up to Rp 250 juta
    TaxBracket(up_to=500_000_000, rate_bp=2_500),  # 25% above Rp 250 juta up to Rp 500 juta
    TaxBracket(up_to=None, rate_bp=3_000),  # 30% above Rp 500 juta
)
# UU 7/2021 (HPP), art. 3 amending PPh art. 17(1)a, from tax year 2022:
_PROGRESSIVE_BRACKETS_UU_7_2021 = (
    TaxBracket(up_to=60_000_000, rate_bp=500),  # 5% up to Rp 60 juta
    TaxBracket(up_to=250_000_000, rate_bp=1_500),  # 15% above Rp 60 juta up to Rp 250 juta
    TaxBracket(up_to=500_000_000, rate_bp=2_500),  # 25% above Rp 250 juta up to Rp 500 juta
    TaxBracket(up_to=5_000_000_000, rate_bp=3_000),  # 30% above Rp 500 juta up to Rp 5 miliar
    TaxBracket(up_to=None, rate_bp=3_500),  # 35% above Rp 5 miliar
)


@dataclass(frozen=True)
class HolidayCalendar:
    """Where working days come from: the days off of `country` in these `categories` of the
    `source` package at this `version` (pinned in pyproject.toml; a test keeps the installed
    package equal to it). Weekends are not in it; branch closures come from the branch."""

    source: str
    version: str
    country: str
    categories: tuple[str, ...]


# National holidays (`public`) and joint leave days, cuti bersama (`government`: e.g.
# 24 December 2026), which a joint decree (SKB) of three ministers sets each year.
WORKING_DAY_CALENDAR = HolidayCalendar(
    source="holidays", version="0.109", country="ID", categories=("public", "government")
)


@dataclass(frozen=True)
class DevelopmentRate:
    """The yearly development rate (hasil pengembangan) of JHT accounts in `year`: declared by
    BPJS Ketenagakerjaan (`source` says where it was published), or, for a year with no
    declared rate in our data, the last declared one before it, `assumed`."""

    year: int
    rate_bp: int
    source: str
    assumed: bool = False


# The rates BPJS Ketenagakerjaan declared, each with where it was published. A year missing
# here takes the last declared rate before it, marked as an assumption (`development_rate`);
# add a year's rate here when it is declared (each January, for the year before).
DECLARED_DEVELOPMENT_RATES: tuple[DevelopmentRate, ...] = (
    DevelopmentRate(
        2016,
        719,  # 7.19%
        "BPJS Ketenagakerjaan, Investor Gathering 2017 (Dirut Agus Susanto, 7 Feb 2017): "
        "https://pasardana.id/news/2017/2/8/imbal-hasil-jht-diklaim-lebih-besar-dari-deposito-bank-bumn",
    ),
    DevelopmentRate(
        2020,
        563,  # 5.63%
        "BPJAMSOSTEK, results of 2020 (28 Jan 2021): https://kabarpriangan.pikiran-rakyat.com/"
        "ekonomi-bisnis/pr-1481342064/walau-pandemi-peserta-bpjs-ketenagakerjaan-tetap-"
        "peroleh-imbal-hasil-di-atas-deposito",
    ),
)


def development_rate(
    year: int, declared: tuple[DevelopmentRate, ...] = DECLARED_DEVELOPMENT_RATES
) -> DevelopmentRate:
    """The development rate of `year`: the declared one, else the last declared before it
    (an assumption, and said to be one); 0 before the first declared year."""
    earlier = [rate for rate in declared if rate.year <= year]
    if not earlier:
        return DevelopmentRate(year, 0, "no rate declared before this year", assumed=True)
    last = max(earlier, key=lambda rate: rate.year)
    if last.year == year:
        return last
    return DevelopmentRate(
        year, last.rate_bp, f"assumed: the rate declared for {last.year} ({last.source})", True
    )


@dataclass(frozen=True)
class RuleSet:
    """Every configurable number of the rule book, valid from `effective_from`.

    Percentages are basis points (1% = 100 bp) so money stays in integer arithmetic."""

    version: str
    effective_from: date
    legal_basis: str
    # Eligibility
    waiting_period_months: int = 1
    retirement_age_years: int = 56
    partial_min_membership_years: int = 10
    benefit_bp: Mapping[ClaimReason, int] = field(default_factory=lambda: _BENEFIT_BP)
    # Contributions (PP 46/2015 art. 16): 5.7% of the monthly wage into the JHT account,
    # 3.7% paid by the employer and 2% by the worker. The simulation projects with these.
    jht_employer_contribution_bp: int = 370
    jht_worker_contribution_bp: int = 200
    # Tax: the rule set in force on the payment day taxes the payment.
    # A JHT lump sum, final PPh 21 (PP 68/2009; PMK 16/2010): the first Rp 50 juta at 0%,
    tax_free_cumulative: int = 50_000_000
    flat_rate_bp: int = 500  # the part above at 5%,
    # over the payments to one person in the calendar year of the first and the next one;
    staged_calendar_years: int = 2
    # from the third calendar year on, the progressive rates of PPh art. 17(1)a.
    progressive_brackets: tuple[TaxBracket, ...] = _PROGRESSIVE_BRACKETS_UU_7_2021
    # Without NPWP, rates 20% higher (UU PPh art. 21(5a)): 5% becomes 6%.
    no_npwp_surcharge_bp: int = 2_000
    npwp_required_above_balance: int = 50_000_000
    # Documents
    common_documents: tuple[DocumentType, ...] = _COMMON_DOCUMENTS
    documents_by_reason: Mapping[ClaimReason, DocumentRule] = field(
        default_factory=lambda: _DOCUMENTS_BY_REASON
    )
    # Service levels; working days (SLA clock, interview slots) per this calendar
    working_day_calendar: HolidayCalendar = WORKING_DAY_CALENDAR
    sla_working_days: int = 5
    draft_expiry_days: int = 30
    draft_expiry_warning_days: int = 7
    missed_interview_cancel_working_days: int = 5
    max_reschedules: int = 2
    # Interviews: the scheduler records a no-show this long after the slot ends.
    no_show_grace_minutes: int = 30
    interview_slot_minutes: int = 30
    # Identity verification
    identity_attempts_per_kpj: int = 5
    identity_attempts_per_client: int = 20
    identity_attempt_window_hours: int = 24


# Newest last. Both sets set a one-month wait (Permenaker 19/2015 and 4/2022) and differ in the
# income-tax brackets; the second exists because claims are judged by the set in force on the
# day they were submitted (their tax by the set in force on the payment day), and audit events
# record which one that was.
RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        version="2015-07-01",
        effective_from=date(2015, 7, 1),
        legal_basis="PP 46/2015 jo. PP 60/2015; Permenaker 19/2015; PP 68/2009; PMK 16/2010",
        # The brackets of its time. UU 7/2021 changed them from 1 January 2022, before the
        # next set; the engine pays on the day it approves, never in that past.
        progressive_brackets=_PROGRESSIVE_BRACKETS_UU_36_2008,
    ),
    RuleSet(
        version="2022-04-26",
        effective_from=date(2022, 4, 26),
        legal_basis="PP 46/2015 jo. PP 60/2015; Permenaker 4/2022; PP 68/2009; PMK 16/2010",
        progressive_brackets=_PROGRESSIVE_BRACKETS_UU_7_2021,
    ),
)


def rules_in_force(on: date, rule_sets: tuple[RuleSet, ...] = RULE_SETS) -> RuleSet:
    """The rule set in force on `on`: the latest whose effective date is on or before it."""
    in_force = [rules for rules in rule_sets if rules.effective_from <= on]
    if not in_force:
        raise LookupError(f"no JHT rule set is in force on {on.isoformat()}")
    return max(in_force, key=lambda rules: rules.effective_from)


def rules_by_version(version: str, rule_sets: tuple[RuleSet, ...] = RULE_SETS) -> RuleSet:
    """The rule set recorded on a claim or an audit event."""
    for rules in rule_sets:
        if rules.version == version:
            return rules
    raise LookupError(f"unknown JHT rule set version {version!r}")
