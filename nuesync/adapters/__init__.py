"""The adapters: the only modules that know each system's wire format."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from nuesync.config import Settings

if TYPE_CHECKING:
    from nuesync.adapters.nue import NueAdapter
    from nuesync.adapters.salesforce import SalesforceAdapter


def connect(settings: Settings, environ: Mapping[str, str]) -> tuple[NueAdapter, SalesforceAdapter]:
    """Both adapters, logged in; the caller closes them. Secrets are read from `environ` here."""
    from nuesync.adapters.nue import NueAdapter
    from nuesync.adapters.salesforce import SalesforceAdapter

    nue = NueAdapter(settings, environ=environ)
    try:
        return nue, SalesforceAdapter(settings, environ=environ)
    except BaseException:
        nue.close()
        raise


@contextmanager
def open_systems(settings: Settings, environ: Mapping[str, str]) -> Iterator[tuple[NueAdapter, SalesforceAdapter]]:
    """Both adapters for one run, closed afterwards."""
    nue, salesforce = connect(settings, environ)
    try:
        yield nue, salesforce
    finally:
        nue.close()
        salesforce.close()
