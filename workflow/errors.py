"""The one exception family of the workflow: every refusal carries a stable code, an HTTP-ish
status hint, a message in Bahasa Indonesia and English, and the data the caller needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class WorkflowError(Exception):
    """Base of every refusal by the workflow; the HTTP layer maps it to problem+json."""

    default_code: ClassVar[str] = "workflow_error"
    default_status_hint: ClassVar[int] = 400

    def __init__(
        self,
        message_en: str,
        message_id: str,
        *,
        code: str | None = None,
        status_hint: int | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.code = code or self.default_code
        self.status_hint = status_hint or self.default_status_hint
        self.message_en = message_en
        self.message_id = message_id
        self.data: dict[str, Any] = dict(data or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, data={self.data!r})"


class TransitionNotAllowed(WorkflowError):
    default_code = "transition_not_allowed"
    default_status_hint = 409

    def __init__(self, status: str, trigger: str, allowed_triggers: Sequence[str]) -> None:
        allowed = [str(t) for t in allowed_triggers]
        super().__init__(
            f"'{trigger}' is not possible while the claim is '{status}'.",
            f"Tindakan '{trigger}' tidak dapat dilakukan saat status klaim '{status}'.",
            data={"status": status, "trigger": trigger, "allowed_triggers": allowed},
        )
        self.allowed_triggers = allowed


class RoleNotAllowed(WorkflowError):
    default_code = "role_not_allowed"
    default_status_hint = 403

    def __init__(self, role: str, trigger: str, allowed_roles: Sequence[str]) -> None:
        roles = [str(r) for r in allowed_roles]
        super().__init__(
            f"The role '{role}' may not '{trigger}' this claim.",
            f"Peran '{role}' tidak berwenang melakukan '{trigger}' pada klaim ini.",
            data={"role": role, "trigger": trigger, "allowed_roles": roles},
        )


class FourEyesViolation(WorkflowError):
    default_code = "four_eyes"
    default_status_hint = 403

    def __init__(self, officer_id: int) -> None:
        super().__init__(
            "An officer who ever reviewed or interviewed this claim cannot approve it.",
            "Petugas yang pernah memverifikasi dokumen atau mewawancarai pada klaim ini "
            "tidak dapat menyetujuinya.",
            data={"officer_id": officer_id},
        )


class GuardFailed(WorkflowError):
    """A guard of the transition table refused; `code` names the guard's reason."""

    default_code = "guard_failed"
    default_status_hint = 422

    def __init__(self, code: str, message_en: str, message_id: str, **data: Any) -> None:
        super().__init__(message_en, message_id, code=code, data=data)
