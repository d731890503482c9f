"""Signing in as a participant, or as an heir into a death claim (channels.md): the identity
check of claim creation (one implementation, with its limits), then a 6-digit code sent to the
contacts the engine already holds, never to an address typed in, then a session.

The code is kept only as an HMAC under the service's secret (a plain hash of six digits is
found by trying all million), good for 10 minutes, once, and for 5 wrong answers; after that
the challenge is closed and a new sign-in starts again from the identity check. The message
carrying it holds it until it is sent; by then it is worthless 10 minutes later."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from claims.casework.intake import registered_as
from claims.casework.opening import identity_attempt
from claims.errors import FieldProblem, refusal
from claims.models import ParticipantChallenge, ParticipantSession
from claims.notifications_outbox import NOTIFICATION
from claims.ratelimits import RateLimiter, limiter_call
from claims.repositories.outbox import add_outbox_row
from claims.repositories.participant_access import (
    HEIR,
    PARTICIPANT,
    SESSION_LIFETIME,
    add_challenge,
    add_session,
    challenge_for_update,
    claim_by_reference,
    end_session,
    participant_contacts,
)
from claims.runtime import Runtime
from claims.security import hash_token, new_token
from claims.sms_outbox import enqueue_sms
from workflow.identifiers import InvalidIdentifier, Kpj, Nik, Phone
from workflow.identity import TypedIdentity
from workflow.states import ClaimReason

CODE_LIFETIME = timedelta(minutes=10)
# The attempt key of an heir's sign-in whose reference names no claim (11 characters, as a
# KPJ is: verification attempts record it in their `kpj` column).
UNKNOWN_REFERENCE = "no-such-ref"
CODE_TRIES = 5
CODE_DIGITS = 6
SIGN_IN_TEMPLATE = "sign_in_code"


@dataclass(frozen=True)
class ChallengeSent:
    """A code is on its way: where (masked), and until when it is good."""

    challenge_id: str
    sent_to: list[str]
    expires_at: datetime


@dataclass(frozen=True)
class SessionOpened:
    """A new session's bearer token (shown once) and when it ends at the latest."""

    access_token: str
    expires_at: datetime
    purpose: str
    claim_id: str | None


@dataclass(frozen=True)
class _Contacts:
    email: str
    phone: str
    language: str = "id"


