"""The shared spreadsheet writer: formula neutralising, number formats, text ids."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from tikscope.metrics.post_rows import PostRow
from tikscope.metrics.registry import metrics_by_name
from tikscope.metrics.run import MetricLine
from tikscope.reports.spreadsheet import csv_text, neutralize, table_csv, table_xlsx
from tikscope.reports.tables import metrics_table, post_columns, posts_table

POSTS = [
    PostRow({"post_id": "7385240418897295039", "caption": "=cmd|' /C calc'!A0",
             "published": datetime(2026, 3, 22, 23, 30), "views": -3, "full_watch_rate": 0.0759}),
    PostRow({"post_id": "7385240418897295040", "caption": None, "published": None, "views": 50000,
             "full_watch_rate": None}, "deleted"),
]  # fmt: skip
NAMES = ["post_id", "caption", "published", "views", "full_watch_rate"]


def test_neutralize_prefixes_formula_text_but_not_numbers() -> None:
    cells = ["=1+1", "+33 600", "-20% off", "@SUM(A1)", "\tx", "\rx", "plain", "", -5, -0.5, None]
    assert [neutralize(cell) for cell in cells] == [
        "'=1+1", "'+33 600", "'-20% off", "'@SUM(A1)", "'\tx", "'\rx", "plain", "", -5, -0.5, None,
    ]  # fmt: skip


def test_table_xlsx_labels_formats_whole_captions_and_safe_text() -> None:
    table = posts_table(POSTS, post_columns(NAMES))
    sheet = load_workbook(io.BytesIO(table_xlsx(table, sheet="posts")))["posts"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Post id", "Caption", "Published", "Views", "Full video watched %", "Data quality"],
        ["7385240418897295039", "'=cmd|' /C calc'!A0", datetime(2026, 3, 22, 23, 30), -3,
         0.0759, None],
        ["7385240418897295040", None, None, 50000, None, "deleted"],
    ]  # fmt: skip
    assert [cell.number_format for cell in sheet[2]] == [
        "@", "@", "yyyy-mm-dd hh:mm:ss", "#,##0", "0.0%", "@",
    ]  # fmt: skip
    assert sheet.freeze_panes == "A2"


def test_table_csv_has_labels_whole_values_and_flags() -> None:
    # the page shows a caption shortened; the file holds it whole
    long = PostRow({"post_id": "1", "caption": "A caption far longer than forty characters, whole",
                    "published": None, "views": 7, "full_watch_rate": None})  # fmt: skip
    table = posts_table([*POSTS, long], post_columns(NAMES))
    assert table_csv(table) == (
        "Post id,Caption,Published,Views,Full video watched %,Data quality\n"
        "7385240418897295039,'=cmd|' /C calc'!A0,2026-03-22T23:30:00,-3,0.0759,\n"
        "7385240418897295040,,,50000,,deleted\n"
        '1,"A caption far longer than forty characters, whole",,7,,\n'
    )


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


def test_metrics_table_xlsx_formats_each_value_in_its_metric_unit() -> None:
    by_name = metrics_by_name()
    lines = [
        MetricLine(by_name["followers"], 50000.0, None, None, compared=True, previous=40000.0),
        MetricLine(by_name["new_viewers_share"], 0.0759, None, None, compared=True, previous=None),
        MetricLine(by_name["followers_gained"], None, "import Studio's Followers export", None,
                   compared=True),
    ]  # fmt: skip
    table = metrics_table(lines)
    sheet = load_workbook(io.BytesIO(table_xlsx(table, sheet="metrics")))["metrics"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Section", "Metric", "Value", "Unit", "Previous period", "Change", "Change %", "Note"],
        ["Community", "Followers", 50000, "count", 40000, 10000, 25.0, None],
        ["Studio-style views", "New viewers %", 0.0759, "fraction (0-1)", None, None, None, None],
        ["Community", "Followers gained", None, "count", None, None, None,
         "import Studio's Followers export"],
    ]  # fmt: skip
    # a count reads 50,000 and a share 7.6%: each value in its own metric's unit
    assert [sheet.cell(row, 3).number_format for row in (2, 3)] == ["#,##0", "0.0%"]
    assert [sheet.cell(row, 5).number_format for row in (2, 3)] == ["#,##0", "0.0%"]
    assert table_csv(table).splitlines()[1] == "Community,Followers,50000,count,40000,10000,25.0,"
