"""Passwords of people who sign in to `sop serve`: Argon2id hashes (argon2-cffi, imported on first use), the
policy a new password must meet, and a verify that costs the same whether or not the login has a password."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from engine.common.errors import ValidationError
from engine.common.i18n import N_

MIN_LENGTH = 10
MAX_LENGTH = 1024  # a longer "password" is a mistake (or an attempt to make hashing slow)
# zxcvbn's scores: 0 too guessable, 1 very, 2 somewhat, 3 safely unguessable (1e8 guesses), 4 very unguessable.
GUESSABLE_SCORE = 3


@lru_cache(maxsize=1)
def _hasher() -> Any:
    from argon2 import PasswordHasher  # only commands that hash or check a password pay for the import

    return PasswordHasher()


@lru_cache(maxsize=1)
def _stand_in() -> str:
    """A hash of a random password, verified in place of a login that has none (so both take one Argon2 verify)."""
    import secrets

    return str(_hasher().hash(secrets.token_hex(16)))


def check_policy(password: str, login: str, name: str, *, context: tuple[str, ...] = ()) -> None:
    """Refuse a password shorter than MIN_LENGTH, longer than MAX_LENGTH, that is the login or the name, or that
    zxcvbn (Dropbox's estimator, ported to Python) scores below GUESSABLE_SCORE: common passwords, words, dates,
    keyboard runs and repeats, and anything built from the login, the name or the context words (the person's NIP
    and jabatan) fall there."""
    plain = password.strip().casefold()
    rule = N_("a password has at least {least} characters (at most {most}) and is neither the login nor the person's "
              "name", least=MIN_LENGTH, most=MAX_LENGTH)
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH or plain in (login.casefold(), name.strip().casefold()):
        raise ValidationError("The new password of '{login}' is refused: {rule}; nothing was changed",
                              login=login, rule=rule)
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise ValidationError("The new password of '{login}' is refused: it holds a control character (a line "
                              "break or tab typed by mistake?); nothing was changed", login=login)
    from zxcvbn import zxcvbn  # its word lists load only when a password is set

    words = [w for w in (login, name, *name.replace(".", " ").split(), *context) if w]
    if zxcvbn(password[:100], user_inputs=words)["score"] < GUESSABLE_SCORE:
        raise ValidationError("The new password of '{login}' is refused: it is too easy to guess (a common password, "
                              "a word or a name, a date, a keyboard run or a repeat, or built from the login or the "
                              "name). Choose three or four unrelated words joined with a sign, e.g. "
                              "'kopi-hujan-meja-72'; nothing was changed", login=login)


def hash_password(password: str) -> str:
    """The Argon2id hash of a password, with its own salt and parameters."""
    return str(_hasher().hash(password))


def verify_password(stored: str | None, password: str) -> bool:
    """True when the password matches the stored hash; a login without one still pays a verify, then is False."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored or _stand_in(), password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when a hash was made with weaker parameters than the current ones (rehashed at the next login)."""
    from argon2.exceptions import InvalidHashError

    try:
        return bool(_hasher().check_needs_rehash(stored))
    except (InvalidHashError, ValueError):  # a malformed hash, which verify refused already
        return False
