"""A crawl of every page and every error state of the shipped SOP, in Indonesian and in English: each kind of person
of the roles signs in, both paths of the SOP are walked through the web, and every page read on the way (sign-in
and its refusal, tasklists, processes, each step's form and its refusals, the instance page with its history and
files, the diagram, the sheet, 400/403/404/409/413) must be in the reader's language only, with no command-line
word, file path, store address, schema file name or form property name in its visible text."""

from __future__ import annotations

import html
import json
import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFINITIONS, EXAMPLES, FORMS
from language_words import ENGLISH, english_in, indonesian_in
from web_fixtures import PASSWORD, PROCESS, csrf_of, engine_as, logged_in, make_app, office, post

from engine import load_roles, load_scenarios, read_data_file

LANGUAGES = ("id", "en")

# Findings that belong to work done beside this test, by page kind; an entry ending in `*` stands for every finding
# it starts. They are findings, not skips: any other finding on the same page still fails the test. Whoever merges
# that work (the lead) removes its entries, after which those pages must be clean.
EXPECTED: dict[str, set[str]] = {}


_ROUTE_KINDS = {"route:instances.instance_page": "instance", "route:tasks.task_page": "task",
                "route:instances.attachment": "404-file"}


def _expected(kind: str, finding: str) -> bool:
    """True for a finding EXPECTED lists for this kind of page (a route read by _every_route: its page's kind)."""
    kind = _ROUTE_KINDS.get(kind, kind)
    return any(finding == entry or (entry.endswith("*") and finding.startswith(entry[:-1]))
               for entry in EXPECTED.get(kind, set()))


