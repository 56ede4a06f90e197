"""Optional OCR for PDF pages without a text layer (scans), with the ``ocr`` extra.

``pip install 'duizhao[ocr]'`` brings rapidocr-onnxruntime, whose detection and recognition
models ship inside the wheel: nothing is downloaded, ever. Without it, a scanned PDF is named as
needing OCR. A page is rendered at twice its size and the recognised text boxes become runs in
PDF coordinates, so pdf_layout orders them, drops page furniture and joins paragraphs as for a
text layer. ``DUIZHAO_OCR=0`` turns OCR off even where the extra is installed (it takes a few
seconds a page).
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from typing import Any

from duizhao.read.pdf_layout import Run

_SCALE = 2.0


def available() -> bool:
    """True when the OCR extra is installed and not turned off by ``DUIZHAO_OCR=0``."""
    if os.environ.get("DUIZHAO_OCR", "").strip().lower() in ("0", "off", "no", "false"):
        return False
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@lru_cache(maxsize=1)
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR  # lazy: loads onnxruntime and the models

    return RapidOCR()


def page_runs(page: Any) -> list[Run]:
    """The text an OCR engine reads on a rendered PDF page, as runs in PDF coordinates."""
    height = page.get_height()
    bitmap = page.render(scale=_SCALE)
    try:
        image = bitmap.to_numpy()
        result, _ = _engine()(image)
    finally:
        bitmap.close()
    runs: list[Run] = []
    for box, text, _score in result or []:
        xs = [float(point[0]) / _SCALE for point in box]
        ys = [float(point[1]) / _SCALE for point in box]
        runs.append(Run(str(text), min(xs), height - max(ys), max(xs), height - min(ys)))
    return runs
