"""The adapters: the only modules that know each system's wire format."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from nuesync.config import Settings

if TYPE_CHECKING:
    from nuesync.adapters.nue import NueAdapter
    from nuesync.adapters.salesforce import SalesforceAdapter


@contextmanager
def open_systems(settings: Settings, environ: Mapping[str, str]) -> Iterator[tuple[NueAdapter, SalesforceAdapter]]:
    """Both adapters for one run, closed afterwards; secrets are read from `environ` here."""
    from nuesync.adapters.nue import NueAdapter
    from nuesync.adapters.salesforce import SalesforceAdapter

    nue = NueAdapter(settings, environ=environ)
    try:
        salesforce = SalesforceAdapter(settings, environ=environ)
    except BaseException:
        nue.close()
        raise
    try:
        yield nue, salesforce
    finally:
        nue.close()
        salesforce.close()

