"""The rows a cycle stores are named tuples whose fields are the tables' columns, in order."""

from __future__ import annotations

from aidledger.disbursement.entitlement.rows import LINE_COLUMNS, TRACK_COLUMNS, LineRow, TrackRow
from aidledger.disbursement.payments.tables import CycleLine, CycleTrack


def test_a_line_row_is_a_cycle_lines_row():
    assert LINE_COLUMNS == LineRow._fields
    assert list(LINE_COLUMNS) == [c.name for c in CycleLine.__table__.columns]


def test_a_track_row_is_a_cycle_tracks_row():
    assert TRACK_COLUMNS == TrackRow._fields
    assert list(TRACK_COLUMNS) == [c.name for c in CycleTrack.__table__.columns]
