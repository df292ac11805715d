"""The tasklist ("Tugas saya") and the task page: show a ready step with its form, save a draft, claim or release
it, complete it (also on behalf of an official, by an operator); every refusal is the engine's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from . import task_form
from .access import engine, login_required, me, refused, status_of
from .form_posting import Typed
from .words import N_, fixed_text, translate

if TYPE_CHECKING:
    from engine import TaskView

tasks = Blueprint("tasks", __name__)
SHOWN = 50  # tasks one page lists (the count says how many wait in all; the next page shows the next 50)


def task_refs(shown: list[TaskView], ready: list[TaskView]) -> list[str]:
    """Each shown task's reference in its page's address: the BPMN id, or the UUID where the instance has that
    id ready more than once (one count over the ready tasks, not a scan per row)."""
    from collections import Counter

    ready_ids = Counter((t.instance, t.task) for t in ready)
    return [t.id if ready_ids[t.instance, t.task] > 1 else t.task for t in shown]


@tasks.get("/")
@login_required
def tasklist() -> str:
    """The ready tasks of the person's lanes (an operator's: all), oldest first; filters and the count waiting."""
    from engine import NotFoundError

    e, person = engine(), me()
    process = request.args.get("process", "").strip() or None
    overdue = request.args.get("overdue") == "1"
    typed_instance = request.args.get("instance", "").strip()
    digits = typed_instance.isascii() and typed_instance.isdigit()  # "²" is a digit to isdigit, not to int()
    instance = int(typed_instance) if digits and len(typed_instance) < 19 else None
    problem = None
    if typed_instance and instance is None:
        problem = translate(N_("'{typed_instance}' is not an instance number", typed_instance=typed_instance))
    lanes = None if person.operator else e.people.my_lanes(person.login)
    limited = e.people.my_process_lanes(person.login) if lanes is not None else ()  # delegated for one process
    now = e.time.now()
    typed_page = request.args.get("page", "1").strip()
    page = int(typed_page) if typed_page.isdigit() and len(typed_page) < 7 and int(typed_page) > 0 else 1
    found: list[TaskView] = []
    count = 0
    if (lanes != () or limited) and problem is None:
        try:  # one page of the store's rows (the engine leaves out what the person may not read)
            found, count = e.instances.task_page(lanes=lanes, overdue_at=now if overdue else None, process=process,
                                                 instance=instance, page=page, per_page=SHOWN, lanes_in=limited)
        except NotFoundError as exc:
            problem = translate(str(exc))
    waiting = sorted(e.instances.search_choices())
    titles = e.instances.titles([t.instance for t in found])
    rows = [(t, ref, bool(t.due and t.due < now)) for t, ref in zip(found, task_refs(found, found), strict=True)]
    pages = max(1, -(-count // SHOWN))
    return render_template("tasks.html", rows=rows, count=count, shown=SHOWN, processes=waiting,
                           process=process, overdue=overdue, instance=typed_instance, problem=problem, titles=titles,
                           page=page, pages=pages)


@tasks.get("/instances/<int:instance>/tasks/<task>")
@login_required
def task_page(instance: int, task: str) -> str | tuple[str, int]:
    """A ready step: its name, instructions, the artefacts so far (read only), its form (with the saved draft, else
    the values the form takes from the record); read only, saying who may act, when it is not the person's."""
    form = _loaded(instance, task)
    if not isinstance(form, task_form.TaskForm):
        return form
    typed, restored = task_form.draft_values(engine(), form, instance)
    return _page(form, instance, task, typed, restored=restored)


