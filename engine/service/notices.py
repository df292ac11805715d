"""Notices from the outbox: the notices consumer reads the events after its cursor and writes one notices row per
(event, person, channel) in the transaction that moves its cursor (so a restart or a second worker never makes a
notice twice); senders then claim rows in a transaction before sending them and mark them after.

A step that is no longer ready when its event is read (done meanwhile) is told to no one. Who hears (the people of
a lane: lane_people): a task ready or returned, the people of its lane; a task overdue, its claimer (else the people
of its lane) and the superior (`atasan`) of each; an instance finished, whoever started it. Each person on the
channels they chose (`saluran`; by default each one they have an address for) that the environment configures, and
the webhook (when set) for every notice.

A notice on a channel that waits (WhatsApp by default) is held until the office opens and the person's quiet hours
are over (its next try is then); an overdue notice never waits. A step returned for revision is told to its lane
once, with the reason, instead of a "task ready".

Delivery is at least once: a sender that dies between a send and its mark leaves the row claimed until its lease
(LEASE_MINUTES) runs out, then another sender sends it again: one repeat at most per crash, of that one notice."""

from __future__ import annotations

import json
from datetime import timedelta, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.canonical import canonical_json
from engine.common.errors import ValidationError
from engine.common.i18n import N_, translate
from engine.common.work_calendar import format_time, parse_time
from engine.service.notice_channels import (
    NoticeSettings,
    SendError,
    notice_settings,
    post_webhook,
    send_email,
    send_whatsapp,
    without_secrets,
)
from engine.service.notice_options import notice_options
from engine.service.notice_words import (
    DUE_SOON,
    FINISHED,
    OVERDUE,
    READY,
    RETURNED,
    NoticeFacts,
    NoticeTemplate,
    notice_html,
    notice_text,
    task_link,
)
from engine.store.notice_rows import FAILED, SENDING, SENT, STATES, WAITING
from engine.store.protocol import NoticeRow, OutboxRow

if TYPE_CHECKING:
    from engine.definitions.roles import Person, Roles
    from engine.service.context import EngineContext

CONSUMER = "sop-notices"  # the outbox cursor of the notices (`sop events --consumer sop-notices` reads the same)
KINDS = (READY, DUE_SOON, OVERDUE, FINISHED, RETURNED)
RETRY_MINUTES = (1, 5, 30)  # the wait after the first, second and third failed try; the fourth failure is final
LEASE_MINUTES = 10  # how long a claimed notice is left to its sender before another may send it
CLAIM_BATCH = 10  # notices claimed per transaction
MAX_PASS = 1000  # the most events (and notices) one pass handles


class NotifyResult(NamedTuple):
    """What one `sop notify` pass did."""

    events: int  # outbox events read
    made: int  # notices written
    sent: int
    retrying: int  # failed this try, tried again later
    failed: int  # failed for good

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one pass."""
        return self._asdict()


class NoticeView(NamedTuple):
    """One notice as operators read it (`sop notices`): never a secret."""

    id: int
    position: int
    kind: str
    instance: int
    task: str | None
    login: str
    channel: str
    address: str
    subject: str
    state: str
    tries: int
    next_try: str
    error: str
    created: str
    sent: str | None

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one notice."""
        return self._asdict()


