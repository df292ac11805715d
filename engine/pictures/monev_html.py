"""The monitoring form of an SOP (Permen PANRB 35/2012, "Monitoring Pelaksanaan SOP AP") and its evaluation against
the seven criteria, as one printable HTML page in the SOP AP document's look (A4 landscape) and the input of the PDF.
Everything is inline: no network."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import TYPE_CHECKING, Any

from engine.common.i18n import N_, fixed_text, translate
from engine.definitions.artefact_view import WordsOf, duration_words

if TYPE_CHECKING:
    from datetime import tzinfo

    from engine.common.monev_values import MonevEvaluation, MonevForm, MonevStep

_CSS = """@page{size:A4 landscape;margin:10mm}
body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:8pt;margin:0;color:#000}
h1{font-size:11pt;text-align:center;margin:0 0 6px 0}h2{font-size:10pt;margin:10px 0 4px 0}
table{width:100%;border-collapse:collapse;margin-bottom:8px}td,th{border:1px solid #000;padding:3px 4px;
vertical-align:top;text-align:left}th{background:#eee;text-align:center}.num{text-align:right;white-space:nowrap}
.identity .label{width:22%;font-weight:bold}.identity .org{text-align:center;font-weight:bold;width:30%}
.good{font-weight:bold}.bad{font-weight:bold;text-decoration:underline}.note{white-space:pre-wrap}
.section{break-before:page;page-break-before:always}
@media screen{body{margin:12px;background:#ddd}.sheet{background:#fff;max-width:277mm;padding:10mm;margin:0 auto}}"""
VERDICT_WORDS = {"good": N_("Runs well"), "not-good": N_("Does not run well"),
                 "not-measured": N_("Not assessed")}


def render_monev(form: MonevForm, *, zone: tzinfo | None, working: bool) -> str:
    """The whole form: identity, one row per step, then the evaluation beside the previous semester's."""
    words = WordsOf(zone)
    title = translate(N_("Monitoring of the SOP {name}, semester {period}", name=form.name, period=form.period))
    parts = ["<!DOCTYPE html>", f'<html lang="{escape(_lang())}"><head><meta charset="utf-8">',
             f"<title>{escape(title)}</title>", f"<style>{_CSS}</style></head><body><div class=\"sheet\">",
             f"<h1>{escape(fixed_text('MONITORING OF SOP IMPLEMENTATION'))}</h1>", _identity(form, words),
             _steps_table(form, words, working), _evaluation(form, words), "</div></body></html>\n"]
    return "\n".join(parts)


def _lang() -> str:
    from engine.common.i18n import language

    return language()


def _identity(form: MonevForm, words: WordsOf) -> str:
    sop = form.identity
    named = sop.get("disahkan_oleh")
    approver: dict[str, Any] = named if isinstance(named, dict) else {}
    org = "<br>".join(escape(str(x)).upper() for x in (sop.get("instansi"), sop.get("dinas")) if x)
    first, last = date.fromisoformat(form.since), date.fromisoformat(form.until)
    period = translate(N_("Semester {half} of {year} ({first} to {last})", half=form.period[-1],
                          year=form.period[:4], first=words.date(first), last=words.date(last)))
    threshold = translate(N_("a step runs well when at least {share} of it was done within its Mutu Baku time",
                             share=_percent(form.threshold) + "%"))
    fields = [(fixed_text("SOP name"), f"<b>{escape(str(sop.get('nama') or form.name))}</b>"),
              (fixed_text("SOP number"), escape(str(sop.get("nomor") or "-"))),
              (fixed_text("Effective date"), escape(words.day(str(sop.get("tanggal_efektif") or "")) or "-")),
              (fixed_text("Approved by"), escape(" ".join(str(approver.get(k) or "") for k in ("jabatan", "nama"))
                                                  .strip() or "-")),
              (fixed_text("Period"), escape(period)),
              (fixed_text("Assessment"), escape(threshold))]
    rows = [f'<tr><td class="org" rowspan="{len(fields)}">{org or escape(form.name)}</td>'
            f'<td class="label">{fields[0][0]}</td><td>{fields[0][1]}</td></tr>']
    rows += [f'<tr><td class="label">{escape(label)}</td><td>{value}</td></tr>' for label, value in fields[1:]]
    return '<table class="identity">' + "".join(rows) + "</table>"


def _percent(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _steps_table(form: MonevForm, words: WordsOf, working: bool) -> str:
    heads = [N_("No."), N_("Procedure"), N_("Mutu Baku time"), N_("Assessment"), N_("Done"), N_("On time"),
             N_("Late"), N_("Median"), N_("p90"), N_("Returned for revision"), N_("Overdue now"), N_("Notes"),
             N_("Action"), N_("Initials")]
    head = "<tr>" + "".join(f"<th>{escape(fixed_text(h))}</th>" for h in heads) + "</tr>"
    body = [_step_row(step, working) for step in form.steps]
    return "<table class=\"steps\"><thead>" + head + "</thead><tbody>" + "".join(body) + "</tbody></table>"


def _step_row(step: MonevStep, working: bool) -> str:
    measured = step.share is not None
    said = fixed_text(VERDICT_WORDS[step.verdict])
    if measured:
        said += f" ({round(step.share * 100)}%)"  # type: ignore[operator]
    mark = {"good": "good", "not-good": "bad"}.get(step.verdict, "")
    note = step.note
    cells = [f'<td class="num">{escape(step.nomor)}</td>', f"<td>{escape(step.name)}</td>",
             f"<td>{escape(duration_words(step.sla, working=working))}</td>",
             f'<td class="{mark}">{escape(said)}</td>',
             f'<td class="num">{step.done}</td>',
             f'<td class="num">{step.on_time if measured else "-"}</td>',
             f'<td class="num">{step.late if measured else "-"}</td>',
             f"<td>{escape(seconds_words(step.median_seconds, working))}</td>",
             f"<td>{escape(seconds_words(step.p90_seconds, working))}</td>",
             f'<td class="num">{step.returned}</td>', f'<td class="num">{step.overdue}</td>',
             f'<td class="note">{escape(note.catatan if note else "")}</td>',
             f'<td class="note">{escape(note.tindakan if note else "")}</td>',
             f"<td>{escape(note.paraf if note else '')}</td>"]
    return "<tr>" + "".join(cells) + "</tr>"


def seconds_words(seconds: float | None, working: bool) -> str:
    """Working seconds in words, to the minute: "2 jam kerja 30 menit"; "-" for none."""
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    if minutes < 1:
        return fixed_text("under a minute")
    hours, minutes = divmod(minutes, 60)
    return duration_words("PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else ""),
                          working=working)


def _evaluation(form: MonevForm, words: WordsOf) -> str:
    heads = [N_("No."), N_("Criterion"), N_("This semester"), N_("Note"), N_("Previous semester"), N_("Note")]
    rows = []
    current, previous = form.evaluation, form.previous
    for number, (key, text) in enumerate(_criteria(), 1):
        now = _answer(current, key, words)
        before = _answer(previous, key, words)
        rows.append(f'<tr><td class="num">{number}</td><td>{escape(fixed_text(text))}</td><td>{escape(now[0])}</td>'
                    f'<td class="note">{escape(now[1])}</td><td>{escape(before[0])}</td>'
                    f'<td class="note">{escape(before[1])}</td></tr>')
    head = "<tr>" + "".join(f"<th>{escape(fixed_text(h))}</th>" for h in heads) + "</tr>"
    return (f'<div class="section"><h2>{escape(fixed_text("EVALUATION OF THE SOP"))}</h2>'
            f"<p>{escape(figures_words(form))}</p><p>{escape(_by(current, words))}</p>"
            f'<table class="evaluation"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></div>')


def figures_words(form: MonevForm) -> str:
    """The semester's figures in one sentence, beside the evaluation."""
    return translate(N_("This semester: {good} of {assessed} assessed steps ran well; {done} steps done, {late} of "
                        "them late; {returned} returns for revision; {overdue} tasks overdue now.",
                        **form.figures()))


def _criteria() -> tuple[tuple[str, str], ...]:
    from engine.common.monev_values import CRITERIA

    return CRITERIA


def _answer(evaluation: MonevEvaluation | None, key: str, words: WordsOf) -> tuple[str, str]:
    if evaluation is None:
        return "-", ""
    found = next((a for a in evaluation.answers if a.key == key), None)
    return (words.boolean(found.yes), found.note) if found else ("-", "")


def _by(evaluation: MonevEvaluation | None, words: WordsOf) -> str:
    if evaluation is None:
        return fixed_text("Not evaluated yet for this semester.")
    return translate(N_("Evaluated by {person} on {moment}.", person=evaluation.by,
                        moment=words.moment(evaluation.time)))
