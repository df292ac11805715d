"""Picture figures: `sop diagram` of an instance (SVG) and `sop sheet` (HTML) each against `sop show` of the same
instance, whole processes measured side by side; and the time to print the sheet as PDF (WeasyPrint)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "examples" / "interkoneksi_data_baru" / "data"
PROCESS = "interkoneksi_data_baru"
STEPS = [("AjukanPermohonan", "01_surat_permohonan", "opd.dinkes"), ("DisposisiKadis", "02_disposisi_kadis", "kadis"),
         ("AnalisaKabid", "03_analisa_kabid", "kabid.egov"), ("SurveyTeknis", "04_survey_teknis", "tim.jaringan"),
         ("AnalisaTopologi", "05_analisa_topologi_tunda", "kasi.infra")]  # as the roles file names the people


def measure(tmp: Path, sop: str, repeat: int,
            commands_seconds: Callable[[dict[str, list[str]], int], dict[str, float]]) -> dict[str, Any]:
    """Median seconds of each command on an instance five steps into the SOP (tunda path), and the ratios."""
    import shutil

    definitions = tmp / "pictures-definitions"  # without roles.yaml: single-user mode, as the tests run
    shutil.copytree(ROOT / "definitions", definitions, ignore=shutil.ignore_patterns("roles.yaml"))
    where = ["--db", str(tmp / "pictures.db"), "--definitions", str(definitions), "--forms", str(ROOT / "forms")]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run([sop, *where, "start", PROCESS, "--as", "opd.dinkes"], **quiet)  # type: ignore[call-overload]
    for task, data, actor in STEPS:
        subprocess.run([sop, *where, "complete", "1", task, "--data", str(DATA / f"{data}.yaml"), "--as", actor],
                       **quiet)  # type: ignore[call-overload]
    timed = commands_seconds({
        "show": [sop, *where, "show", "1"],
        "diagram": [sop, *where, "diagram", "1"],
        "sheet": [sop, *where, "sheet", PROCESS],
    }, repeat)
    out: dict[str, Any] = {name: round(seconds * 1000, 1) for name, seconds in timed.items()}
    out["diagram_ratio"] = round(timed["diagram"] / timed["show"], 2)
    out["sheet_ratio"] = round(timed["sheet"] / timed["show"], 2)
    pdf = tmp / "sheet.pdf"
    try:
        t0 = time.perf_counter()
        subprocess.run([sop, *where, "sheet", PROCESS, "-o", str(pdf)], **quiet)  # type: ignore[call-overload]
        out["pdf"] = round((time.perf_counter() - t0) * 1000, 1)
    except subprocess.CalledProcessError:
        out["pdf"] = None  # WeasyPrint (the pdf extra) is not installed
    return out


def lines(figures: dict[str, Any]) -> list[str]:
    """The (i) line of `make bench`."""
    pdf = f"{figures['pdf']:.0f} ms" if figures["pdf"] is not None else "not measured (no WeasyPrint)"
    return [
        f"(i) `sop diagram` of an instance (SVG): {figures['diagram']:.1f} ms vs `sop show` {figures['show']:.1f} ms"
        f" -> ratio {figures['diagram_ratio']:.2f} (target <= 2); `sop sheet` (HTML): {figures['sheet']:.1f} ms "
        f"-> ratio {figures['sheet_ratio']:.2f} (target <= 2); the sheet as PDF: {pdf}",
    ]
