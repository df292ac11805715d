"""The SQL of finding instances and of the paged tasklist, for both stores: the filters of an InstanceQuery on the
instances (`i`) and ready tasks (`r`), the read scope, the words (SQLite FTS5 or PostgreSQL's tsvector, by dialect)."""

from __future__ import annotations

from engine.store.protocol import InstanceQuery
from engine.store.sql_core import READY_COLUMNS, Dialect, marks

LISTED_COLUMNS = (
    "i.id, i.process_id, i.status, i.started_at, i.updated_at, i.started_by, i.last_seq, t.title, "
    "coalesce((SELECT d.name FROM definition_versions d WHERE d.version = i.version), i.process_id), "
    "(SELECT min(r.due) FROM ready_tasks r WHERE r.instance_id = i.id)"
)
READY_OF_I = ", ".join(f"r.{column.strip()}" for column in READY_COLUMNS.split(","))
_ORDER = {
    "updated": "i.updated_at DESC, i.id DESC",
    "started": "i.id DESC",  # numbers are given as instances start: the newest first
    "id": "i.id",
    "due": "(SELECT min(r.due) FROM ready_tasks r WHERE r.instance_id = i.id) IS NULL, "
           "(SELECT min(r.due) FROM ready_tasks r WHERE r.instance_id = i.id), i.id",
}
SORTS = tuple(_ORDER)
COUNT_CAP = 1_000  # a page counts its rows up to this many (and says "more than" beyond): a count walks every match


def words_query(words: tuple[str, ...], dialect: Dialect) -> str:
    """The full-text query matching instances with a word beginning with each of `words` (plain letters and
    digits, as engine.service.titles.search_words makes them)."""
    if dialect.words_query == "tsquery":
        return " & ".join(f"{word}:*" for word in words)
    return " ".join(f'"{word}"*' for word in words)


def instance_conditions(query: InstanceQuery, dialect: Dialect) -> tuple[list[str], list[object]]:
    """The conditions on `i` a query sets (ready-step filters included, as one EXISTS), and their params."""
    where: list[str] = []
    params: list[object] = []
    if query.words:
        where.append(dialect.words_match)
        params.append(words_query(query.words, dialect))
    for column, value in (("i.process_id", query.process), ("i.status", query.status), ("i.id", query.instance)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if query.started_from:
        where.append("i.started_at >= ?")
        params.append(query.started_from)
    if query.started_until:
        where.append("i.started_at < ?")
        params.append(query.started_until)
    ready, ready_params = ready_conditions(query, with_process=False)
    if ready:
        where.append("EXISTS (SELECT 1 FROM ready_tasks r WHERE r.instance_id = i.id AND " + " AND ".join(ready) + ")")
        params.extend(ready_params)
    scoped, scoped_params = scope_conditions(query)
    return where + scoped, params + scoped_params


def ready_conditions(query: InstanceQuery, *, with_process: bool) -> tuple[list[str], list[object]]:
    """The conditions on a ready task `r` a query sets: step, lanes, overdue (and process, instance)."""
    where: list[str] = []
    params: list[object] = []
    if query.waiting:
        where.append("r.bpmn_id = ?")
        params.append(query.waiting)
    if query.lanes is not None:
        parts = [f"r.lane IN ({marks(len(query.lanes))})"] if query.lanes else []
        params.extend(query.lanes)
        for lane, process in query.lanes_in:  # a lane delegated for one process only
            parts.append("(r.lane = ? AND r.process_id = ?)")
            params.extend((lane, process))
        where.append(f"({' OR '.join(parts)})" if parts else "1 = 0")
    if query.overdue_at:
        where.append("r.due < ?")
        params.append(query.overdue_at)
    if with_process:
        for column, value in (("r.process_id", query.process), ("r.instance_id", query.instance)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
    return where, params


def scope_conditions(query: InstanceQuery, of: str = "i.id", process: str = "i.process_id") -> tuple[
        list[str], list[object]]:
    """Only what the reader may read (the read rule's scope) and, for "mine", what they started or acted on (of: the
    instance's number, process: its process, as the query names them)."""
    where: list[str] = []
    params: list[object] = []
    person = f"EXISTS (SELECT 1 FROM instance_people p WHERE p.login = ? AND p.instance_id = {of})"
    if query.scope is not None:
        if query.scope.processes:
            where.append(f"({process} IN ({marks(len(query.scope.processes))}) OR {person})")
            params.extend([*query.scope.processes, query.scope.login])
        else:
            where.append(person)
            params.append(query.scope.login)
    if query.mine is not None:
        where.append(person)
        params.append(query.mine)
    return where, params


def search_sql(query: InstanceQuery, dialect: Dialect) -> tuple[str, str, tuple[object, ...]]:
    """The page's numbers query (ordered, one page: only indexed columns are read for the rows it passes over),
    the count query and their params; the rows of the page are read by `listed_sql`."""
    streamed = bool(query.words) and dialect.words_query == "fts5" and query.sort == "started"
    where, params = instance_conditions(query._replace(words=()) if streamed else query, dialect)
    order = _ORDER.get(query.sort, _ORDER["updated"])
    if streamed:  # FTS5 hands its matches newest number first and stops at the page: no list of every match
        source = "instance_words JOIN instances i ON i.id = instance_words.rowid"
        where, params = ["instance_words MATCH ?", *where], [words_query(query.words, dialect), *params]
        order = "instance_words.rowid DESC"
    else:
        source = ("instances i JOIN instance_titles t ON t.instance_id = i.id"
                  if query.words and dialect.words_query == "tsquery" else "instances i")
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    page = f"SELECT i.id FROM {source}{clause} ORDER BY {order} LIMIT {int(query.limit)} OFFSET {int(query.offset)}"
    count = f"SELECT count(*) FROM (SELECT 1 FROM {source}{clause} LIMIT {COUNT_CAP + 1}) counted"
    return page, count, tuple(params)


def listed_sql(count: int) -> str:
    """The rows of a page's instances (`count` numbers as params), in any order."""
    return (f"SELECT {LISTED_COLUMNS} FROM instances i LEFT JOIN instance_titles t ON t.instance_id = i.id "
            f"WHERE i.id IN ({marks(count)})")


def ready_page_sql(query: InstanceQuery) -> tuple[str, str, tuple[object, ...]]:
    """The tasklist's page query (ready tasks of readable instances, oldest first), its count and their params."""
    where, params = ready_conditions(query, with_process=True)
    scoped, scoped_params = scope_conditions(query, "r.instance_id", "r.process_id")  # no instance row read
    where.extend(scoped)
    params.extend(scoped_params)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    page = (f"SELECT {READY_OF_I} FROM ready_tasks r{clause} ORDER BY r.since, r.instance_id, r.bpmn_id "
            f"LIMIT {int(query.limit)} OFFSET {int(query.offset)}")
    count = f"SELECT count(*) FROM (SELECT 1 FROM ready_tasks r{clause} LIMIT {COUNT_CAP + 1}) counted"
    return page, count, tuple(params)
