"""Who did something: a staff user, a partner, or the system itself."""

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["staff", "partner", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    label: str
    user_id: int | None = None
    partner_id: int | None = None

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(kind="system", label=label)

    @classmethod
    def staff(cls, user) -> "Actor":
        return cls(kind="staff", label=user.get_username(), user_id=user.pk)

    @classmethod
    def partner(cls, partner) -> "Actor":
        return cls(kind="partner", label=partner.name, partner_id=partner.pk)


SYSTEM = Actor.system()
WORKER = Actor.system("worker")