def _form_keys() -> frozenset[str]:
    """Every property name of the shipped forms (what must never be read on a page)."""
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                if name == "properties" and isinstance(value, dict):
                    keys.update(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in FORMS.glob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return frozenset(keys)


FORM_KEYS = _form_keys()
# The titles the shipped forms give their fields, longest first: what people read where a document is drawn.
_TITLES = sorted({v for path in FORMS.glob("*.json")
                  for v in re.findall(r'"title":\s*"([^"]+)"', path.read_text(encoding="utf-8"))},
                 key=len, reverse=True)
# Keys that are also plain words of the forms' own titles (`perihal` is the key of the field titled "Perihal"):
# found only when written as a key is (lowercase, not in a sentence of the SOP's titles), see _keys_in.
_KEY_WORDS = frozenset(k for k in FORM_KEYS if re.fullmatch(r"[a-z]+", k))
# Words an Indonesian page may show although the list of English words has them: what people typed into the sample
# artefacts the walk sends (e.g. "point-to-point"), which a page shows as typed.
ALLOWED_ENGLISH = frozenset(w for path in (EXAMPLES / "data").glob("*.yaml")
                            for w in re.findall(r"(?<![A-Za-z])[a-z]+(?![A-Za-z])", path.read_text("utf-8"))) & ENGLISH
_AUDIT = re.compile(r'<details class="audit".*?</details>', re.S)
_HIDDEN = re.compile(r"<(script|style|title|textarea)\b.*?</\1>|<!--.*?-->", re.S | re.I)


def visible_text(page: str) -> str:
    """What a person reads on a page: the text between tags (attribute values, a text area's text as typed by its
    person (the process owner's table), scripts, styles and an explicit audit fold-out left out), entities
    decoded."""
    body = _HIDDEN.sub(" ", _AUDIT.sub(" ", page))
    body = re.sub(r"<[^>]+>", "\n", body)
    return html.unescape(body)


_LANG_PARTS = re.compile(r'<(header|div|a)\b[^>]*\blang="(\w+)"[^>]*>.*?</\1>', re.S)


def sheet_findings(page: str, language: str) -> set[str]:
    """The SOP AP sheet's page: the office's document is Indonesian whatever the reader's language; the bar and the
    tools above it (marked with the reader's `lang`) are in the reader's language."""
    reader = "".join(m.group(0) for m in _LANG_PARTS.finditer(page) if m.group(2) == language)
    return findings(_LANG_PARTS.sub(" ", page), "id") | findings(f'<html lang="{language}">{reader}', language)


def _keys_in(text: str) -> set[str]:
    """Property names of the forms written in a text: snake_case or with digits wherever they stand, a one-word
    key where it reads as a key (`perihal:`, `perihal=`, `(perihal)`, `perihal →`)."""
    found = set()
    for key in FORM_KEYS - _KEY_WORDS:
        if re.search(rf"(?<![\w.-]){re.escape(key)}(?![\w-])", text):
            found.add(key)
    for title in _TITLES:  # "Sudah diparaf: Ya" is a field's title and its value, not the key `diparaf`
        text = text.replace(title, " ")
    for key in _KEY_WORDS:
        if re.search(rf"(?<![\w.-]){key}\s*(?:[:=]|→)|\({key}\)", text):
            found.add(key)
    return found


def findings(page: str, language: str) -> set[str]:
    """What is wrong on a page for a reader of this language (an empty set for a clean page)."""
    found: set[str] = set()
    if f'<html lang="{language}"' not in page:
        found.add(f"no <html lang={language}>")
    text = visible_text(page)
    if "`" in text:
        found.add("backtick")
    if re.search(r"(?<![\w-])--(?=[a-z])", text):
        found.add("--flag")
    if re.search(r"\bsop [a-z]", text):
        found.add("sop command")
    if ".json" in text:
        found.add(".json")
    if re.search(r"(?:^|[\s'(])/(?:tmp|home|var|srv|etc|usr|root)/|\.db\b|sqlite:|postgresql:", text):
        found.add("path or store address")
    if re.search(r"\b[a-z_]+=[^\s]", text):
        found.add("key=value")
    found.update(f"key {key}" for key in _keys_in(text))
    if language == "id":
        found.update(f"english {word}" for word in english_in(text, ALLOWED_ENGLISH))
        found.update(f"english {word}" for word in re.findall(r"\b(name|size|true|false|null|None)\b", text))
    else:
        found.update(f"indonesian {word}" for word in indonesian_in(text))
    return found


class Crawl:
    """The pages read in one language, by page kind, and what is wrong on each."""

    def __init__(self, language: str, paths: dict[str, str]) -> None:
        self.language = language
        self.paths = paths
        self.app = make_app(paths)
        self.clients: dict[str, Any] = {}
        self.problems: list[str] = []
        self.seen: dict[str, int] = {}

    def client(self, login: str) -> Any:
        if login not in self.clients:
            self.clients[login] = logged_in(self.app, login)
        return self.clients[login]

    def read(self, kind: str, answer: Any, status: int, where: str, *, sheet: bool = False) -> str:
        """Check one answer: its status, then (for a page) its language (the reader's; a sheet's document in
        Indonesian); the text."""
        assert answer.status_code == status, (where, answer.status_code, answer.get_data(as_text=True)[:2000])
        self.seen[kind] = self.seen.get(kind, 0) + 1
        page = str(answer.get_data(as_text=True))
        if answer.mimetype == "text/html":
            found = sheet_findings(page, self.language) if sheet else findings(page, self.language)
            wrong = {w for w in found if not _expected(kind, w)}
            self.problems += [f"[{self.language}] {kind} {where}: {w}" for w in sorted(wrong)]
        return page

    def get(self, kind: str, login: str | None, address: str, status: int = 200) -> str:
        client = self.client(login) if login else self.app.test_client()
        return self.read(kind, client.get(address), status, f"GET {address} as {login}")

    def post(self, kind: str, login: str, address: str, data: dict[str, Any], status: int, **kwargs: Any) -> Any:
        answer = post(self.client(login), address, data, **kwargs)
        if status in (302, 303):
            assert answer.status_code == status, (address, answer.status_code, answer.get_data(as_text=True)[:3000])
            return answer
        return self.read(kind, answer, status, f"POST {address} as {login}")


def web_fields(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """An artefact as its web form posts it: groups' fields by dotted path, a list's rows counted, Ya/Tidak as
    true/false."""
    fields: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            fields.update(web_fields(value, path + "."))
        elif isinstance(value, list):
            fields[f"_rows.{path}"] = str(len(value))
            for i, item in enumerate(value):
                row = f"{path}.{i}"
                fields.update(web_fields(item, row + ".") if isinstance(item, dict) else {row: str(item)})
        elif isinstance(value, bool):
            fields[path] = "true" if value else "false"
        else:
            fields[path] = str(value)
    return fields


def _walk(crawl: Crawl, scenario: Any) -> int:
    """One path of the SOP through the web: the OPD starts it, each step's person opens and sends its form; the
    instance page is read after each step. The instance number."""
    start = crawl.post("start", "opd.dinkes", f"/processes/{PROCESS}/start", {}, 303)
    instance = int(re.search(r"/instances/(\d+)/", start.headers["Location"]).group(1))  # type: ignore[union-attr]
    for step in scenario.steps:
        login, task = step["as"], step["task"]
        address = f"/instances/{instance}/tasks/{task}"
        crawl.get("task", login, address)
        fields = web_fields(step["data"])
        for field, file in step["attach"] or []:
            fields[field] = (BytesIO(Path(file).read_bytes()), Path(file).name)
        crawl.post("complete", login, address, fields, 303, content_type="multipart/form-data")
        crawl.get("tasklist", login, "/")  # with the confirmation
        crawl.get("instance", login, f"/instances/{instance}")
    return instance


def _errors(crawl: Crawl, finished: int) -> None:
    """Every error state: sign-in refused, a bad filter, 400/403/404/409/413, bad form input, a wrong file."""
    anonymous = crawl.app.test_client()
    token = csrf_of(anonymous)
    crawl.read("login-refused", anonymous.post("/login", data={"login": "kadis", "password": "salah-sekali-1",
                                                              "csrf_token": token}), 401, "wrong password")
    crawl.read("csrf", anonymous.post("/login", data={"login": "kadis", "password": PASSWORD}), 403, "no token")
    crawl.get("tasklist", "kadis", "/?instance=abc")
    crawl.get("tasklist", "kadis", "/?overdue=1")
    crawl.get("404", "kadis", "/instances/999", 404)
    crawl.get("404", "kadis", "/instances/999/tasks/SurveyTeknis", 404)
    crawl.get("409", "kadis", f"/instances/{finished}/tasks/TidakAda", 409)  # a finished instance: none ready
    crawl.get("404", "kadis", "/tidak-ada", 404)
    crawl.get("404-file", "kadis", f"/instances/{finished}/files/1/pindaian_surat/9", 404)
    crawl.get("404", "kadis", "/processes/tidak_ada/sheet", 404)
    crawl.get("409", "kabid.egov", f"/instances/{finished}/tasks/TindakLanjut", 409)
    letter = read_data_file(str(EXAMPLES / "data" / "01_surat_permohonan.yaml"))
    engine = engine_as(crawl.paths, "opd.dinkes")  # the OPD's own request (the read rule)
    waiting = engine.instances.start(PROCESS).instance
    engine.close()
    address = f"/instances/{waiting}/tasks/AjukanPermohonan"
    crawl.post("403", "kadis", address, web_fields(letter), 403)
    crawl.get("task-other-lane", "kadis", address)
    crawl.post("task-422", "opd.dinkes", address, {**web_fields(letter), "tanggal": "besok", "perihal": ""}, 422)
    crawl.post("task-422", "opd.dinkes", address,
               {**web_fields(letter), "pindaian_surat": (BytesIO(b"bukan pdf"), "surat.pdf")}, 422,
               content_type="multipart/form-data")
    crawl.post("draft", "opd.dinkes", address, {**web_fields(letter), "_action": "draft"}, 303)
    crawl.get("task", "opd.dinkes", address)  # the draft restored
    crawl.post("claim", "opd.dinkes", f"{address}/claim", {}, 303)
    crawl.get("task", "opd.dinkes", address)  # claimed by the person
    crawl.get("task", "tu.umum", address)  # an operator's form: on behalf of, and the claim
    crawl.post("409", "tu.umum", address, web_fields(letter), 409)  # claimed by someone else
    crawl.post("release", "opd.dinkes", f"{address}/release", {}, 303)
    big = {"csrf_token": csrf_of(crawl.client("opd.dinkes"), "/"), "pad": "x" * (3 * 1024 * 1024)}
    crawl.read("413", crawl.client("opd.dinkes").post(f"{address}/claim", data=big), 413, "a large body")
    crawl.read("csrf", crawl.client("opd.dinkes").post(f"{address}/claim", data={}), 403, "no token")


def _owner_pages(crawl: Crawl) -> None:
    """The process owner's pages as the clerk (an operator owns every SOP) meets them: the list, the SOP as a
    table in the editor, a check with a problem under its row and a clean one, the draft's sheet, a refused
    publish, then the published version's plan for the running requests and a stale confirmation (last: the SOP
    is replaced)."""
    import html as markup

    page = crawl.get("manage", "tu.umum", "/manage")
    page = crawl.get("manage-edit", "tu.umum", f"/manage/{PROCESS}")
    base = re.search(r'name="base" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    table = markup.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))  # type: ignore[union-attr]
    broken = table.replace("waktu: 30 menit", "waktu: sebentar", 1)
    assert broken != table
    kinds = {"check": "manage-check", "sheet": "manage-sheet", "publish": "manage-check"}
    for action, text, status in (("check", broken, 200), ("check", table, 200), ("publish", broken, 422)):
        crawl.post(kinds[action], "tu.umum", f"/manage/{PROCESS}/{action}", {"table": text, "base": base}, status,
                   content_type="multipart/form-data")
    sheet = post(crawl.client("tu.umum"), f"/manage/{PROCESS}/sheet", {"table": table, "base": base},
                 content_type="multipart/form-data")
    crawl.read("manage-sheet", sheet, 200, "POST sheet", sheet=True)
    longer = table.replace("waktu: 3 jam", "waktu: 4 jam", 1)  # a new version: the running requests' plan
    assert longer != table
    crawl.post("publish", "tu.umum", f"/manage/{PROCESS}/publish", {"table": longer, "base": base}, 303,
               content_type="multipart/form-data")
    crawl.get("manage-plan", "tu.umum", f"/manage/{PROCESS}/plan")
    crawl.post("manage-plan", "tu.umum", f"/manage/{PROCESS}/move", {"token": "basi"}, 409)


# How the crawl fills a route's parameters (a page added later is read too; an unknown parameter gets "1").
_ROUTE_VALUES = {"process": PROCESS, "task": "TindakLanjut", "seq": "1", "field": "pindaian_surat", "position": "0",
                 "semester": "2026-2"}


def _every_route(crawl: Crawl, finished: int) -> None:
    """Every GET page the app has (whoever added it), on the finished instance, as an official and as the OPD:
    whatever its status, a page must be in the reader's language."""
    for rule in sorted(crawl.app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue
        address = rule.rule
        for name in rule.arguments:
            value = str(finished) if name == "instance" else _ROUTE_VALUES.get(name, "1")
            address = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, address)
        for login in ("kadis", "opd.dinkes"):
            answer = crawl.client(login).get(address)
            assert answer.status_code in (200, 302, 403, 404, 409), (address, answer.status_code)
            if answer.status_code != 302:
                crawl.read(f"route:{rule.endpoint}", answer, answer.status_code, f"GET {address} as {login}",
                           sheet=rule.endpoint.endswith("sheet") and answer.status_code == 200)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_reads_in_one_language_without_command_line_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    """Both paths of the SOP walked through the web by the people of its lanes, every page and error state read:
    each speaks only the reader's language and shows no command, option, path, schema file name or form key."""
    monkeypatch.setenv("SOP_LANG", language)
    crawl = Crawl(language, office(tmp_path))
    crawl.get("login", None, "/login")
    shipped = load_roles(DEFINITIONS / "roles.yaml").people  # one person of each lane, and each operator
    people = sorted({min(p.login for p in shipped.values() if p.lanes == person.lanes and not p.operator)
                     for person in shipped.values() if not person.operator} | {p.login for p in shipped.values()
                                                                                 if p.operator})
    assert len(people) >= 7
    for login in people:
        crawl.get("tasklist", login, "/")
        crawl.get("processes", login, "/processes")
    sheet = crawl.client("kadis").get(f"/processes/{PROCESS}/sheet")  # the SOP AP document: Indonesian always
    assert sheet.status_code == 200
    crawl.problems += [f"[{language}] sheet GET: {w}" for w in sorted(sheet_findings(sheet.get_data(as_text=True),
                                                                                     language))]
    crawl.seen["sheet"] = 1
    finished = 0
    for scenario in sorted(load_scenarios(EXAMPLES), key=lambda s: s.file):
        finished = _walk(crawl, scenario)
    for login in people:
        crawl.get("instance", login, f"/instances/{finished}")
        crawl.get("tasklist", login, "/")
    diagram = crawl.client("kadis").get(f"/instances/{finished}/diagram.svg")
    assert diagram.status_code == 200
    crawl.problems += [f"[{language}] diagram GET: {w}" for w in sorted(findings(
        f'<html lang="{language}">' + diagram.get_data(as_text=True), language)) if not _expected("diagram", w)]
    files = crawl.client("kadis").get(f"/instances/{finished}/files/1/pindaian_surat/0")
    assert files.status_code in (200, 404)
    _every_route(crawl, finished)
    _errors(crawl, finished)
    _owner_pages(crawl)
    crawl.post("logout", "kadis", "/logout", {}, 303)
    assert crawl.seen.keys() >= {"login", "login-refused", "tasklist", "processes", "sheet", "task", "instance",
                                 "404", "409", "403", "413", "csrf", "task-422", "task-other-lane", "manage",
                                 "manage-edit", "manage-check", "manage-sheet", "manage-plan"}
    first: dict[str, str] = {}  # each finding once, by page kind, with the first page it was seen on
    for problem in crawl.problems:
        language_kind, where, finding = re.match(r"(\[\w+\] [\w:.-]+) (.*): (.*)$", problem).groups()  # type: ignore[union-attr]
        first.setdefault(f"{language_kind}: {finding}", where)
    assert first == {}, "\n".join(f"{k}   ({v})" for k, v in first.items())


def test_the_checks_find_what_they_look_for() -> None:
    """Each check fires on a page that has its fault, and none fires on clean Indonesian and English pages."""
    clean_id = '<html lang="id"><body><p>Langkah ini sudah selesai.</p><p title="--as the">Perihal surat</p></body>'
    clean_en = '<html lang="en"><body><p>This step is done.</p><details class="audit">alamat_lokasi sha256</details>'
    assert findings(clean_id, "id") == set() and findings(clean_en + "</body>", "en") == set()
    faults = {"`sop passwd`": "backtick", "pakai --attach": "--flag", "jalankan sop release 2": "sop command",
              "survey_teknis.schema.json": ".json", "di /tmp/x/sop.db": "path or store address",
              "diparaf=true": "key=value", "alamat_lokasi": "key alamat_lokasi", "Perihal (perihal)": "key perihal",
              "the task is claimed": "english the"}
    for text, expected in faults.items():
        assert expected in findings(f'<html lang="id"><p>{text}</p>', "id"), text
    assert "indonesian kembali" in findings('<html lang="en"><p>Kembali ke Tugas saya</p>', "en")
    assert "no <html lang=id>" in findings('<html lang="en"><p>Tugas</p>', "id")
    assert {"the", "and", "not", "instance", "task", "claimed", "step", "is", "of"} <= ENGLISH
