"""The SQLite store's schema, as the list of migrations that build it; a store records how far it got."""

from __future__ import annotations

# Marks a SQLite file as a sop store (PRAGMA application_id), so another program's database is never touched.
APPLICATION_ID = 0x534F5031  # "SOP1"
# Each entry upgrades the schema by one version; the list index + 1 is the version it produces.
MIGRATIONS: list[str] = [
    f"""
    PRAGMA application_id = {APPLICATION_ID};
    CREATE TABLE definition_versions (
        version TEXT PRIMARY KEY, process_id TEXT NOT NULL, name TEXT NOT NULL,
        bundle TEXT NOT NULL, spec TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE instances (
        id INTEGER PRIMARY KEY AUTOINCREMENT, process_id TEXT NOT NULL,
        version TEXT NOT NULL REFERENCES definition_versions(version),
        status TEXT NOT NULL, started_at TEXT NOT NULL, updated_at TEXT NOT NULL, started_by TEXT NOT NULL,
        state BLOB NOT NULL, state_format TEXT NOT NULL,
        row_version INTEGER NOT NULL, last_seq INTEGER NOT NULL, last_hash TEXT NOT NULL);
    CREATE INDEX instances_status ON instances(status, process_id);
    CREATE TABLE ready_tasks (
        instance_id INTEGER NOT NULL REFERENCES instances(id), task_uuid TEXT NOT NULL,
        bpmn_id TEXT NOT NULL, name TEXT NOT NULL, lane TEXT, form TEXT, since TEXT NOT NULL,
        PRIMARY KEY (instance_id, task_uuid));
    CREATE INDEX ready_tasks_lane ON ready_tasks(lane);
    CREATE TABLE events (
        instance_id INTEGER NOT NULL REFERENCES instances(id), seq INTEGER NOT NULL, type TEXT NOT NULL,
        time TEXT NOT NULL, task TEXT, task_uuid TEXT, actor TEXT NOT NULL, operator TEXT NOT NULL,
        version TEXT NOT NULL, data TEXT NOT NULL, hash TEXT NOT NULL,
        PRIMARY KEY (instance_id, seq));
    """,
    # 2: the Mutu Baku time of a ready task and its process, so listings need no join or deserialization.
    """
    ALTER TABLE ready_tasks ADD COLUMN sla TEXT;
    ALTER TABLE ready_tasks ADD COLUMN process_id TEXT NOT NULL DEFAULT '';
    CREATE INDEX ready_tasks_since ON ready_tasks(since, instance_id);
    DROP INDEX ready_tasks_lane;
    CREATE INDEX ready_tasks_lane ON ready_tasks(lane, since);
    UPDATE ready_tasks SET process_id = (SELECT process_id FROM instances WHERE id = ready_tasks.instance_id);
    UPDATE ready_tasks SET sla = (
        SELECT json_extract(d.spec, '$.process.task_specs."' || ready_tasks.bpmn_id || '".extensions.properties.sla')
        FROM instances i JOIN definition_versions d ON d.version = i.version WHERE i.id = ready_tasks.instance_id);
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    """,
    # 3: due times (working-time calendar), boundary timers by due time (`sop tick` claims them without
    # deserializing anything), and each step's ready/completed events for the SLA report. Old instances get
    # their steps from the event log: a step became ready at the event before the one that completed it.
    """
    ALTER TABLE ready_tasks ADD COLUMN due TEXT;
    CREATE INDEX ready_tasks_due ON ready_tasks(due);
    CREATE TABLE timers (
        instance_id INTEGER NOT NULL REFERENCES instances(id), task_uuid TEXT NOT NULL, bpmn_id TEXT NOT NULL,
        attached_to TEXT NOT NULL, due TEXT NOT NULL,
        PRIMARY KEY (instance_id, task_uuid));
    CREATE INDEX timers_due ON timers(due);
    CREATE TABLE steps (
        instance_id INTEGER NOT NULL REFERENCES instances(id), task_uuid TEXT NOT NULL, bpmn_id TEXT NOT NULL,
        name TEXT NOT NULL, lane TEXT, sla TEXT, ready_seq INTEGER NOT NULL, ready_at TEXT NOT NULL, due TEXT,
        done_seq INTEGER, done_at TEXT, taken REAL, process_id TEXT NOT NULL,
        PRIMARY KEY (instance_id, task_uuid));
    CREATE INDEX steps_taken ON steps(process_id, bpmn_id, taken, done_at, due) WHERE done_at IS NOT NULL;
    CREATE INDEX steps_unmeasured ON steps(done_at, process_id)
        WHERE done_at IS NOT NULL AND (taken IS NULL OR (due IS NULL AND sla IS NOT NULL));
    CREATE INDEX instances_started ON instances(started_at);
    CREATE TABLE days_off (
        calendar TEXT NOT NULL, year INTEGER NOT NULL, days TEXT NOT NULL, PRIMARY KEY (calendar, year));
    CREATE TABLE instance_times (
        instance_id INTEGER PRIMARY KEY REFERENCES instances(id), total REAL NOT NULL, budget REAL NOT NULL);
    INSERT OR IGNORE INTO steps (instance_id, task_uuid, bpmn_id, name, lane, sla, ready_seq, ready_at, done_seq,
                                 done_at, process_id)
        SELECT e.instance_id, e.task_uuid, e.task,
               coalesce(json_extract(d.spec, '$.process.task_specs."' || e.task || '".bpmn_name'), e.task),
               json_extract(d.spec, '$.process.task_specs."' || e.task || '".lane'),
               json_extract(d.spec, '$.process.task_specs."' || e.task || '".extensions.properties.sla'),
               p.seq, p.time, e.seq, e.time, i.process_id
        FROM events e JOIN events p ON p.instance_id = e.instance_id AND p.seq = e.seq - 1
        JOIN instances i ON i.id = e.instance_id JOIN definition_versions d ON d.version = i.version
        WHERE e.type = 'task-completed' AND e.task_uuid IS NOT NULL;
    INSERT OR IGNORE INTO steps (instance_id, task_uuid, bpmn_id, name, lane, sla, ready_seq, ready_at, process_id)
        SELECT r.instance_id, r.task_uuid, r.bpmn_id, r.name, r.lane, r.sla,
               coalesce((SELECT max(seq) FROM events WHERE instance_id = r.instance_id AND time <= r.since), 1),
               r.since, r.process_id
        FROM ready_tasks r;
    """,
    # 4: the roles file in force, pinned by content hash: each `sop roles apply` appends one hash-chained row
    # naming who applied which version (the people as canonical JSON); append-only like the events.
    """
    CREATE TABLE roles_events (
        seq INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, version TEXT NOT NULL,
        source TEXT NOT NULL, people TEXT NOT NULL, hash TEXT NOT NULL);
    CREATE TRIGGER roles_events_no_update BEFORE UPDATE ON roles_events
        BEGIN SELECT RAISE(ABORT, 'roles events are append-only'); END;
    CREATE TRIGGER roles_events_no_delete BEFORE DELETE ON roles_events
        BEGIN SELECT RAISE(ABORT, 'roles events are append-only'); END;
    """,
    # 5: attached files, stored once by SHA-256 in 1 MiB chunks (deduplicated across instances), and which
    # event's artefact names each one (derived from the event's data, like ready_tasks and steps).
    """
    CREATE TABLE IF NOT EXISTS blobs (
        sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, media_type TEXT NOT NULL, chunks INTEGER NOT NULL,
        created_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS blob_chunks (
        sha256 TEXT NOT NULL REFERENCES blobs(sha256), n INTEGER NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (sha256, n));
    CREATE TABLE IF NOT EXISTS attachments (
        instance_id INTEGER NOT NULL REFERENCES instances(id), seq INTEGER NOT NULL, task TEXT NOT NULL,
        field TEXT NOT NULL, position INTEGER NOT NULL, sha256 TEXT NOT NULL REFERENCES blobs(sha256),
        name TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL,
        PRIMARY KEY (instance_id, seq, field, position));
    CREATE INDEX IF NOT EXISTS attachments_sha256 ON attachments(sha256);
    """,
    # 6: people signing in to `sop serve` (Argon2 password hashes, recent failed logins for the rate limit),
    # their unfinished forms (a draft is not an artefact: no event), and who took a ready task (derived from
    # the task-claimed/task-released events, like the rest of the row).
    """
    ALTER TABLE ready_tasks ADD COLUMN claimed_by TEXT;
    ALTER TABLE ready_tasks ADD COLUMN claimed_at TEXT;
    CREATE TABLE IF NOT EXISTS accounts (
        login TEXT PRIMARY KEY, password_hash TEXT NOT NULL, set_at TEXT NOT NULL, set_by TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at);
    CREATE TABLE IF NOT EXISTS drafts (
        instance_id INTEGER NOT NULL REFERENCES instances(id), task_uuid TEXT NOT NULL, login TEXT NOT NULL,
        data TEXT NOT NULL, saved_at TEXT NOT NULL,
        PRIMARY KEY (instance_id, task_uuid, login));
    """,
    # 7: new attached files live in the folder beside the store (`sop.db-files/`, engine/store/file_folder.py),
    # not in blob_chunks: written once instead of through the write-ahead log and again into the store file.
    # Files stored before stay in blob_chunks and are read from there. No table changes; the version tells an
    # older sop, which would look for every file in blob_chunks, to refuse the store.
    "",
    # 8: the outbox: what each committed change did, for work that runs after the commit (a notice, a webhook,
    # an index), written in the change's transaction; numbered by one increasing position (AUTOINCREMENT: never
    # reused), and each consumer's cursor (the last position it acknowledged). Not part of the hash chain. No
    # foreign key on instance_id: see pg_schema (the two schemas are kept alike).
    """
    CREATE TABLE IF NOT EXISTS outbox (
        position INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
        instance_id INTEGER NOT NULL, task TEXT, task_uuid TEXT, lane TEXT,
        actor TEXT NOT NULL, time TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS outbox_overdue ON outbox(instance_id, task_uuid) WHERE kind = 'task-overdue';
    CREATE TABLE IF NOT EXISTS outbox_cursors (
        consumer TEXT PRIMARY KEY, position INTEGER NOT NULL, updated_at TEXT NOT NULL);
    """,
    # 9: when each login's sessions were last ended (sign-out, a new password, removal from the roles, an
    # operator): a `sop serve` session signed in before that time is over.
    """
    CREATE TABLE IF NOT EXISTS session_ends (
        login TEXT PRIMARY KEY, ended_at TEXT NOT NULL, ended_by TEXT NOT NULL);
    """,
    # 10: the accounts log (engine/store/accounts_log.py): passwords set, throttles cleared and sessions ended,
    # hash-chained and append-only like the roles log. A store with accounts starts it from a baseline event
    # of the accounts and session ends it has (written by the migration, sealed in Python: ACCOUNTS_LOG_SINCE).
    """
    CREATE TABLE IF NOT EXISTS accounts_events (
        seq INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, login TEXT NOT NULL, actor TEXT NOT NULL,
        data TEXT NOT NULL, hash TEXT NOT NULL);
    CREATE TRIGGER IF NOT EXISTS accounts_events_no_update BEFORE UPDATE ON accounts_events
        BEGIN SELECT RAISE(ABORT, 'accounts events are append-only'); END;
    CREATE TRIGGER IF NOT EXISTS accounts_events_no_delete BEFORE DELETE ON accounts_events
        BEGIN SELECT RAISE(ABORT, 'accounts events are append-only'); END;
    """,
    # 11: titles and finding requests: each instance's title ('' while its title fields are not entered) and search
    # words (its title and every text of its artefacts, lowercased, one space between words), indexed by FTS5
    # (external content: the words live once, in instance_titles); who started or acted on each instance (the read
    # rule's "their own"), from every event's actor and recorder. An instance without a row here (stored before)
    # gets one from its events when a list is first asked. Every statement may run again (IF NOT EXISTS).
    """
    CREATE TABLE IF NOT EXISTS instance_titles (
        instance_id INTEGER PRIMARY KEY, title TEXT NOT NULL, search TEXT NOT NULL);
    CREATE VIRTUAL TABLE IF NOT EXISTS instance_words USING fts5(
        search, title UNINDEXED, content='instance_titles', content_rowid='instance_id');
    CREATE TRIGGER IF NOT EXISTS instance_words_insert AFTER INSERT ON instance_titles
        BEGIN INSERT INTO instance_words (rowid, search, title) VALUES (new.instance_id, new.search, new.title); END;
    CREATE TRIGGER IF NOT EXISTS instance_words_update AFTER UPDATE ON instance_titles
        BEGIN INSERT INTO instance_words (instance_words, rowid, search, title)
                  VALUES ('delete', old.instance_id, old.search, old.title);
              INSERT INTO instance_words (rowid, search, title) VALUES (new.instance_id, new.search, new.title); END;
    CREATE INDEX IF NOT EXISTS instances_updated ON instances(updated_at);
    CREATE INDEX IF NOT EXISTS ready_tasks_lane_order ON ready_tasks(lane, since, instance_id, bpmn_id);
    CREATE TABLE IF NOT EXISTS instance_people (
        login TEXT NOT NULL, instance_id INTEGER NOT NULL, PRIMARY KEY (login, instance_id));
    INSERT OR IGNORE INTO instance_people (login, instance_id) SELECT DISTINCT actor, instance_id FROM events;
    INSERT OR IGNORE INTO instance_people (login, instance_id) SELECT DISTINCT operator, instance_id FROM events;
    CREATE TABLE IF NOT EXISTS instance_untitled (instance_id INTEGER PRIMARY KEY, reason TEXT NOT NULL);
    INSERT OR IGNORE INTO instance_untitled (instance_id, reason)
        SELECT id, 'stored before titles' FROM instances WHERE id NOT IN (SELECT instance_id FROM instance_titles);
    """,
    # 12: notices (engine/store/notice_rows.py): one row per (outbox event, person, channel), made from the outbox
    # by the notices consumer in the transaction that moves its cursor, then claimed and sent by `sop notify`.
    # state: waiting, sending (claimed until next_try), sent, failed. No secret is ever stored here.
    """
    CREATE TABLE IF NOT EXISTS notices (
        id INTEGER PRIMARY KEY AUTOINCREMENT, position INTEGER NOT NULL, kind TEXT NOT NULL,
        instance_id INTEGER NOT NULL, task TEXT, login TEXT NOT NULL, channel TEXT NOT NULL, address TEXT NOT NULL,
        message TEXT NOT NULL, state TEXT NOT NULL, tries INTEGER NOT NULL, next_try TEXT NOT NULL,
        last_error TEXT NOT NULL, created_at TEXT NOT NULL, sent_at TEXT,
        UNIQUE (position, login, channel));
    CREATE INDEX IF NOT EXISTS notices_next ON notices(state, next_try);
    CREATE INDEX IF NOT EXISTS outbox_due_soon ON outbox(instance_id, task_uuid) WHERE kind = 'task-due-soon';
    """,
    # 13: the monitoring log of the SOPs (engine/store/monev_rows.py): each Catatan / Tindakan / Paraf of a step's
    # row of the monitoring form and each evaluation, hash-chained and append-only like the roles log; returns for
    # revision found by time for the form's counts.
    """
    CREATE TABLE IF NOT EXISTS monev_events (
        seq INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, process_id TEXT NOT NULL,
        period TEXT NOT NULL, item TEXT NOT NULL, actor TEXT NOT NULL, data TEXT NOT NULL, hash TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS monev_events_process ON monev_events(process_id, period, seq);
    CREATE TRIGGER IF NOT EXISTS monev_events_no_update BEFORE UPDATE ON monev_events
        BEGIN SELECT RAISE(ABORT, 'monitoring events are append-only'); END;
    CREATE TRIGGER IF NOT EXISTS monev_events_no_delete BEFORE DELETE ON monev_events
        BEGIN SELECT RAISE(ABORT, 'monitoring events are append-only'); END;
    CREATE INDEX IF NOT EXISTS events_returned ON events(time) WHERE type = 'task-returned';
    """,
    # 14: when each instance completed (its instance-completed event's time), apart from updated_at (its last event's
    # time), which a comment written after completion moves; filled for the instances completed before.
    """
    ALTER TABLE instances ADD COLUMN completed_at TEXT;
    UPDATE instances SET completed_at = (SELECT max(e.time) FROM events e WHERE e.instance_id = instances.id
                                         AND e.type = 'instance-completed') WHERE status = 'completed';
    CREATE INDEX IF NOT EXISTS instances_completed ON instances(completed_at) WHERE completed_at IS NOT NULL;
    """,
    # 15: the occurrences of timer start events `sop tick` has started (one instance each, claimed by its key).
    """
    CREATE TABLE IF NOT EXISTS timer_starts (
        process_id TEXT NOT NULL, occurrence TEXT NOT NULL, instance_id INTEGER, started_at TEXT NOT NULL,
        PRIMARY KEY (process_id, occurrence));
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
# The tables each schema version has (from the version that adds them): a store's user_version must match them.
SCHEMA_TABLES: list[tuple[int, tuple[str, ...]]] = [
    (1, ("definition_versions", "instances", "ready_tasks", "events")),
    (3, ("timers", "steps", "days_off", "instance_times")),
    (4, ("roles_events",)),
    (5, ("blobs", "blob_chunks", "attachments")),
    (6, ("accounts", "login_failures", "drafts")),
    (8, ("outbox", "outbox_cursors")),
    (9, ("session_ends",)),
    (10, ("accounts_events",)),
    (11, ("instance_titles", "instance_words", "instance_people", "instance_untitled")),
    (12, ("notices",)),
    (13, ("monev_events",)),
    (15, ("timer_starts",)),
]
# The first schema version that has the roles log.
ROLES_SINCE = 4
# The first schema version that stores attached files.
FILES_SINCE = 5
# The first schema version with accounts, drafts and claims.
ACCOUNTS_SINCE = 6
# The first schema version with the outbox and its consumers' cursors.
OUTBOX_SINCE = 8
# The first schema version that ends sessions.
SESSIONS_SINCE = 9
# The first schema version with the accounts log (its migration also writes the baseline event).
ACCOUNTS_LOG_SINCE = 10
# The first schema version with titles, search words and the people of each instance.
TITLES_SINCE = 11
# The first schema version with notices.
NOTICES_SINCE = 12
# The first schema version with the monitoring log.
MONEV_SINCE = 13
# The first schema version with each instance's completion time (instances.completed_at).
COMPLETED_SINCE = 14
# The first schema version with the timer start events' occurrences.
TIMER_STARTS_SINCE = 15
