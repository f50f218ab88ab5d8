"""Things that leave Palier: the self-contained HTML report (spreadsheet-safe CSV is
`analytics.metrics.csvsafe`).

No streamlit here: the command line and the pages build the same files.
"""
