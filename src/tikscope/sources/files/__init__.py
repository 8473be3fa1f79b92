"""Importers for files users download from TikTok, and a generic audience import.

Pure parsing: a path in, `Extract`s out (see `detect.read_files`). Kinds read:

- TikTok Studio export CSVs (or their zips), headers in English, Spanish, Portuguese, French
  and German, dates in any of TikTok's interface languages (`studio`, words in `studio_words`,
  month and weekday names from CLDR in `calendar_words`);
- the "Download your data" archive, as JSON (`archive`) or as its TXT lists (`archive_text`);
- an audience members CSV with follow edges as CSV, GraphML (`graphml`), GML (`gml`) or GEXF
  (`gexf`) (`audience_files`).
"""

from __future__ import annotations

from tikscope.sources.files.detect import read_files

__all__ = ["read_files"]
