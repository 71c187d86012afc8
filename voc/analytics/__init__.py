"""Analytics over the analysed store: scorecards, trend alerts, key drivers, weekly digests.

Everything reads the rollup tables (`voc.store.analytics_tables`) that `rollups.update_rollups`
keeps current, so reading never scans all feedback. Nothing here runs at import.
"""
