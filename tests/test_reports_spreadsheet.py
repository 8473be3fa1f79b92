"""The shared spreadsheet writer: formula neutralising, number formats, text ids."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from tikscope.reports.spreadsheet import csv_text, neutralize, post_sheet_columns, xlsx_bytes


def test_neutralize_prefixes_formula_text_but_not_numbers() -> None:
    cells = ["=1+1", "+33 600", "-20% off", "@SUM(A1)", "\tx", "\rx", "plain", "", -5, -0.5, None]
    assert [neutralize(cell) for cell in cells] == [
        "'=1+1", "'+33 600", "'-20% off", "'@SUM(A1)", "'\tx", "'\rx", "plain", "", -5, -0.5, None,
    ]  # fmt: skip


def test_xlsx_bytes_labels_formats_and_safe_text() -> None:
    rows = [{"post_id": "7385240418897295039", "caption": "=cmd|' /C calc'!A0",
             "published": datetime(2026, 3, 22, 23, 30), "views": -3, "flags": ""}]  # fmt: skip
    columns = post_sheet_columns(["post_id", "caption", "published", "views", "flags"], labels=True)
    sheet = load_workbook(io.BytesIO(xlsx_bytes(columns, rows, sheet="posts")))["posts"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Post id", "Caption", "Published", "Views", "Data quality"],
        ["7385240418897295039", "'=cmd|' /C calc'!A0", datetime(2026, 3, 22, 23, 30), -3, None],
    ]
    assert [cell.number_format for cell in sheet[2]] == [
        "@", "@", "yyyy-mm-dd hh:mm:ss", "#,##0", "@",
    ]  # fmt: skip
    assert sheet.freeze_panes == "A2"


def test_csv_text_neutralises_cells_keeps_numbers_and_quotes_line_breaks() -> None:
    rows = [
        ['=HYPERLINK("http://x.example","y")', -2.5, None, datetime(2026, 3, 22, 23, 30)],
        ["x\r=cmd|' /C calc'!A0", -3, ["-a", "b"], "a\nb"],
    ]
    assert csv_text(["name", "=value", "tags", "time"], rows) == (
        "name,'=value,tags,time\n"
        '"\'=HYPERLINK(""http://x.example"",""y"")",-2.5,,2026-03-22T23:30:00\n'
        '"x\r=cmd|\' /C calc\'!A0",-3,"[""-a"", ""b""]","a\nb"\n'
    )
    assert csv_text(["a"], [["-1"], [-1]], line_end="\r\n") == "a\r\n'-1\r\n-1\r\n"