def mask_email(email: str) -> str:
    """`d***@example.com`: enough to recognise one's own address, not to learn another's."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    try:
        return Phone.parse(phone).masked()
    except InvalidIdentifier:
        return "***"


def _code_hash(secret: bytes, challenge_id: str, code: str) -> str:
    return hmac.new(secret, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _parse_identifiers(
    fields: dict[str, str], parsers: dict[str, type[Kpj] | type[Nik]]
) -> dict[str, str]:
    """Each field parsed (a malformed one is a 422 naming it; such requests are not
    identity attempts), as its normalised value."""
    values: dict[str, str] = {}
    errors: list[dict[str, str]] = []
    for name, parser in parsers.items():
        try:
            values[name] = parser.parse(fields[name]).value
        except InvalidIdentifier as problem:
            errors.append({"field": name, "message": problem.message_en})
    if errors:
        raise FieldProblem(errors)
    return values


def code_invalid() -> Exception:
    return refusal(
        "code_invalid",
        422,
        "The code is wrong, used or expired. Check the last message we sent, or sign in "
        "again for a new code.",
        "Kode salah, sudah dipakai, atau kedaluwarsa. Periksa pesan terakhir dari kami, atau "
        "masuk lagi untuk mendapatkan kode baru.",
    )


class SignIn:
    """The sign-in service of one process: its runtime (database, clock, secret) and limiter."""

    def __init__(self, runtime: Runtime, limiter: RateLimiter) -> None:
        self.runtime = runtime
        self.limiter = limiter

    async def start(
        self, kpj: str, nik: str, birth_date: date, client: str, language: str = "id"
    ) -> ChallengeSent:
        """A participant's sign-in: KPJ, NIK and birth date as the registry holds them, then a
        code to the registry's email and phone. A deceased participant's identity does not
        sign in (the heirs have their own way in), and is refused like a wrong one."""
        parsed = _parse_identifiers({"kpj": kpj, "nik": nik}, {"kpj": Kpj, "nik": Nik})
        typed = TypedIdentity(Nik.parse(parsed["nik"]), birth_date=birth_date)
        now = self.runtime.clock.now()

        def verify_then(session: Session) -> ChallengeSent | None:
            participant = registered_as(session, parsed["kpj"], typed)
            if participant is None or participant.deceased:
                return None
            contacts = _registry_contacts(session, parsed["kpj"], language)
            return self._send_challenge(
                session, PARTICIPANT, parsed["kpj"], parsed["nik"], None, contacts, now
            )

        await limiter_call(self.limiter, self.limiter.check_code_failures, parsed["kpj"])
        return await identity_attempt(
            self.runtime.db, self.limiter, parsed["kpj"], client, now, verify_then
        )

    async def start_heir(
        self, reference: str, nik: str, birth_date: date, client: str, language: str = "id"
    ) -> ChallengeSent:
        """An heir back into a death claim: the claim's reference, the heir's NIK and birth
        date as given on the claim, then a code to the claim's email and phone. Counted in
        the limits of the deceased's KPJ (or of the reference, when it names no claim)."""
        parsed = _parse_identifiers({"nik": nik}, {"nik": Nik})
        heir_nik = Nik.parse(parsed["nik"])
        reference = reference.strip().upper()[:32]
        now = self.runtime.clock.now()
        with self.runtime.db.read_only() as session:
            named = claim_by_reference(session, reference)
            # One key for every reference that names no claim, so the answer (422, or 429 once
            # that window fills) says nothing of whether a reference exists.
            attempt_key = named.kpj if named is not None else UNKNOWN_REFERENCE

        def verify_then(session: Session) -> ChallengeSent | None:
            claim = claim_by_reference(session, reference)
            if (
                claim is None
                or claim.reason != ClaimReason.death.value
                or claim.heir_nik != heir_nik.value
                or claim.heir_birth_date != birth_date
                or not heir_nik.agrees_with(birth_date)
            ):
                return None
            contacts = _Contacts(claim.email, claim.phone, claim.language or language)
            return self._send_challenge(
                session, HEIR, claim.kpj, heir_nik.value, claim.id, contacts, now
            )

        await limiter_call(self.limiter, self.limiter.check_code_failures, attempt_key)
        return await identity_attempt(
            self.runtime.db, self.limiter, attempt_key, client, now, verify_then
        )

    def _send_challenge(
        self,
        session: Session,
        purpose: str,
        kpj: str,
        nik: str,
        claim_id: str | None,
        contacts: _Contacts,
        now: datetime,
    ) -> ChallengeSent:
        challenge_id = str(uuid.uuid4())
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        expires_at = now + CODE_LIFETIME
        add_challenge(
            session,
            ParticipantChallenge(
                id=challenge_id,
                purpose=purpose,
                kpj=kpj,
                nik=nik,
                claim_id=claim_id,
                code_hash=_code_hash(self.runtime.settings.secret_key(), challenge_id, code),
                tries_left=CODE_TRIES,
                created_at=now,
                expires_at=expires_at,
                closed_at=None,
            ),
        )
        minutes = int(CODE_LIFETIME.total_seconds() // 60)
        add_outbox_row(
            session,
            None,
            {
                "kind": NOTIFICATION,
                "claim_id": claim_id,
                "dedupe_key": f"signin:{challenge_id}:mail",
                "payload": {
                    "template": SIGN_IN_TEMPLATE,
                    "language": contacts.language,
                    "to": contacts.email,
                    "reference": "",
                    "params": {"code": code, "minutes": minutes},
                },
                "created_at": now,
                "available_at": now,
                "attempts": 0,
            },
        )
        enqueue_sms(
            session,
            contacts.phone,
            f"Kode masuk JHT Anda: {code}. Berlaku {minutes} menit. JANGAN berikan kode ini "
            "kepada siapa pun, termasuk petugas BPJS Ketenagakerjaan.",
            now,
            key=f"signin:{challenge_id}",
        )
        return ChallengeSent(
            challenge_id, [mask_email(contacts.email), mask_phone(contacts.phone)], expires_at
        )

    def confirm(self, challenge_id: str, code: str) -> SessionOpened:
        """The code of a challenge: a session when it is right, still good and unused; a
        wrong code spends one of the challenge's tries (committed, although the answer is a
        refusal), and the last one closes it. Every refusal is the same 422 `code_invalid`."""
        now = self.runtime.clock.now()
        code = code.strip()
        failed_kpj: str | None = None
        with self.runtime.db.unit_of_work() as session:
            challenge = challenge_for_update(session, challenge_id[:36])
            if challenge is None or challenge.closed_at is not None or now >= challenge.expires_at:
                opened = None
            else:
                expected = challenge.code_hash
                given = _code_hash(self.runtime.settings.secret_key(), challenge.id, code)
                if hmac.compare_digest(expected, given):
                    challenge.closed_at = now
                    opened = _open_session(session, challenge, now)
                else:
                    challenge.tries_left -= 1
                    if challenge.tries_left <= 0:
                        challenge.closed_at = now
                    failed_kpj = challenge.kpj
                    opened = None
        if failed_kpj is not None:
            self.limiter.record_code_failure(failed_kpj)
        if opened is None:
            raise code_invalid()
        return opened

    def sign_out(self, token_hash: str) -> None:
        with self.runtime.db.unit_of_work() as session:
            end_session(session, token_hash, self.runtime.clock.now())


def _open_session(
    session: Session, challenge: ParticipantChallenge, now: datetime
) -> SessionOpened:
    token = new_token()
    expires_at = now + SESSION_LIFETIME
    add_session(
        session,
        ParticipantSession(
            token_hash=hash_token(token),
            purpose=challenge.purpose,
            kpj=challenge.kpj,
            nik=challenge.nik,
            claim_id=challenge.claim_id,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
            ended_at=None,
        ),
    )
    return SessionOpened(token, expires_at, challenge.purpose, challenge.claim_id)


def _registry_contacts(session: Session, kpj: str, language: str) -> _Contacts:
    contacts = participant_contacts(session, kpj)
    assert contacts is not None  # verified in the same transaction
    return _Contacts(contacts[0], contacts[1], language)
