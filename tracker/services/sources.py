"""Sources: the documents claims appear in, with their text kept for checking quotes.

A source is written by ``tracker.services.entry.save_source`` (the one home
of that write, for ``add-source`` and seed files alike); this module finds a
recorded one as a model, for the edits and the pages that show it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tracker.models import Source
from tracker.services import entry
from tracker.services.rules import SOURCE_FIELDS as SOURCE_FIELDS
from tracker.services.rules import content_hash as content_hash
from tracker.services.rules import refuse_other_source as refuse_other_source
from tracker.services.rules import source_values as source_values
from tracker.writes import SessionWriter


def require_source(session: Session, ref: str) -> Source:
    """A source by slug, URL or numeric id (``entry.require_source``)."""
    source = session.get(Source, entry.require_source(SessionWriter(session), ref)["id"])
    assert source is not None
    return source
