"""Helpers every stage uses: settings and paths, SQL files, atomic writes, curator-facing problems, the spreadsheet rule, table descriptions."""