class NoticeService:
    """Derives notices from the outbox, sends them, and lists them: `engine.notices`."""

    def __init__(self, context: EngineContext, *, env: dict[str, str] | None = None) -> None:
        self.context = context
        self.env = env

    def settings(self) -> NoticeSettings:
        """The channels the environment configures; ValidationError when none is, or one cannot work."""
        settings = notice_settings(self.env)
        if not settings.channels:
            raise ValidationError("No notice channel is configured; nothing was sent. Set SOP_SMTP_URL (e-mail), "
                                  "SOP_WHATSAPP_TOKEN (WhatsApp) or SOP_WEBHOOK_URL (webhook), and SOP_BASE_URL "
                                  "for the links")
        return settings

    def checked(self) -> NoticeSettings:
        """The settings, once a worker can work: a channel configured, a roles file, notices.yaml readable; else
        ValidationError in words (`sop serve --notify` asks this before it serves)."""
        settings = self.settings()
        if self.context.roles is None:  # refused before the cursor moves: no event is passed over unheard
            raise ValidationError("Notices go to the people of the roles file, and there is none (single-user "
                                  "mode); nothing was read or sent. Add roles.yaml with email: or telepon: per "
                                  "person to the definitions folder")
        notice_options(self.context.definitions_dir)
        return settings

    def notify(self, *, limit: int = MAX_PASS) -> NotifyResult:
        """One pass: notices for the events after the cursor, then every notice due for sending (at most `limit`
        of each)."""
        if not 1 <= limit <= MAX_PASS:
            raise ValidationError("Limit {limit} is out of range; give 1 to {most}", limit=limit, most=MAX_PASS)
        settings = self.checked()
        store = self.context.store()
        if store.schema_version() == 0:
            return NotifyResult(0, 0, 0, 0, 0)
        events, made = derive(self.context, settings, limit=limit)
        sent, retrying, failed = send_due(self.context, settings, limit=limit)
        return NotifyResult(events, made, sent, retrying, failed)

    def listed(self, *, failed: bool = False, limit: int = 100) -> list[NoticeView]:
        """The newest notices (only the failed ones with failed=True), newest first."""
        if not 1 <= limit <= MAX_PASS:
            raise ValidationError("Limit {limit} is out of range; give 1 to {most}", limit=limit, most=MAX_PASS)
        store = self.context.store(optional=True)
        rows = store.notices((FAILED,) if failed else (), limit)
        return [_view(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many notices are in each state (every state named, 0 when none)."""
        found = self.context.store(optional=True).notice_counts()
        return {state: found.get(state, 0) for state in STATES}


def office_open(context: EngineContext, now: str) -> str:
    """Now when the office works now (calendar.yaml), else when it opens next; now without a calendar."""
    from engine.common.work_calendar import WorkCalendar

    calendar = context.work_clock()
    if not isinstance(calendar, WorkCalendar):
        return now
    return format_time(parse_time(calendar.due(now, "PT1S")) - timedelta(seconds=1))


def derive(context: EngineContext, settings: NoticeSettings, *, limit: int) -> tuple[int, int]:
    """Write the notices of the events after the cursor and move the cursor past them, in one transaction; the
    events read and the notices written."""
    store = context.store()
    now = context.clock()
    roles = context.roles
    options = notice_options(context.definitions_dir)
    holds = NoticeHolds(context, options.quiet, now)
    with store.transaction() as tx:
        table = tx.notice_table
        events = table.outbox_after(table.lock_cursor(CONSUMER, now), limit)
        if not events:
            return 0, 0
        if len(events) == limit:  # a batch never ends inside a change: a return and its task-ready go together
            events += rest_of_change(table.outbox_after(events[-1].position, REST_OF_CHANGE), events[-1])
        wanted = with_returns_merged([e for e in events if e.kind in KINDS])
        ready = table.still_ready(tuple(sorted({e.instance_id for e in wanted if e.kind != FINISHED})))
        wanted = [e for e in wanted if e.kind == FINISHED or (e.instance_id, e.task_uuid or "") in ready]
        starters = table.started_by(tuple(sorted({e.instance_id for e in wanted if e.kind == FINISHED})))
        titles = store.titles(tuple(sorted({e.instance_id for e in wanted})))
        rows = []
        for event in wanted:
            title, process = titles.get(event.instance_id, (None, ""))
            shown = translate(N_("{process} no. {number}", process=process, number=event.instance_id))
            made = notices_of(event, roles, starters, settings, title=title or shown, now=now, context=context,
                              templates=options.templates)
            rows += [r._replace(next_try=holds.not_before(r, roles)) for r in made]
        table.add(rows)
        tx.acknowledge(CONSUMER, events[-1].position, now)
    return len(events), len(rows)


REST_OF_CHANGE = 100  # the most rows read past a full batch to finish its last change


def rest_of_change(after: list[OutboxRow], last: OutboxRow) -> list[OutboxRow]:
    """The rows after a batch's last one that belong to the same change (its instance, time and actor)."""
    same = []
    for row in after:
        if (row.instance_id, row.time, row.actor) != (last.instance_id, last.time, last.actor):
            break
        same.append(row)
    return same


def with_returns_merged(events: list[OutboxRow]) -> list[OutboxRow]:
    """The events with each task-returned given the lane, name and due time of the task-ready its change wrote for
    the same task (which is then left out: the people hear "returned for revision", not "task ready" as well)."""
    returns = [e for e in events if e.kind == RETURNED]
    if not returns:
        return events
    merged: dict[int, OutboxRow] = {}
    dropped = set()
    for ready in (e for e in events if e.kind == READY):
        seq = _loads(ready.data).get("seq", 0)
        for back in returns:  # the change's own return: before its task-ready, numbered from the change's first seq
            if ((back.instance_id, back.task_uuid) == (ready.instance_id, ready.task_uuid)
                    and back.position < ready.position and _loads(back.data).get("seq", -1) >= seq):
                data = {**_loads(ready.data), **_loads(back.data)}
                merged[back.position] = back._replace(lane=ready.lane, data=canonical_json(data))
                dropped.add(ready.position)
    return [merged.get(e.position, e) for e in events if e.position not in dropped]


def notices_of(event: OutboxRow, roles: Roles | None, starters: dict[int, str], settings: NoticeSettings, *,
               title: str, now: str, context: EngineContext,
               templates: dict[str, NoticeTemplate] | None = None) -> list[NoticeRow]:
    """The notices of one event: one per person who hears it and channel they hear it on."""
    data = _loads(event.data)
    link = task_link(settings.base_url, event.instance_id, event.task if event.kind != FINISHED else None)
    due = _due_words(context, str(data.get("due") or ""))
    template = (templates or {}).get(event.kind)
    rows = []
    for person, superior_of in hearers(event, data, roles, starters):
        facts = NoticeFacts(event.kind, person.name, title, str(data.get("name") or event.task or ""),
                            event.lane or "", due, superior_of, str(data.get("reason") or ""))
        text = notice_text(facts, link, template)
        message = canonical_json(text._asdict())
        for channel, address in channels_of(person, settings):
            rows.append(NoticeRow(0, event.position, event.kind, event.instance_id, event.task, person.login,
                                  channel, address, message, WAITING, 0, now, "", now, None))
    return rows


def lane_people(roles: Roles, lane: str | None, *, at: str, process: str | None = None) -> list[Person]:
    """Who hears a notice addressed to a lane: the people who hold it, and those acting in it at the event's time by
    a delegation (Plh./Plt.) for its process. The one place that decides it."""
    from engine.definitions.acting import delegates_for

    holders = [p for p in roles.people.values() if p.holds(lane)]
    known = {p.login for p in holders}
    acting = [roles.people[login] for login in delegates_for(roles, lane, at, process)
              if login in roles.people and login not in known]
    return holders + acting


def hearers(event: OutboxRow, data: dict[str, Any], roles: Roles | None,
            starters: dict[int, str]) -> list[tuple[Person, str]]:
    """Who hears an event, each once, with whose superior they are ('' when they hear it for themselves)."""
    if roles is None:
        return []
    people = roles.people
    if event.kind == FINISHED:
        found = [people[login] for login in (starters.get(event.instance_id),) if login in people]
        return [(p, "") for p in found]
    claimer = data.get("claimed_by") if event.kind in (OVERDUE, DUE_SOON) else None
    own = ([people[claimer]] if isinstance(claimer, str) and claimer in people
           else lane_people(roles, event.lane, at=event.time, process=_process(data)))
    heard = [(p, "") for p in own]
    if event.kind == OVERDUE:
        bosses: dict[str, list[str]] = {}
        for person in own:
            if person.atasan in people and person.atasan not in {p.login for p in own}:
                bosses.setdefault(person.atasan, []).append(person.name)
        heard += [(people[login], ", ".join(names)) for login, names in bosses.items()]
    return heard


def _process(data: dict[str, Any]) -> str | None:
    process = data.get("process")
    return process if isinstance(process, str) else None


class NoticeHolds:
    """When a notice may go: at once, or later on a channel that waits. The office's waiting channels (notices.yaml
    `tunggu_jam_kerja`) wait for office hours; a person's quiet hours (`jam_tenang`) hold those and WhatsApp; a
    person's own `tunggu_jam_kerja` replaces both lists for them. An overdue notice never waits."""

    def __init__(self, context: EngineContext, quiet: tuple[str, ...], now: str) -> None:
        self.context = context
        self.quiet = quiet
        self.now = now
        self.zone = context.local_times().zone
        self._found: dict[tuple[bool, str], str] = {}

    def not_before(self, row: NoticeRow, roles: Roles | None) -> str:
        """The first time the notice may be sent (the row's next try)."""
        person = roles.people.get(row.login) if roles is not None else None
        if row.kind == OVERDUE:
            return row.next_try
        own = person.tunggu_jam_kerja if person is not None else None
        office = row.channel in (self.quiet if own is None else own)
        hours = person.jam_tenang if person is not None else ""
        if row.channel not in ((*self.quiet, "whatsapp") if own is None else own):
            hours = ""
        if not office and not hours:
            return row.next_try
        if (office, hours) not in self._found:
            self._found[office, hours] = self._free(office=office, hours=hours)
        return self._found[office, hours]

    def _free(self, *, office: bool, hours: str) -> str:
        """The first moment from now when the office is open (if it must be) and outside the quiet hours."""
        at = self.now
        for _ in range(MAX_HOLD_STEPS):
            opens = office_open(self.context, at) if office else at
            after = quiet_over(opens, hours, self.zone)
            if after == opens:
                return opens
            at = after
        return at


MAX_HOLD_STEPS = 8  # office hours and quiet hours tried in turn at most this often (quiet hours over a whole working
# day would hold a notice for ever: after this many turns it goes)


def quiet_over(at: str, hours: str, zone: tzinfo) -> str:
    """`at` when it is outside the quiet hours ("20:00-06:00", in the office's zone), else when they end."""
    if not hours:
        return at
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in (p.strip().zfill(5) for p in hours.split("-")))
    local = parse_time(at).astimezone(zone)
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return at
    ends = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return format_time(ends)


def channels_of(person: Person, settings: NoticeSettings) -> list[tuple[str, str]]:
    """The (channel, address) pairs a person hears a notice on."""
    addresses = {"email": person.email, "whatsapp": person.telepon}
    chosen = person.saluran or tuple(c for c, a in addresses.items() if a)
    pairs = [(c, addresses[c]) for c in chosen if c in settings.channels and addresses[c]]
    if "webhook" in settings.channels:
        pairs.append(("webhook", person.login))
    return pairs


def send_due(context: EngineContext, settings: NoticeSettings, *, limit: int) -> tuple[int, int, int]:
    """Claim and send the notices due now, a few per transaction, marking each after its try; how many were
    sent, are to be tried again, and failed for good."""
    store = context.store()
    counts = {SENT: 0, WAITING: 0, FAILED: 0}
    handled = 0
    while handled < limit:
        now = context.clock()
        with store.transaction() as tx:
            claimed = tx.notice_table.claim(now, _after(now, LEASE_MINUTES), min(CLAIM_BATCH, limit - handled))
        if not claimed:
            break
        for row in claimed:
            handled += 1
            error = deliver(row, settings)
            at = context.clock()
            if error is None:
                state, next_try = SENT, at
            elif row.tries > len(RETRY_MINUTES):
                state, next_try = FAILED, at
            else:
                state, next_try = WAITING, _after(at, RETRY_MINUTES[row.tries - 1])
            with store.transaction() as tx:
                if tx.notice_table.mark(row, state=state, at=at, next_try=next_try, error=error or ""):
                    counts[state] += 1
    return counts[SENT], counts[WAITING], counts[FAILED]


def deliver(row: NoticeRow, settings: NoticeSettings) -> str | None:
    """Send one notice on its channel; None when it went, else why not in words (no secret in them)."""
    text = _loads(row.message)
    subject, body, link = str(text.get("subject", "")), str(text.get("text", "")), str(text.get("link", ""))
    try:
        if row.channel == "email" and settings.smtp is not None:
            send_email(settings.smtp, to=row.address, subject=subject, text=body, html=notice_html(body, link))
        elif row.channel == "whatsapp" and settings.whatsapp_token:
            send_whatsapp(settings.whatsapp_url, settings.whatsapp_token, target=row.address,
                          message=f"*{subject}*\n\n{body}")
        elif row.channel == "webhook" and settings.webhook_url:
            post_webhook(settings.webhook_url, settings.webhook_secret, {
                "notice": row.id, "event": row.position, "kind": row.kind, "instance": row.instance_id,
                "task": row.task, "to": row.login, "subject": subject, "text": body, "link": link},
                delivery=row.id)
        else:
            return str(N_("channel {channel} is no longer configured", channel=row.channel))
    except SendError as exc:
        return without_secrets(str(exc), settings)
    return None


def _view(row: NoticeRow) -> NoticeView:
    subject = str(_loads(row.message).get("subject", ""))
    return NoticeView(row.id, row.position, row.kind, row.instance_id, row.task, row.login, row.channel,
                      row.address, subject, row.state, row.tries, row.next_try, row.last_error, row.created_at,
                      row.sent_at)


def _due_words(context: EngineContext, due: str) -> str:
    if not due:
        return ""
    from engine.definitions.artefact_view import WordsOf

    return WordsOf(context.local_times().zone).moment(due)


def _after(now: str, minutes: int) -> str:
    return format_time(parse_time(now) + timedelta(minutes=minutes))


def _loads(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# The states of a notice, for the listing (SENDING: claimed by a sender now).
STATE_WORDS = {WAITING: N_("waiting"), SENDING: N_("sending"), SENT: N_("sent"), FAILED: N_("failed")}