@tasks.post("/instances/<int:instance>/tasks/<task>")
@login_required
def task_post(instance: int, task: str) -> Any:
    """Complete the step (303 to the tasklist), save a draft, or add/remove a row; bad data: 422, the form again
    with each problem next to its field and the typed values kept, nothing saved; refused (claimed by another, not
    the person's lane): 409/403, the form again with what was typed, kept as the person's draft."""
    from engine import ClaimedByOtherError, EngineError, RoleError, TaskStateError, ValidationError

    e = engine()
    form = _loaded(instance, task)
    if not isinstance(form, task_form.TaskForm):
        return form
    typed = task_form.posted(form, request.form)
    action = request.form.get("_action", "complete")
    moved = task_form.moved_rows(typed, action)
    if moved is not None:
        return _page(form, instance, task, moved, kept=True)
    actor = request.form.get("_as", "").strip() or None
    shown: dict[str, str] = {}  # how messages name the uploaded files
    data: dict[str, Any] | None = None
    try:
        data, typed = task_form.typed_data(e, form, instance, typed)
        if action == "draft":
            saved_at = e.instance(instance).save_draft(form.ref, data, actor=actor)
            when = e.time.local_times().text(saved_at)
            flash(translate(N_("Draft saved at {when}; files are not kept in a draft", when=when)))
            return redirect(url_for("tasks.task_page", instance=instance, task=task), 303)
        with task_form.uploads(form, request.files, shown) as attach:
            result = e.instance(instance).complete(form.ref, data, actor=actor, attach=attach or None)
    except ValidationError as exc:
        by_field, general = task_form.problems_by_field(form, typed, exc.problems, shown)
        from .page_words import form_refused, without_command_line

        head = form_refused(exc.fields["count"]) if "count" in exc.fields else \
            without_command_line(translate(task_form.plain(str(exc).split("\n", 1)[0], shown)))
        return _page(form, instance, task, typed, errors=by_field, general=general, head=head, kept=True,
                     chosen=task_form.chosen_files(form, request.files)), 422
    except (ClaimedByOtherError, RoleError) as exc:
        return _kept_after_refusal(form, instance, task, typed, data=data, error=exc)
    except TaskStateError as exc:
        return _done_already(exc, instance, form.view.task)
    except EngineError as exc:
        return refused(exc)
    done = [a for a in e.instance(instance).document().artefacts if a.task == result.completed_task]
    said = done[-1].summary if done and done[-1].fields else form.view.name  # the document in the form's words
    flash(translate(N_("Completed '{name}' of instance {instance}: {document}. The instance is {status}.",
                       name=form.view.name, instance=instance, document=said,
                       status=fixed_text(result.instance.status))))
    return redirect(url_for("tasks.tasklist"), 303)


def _kept_after_refusal(form: task_form.TaskForm, instance: int, task: str, typed: Typed, *,
                        data: dict[str, Any] | None, error: Exception) -> tuple[str, int]:
    """A step the engine refused to this person (409: claimed by another; 403: not theirs): the form again with
    everything typed, the files chosen named, and the typing kept as the person's own draft."""
    from engine import EngineError

    e = engine()
    general = []
    if data is not None and form.has_form:
        try:
            saved_at = e.instance(instance).save_draft(form.ref, data)
            general.append(translate(N_("What you typed is kept as your draft (saved at {when}); it is filled in "
                                        "when you open this step again.",
                                        when=e.time.local_times().text(saved_at))))
        except EngineError as exc:  # the page still holds the typing; say why no draft was kept
            general.append(translate(str(exc)))
    return _page(form, instance, task, typed, general=general, head=_refusal(error), kept=True,
                 chosen=task_form.chosen_files(form, request.files)), status_of(error)


def _refusal(error: Exception) -> str:
    """The head of a refused form: who has the task (by name and position, at local time) when someone else took
    it, else the engine's words."""
    from engine import ClaimedByOtherError

    fields = getattr(error, "fields", {})
    holder, since = fields.get("claimed_by"), fields.get("claimed_at")
    if isinstance(error, ClaimedByOtherError) and isinstance(holder, str) and isinstance(since, str):
        e = engine()
        return translate(N_("{person} has taken this task since {when}: only they can complete it, unless they or "
                            "an operator release it first.", person=task_form.described(e, holder),
                            when=e.time.local_times().text(since)))
    return translate(str(error))


@tasks.post("/instances/<int:instance>/tasks/<task>/claim")
@login_required
def claim(instance: int, task: str) -> Response:
    """Take the task ("Saya kerjakan"): the others in the lane see who has it."""
    engine().instance(instance).claim(task)
    return redirect(url_for("tasks.task_page", instance=instance, task=task), 303)


