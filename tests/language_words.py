"""Words that tell a text's language: common English words that must not appear in Indonesian text, a few
Indonesian ones that must not appear in English text, and the SOP's own words (its names, forms and samples, in
Indonesian whatever the reader's language), which both checks allow."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Common English words no Indonesian sentence uses (words both languages share, like "data", "status", "format",
# "operator", "login", "email", "server", "no" (Nomor) or "ok", are left out).
ENGLISH = frozenset("""
the and not is are was were be been being of to in on at by with without from into for as or but if then than
this that these those there their they them it its your you we our who whom which what when where why how
has have had do does did can cannot could may must should will would shall
instance instances task tasks step steps claimed claim released release taken lane lanes
error warning usage options option missing invalid expected found failed nothing none every each all any only
also already yet still again here after before since until while about above below over under
file files path password passwords characters least most role roles pinned differs version enforced
run give given set apply applied add added remove removed change changed show shows list listed read write
please try help choose pick enter type must check checked sign signed out wrong allowed refused forbidden
found not_found page back home next previous save saved submit send sent done open close closed
""".split())

# Indonesian words of the program's own text (never of the SOP's names or forms) that an English page must not show.
INDONESIAN = frozenset("""
yang dan tidak dengan untuk dari pada adalah atau oleh sudah belum tugas langkah instans riwayat masuk keluar
simpan kirim galat lampiran berkas kata sandi tersimpan diambil dilepaskan silakan mohon kembali halaman
""".split())

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


@cache
def sop_words() -> frozenset[str]:
    """Every word of the shipped SOP's own text (diagrams, YAML pages, roles, forms, sample artefacts): names and
    titles people of the Dinas wrote, which read the same in either language."""
    words: set[str] = set()
    for folder, patterns in ((ROOT / "definitions", ("*.bpmn", "*.yaml")), (ROOT / "forms", ("*.json",)),
                             (ROOT / "examples", ("**/*.yaml",))):
        for pattern in patterns:
            for path in folder.glob(pattern):
                words.update(w.lower() for w in _WORD.findall(path.read_text(encoding="utf-8")))
    return frozenset(words)


def words_of(text: str) -> list[str]:
    """The words of a text, lowercased, leaving out identifiers (snake_case, dotted, paths, CamelCase ids)."""
    kept = re.sub(r"\S*[_/\\@]\S*|\S+\.\S+", " ", text)
    return [w.lower().strip("'’") for w in _WORD.findall(kept) if not re.fullmatch(r"[A-Z][a-z]+[A-Z]\w*", w)]


def english_in(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The common English words of a text meant to be Indonesian (the SOP's own words and `allowed` aside)."""
    return sorted({w for w in words_of(text) if w in ENGLISH and w not in allowed})


def indonesian_in(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The program's Indonesian words in a text meant to be English (the SOP's own words and `allowed` aside)."""
    own = sop_words()
    return sorted({w for w in words_of(text) if w in INDONESIAN and w not in own and w not in allowed})