@tasks.post("/instances/<int:instance>/tasks/<task>/release")
@login_required
def release(instance: int, task: str) -> Response:
    """Give the task back to the lane (its claimer, or an operator)."""
    engine().instance(instance).release(task)
    flash(translate(N_("The task is free again: anyone in its lane may take it now.")))
    return redirect(url_for("tasks.task_page", instance=instance, task=task), 303)


@tasks.post("/instances/<int:instance>/tasks/<task>/return")
@login_required
def send_back(instance: int, task: str) -> Any:
    """Return for revision: the person holding the step sends the instance back to an earlier step with a reason
    (303 to the tasklist); refused (no reason, not theirs, not a step it may go back to): the page again with the
    reason kept and why, nothing changed."""
    from engine import EngineError, TaskStateError

    e = engine()
    form = _loaded(instance, task)
    if not isinstance(form, task_form.TaskForm):
        return form
    reason = request.form.get("reason", "")
    to = request.form.get("to", "")
    try:
        view = e.instance(instance).send_back(form.ref, to=to, reason=reason)
    except (TaskStateError, EngineError) as exc:
        typed, _restored = task_form.draft_values(e, form, instance)
        return _page(form, instance, task, typed, returning=(to, reason, translate(str(exc)))), status_of(exc)
    flash(translate(N_("Instance {instance} is sent back to '{name}' for revision; the people of its lane see it "
                       "in their tasks again.", instance=instance, name=view.name)))
    return redirect(url_for("tasks.tasklist"), 303)


def _loaded(instance: int, task: str) -> task_form.TaskForm | tuple[str, int]:
    """The ready task's form, or the 409 page when it is no longer ready (saying who completed it and when)."""
    from engine import TaskStateError

    try:
        return task_form.load(engine(), instance, task)
    except TaskStateError as exc:
        return _done_already(exc, instance, task)


def _done_already(error: Exception, instance: int, task: str) -> tuple[str, int]:
    """409: the step cannot be completed now; when someone completed it, who and when."""
    done = task_form.completed_by(engine(), instance, task)
    from .page_words import page_message

    return render_template("error.html", status=409, message=page_message(error), done=done,
                           instance=instance), 409


def _page(form: task_form.TaskForm, instance: int, task: str, typed: Typed, *,
          errors: dict[str, list[str]] | None = None, general: list[str] | None = None, head: str | None = None,
          restored: bool = False, kept: bool = False, chosen: dict[str, list[str]] | None = None,
          returning: tuple[str, str, str] | None = None) -> str:
    """The task page; kept: the form is drawn whatever the person may do now (it holds what they typed);
    returning: the step, reason and refusal of a return the engine refused (kept on the page)."""
    e, person = engine(), me()
    view = form.view
    handle = e.instance(instance)
    choices = handle.acting_choices(form.ref)
    may_act = person.login in choices or (person.operator and bool(choices))
    fields = form.fields.fields(typed.values, typed.rows, errors, chosen) if form.has_form else ()
    claimed_by = view.claimed_by
    from .comments import comment_section

    comments = comment_section(handle, url_for("comments.task_comment", instance=instance, task=task),
                               task_uuid=view.id)
    return render_template(
        "task.html", view=view, instance=instance, ref=task, form=form, fields=fields, general=general or [],
        head=head, restored=restored, document=handle.document(),
        sla_words=e.time.duration_words(view.sla) if view.sla else "",
        editable=may_act or kept, may_claim=person.login in choices,
        officials=task_form.officials(e, choices, person.login) if person.operator else [],
        lane_people=task_form.lane_people(e, view.lane, view.process),
        holders=task_form.lane_holders(e, view.lane, view.process),
        rows=typed.rows, claimed_by=claimed_by, claimed_at=view.claimed_at,
        claimer=task_form.described(e, claimed_by) if claimed_by else None,
        return_choices=handle.return_choices(form.ref) if may_act or returning else [],
        returning=returning or ("", "", ""), reopened=task_form.returned_reason(e, instance, view.id),
        comments=comments)
